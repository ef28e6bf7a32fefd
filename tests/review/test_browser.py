"""The report and the review page in a real browser (Debian's chromium and chromium-driver, driven by Selenium),
and the review server's security checks. Screenshots go to ``$VITISCORE_SCREENSHOTS`` (default: the test's
temporary folder), never into the repository."""

import csv
import hashlib
import http.client
import os
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.support import SAMPLES, run_cli

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
if not (CHROMIUM and CHROMEDRIVER):
    if os.environ.get("CI"):
        raise RuntimeError("CI needs chromium and chromium-driver (.ci/run installs them with apt)")
    pytest.skip(
        "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)",
        allow_module_level=True,
    )

pytestmark = pytest.mark.slow


def _screenshot_dir(tmp_path_factory) -> Path:
    folder = os.environ.get("VITISCORE_SCREENSHOTS")
    if not folder:
        return tmp_path_factory.mktemp("screenshots")
    Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder)


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    photos = tmp_path_factory.mktemp("photos")
    for name in ("tan_baseline", "brown_week24"):
        shutil.copy(SAMPLES / f"{name}.jpg", photos / f"{name}.jpg")
    (photos / "broken.jpg").write_bytes(b"not a photo")
    out = tmp_path_factory.mktemp("out") / "run"
    proc = run_cli("score", str(photos), "-o", str(out), "-q")
    assert proc.returncode == 3, proc.stderr  # broken.jpg
    proc = run_cli("report", str(out))
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def _severe(driver) -> list:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_report_opens_from_disk_with_every_photo_and_picture(scored, browser, tmp_path_factory):
    browser.get((scored / "report.html").as_uri())
    ids = {cell.text for cell in browser.find_elements("css selector", "#photo-table tbody td:first-child")}
    assert ids == {"tan_baseline", "brown_week24", "broken"}
    images = browser.find_elements("css selector", "img")
    assert len(images) == 4  # two photos, each crop and overlay
    for image in images:
        browser.execute_script("arguments[0].scrollIntoView()", image)
    time.sleep(0.5)
    loaded = browser.execute_script("return [...document.images].map(i => i.complete && i.naturalWidth > 0)")
    assert loaded == [True] * 4
    assert "broken" in browser.find_element("id", "failures").text
    browser.find_element("id", "f-status").send_keys("unreadable")
    assert browser.find_element("id", "shown").text == "1 of 3 photos shown"
    assert _severe(browser) == []
    assert browser.save_screenshot(str(_screenshot_dir(tmp_path_factory) / "report.png"))


@pytest.fixture()
def server(scored):
    from vitiscore.review.server import make_server

    shutil.rmtree(scored / "reviewed", ignore_errors=True)
    httpd, url = make_server(scored, "dr_test")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd, url
    httpd.shutdown()
    httpd.server_close()


def _fraction(driver) -> float:
    return float(driver.find_element("id", "fraction").text.rstrip(" %"))


