"""The errors a user can fix, which the CLI turns into one message and exit code 2 (any other exception is a bug
and shows its traceback).

``UsageError`` is a ``ValueError`` (a bad argument, option or input table); ``MissingInputError`` is also a
``FileNotFoundError`` (a named file or folder that does not exist), so code that catches the built-in types keeps
working. ``MissingDependencyError`` is a package absent from the installation; its message holds the command that
installs it.
"""


class UsageError(ValueError):
    """A bad argument, option or input that the user can correct; the message names it."""


class MissingInputError(UsageError, FileNotFoundError):
    """A file or folder named as input does not exist."""


class DiskFullError(UsageError):
    """The disk holding the output folder is full; the message says how much is free and how to go on."""


class MissingDependencyError(ImportError):
    """A package this command needs is not installed; the message holds the command that installs it."""
