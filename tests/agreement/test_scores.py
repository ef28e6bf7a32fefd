"""`vitiscore validate` and `validate-masks`: published tables, hand-computed values and degenerate inputs."""

import csv
import json
import math

import numpy as np
import pytest
from PIL import Image

from tests.support import MINI_WRIGHT, SHROUT_FLEISS, WRIGHT, run_cli
from vitiscore.agreement import stats
from vitiscore.agreement.masks import folder_agreement
from vitiscore.agreement.scores import SEVEN_DEGREES, validate
from vitiscore.files.masks import mask_id
from vitiscore.report.validation import write_validation


def _write(path, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _tables(tmp_path, pred, ref_columns, extra=None):
    """pred: values; ref_columns: {name: values}; image ids img0, img1, ..."""
    p = [{"image_id": f"img{i}", "fvasi": v, **(extra(i) if extra else {})} for i, v in enumerate(pred)]
    r = [{"image_id": f"img{i}", **{c: vals[i] for c, vals in ref_columns.items()}} for i in range(len(pred))]
    return _write(tmp_path / "pred.csv", p), _write(tmp_path / "ref.csv", r)


def _run(*args):
    return run_cli(*args)


@pytest.mark.slow
def test_shrout_fleiss_through_the_command(tmp_path):
    # judge 1 as "the tool", judges 2-4 as three reference columns: the ICC over all four is the published one
    table = np.array(SHROUT_FLEISS, float)
    pred, ref = _tables(tmp_path, table[:, 0], {f"judge{j}": table[:, j] for j in (1, 2, 3)})
    done = _run(
        "validate", str(pred), str(ref), "--ref-col", "judge1", "judge2", "judge3", "-o", str(tmp_path / "out"), "-q"
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "out" / "agreement.json").read_text())
    published = {"ICC1": 0.17, "ICC2": 0.29, "ICC3": 0.71, "ICC1k": 0.44, "ICC2k": 0.62, "ICC3k": 0.91}
    assert report["n"] == 6
    for form, value in published.items():
        entry = report["icc"][form]
        assert round(entry["value"], 2) == value
        assert entry["ci_low"] < entry["value"] < entry["ci_high"]
    assert "icc_references" in report  # the three judges among themselves
    for key in ("ccc", "mae", "rmse", "pearson", "spearman"):
        assert set(report[key]) >= {"value", "ci_low", "ci_high"}
    for name in ("bland_altman.png", "scatter.png"):
        assert (tmp_path / "out" / name).read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
def test_bland_altman_peak_flow_contract(tmp_path):
    pred, ref = _tables(tmp_path, WRIGHT, {"fvasi": MINI_WRIGHT})
    for loa_sd, limits in ((None, (-78.1, 73.9)), ("2", (-79.7, 75.5))):
        args = ["validate", str(pred), str(ref), "-o", str(tmp_path / "out"), "-q"]
        done = _run(*(args + (["--loa-sd", loa_sd] if loa_sd else [])))
        assert done.returncode == 0, done.stderr
        ba = json.loads((tmp_path / "out" / "agreement.json").read_text())["bland_altman"]
        assert (round(ba["bias"], 1), round(ba["sd"], 1)) == (-2.1, 38.8)
        if loa_sd is None:
            assert (round(ba["loa_low"], 1), round(ba["loa_high"], 1)) == limits
        else:  # the paper's -79.7 and 75.5 are the rounded bias -/+ 2 rounded SDs; unrounded -79.65 and 75.41
            assert ba["loa_low"] == pytest.approx(ba["bias"] - 2 * ba["sd"])
            assert ba["loa_high"] == pytest.approx(ba["bias"] + 2 * ba["sd"])
            bias, sd = round(ba["bias"], 1), round(ba["sd"], 1)
            assert (round(bias - 2 * sd, 1), round(bias + 2 * sd, 1)) == limits