def test_review_page_slider_stroke_and_save(scored, server, browser, tmp_path_factory):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    from vitiscore.review.masks import photo_labels, threshold_mask

    _, url = server
    started = time.perf_counter()
    browser.get(url)
    wait = WebDriverWait(browser, 20)
    wait.until(lambda d: d.find_element("id", "fraction").text.endswith("%"))
    assert browser.find_element("id", "photo-id").text == "brown_week24"  # the first photo in the run's order
    assert browser.find_element("id", "progress").text == "reviewed 0 / 2"
    first = _fraction(browser)
    slider = browser.find_element("id", "threshold")
    slider.click()  # the middle of the slider: 0.50
    for _ in range(10):
        slider.send_keys(Keys.ARROW_LEFT)
    assert browser.find_element("id", "threshold-value").text == "0.40"
    lowered = _fraction(browser)
    assert lowered > first  # a lower cut marks more
    stage = browser.find_element("id", "stage")
    box = browser.execute_script("const b = arguments[0].getBoundingClientRect(); return [b.width, b.height]", stage)
    # A horizontal stroke across the middle of the face, in crop pixels from (0.4, 0.55) to (0.6, 0.55).
    width, height = Image.open(scored / "crops" / "brown_week24.jpg").size
    actions = ActionChains(browser)
    actions.move_to_element_with_offset(stage, int(-0.1 * box[0]), int(0.05 * box[1])).click_and_hold()
    for _ in range(10):
        actions.move_by_offset(int(0.02 * box[0]), 0)
    actions.release().perform()
    painted = _fraction(browser)
    assert painted > lowered
    browser.find_element("id", "accept").click()
    wait.until(lambda d: d.find_element("id", "message").text)
    message = browser.find_element("id", "message").text
    assert message.startswith("brown_week24: edit saved"), message
    seconds = time.perf_counter() - started
    assert browser.find_element("id", "photo-id").text == "tan_baseline"  # on to the next photo
    assert browser.find_element("id", "progress").text == "reviewed 1 / 2"
    assert browser.save_screenshot(str(_screenshot_dir(tmp_path_factory) / "review.png"))
    assert _severe(browser) == []

    log = list(csv.DictReader(open(scored / "reviewed" / "review.csv", newline="")))
    assert len(log) == 1
    record = log[0]
    assert (record["image_id"], record["rater"], record["action"], record["threshold"]) == (
        "brown_week24",
        "dr_test",
        "edit",
        "0.4",
    )
    saved_file = scored / "reviewed" / "brown_week24_depigmented.png"
    assert hashlib.sha256(saved_file.read_bytes()).hexdigest() == record["mask_sha256_after"]
    model_file = scored / "masks" / "brown_week24_depigmented.png"
    assert hashlib.sha256(model_file.read_bytes()).hexdigest() == record["mask_sha256_before"]
    saved = np.asarray(Image.open(saved_file)) > 0
    rows = {r["image_id"]: r for r in csv.DictReader(open(scored / "results.csv", newline=""))}
    row = rows["brown_week24"]
    redrawn = threshold_mask(scored, row, 0.4, photo_labels(scored, row))
    stroke = saved & ~redrawn
    assert not (redrawn & ~saved).any() and stroke.sum() > 200
    # The stroke lies where it was drawn: its centre at (0.5, 0.55) of the crop, in photo pixels.
    x0, y0 = (int(v) for v in row["crop_box"].split(";")[:2])
    ys, xs = np.nonzero(stroke)
    assert abs(xs.mean() - (x0 + 0.5 * width)) < 0.03 * width and abs(ys.mean() - (y0 + 0.55 * height)) < 0.03 * height
    model = np.asarray(Image.open(model_file)) > 0
    assert int(record["pixels_added"]) == int((saved & ~model).sum())
    assert int(record["pixels_removed"]) == int((model & ~saved).sum())
    print(f"\nreviewing one photo in the browser took {seconds:.1f} s (page load, slider, stroke, save)")


def _request(url: str, path: str, host: str | None = None, token: str | None = None, method: str = "GET"):
    port = int(url.split(":")[2].split("/")[0])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Host": host or f"127.0.0.1:{port}"}
    if token:
        headers["X-Vitiscore-Token"] = token
    connection.request(method, path, body=b"{}" if method == "POST" else None, headers=headers)
    response = connection.getresponse()
    response.read()
    return response.status


def test_review_server_refuses_what_it_must(server):
    httpd, url = server
    token = url.split("token=")[1]
    assert httpd.server_address[0] == "127.0.0.1"
    assert _request(url, "/api/photos", token=token) == 200
    assert _request(url, "/api/photos") == 403  # no token
    assert _request(url, "/api/photos", token="wrong" + token) == 403
    assert _request(url, "/", token=None) == 403
    assert _request(url, "/api/photo/tan_baseline/save", method="POST") == 403
    assert _request(url, "/api/photos", host="evil.example", token=token) == 403  # DNS rebinding
    assert _request(url, "/api/photos", host=f"evil.example:{httpd.server_address[1]}", token=token) == 403
    assert _request(url, "/api/photo/..%2F..%2Frun.json/crop", token=token) == 404
    assert _request(url, "/api/photo/../../run.json/crop", token=token) == 404
    assert _request(url, "/api/photo/broken/crop", token=token) == 404  # not a scored photo of the run
    assert _request(url, "/api/photo/tan_baseline/crop", token=token) == 200


@pytest.fixture()
def refining_server(scored):
    from vitiscore.review.server import make_server
    from vitiscore.segment.refine import RefineSettings

    shutil.rmtree(scored / "reviewed", ignore_errors=True)
    httpd, url = make_server(scored, "dr_test", refinement=RefineSettings(steps=REFINE_STEPS))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd, url
    httpd.shutdown()
    httpd.server_close()


