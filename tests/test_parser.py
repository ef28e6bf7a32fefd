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


def test_the_list_of_commands_loads_neither_numpy_nor_opencv():
    # `vitiscore --help` used to import OpenCV and NumPy through the commands' defaults (about 0.3 s a call).
    import subprocess
    import sys

    code = (
        "import sys\nfrom vitiscore import cli\ntry:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('cv2', 'numpy', 'torch') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "score photos into an output folder" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_only_the_chosen_command_is_declared_in_full():
    from vitiscore.parser import chosen_command

    assert chosen_command(["-q", "score", "in", "-o", "out"]) == "score"
    assert chosen_command(["--help"]) is None
    assert chosen_command(["scroe"]) is None
    parser = build_parser(declare=("compare",))
    args = parser.parse_args(["compare", "s.csv", "-o", "o", "--baseline", "b", "--followup", "w24"])
    assert args.command == "compare"