def test_correlations_and_errors_by_hand(tmp_path):
    # x = 1..5, y = 2 1 4 3 5: Pearson r = Spearman rho = 0.8 (the values are their own ranks)
    x, y = [1, 2, 3, 4, 5], [2, 1, 4, 3, 5]
    z = 1.959963984540054
    pearson = stats.correlation(x, y, "pearson")
    assert pearson["value"] == pytest.approx(0.8)
    assert pearson["ci_low"] == pytest.approx(math.tanh(math.atanh(0.8) - z / math.sqrt(2)))
    spearman = stats.correlation(x, y, "spearman")
    assert spearman["value"] == pytest.approx(0.8)
    assert spearman["ci_high"] == pytest.approx(math.tanh(math.atanh(0.8) + z * math.sqrt((1 + 0.32) / 2)))
    assert stats.mean_errors([1, 2, 3], [2, 2, 5]) == pytest.approx({"mae": 1.0, "rmse": math.sqrt(5 / 3)})
    calls = stats.sensitivity_specificity([1, 1, 0, 0, 1], [1, 0, 0, 1, 1])
    assert calls["sensitivity"]["value"] == pytest.approx(2 / 3) and calls["specificity"]["value"] == 0.5
    assert (calls["sensitivity"]["n"], calls["specificity"]["n"]) == (3, 2)
    assert np.isnan(stats.sensitivity_specificity([1, 0], [0, 0])["sensitivity"]["value"])


def test_subjects_not_photos_are_resampled(tmp_path):
    rng = np.random.default_rng(4)
    truth = rng.uniform(0, 3, 25)
    pred = truth + rng.normal(0, 0.3, 25)
    once_p, once_r = _tables(tmp_path, pred, {"fvasi": truth}, extra=lambda i: {"subject_id": f"S{i}"})
    once, _ = validate(once_p, once_r, "image_id", subject_col="subject_id", n_resamples=400)
    # every subject photographed twice, with identical scores: no new information
    twice_dir = tmp_path / "twice"
    twice_dir.mkdir()
    twice_p, twice_r = _tables(
        twice_dir, np.repeat(pred, 2), {"fvasi": np.repeat(truth, 2)}, extra=lambda i: {"subject_id": f"S{i // 2}"}
    )
    clustered, _ = validate(twice_p, twice_r, "image_id", subject_col="subject_id", n_resamples=400)
    naive, _ = validate(twice_p, twice_r, "image_id", n_resamples=400)
    assert "subjects" in clustered["ci_method"] and (clustered["n"], clustered["n_subjects"]) == (50, 25)
    # Resampling subjects reproduces the interval of the 25 independent subjects exactly (same draws)...
    assert (clustered["mae"]["ci_low"], clustered["mae"]["ci_high"]) == pytest.approx(
        (once["mae"]["ci_low"], once["mae"]["ci_high"]), rel=1e-12
    )
    # ...while treating the 50 photos as independent pretends to know more.
    assert naive["mae"]["ci_high"] - naive["mae"]["ci_low"] < 0.85 * (once["mae"]["ci_high"] - once["mae"]["ci_low"])
    assert clustered["icc"]["ICC2"]["ci_low"] < clustered["icc"]["ICC2"]["value"] < clustered["icc"]["ICC2"]["ci_high"]


def test_joins_report_unmatched_and_unscored_rows(tmp_path):
    p = [{"image_id": f"img{i}", "status": "ok", "fvasi": v} for i, v in enumerate([0.5, 1.0, 1.5, 2.0])]
    p.append({"image_id": "img4", "status": "no_face", "fvasi": ""})
    p.append({"image_id": "only_pred", "status": "ok", "fvasi": 1})
    r = [{"image_id": f"img{i}", "fvasi": v} for i, v in enumerate([0.6, 1.1, 1.2, 2.2, 1.0])]
    r.append({"image_id": "only_ref", "fvasi": 2})
    report, pairs = validate(_write(tmp_path / "p.csv", p), _write(tmp_path / "r.csv", r), "image_id", n_resamples=100)
    assert (report["n"], report["n_unmatched"], report["n_dropped_missing"]) == (4, 2, 1)
    write_validation(report, pairs, tmp_path / "out", plots=False)
    with open(tmp_path / "out" / "unmatched.csv", newline="") as handle:
        rows = {r["key"]: r for r in csv.DictReader(handle)}
    assert rows["only_pred"]["found_in"] == "prediction only" and rows["only_ref"]["found_in"] == "reference only"
    assert "no_face" in rows["img4"]["reason"]


