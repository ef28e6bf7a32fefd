"""The generated references match what they are generated from (regenerate: python scripts/make_docs.py)."""

from pathlib import Path

import pytest

from vitiscore import parser, schema

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "path, render", [(schema.DOC_PATH, schema.render_markdown), (parser.CLI_DOC_PATH, parser.render_markdown)]
)
def test_generated_reference_is_fresh(path, render):
    assert (ROOT / path).read_text(encoding="utf-8") == render(), f"{path} is stale: run python scripts/make_docs.py"


def test_every_results_column_is_documented_once():
    text = (ROOT / schema.DOC_PATH).read_text(encoding="utf-8")
    for table in schema.TABLES:
        assert len(set(table.names)) == len(table.names), f"{table.file} declares a column twice"
    for name in schema.RESULTS.names:
        assert f"| `{name}` |" in text


def test_cli_reference_names_every_option_of_score():
    text = (ROOT / parser.CLI_DOC_PATH).read_text(encoding="utf-8")
    for option in ("--manifest", "--eyelids", "--skip-existing", "--model", "--max-pose"):
        assert option in text


def test_the_segmenter_example_in_the_models_guide_runs(astronaut):
    # The example marks the brightest 5 % of the facial area's crop pixels: about 0.05 of the facial area.
    import re

    import vitiscore

    code = re.search(r"```python\n(.*?)```", (ROOT / "docs" / "models.md").read_text(), re.S).group(1)
    exec(code, {})  # registers "brightest-5pct"
    result = vitiscore.score_image(astronaut, vitiscore.ScoreOptions(model="brightest-5pct"))
    assert result.status == "ok"
    assert 0.03 < result.depigmented_fraction < 0.07
