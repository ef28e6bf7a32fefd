"""Command-line wrapper of ``vitiscore.training.check_facial_area`` (its docstring says what it does)."""

import sys

from vitiscore.training.check_facial_area import main

if __name__ == "__main__":
    sys.exit(main())
