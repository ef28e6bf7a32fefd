"""Regenerate the generated references: docs/outputs.md (from vitiscore.schema) and docs/cli.md (from the parser).

    python scripts/make_docs.py

tests/test_docs.py fails when either file is stale.
"""

from pathlib import Path

from vitiscore import parser, schema

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    for path, text in ((schema.DOC_PATH, schema.render_markdown()), (parser.CLI_DOC_PATH, parser.render_markdown())):
        (ROOT / path).write_text(text, encoding="utf-8")
        print(f"wrote {path}")
