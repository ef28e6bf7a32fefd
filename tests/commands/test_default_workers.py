"""The default worker count: this process for a short batch, one worker per core for a long one."""

import pytest
from PIL import Image

from vitiscore.batch.workers import default_workers, one_worker_seconds


@pytest.fixture(scope="module")
def twelve_mp(tmp_path_factory):
    path = tmp_path_factory.mktemp("photos") / "big.jpg"
    Image.new("RGB", (4000, 3000), (180, 140, 120)).save(path, quality=80)
    return path


def test_the_estimate_adds_each_photos_fixed_and_size_costs(twelve_mp, tmp_path):
    # 0.21 s + 0.008 s x 12 MP = 0.306 s per photo; 2.3 times that with the intervals; a file that is no image: 0.21 s.
    assert one_worker_seconds([twelve_mp] * 3) == pytest.approx(3 * 0.306)
    assert one_worker_seconds([twelve_mp], uncertainty=True) == pytest.approx(0.306 * 2.3)
    (tmp_path / "broken.jpg").write_bytes(b"not a photo")
    assert one_worker_seconds([tmp_path / "broken.jpg"]) == pytest.approx(0.21)


def test_workers_start_only_when_the_batch_repays_them(twelve_mp):
    assert default_workers([twelve_mp] * 32, cores=2) == 1  # 9.8 s for one worker
    assert default_workers([twelve_mp] * 33, cores=2) == 2  # 10.1 s
    assert default_workers([twelve_mp] * 15, cores=2, uncertainty=True) == 2  # 10.6 s
    assert default_workers([twelve_mp] * 1000, cores=1) == 1
    assert default_workers([], cores=4) == 1
