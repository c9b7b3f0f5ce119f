"""`python -m optlib ...`: the same as the `optlib` command."""
import sys

from .cli import main

sys.exit(main())
