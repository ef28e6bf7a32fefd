"""One module per command of the ``vitiscore`` CLI; each has ``run(args) -> exit code`` over the Python API."""

EXIT_OK, EXIT_USAGE, EXIT_SOME_FAILED = 0, 2, 3
