"""One module per command of the ``vitiscore`` CLI: ``HELP`` (its line in ``vitiscore --help``) and ``DESCRIPTION``,
``add_arguments(parser)`` declares the command's options on the subparser :mod:`vitiscore.parser` made, and
``run(args) -> exit code`` calls the Python API (heavy imports inside ``run``, so that ``--help`` stays quick).
"""

EXIT_OK, EXIT_USAGE, EXIT_SOME_FAILED = 0, 2, 3
