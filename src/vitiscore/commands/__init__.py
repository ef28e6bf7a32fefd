"""One module per command of the ``vitiscore`` CLI: ``add_arguments(subparsers)`` declares the command's options
and ``run(args) -> exit code`` calls the Python API (heavy imports inside ``run``, so that ``--help`` stays quick).
"""

EXIT_OK, EXIT_USAGE, EXIT_SOME_FAILED = 0, 2, 3