def test_degenerate_inputs_are_documented_not_crashes(tmp_path):
    pred, ref = _tables(tmp_path, [1.0, 1.0, 1.0, 1.0], {"fvasi": [1.0, 1.0, 1.0, 1.0]})
    report, pairs = validate(pred, ref, "image_id", n_resamples=50)
    assert report["icc"]["ICC2"]["value"] != report["icc"]["ICC2"]["value"]  # NaN in Python...
    write_validation(report, pairs, tmp_path / "out", plots=True)
    saved = json.loads((tmp_path / "out" / "agreement.json").read_text())
    assert saved["icc"]["ICC2"]["value"] is None and saved["ccc"]["value"] is None  # ...null in JSON
    assert any("constant" in note for note in saved["notes"])
    assert saved["bland_altman"]["bias"] == 0.0 and saved["mae"]["value"] == 0.0
    short_p, short_r = _tables(tmp_path, [1.0, 2.0], {"fvasi": [1.0, 2.5]})
    with pytest.raises(ValueError, match="at least 3 matched pairs"):
        validate(short_p, short_r, "image_id")
    done = _run("validate", str(short_p), str(short_r), "-o", str(tmp_path / "o2"))
    assert done.returncode == 2 and "at least 3 matched pairs" in done.stderr
    with pytest.raises(ValueError, match="lacks the column.*clinician"):
        validate(pred, ref, "image_id", ref_cols=["clinician"])


def test_categorical_degrees_and_responder_calls(tmp_path):
    pred_deg = [0, 10, 25, 50, 75, 90, 100, 50, 25, 75]
    ref_deg = [0, 10, 50, 50, 75, 100, 100, 25, 25, 90]
    pred, ref = _tables(tmp_path, pred_deg, {"fvasi": ref_deg})
    report, _ = validate(pred, ref, "image_id", categorical=True, n_resamples=50)
    entry = report["categorical"]["fvasi"]
    assert report["categorical"]["categories"] == list(SEVEN_DEGREES)
    for name, weights in (("unweighted", None), ("linear", "linear"), ("quadratic", "quadratic")):
        assert entry[name]["value"] == pytest.approx(
            stats.cohen_kappa(pred_deg, ref_deg, weights, SEVEN_DEGREES)["value"]
        )
    assert "sensitivity" not in entry
    calls_dir = tmp_path / "calls"
    calls_dir.mkdir()
    pred, ref = _tables(calls_dir, [1, 1, 0, 0, 1, 0], {"fvasi": [1, 0, 0, 1, 1, 0]})
    calls = validate(pred, ref, "image_id", categorical=True, n_resamples=50)[0]["categorical"]["fvasi"]
    # 2 x 2: both 1: 2, pred only: 1, ref only: 1, both 0: 2 -> po 4/6, pe 0.5 -> kappa 1/3
    assert calls["unweighted"]["value"] == pytest.approx(1 / 3)
    assert calls["sensitivity"]["value"] == pytest.approx(2 / 3)
    assert calls["specificity"]["value"] == pytest.approx(2 / 3)


def test_the_summary_of_two_category_calls_shows_what_calls_have(tmp_path):
    # It printed ICC, a proportional bias, the weighted kappas and "kappa sensitivity" for 0/1 calls.
    from vitiscore.report.tables import report_text

    pred, ref = _tables(tmp_path, [1, 1, 0, 0, 1, 0], {"fvasi": [1, 0, 0, 1, 1, 0]})
    text = report_text(validate(pred, ref, "image_id", categorical=True, n_resamples=50)[0])
    assert "fvasi: Cohen's kappa 0.333" in text and "fvasi: sensitivity 0.667" in text
    assert "ICC" not in text.split("note:")[0] and "proportional" not in text and "kappa linear" not in text
    assert "describe continuous scores, not calls" in text


def test_strata_get_their_own_numbers(tmp_path):
    values = [0.2, 0.9, 1.4, 2.0, 2.5, 0.7, 1.1]
    pred, ref = _tables(
        tmp_path,
        values,
        {"fvasi": [v + 0.1 for v in values]},
        extra=lambda i: {"ita_band": "light" if i < 5 else "dark"},
    )
    report, _ = validate(pred, ref, "image_id", strata=["ita_band"], n_resamples=50)
    light, dark = report["strata"]["ita_band"]["light"], report["strata"]["ita_band"]["dark"]
    assert light["n"] == 5 and light["bland_altman"]["bias"] == pytest.approx(-0.1)
    assert dark == {"n": 2, "error": "need at least 3 matched pairs with both values, got 2"}


def _mask(path, array):
    Image.fromarray(array.astype(np.uint8) * 255).save(path)


