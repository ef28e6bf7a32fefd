"""The engines run a job on every task and survive a task that kills its process."""

import os
import sys
from dataclasses import dataclass

import pytest

from vitiscore import engines
from vitiscore.engines import local


@dataclass
class Squares:
    """A job whose results are known: the square of each task, and the process that computed it; task
    ``crash_on`` ends its process the way a segfault in a native library would (no exception, no cleanup)."""

    crash_on: int = -1
    set_up: bool = False

    def setup(self):
        self.set_up = True

    def __call__(self, task):
        assert self.set_up, "a task ran before setup"
        if task == self.crash_on:
            os._exit(11)
        return task * task, os.getpid()

    def crashed(self, task, reason):
        return "crashed", reason


def test_one_worker_runs_in_this_process_in_order():
    results = list(engines.run(Squares(), [3, 1, 2], workers=1))
    assert [(i, r[0]) for i, r in results] == [(0, 9), (1, 1), (2, 4)]
    assert {r[1] for _, r in results} == {os.getpid()}


@pytest.mark.slow
def test_two_workers_share_the_tasks():
    results = dict(engines.run(Squares(), list(range(8)), workers=2))
    assert {i: r[0] for i, r in results.items()} == {i: i * i for i in range(8)}
    pids = {r[1] for r in results.values()}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2  # a fast worker may take every task


@pytest.mark.slow
def test_a_task_that_kills_its_worker_is_recorded_and_the_run_goes_on():
    results = dict(engines.run(Squares(crash_on=3), list(range(7)), workers=2))
    assert sorted(results) == list(range(7))  # every task has exactly one result
    assert results[3] == ("crashed", local.CRASH_REASON)
    assert {i: r[0] for i, r in results.items() if i != 3} == {i: i * i for i in range(7) if i != 3}


@pytest.mark.ray
def test_ray_engine_records_a_task_that_keeps_killing_its_actor():
    from vitiscore.engines import ray as ray_engine

    # No task may be queued on an actor behind the one that kills it: each death would count against its retries
    # too, and a healthy photo could end as crashed (seen in a full test run, two tasks failing with each death).
    results = dict(engines.run(Squares(crash_on=2), list(range(8)), workers=2, engine="ray"))
    assert sorted(results) == list(range(8))
    assert results[2] == ("crashed", ray_engine.CRASH_REASON)
    assert {i: r[0] for i, r in results.items() if i != 2} == {i: i * i for i in range(8) if i != 2}


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="workers"):
        engines.check_workers(0)
    with pytest.raises(ValueError, match="workers"):
        engines.check_workers(2.5)
    assert engines.check_workers(None) == engines.available_cores() >= 1
    with pytest.raises(ValueError, match="engine"):
        list(engines.run(Squares(), [1], engine="spark"))
    with pytest.raises(ValueError, match="ray-address"):
        list(engines.run(Squares(), [1], ray_address="auto"))


def test_the_ray_engine_without_ray_says_how_to_install_it(monkeypatch):
    from vitiscore.engines.ray import MissingRayError

    monkeypatch.setitem(sys.modules, "ray", None)  # what an installation without the [ray] extra sees
    with pytest.raises(MissingRayError, match=r"vitiscore\[ray\]"):
        list(engines.run(Squares(), [1, 2], workers=2, engine="ray"))


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    from pathlib import Path

    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.append(int(status.parent.name))
    return found


def _alive(pid: int) -> bool:
    from pathlib import Path

    try:
        state = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("State"))
    except (OSError, StopIteration):
        return False
    return "Z" not in state.split(":", 1)[1].split()[0]  # a zombie has ended


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_their_parent_when_it_is_killed():
    # SIGKILL of the parent of --workers 2 left both workers (about 560 MB each) alive indefinitely.
    import signal
    import subprocess
    import time
    from pathlib import Path

    code = (
        "from tests.support.jobs import Sleeper\n"
        "from vitiscore import engines\n"
        "list(engines.run(Sleeper(120), [1, 2, 3, 4], workers=2))\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2])
    try:
        deadline = time.monotonic() + 60
        workers = []
        while time.monotonic() < deadline and len(workers) < 2:
            workers = [p for p in _children(parent.pid) if "spawn_main" in Path(f"/proc/{p}/cmdline").read_text()]
            time.sleep(0.2)
        assert len(workers) == 2, "the workers did not start"
        time.sleep(2)  # past their set-up
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(p) for p in workers):
            time.sleep(0.2)
        assert not any(_alive(p) for p in workers), "a worker outlived its killed parent"
    finally:
        if parent.poll() is None:
            parent.kill()
