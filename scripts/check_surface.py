"""Command-line wrapper of ``vitiscore.training.check_surface`` (its docstring says what it does and how to run it)."""

import sys

from vitiscore.training.check_surface import main

if __name__ == "__main__":
    sys.exit(main())
