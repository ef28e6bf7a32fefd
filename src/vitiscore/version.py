"""The package version: the one place it is written (pyproject.toml reads it from here)."""

__version__ = "0.1.0"


def tool_header(command: str | None = None) -> dict:
    """The fields that open every JSON file the tool writes: the tool, the command that wrote it (if any) and the
    tool's version."""
    header = {"tool": "vitiscore"}
    if command is not None:
        header["command"] = command
    header["tool_version"] = __version__
    return header