REFINE_STEPS = 3


def test_review_page_marks_refine_and_save(scored, refining_server, browser, tmp_path):
    """Two marks placed on the page, refined, accepted: the marks are kept in the photo's pixels, and the saved
    mask is the one `vitiscore score --marks` draws from those marks."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.ui import WebDriverWait

    _, url = refining_server
    browser.get(url)
    wait = WebDriverWait(browser, 120)
    wait.until(lambda d: d.find_element("id", "photo-id").text == "brown_week24")
    browser.find_element("id", "next").click()
    wait.until(lambda d: d.find_element("id", "photo-id").text == "tan_baseline")
    wait.until(lambda d: d.find_element("id", "fraction").text.endswith("%"))
    stage = browser.find_element("id", "stage")
    box = browser.execute_script("const b = arguments[0].getBoundingClientRect(); return [b.width, b.height]", stage)
    # A lesion mark at (0.5, 0.3) of the crop (the forehead) and a normal-skin mark at (0.35, 0.6) (a cheek);
    # offsets are from the stage's centre.
    browser.find_element("id", "mark-lesion").click()
    ActionChains(browser).move_to_element_with_offset(stage, 0, int(-0.2 * box[1])).click().perform()
    browser.find_element("id", "mark-normal").click()
    ActionChains(browser).move_to_element_with_offset(stage, int(-0.15 * box[0]), int(0.1 * box[1])).click().perform()
    assert browser.find_element("id", "marks-count").text == "1 lesion, 1 normal skin"
    browser.find_element("id", "refine").click()
    wait.until(lambda d: d.find_element("id", "message").text.startswith("refined from 2 marks"))
    assert "(refined)" in browser.find_element("id", "marks-count").text
    browser.find_element("id", "accept").click()
    wait.until(lambda d: d.find_element("id", "message").text.startswith("tan_baseline:"))
    assert _severe(browser) == []

    rows = {r["image_id"]: r for r in csv.DictReader(open(scored / "results.csv", newline=""))}
    row = rows["tan_baseline"]
    x0, y0, x1, y1 = (int(v) for v in row["crop_box"].split(";"))
    marks = list(csv.DictReader(open(scored / "reviewed" / "marks.csv", newline="")))
    assert [(m["image_id"], m["label"]) for m in marks] == [("tan_baseline", "1"), ("tan_baseline", "0")]
    # In the photo's pixels: where they were clicked on the crop (to within a few pixels of the page's scaling).
    for mark, (fx, fy) in zip(marks, [(0.5, 0.3), (0.35, 0.6)]):
        assert abs(float(mark["x"]) - (x0 + fx * (x1 - x0))) < 0.02 * (x1 - x0)
        assert abs(float(mark["y"]) - (y0 + fy * (y1 - y0))) < 0.02 * (y1 - y0)
    record = list(csv.DictReader(open(scored / "reviewed" / "review.csv", newline="")))[-1]
    assert (record["image_id"], record["action"]) == ("tan_baseline", "edit")
    saved = np.asarray(Image.open(scored / "reviewed" / "tan_baseline_depigmented.png")) > 0

    # The same marks through the command line: the same adapted model on the same crop.
    photos = tmp_path / "photos"
    photos.mkdir()
    shutil.copy(SAMPLES / "tan_baseline.jpg", photos / "tan_baseline.jpg")
    out = tmp_path / "out"
    proc = run_cli(
        "score", str(photos), "-o", str(out), "-q", "--marks", str(scored / "reviewed" / "marks.csv"),
        "--refine-steps", str(REFINE_STEPS),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    scored_mask = np.asarray(Image.open(out / "masks" / "tan_baseline_depigmented.png")) > 0
    # The page cuts an 8-bit copy of the probabilities, the scorer the float map: they may differ by a pixel
    # on the border where the probability is within 1/255 of the threshold.
    assert saved.sum() > 0 and (saved ^ scored_mask).sum() <= 0.01 * saved.sum()
    model_mask = np.asarray(Image.open(scored / "masks" / "tan_baseline_depigmented.png")) > 0
    assert (saved != model_mask).any()
