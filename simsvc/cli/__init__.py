"""The ``simsvc`` command line: arguments (:mod:`.arguments`) and commands (:mod:`.main`)."""
