import sys

from simsvc.cli import main

sys.exit(main())
