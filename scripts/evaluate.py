"""Command-line wrapper of ``vitiscore.training.evaluate`` (its docstring says what it does and how to run it)."""

import sys

from vitiscore.training.evaluate import main

if __name__ == "__main__":
    sys.exit(main())
