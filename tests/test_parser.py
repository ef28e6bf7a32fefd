"""The parser: list options collect every use of the option."""

from vitiscore.parser import build_parser


def test_a_repeated_list_option_keeps_every_value():
    parse = build_parser().parse_args
    args = parse(
        [
            "validate",
            "p.csv",
            "r.csv",
            "-o",
            "o",
            "--ref-col",
            "r1",
            "--ref-col",
            "r2",
            "r3",
            "--strata",
            "site",
            "--strata",
            "ita_band",
        ]
    )
    assert args.ref_col == ["r1", "r2", "r3"] and args.strata == ["site", "ita_band"]
    assert args.on == ["image_id"]  # the default, untouched
    args = parse(["validate", "p.csv", "r.csv", "-o", "o", "--on", "subject_id", "--on", "visit"])
    assert args.on == ["subject_id", "visit"]  # replaces the default, not added to it
    args = parse(["compare", "s.csv", "-o", "o", "--baseline", "b", "--followup", "w12", "--followup", "w24"])
    assert args.followup == ["w12", "w24"] and args.strata == []
