import sys

from simsvc.console import main

sys.exit(main())
