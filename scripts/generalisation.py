"""Command-line wrapper of ``vitiscore.training.generalisation`` (its docstring says what it does and how to run it)."""

import sys

from vitiscore.training.generalisation import main

if __name__ == "__main__":
    sys.exit(main())
