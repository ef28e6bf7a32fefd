"""Input and output: photos (:mod:`.photos`), output files and tables (:mod:`.files`), masks (:mod:`.masks`)
and the manifest of a multi-view study (:mod:`.manifest`)."""

from vitiscore.io.files import (
    append_jsonl,
    file_sha256,
    output_folder,
    read_jsonl,
    read_points,
    read_run_json,
    read_table_csv,
    safe_name,
    write_bytes,
    write_csv,
    write_json,
    write_jsonl,
    write_png,
    write_points,
)
from vitiscore.io.photos import (
    ACCEPTED_FORMATS,
    DEFAULT_MAX_PIXELS,
    PHOTO_SUFFIXES,
    Photo,
    PhotoError,
    discover_photos,
    image_ids,
    load_photo,
)

__all__ = [
    "ACCEPTED_FORMATS",
    "DEFAULT_MAX_PIXELS",
    "PHOTO_SUFFIXES",
    "Photo",
    "PhotoError",
    "append_jsonl",
    "discover_photos",
    "file_sha256",
    "image_ids",
    "load_photo",
    "output_folder",
    "read_jsonl",
    "read_points",
    "read_run_json",
    "read_table_csv",
    "safe_name",
    "write_bytes",
    "write_csv",
    "write_json",
    "write_jsonl",
    "write_points",
    "write_png",
]
