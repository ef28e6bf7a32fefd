"""Command-line wrapper of ``vitiscore.training.make_demo_data`` (its docstring says what it does and how to run it)."""

import sys

from vitiscore.training.make_demo_data import main

if __name__ == "__main__":
    sys.exit(main())