def test_validate_masks_by_hand(tmp_path):
    pred, ref = tmp_path / "pred", tmp_path / "ref"
    pred.mkdir()
    ref.mkdir()
    square = np.zeros((20, 20), bool)
    square[4:8, 4:8] = True
    shifted = np.zeros((20, 20), bool)
    shifted[4:8, 6:10] = True  # overlap 8 of 16 + 16: Dice 0.5, IoU 8/24
    empty = np.zeros((20, 20), bool)
    _mask(pred / "a_depigmented.png", square), _mask(ref / "a.png", square)
    _mask(pred / "b_depigmented.png", empty), _mask(ref / "b.png", empty)
    _mask(pred / "c_depigmented.png", empty), _mask(ref / "c.png", square)
    _mask(pred / "d_depigmented.png", shifted), _mask(ref / "d.png", square)
    _mask(pred / "e_depigmented.png", square), _mask(ref / "e.png", np.zeros((10, 20), bool))
    _mask(pred / "f_depigmented.png", square)
    assert mask_id("x_depigmented.png") == "x" and mask_id("x.png") == "x"
    rows, summary, unmatched = folder_agreement(pred, ref, n_resamples=200)
    by_id = {r["image_id"]: r for r in rows}
    assert by_id["e"]["status"] == "size_mismatch" and [u["image_id"] for u in unmatched] == ["f"]
    assert by_id["d"]["dice"] == pytest.approx(0.5) and by_id["d"]["iou"] == pytest.approx(1 / 3)
    assert by_id["c"]["hd95"] == pytest.approx(math.hypot(20, 20))
    assert (summary["n_pairs"], summary["n_both_empty"], summary["n_one_empty"], summary["n_failed"]) == (4, 1, 1, 1)
    assert summary["dice"]["mean"] == pytest.approx((1 + 1 + 0 + 0.5) / 4)
    assert summary["dice"]["ci_low"] <= summary["dice"]["mean"] <= summary["dice"]["ci_high"]
    done = _run("validate-masks", str(pred), str(ref), "-o", str(tmp_path / "out"))
    assert done.returncode == 3 and "4 mask pairs" in done.stdout  # one pair could not be compared
    saved = json.loads((tmp_path / "out" / "mask_agreement.json").read_text())
    assert saved["dice"]["mean"] == pytest.approx(0.625)


def test_compare_responder_calls_validate_and_a_stopped_run_still_writes_unmatched(tmp_path, capsys):
    # per_subject.csv says "evaluable" (or imputed_nonresponder), not "ok": those rows carry calls. [issue 27, 5]
    from vitiscore.cli import main

    per_subject = tmp_path / "per_subject.csv"
    per_subject.write_text(
        "subject_id,status,F-VASI50\n"
        "s1,evaluable,1\ns2,evaluable,0\ns3,imputed_nonresponder,0\ns4,evaluable,1\ns5,not_evaluable,\n"
    )
    clinicians = tmp_path / "clinicians.csv"
    clinicians.write_text("subject_id,F-VASI50\ns1,1\ns2,0\ns3,0\ns4,0\ns5,1\n")
    out = tmp_path / "v"
    code = main(
        [
            "validate",
            str(per_subject),
            str(clinicians),
            "--on",
            "subject_id",
            "--pred-col",
            "F-VASI50",
            "--categorical",
            "-o",
            str(out),
            "-q",
            "--no-plots",
        ]
    )
    assert code == 0
    report = json.loads((out / "agreement.json").read_text())
    assert report["n"] == 4 and report["n_dropped_missing"] == 1
    # 2 x 2 by hand: both 1: 1, pred only: 1, both 0: 2 -> sensitivity 1/1, specificity 2/3.
    calls = report["categorical"]["F-VASI50"]
    assert calls["sensitivity"]["value"] == pytest.approx(1.0)
    assert calls["specificity"]["value"] == pytest.approx(2 / 3)
    # Too few pairs: exit 2, and unmatched.csv says why.
    clinicians.write_text("subject_id,F-VASI50\ns1,1\nx9,0\n")
    with pytest.raises(SystemExit) as stop:
        main(
            [
                "validate",
                str(per_subject),
                str(clinicians),
                "--on",
                "subject_id",
                "--pred-col",
                "F-VASI50",
                "-o",
                str(tmp_path / "few"),
                "-q",
            ]
        )
    assert stop.value.code == 2 and "unmatched.csv" in capsys.readouterr().err
    with open(tmp_path / "few" / "unmatched.csv", newline="") as handle:
        found = {r["key"]: r["found_in"] for r in csv.DictReader(handle)}
    assert found == {
        "s2": "prediction only",
        "s3": "prediction only",
        "s4": "prediction only",
        "s5": "prediction only",
        "x9": "reference only",
    }


