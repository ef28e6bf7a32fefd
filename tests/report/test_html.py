"""The HTML report's links work for any photo name."""

import re
import shutil
import urllib.parse

from tests.support import SAMPLES
from vitiscore import score_folder
from vitiscore.report.html import write_report


def test_a_photo_named_with_hash_and_percent_has_working_thumbnail_links(tmp_path):
    # A `#` in a link starts its fragment and a `%` an escape: an id such as `a#b%c` broke every thumbnail.
    photos = tmp_path / "photos"
    photos.mkdir()
    shutil.copy(SAMPLES / "tan_baseline.jpg", photos / "a#b%c.jpg")
    out = tmp_path / "out"
    score_folder([photos], out, progress=False, workers=1)
    page = write_report(out).read_text()
    sources = re.findall(r"<img src='([^']+)'", page)
    assert sources
    for source in sources:
        link = urllib.parse.urlsplit(source.replace("&amp;", "&"))
        assert not link.fragment and (out / urllib.parse.unquote(link.path)).is_file(), source


def test_the_report_and_the_score_command_say_which_f_vasi_to_report(tmp_path):
    # Neither said what flat, surface and clinical mean, nor which to report.
    from tests.support import run_cli

    photos = tmp_path / "photos"
    photos.mkdir()
    shutil.copy(SAMPLES / "tan_baseline.jpg", photos / "tan_baseline.jpg")
    out = tmp_path / "out"
    proc = run_cli("score", str(photos), "-o", str(out), "--model", "classical")
    assert proc.returncode == 0 and "The F-VASI to report: fvasi_surface in results.csv" in proc.stdout
    page = write_report(out).read_text()
    definitions = page.split("<section id='definitions'>")[1].split("</section>")[0]
    for term in ("fvasi_fused", "fvasi_surface", "flat", "clinical", "light_skin", "doubtful_calls"):
        assert term in definitions
