"""Whether two output folders of vitiscore hold the same results: every file present in both, byte for byte, except
what differs between any two runs by design (the run id, times and durations, the command line and package
versions), which is left out of the comparison of CSV, JSON and JSONL files and of the HTML report.

    python -m research.same_outputs BEFORE_OUT AFTER_OUT

Exit code 0 when they are the same; 1 with the differing files listed. Used to check that a change to the code
(a refactoring, a faster decoder) left every output of the demo as it was.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from pathlib import Path

# What a rerun changes by design.
RUN_KEYS = {"run_id", "started", "elapsed_s", "seconds_by_stage", "photos_per_second", "arguments", "versions"}
RUN_COLUMNS = {"run_id"}
# Files that say who holds the folder now, not what the run computed.
RUN_FILES = {".vitiscore.lock"}
# In the report: the run id and the date it was written.
RUN_TEXT = re.compile(r"\b[0-9a-f]{32}\b|\d{4}-\d{2}-\d{2}[T ][\d:+.Z]+")


def _without_run_keys(value):
    if isinstance(value, dict):
        return {k: _without_run_keys(v) for k, v in value.items() if k not in RUN_KEYS}
    if isinstance(value, list):
        return [_without_run_keys(v) for v in value]
    return value


def comparable(path: Path, out_dir: Path) -> object:
    """The content of ``path`` (a file of the output folder ``out_dir``) with what a rerun changes by design left
    out."""
    data = path.read_bytes()
    if path.suffix not in (".csv", ".json", ".jsonl", ".html"):
        return data
    text = data.decode("utf-8").replace(str(out_dir.resolve()), "OUT").replace(out_dir.name, "OUT")
    if path.suffix == ".csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        return [{k: v for k, v in row.items() if k not in RUN_COLUMNS} for row in rows]
    if path.suffix == ".json":
        return _without_run_keys(json.loads(text))
    if path.suffix == ".jsonl":
        # the journal is in the order the photos finished, which workers decide
        rows = [_without_run_keys(json.loads(line)) for line in text.splitlines() if line.strip()]
        return sorted(rows, key=lambda row: json.dumps(row, sort_keys=True))
    return RUN_TEXT.sub("", text)


def differences(before: Path, after: Path) -> list[str]:
    """The relative paths that differ, are missing from ``after`` or are new in it."""
    files_before = {p.relative_to(before) for p in before.rglob("*") if p.is_file() and p.name not in RUN_FILES}
    files_after = {p.relative_to(after) for p in after.rglob("*") if p.is_file() and p.name not in RUN_FILES}
    problems = [f"only in {before}: {p}" for p in sorted(files_before - files_after)]
    problems += [f"only in {after}: {p}" for p in sorted(files_after - files_before)]
    for relative in sorted(files_before & files_after):
        if comparable(before / relative, before) != comparable(after / relative, after):
            problems.append(f"differs: {relative}")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    problems = differences(args.before, args.after)
    n = sum(1 for p in args.before.rglob("*") if p.is_file())
    sys.stdout.write("\n".join(problems) + "\n" if problems else f"the same: {n} files\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