def test_subjects_are_counted_from_the_key_and_few_clusters_are_noted(tmp_path):
    # [issue 27, 22] --on subject_id visit without --subject-col printed "6 pairs (6 subjects)" for 3 subjects
    pred, ref = tmp_path / "p.csv", tmp_path / "r.csv"
    rows = [
        ("s1", "b", 0.5, 0.6),
        ("s1", "w", 0.2, 0.25),
        ("s2", "b", 0.9, 0.8),
        ("s2", "w", 0.4, 0.5),
        ("s3", "b", 0.3, 0.3),
        ("s3", "w", 0.1, 0.05),
    ]
    pred.write_text("subject_id,visit,fvasi\n" + "".join(f"{s},{v},{p}\n" for s, v, p, _ in rows))
    ref.write_text("subject_id,visit,fvasi\n" + "".join(f"{s},{v},{r}\n" for s, v, _, r in rows))
    report, _ = validate(pred, ref, ["subject_id", "visit"], n_resamples=200)
    assert report["n"] == 6 and report["n_subjects"] == 3
    assert any("6 rows come from 3 subjects" in note for note in report["notes"])
    assert any("resample only 6 rows" in note for note in report["notes"])
    clustered, _ = validate(pred, ref, ["subject_id", "visit"], subject_col="subject_id", n_resamples=200)
    assert clustered["n_subjects"] == 3 and any("only 3 subjects" in note for note in clustered["notes"])
    assert "Analytic, per row: icc_references" in clustered["ci_method"]


def test_validate_names_the_columns_it_compared_and_follows_compares_endpoint_rule(tmp_path):
    # It compared the flat per-photo `fvasi` by default without saying so, while compare reads fused.csv; and
    # pairs.csv had an empty subject column unless --subject-col was given.

    from vitiscore.report.tables import report_text

    photos = [(f"s{i}_{v}", f"s{i}", v, 0.1 * i + (0.05 if v == "w" else 0)) for i in range(1, 5) for v in "bw"]
    results = _write(
        tmp_path / "results.csv",
        [{"image_id": i, "subject_id": s, "visit": v, "status": "ok", "fvasi": f} for i, s, v, f in photos],
    )
    ref = _write(
        tmp_path / "ref.csv",
        [{"image_id": i, "subject_id": s, "visit": v, "clinician": 2 * f} for i, s, v, f in photos],
    )
    text = report_text(validate(results, ref, "image_id", ref_cols=["clinician"], n_resamples=20)[0])
    assert "compared: fvasi of results.csv with clinician of ref.csv" in text and "fused.csv" not in text
    # The same run's fused.csv: per subject and visit it is the endpoint, as in compare; per photo, a note.
    (tmp_path / "run.json").write_text(json.dumps({"tool": "vitiscore", "run_id": "r1"}))
    fused = [{"subject_id": s, "visit": v, "fvasi_fused": 2 * f, "run_id": "r1"} for _, s, v, f in photos]
    _write(tmp_path / "fused.csv", fused)
    text = report_text(validate(results, ref, "image_id", ref_cols=["clinician"], n_resamples=20)[0])
    assert "compared: fvasi of results.csv" in text and "fvasi_fused: the F-VASI to report" in text
    report, pairs = validate(results, ref, ["subject_id", "visit"], ref_cols=["clinician"], n_resamples=20)
    assert "compared: fvasi_fused of fused.csv with clinician of ref.csv" in report_text(report)
    assert np.allclose(pairs.pred, pairs.ref[:, 0])  # the fused values, which equal the reference here
    plain, _ = validate(results, ref, ["subject_id", "visit"], ref_cols=["clinician"], n_resamples=20, use_fused=False)
    assert plain["pred_col"] == "fvasi"
    write_validation(report, pairs, tmp_path / "out", plots=False)
    with open(tmp_path / "out" / "pairs.csv", newline="") as handle:
        assert [r["subject"] for r in csv.DictReader(handle)] == [s for _, s, _, _ in photos]
