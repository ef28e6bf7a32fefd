"""Worker processes and the Ray engine give the same results as one process, and a stopped run resumes."""

import csv
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vitiscore import score_folder, segment_folder
from vitiscore.batch.rows import FILE_COLUMNS

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
# What differs between two runs of the same photos by design.
RUN_COLUMNS = {"run_id"}


def _rows(out: Path) -> list[dict]:
    with open(out / "results.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def _same_outputs(a: Path, b: Path) -> None:
    rows_a, rows_b = _rows(a), _rows(b)
    assert [r["image_id"] for r in rows_a] == [r["image_id"] for r in rows_b]  # input order, whatever the engine
    for ra, rb in zip(rows_a, rows_b):
        assert {k: v for k, v in ra.items() if k not in RUN_COLUMNS} == {
            k: v for k, v in rb.items() if k not in RUN_COLUMNS
        }
        for column in FILE_COLUMNS:
            if ra.get(column):
                assert (a / ra[column]).read_bytes() == (b / rb[column]).read_bytes(), ra[column]


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory):
    out = tmp_path_factory.mktemp("w1") / "out"
    score_folder([SAMPLES], out, progress=False, workers=1)
    return out


@pytest.mark.slow
def test_two_workers_give_the_same_rows_and_files_as_one(one_worker, tmp_path):
    result = score_folder([SAMPLES], tmp_path / "out", progress=False, workers=2)
    assert result.counts == {"ok": 6}
    assert result.run["engine"] == {"name": "local", "workers": 2, "device": "cpu", "ray_address": None}
    _same_outputs(one_worker, tmp_path / "out")


@pytest.mark.slow
@pytest.mark.ray
def test_ray_engine_gives_the_same_rows_and_files_as_the_local_one(one_worker, tmp_path):
    result = score_folder([SAMPLES], tmp_path / "out", progress=False, workers=2, engine="ray")
    assert result.counts == {"ok": 6} and result.run["engine"]["name"] == "ray"
    _same_outputs(one_worker, tmp_path / "out")
    journal = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text().splitlines()]
    assert sorted(r["image_id"] for r in journal) == sorted(r["image_id"] for r in _rows(one_worker))


@pytest.mark.slow
def test_segment_with_two_workers_matches_one(tmp_path):
    photos = sorted(SAMPLES.glob("*.jpg"))
    one = segment_folder(photos, tmp_path / "one", progress=False, workers=1, batch_size=2)
    two = segment_folder(photos, tmp_path / "two", progress=False, workers=2, batch_size=2)
    assert one.counts == two.counts == {"ok": 6}
    assert [{k: v for k, v in r.items()} for r in one.rows] == [{k: v for k, v in r.items()} for r in two.rows]
    for row in one.rows:
        relative = row["mask_depigmented"]
        assert (tmp_path / "one" / relative).read_bytes() == (tmp_path / "two" / relative).read_bytes()


@pytest.mark.slow
def test_a_stopped_two_worker_run_resumes_without_rescoring_finished_photos(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    for copy in ("a", "b"):
        for path in SAMPLES.glob("*.jpg"):
            shutil.copy(path, photos / f"{copy}_{path.name}")
    out = tmp_path / "out"
    journal = out / "results.jsonl"
    command = [sys.executable, "-m", "vitiscore.cli", "score", str(photos), "-o", str(out), "-q", "--workers", "2"]
    # As from a terminal: a test runner started in the background passes SIGINT on ignored.
    reset = lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)  # noqa: E731
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=reset)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.is_file() and len(journal.read_text().splitlines()) >= 2:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    finished = {json.loads(line)["image_id"] for line in journal.read_text().splitlines()}
    assert 2 <= len(finished) < 12
    assert {r["image_id"] for r in _rows(out)} == finished  # results.csv holds every finished row, no others
    for line in journal.read_text().splitlines():
        row = json.loads(line)
        assert row["status"] == "ok" and (out / row["mask_depigmented"]).is_file()

    resumed = score_folder([photos], out, progress=False, workers=2, skip_existing=True)
    assert resumed.counts == {"ok": 12}
    assert resumed.run["reused"] == len(finished) and resumed.run["scored_this_run"] == 12 - len(finished)


@pytest.mark.slow
@pytest.mark.ray
def test_ray_run_resumes_from_its_journal(one_worker, tmp_path):
    # Half the photos scored by the local run, then the whole folder by Ray with --skip-existing: Ray scores only
    # the other half, and the outputs are the one-worker run's.
    out = tmp_path / "out"
    shutil.copytree(one_worker, out)
    journal = out / "results.jsonl"
    kept = journal.read_text().splitlines()[:3]
    journal.write_text("".join(line + "\n" for line in kept))
    reused = {json.loads(line)["image_id"] for line in kept}
    before = {i: (out / "masks" / f"{i}_depigmented.png").stat().st_mtime_ns for i in reused}
    result = score_folder([SAMPLES], out, progress=False, workers=2, engine="ray", skip_existing=True)
    assert result.counts == {"ok": 6}
    assert result.run["reused"] == 3 and result.run["scored_this_run"] == 3
    assert {i: (out / "masks" / f"{i}_depigmented.png").stat().st_mtime_ns for i in reused} == before
    _same_outputs(one_worker, out)


@pytest.mark.parametrize("engine", ["local", pytest.param("ray", marks=pytest.mark.ray)])
def test_cuda_without_a_gpu_is_refused_before_any_photo(tmp_path, monkeypatch, engine):
    # A local Ray runs on this machine: asking it for GPU actors would wait for a GPU forever.
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    with pytest.raises(ValueError, match="--device cuda"):
        score_folder([SAMPLES], tmp_path / "out", progress=False, device="cuda", engine=engine)
    assert not (tmp_path / "out" / "results.jsonl").exists()
