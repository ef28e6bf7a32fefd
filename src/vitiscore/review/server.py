"""The review page's local server (the standard library's ``http.server``: a page for one rater on one machine
needs nothing more).

Security, for clinical photos:

* bound to 127.0.0.1 only, never to another interface;
* a random token (:func:`secrets.token_urlsafe`) in the URL; every request without it, as ``?token=`` or the
  ``X-Vitiscore-Token`` header, gets 403;
* a request whose ``Host`` is not ``127.0.0.1``, ``localhost`` or ``[::1]`` (with the server's port) gets 403,
  so that a web page elsewhere cannot reach it through a rebound DNS name;
* an image id from the browser must be one of the run's own ids (a lookup, never a path), so ``../`` goes
  nowhere; files are only ever opened from the run's results rows;
* the page loads nothing from outside the machine (``Content-Security-Policy: default-src 'self'``).

API (JSON unless said otherwise): ``GET /`` the page; ``GET /api/photos`` the photos with their review state;
``GET /api/photo/<id>/<crop|probability|unsure|area|mask>`` pictures on the analysis frame (PNG/JPEG); ``POST
/api/photo/<id>/save`` with ``{"action": "save"|"exclude", "threshold": float|null, "strokes": PNG data URL|null,
"reason": str, "refined": bool}``; ``POST /api/photo/<id>/refine`` with ``{"marks": [{"x", "y", "label"}, ...]}``
on the frame adapts the run's model to the marks (:mod:`vitiscore.review.refine`), keeps them in
``OUT/reviewed/marks.csv`` and answers the refined probability map (a PNG data URL) and the threshold; a save with
``"refined": true`` cuts that map instead of the stored one. Strokes are a picture of the frame's size: red marks
added lesion, green erased lesion.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import io
import json
import logging
import secrets
import threading
import warnings
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import numpy as np
from PIL import Image

from vitiscore import files as files_mod
from vitiscore.errors import MissingInputError, UsageError
from vitiscore.face.facial_area import frame_labels, frame_size
from vitiscore.files.masks import read_labels
from vitiscore.measure.mask_score import frame_mask, frame_of
from vitiscore.review import log as review_log
from vitiscore.review import refine as review_refine
from vitiscore.review.masks import probability_png
from vitiscore.review.store import current_mask, save_review
from vitiscore.segment.refine import RefineSettings

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
LOCAL_NAMES = ("127.0.0.1", "localhost", "[::1]")
MAX_BODY = 64 << 20
PICTURES = ("crop", "probability", "unsure", "area", "mask")


class ReviewSession:
    """One run under review: its scored rows by image id, the rater, and a lock so that saves never interleave."""

    def __init__(self, out_dir, rater: str, refinement: RefineSettings | None = None):
        out_dir = Path(out_dir)
        run = files_mod.read_score_run(out_dir)
        if not run or not (out_dir / "results.jsonl").is_file():
            raise UsageError(f"{out_dir} holds no vitiscore score run to review (run.json, results.jsonl)")
        rows = review_log.model_rows(out_dir)
        self.out_dir = out_dir
        self.rater = " ".join(str(rater).split()) or "rater"
        self.rows = {r["image_id"]: r for r in rows if r.get("status") == "ok" and r.get("crop")}
        if not self.rows:
            raise UsageError(f"{out_dir} has no scored photo with a kept face crop to review (score it again)")
        self.order = [r["image_id"] for r in rows if r["image_id"] in self.rows]
        self.threshold = (run.get("model") or {}).get("threshold")
        self.lock = threading.Lock()
        # Refining needs the run's own model: its folder as scoring found it, else the model as given on the
        # command line (an id, or a folder path relative to where scoring ran); masks drawn elsewhere have none.
        model = run.get("model") or {}
        folder = model.get("folder")
        given = (run.get("arguments") or {}).get("model") or model.get("id")
        self.model = None if model.get("masks") else folder if folder and Path(folder).is_dir() else given
        self.model_sha256 = model.get("sha256")
        self.refinement = refinement or RefineSettings()
        self._segmenter = None
        self.refined: dict[str, np.ndarray] = {}  # image id -> refined 8-bit probability map on the frame

    def photos(self) -> dict:
        states = review_log.reviews(self.out_dir, list(self.rows.values()))
        saved_marks = review_refine.read_reviewed_marks(self.out_dir)
        items = []
        for image_id in self.order:
            row, state = self.rows[image_id], states.get(image_id)
            items.append(
                {
                    "id": image_id,
                    "flags": [f for f in (row.get("flags") or "").split(";") if f],
                    "ita_band": row.get("ita_band") or "",
                    "fraction": row.get("depigmented_fraction"),
                    "threshold": float(row["threshold"]) if row.get("threshold") not in (None, "") else None,
                    "has_probability": bool(row.get("probability")),
                    "has_unsure": bool(row.get("unsure_map")),
                    "state": state.state if state else "unreviewed",
                    "rater": state.rater if state else "",
                    "reason": state.reason if state else "",
                    "problem": state.problem if state else "",
                    "marks": [
                        {"x": m.x, "y": m.y, "label": m.label}
                        for m in review_refine.frame_marks(row, saved_marks.get(image_id, []))
                    ],
                }
            )
        return {"rater": self.rater, "photos": items, "threshold": self.threshold, "can_refine": bool(self.model)}

    def picture(self, image_id: str, kind: str) -> tuple[bytes, str]:
        row = self.rows[image_id]
        if kind == "crop":
            return (self.out_dir / row["crop"]).read_bytes(), "image/jpeg"
        if kind == "probability":
            if not row.get("probability"):
                raise MissingInputError("no probability map (the mask was drawn elsewhere)")
            return (self.out_dir / row["probability"]).read_bytes(), "image/png"
        if kind == "unsure":
            if not row.get("unsure_map"):
                raise MissingInputError("no map of where the model is unsure (score without --uncertainty)")
            return (self.out_dir / row["unsure_map"]).read_bytes(), "image/png"
        box, scale = frame_of(row)
        if kind == "area":
            picture = frame_labels(read_labels(self.out_dir / row["mask_units"]), box, scale) > 0
        else:
            picture = frame_mask(current_mask(self.out_dir, row)[0], box, scale)
        return files_mod.png_bytes(picture.astype(np.uint8) * 255), "image/png"

    def save(self, image_id: str, body: dict) -> dict:
        row = self.rows[image_id]
        added = removed = None
        if body.get("strokes"):
            strokes = _decode_picture(body["strokes"], frame_size(*frame_of(row)))
            added, removed = strokes[..., 0] > 127, strokes[..., 1] > 127
        threshold = body.get("threshold")
        if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, (int, float))):
            raise UsageError(f"threshold must be a number from 0 to 1 or null, got {json.dumps(threshold)[:40]}")
        probability = None
        if body.get("refined"):
            probability = self.refined.get(image_id)
            if probability is None:
                raise UsageError("this photo has not been refined in this session: refine it again")
        with self.lock:
            record = save_review(
                self.out_dir,
                row,
                self.rater,
                str(body.get("action")),
                threshold=None if threshold is None else float(threshold),
                added=added,
                removed=removed,
                reason=str(body.get("reason") or ""),
                probability=probability,
            )
        log.info("%s: %s by %s", image_id, record["action"], self.rater)
        return record

    def refine(self, image_id: str, body: dict) -> dict:
        """Adapt the run's model to the marks in ``body`` on one photo; keep the marks and the refined map."""
        if not self.model:
            raise UsageError("this run scored masks drawn elsewhere: there is no model to refine")
        row = self.rows[image_id]
        box, scale = frame_of(row)
        width, height = frame_size(box, scale)
        on_frame = review_refine.parse_page_marks(body.get("marks"), width, height)
        if self._segmenter is None:
            from vitiscore.segment import load_segmenter

            segmenter = load_segmenter(self.model)
            if segmenter.sha256 != self.model_sha256:
                raise UsageError(
                    f"the model {self.model!r} is not the one that scored this run (its weights changed): refine "
                    "needs the run's own model"
                )
            self._segmenter = segmenter
        probability, threshold = review_refine.refine_photo(
            self.out_dir, row, self._segmenter, on_frame, self.refinement
        )
        picture = probability_png(probability)
        with self.lock:
            review_refine.save_marks(self.out_dir, image_id, review_refine.photo_marks(row, on_frame))
            self.refined[image_id] = picture
        log.info("%s: refined from %d marks by %s", image_id, len(on_frame), self.rater)
        data = "data:image/png;base64," + base64.b64encode(files_mod.png_bytes(picture)).decode("ascii")
        return {"probability": data, "threshold": threshold, "n_marks": len(on_frame)}


def _decode_picture(data_url: str, size: tuple[int, int]) -> np.ndarray:
    """An RGBA picture from a ``data:image/png;base64,...`` URL (the page's stroke layer), which must be ``size``
    ((width, height), the face crop's) as its header declares it: checked before any pixel is decoded, so that a
    small file declaring a huge picture costs nothing."""
    if not isinstance(data_url, str) or not data_url.startswith("data:image/png;base64,"):
        raise UsageError("strokes must be a PNG data URL")
    try:
        raw = base64.b64decode(data_url.split(",", 1)[1], validate=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # a bomb is refused, not decoded
            with Image.open(io.BytesIO(raw)) as image:
                if image.size != tuple(size):
                    raise UsageError(
                        f"strokes must be {size[0]}x{size[1]} px (the face crop), got {image.size[0]}x{image.size[1]}"
                    )
                return np.asarray(image.convert("RGBA"))
    except (binascii.Error, OSError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UsageError(f"strokes are not a readable PNG: {exc}") from None


def page_html() -> bytes:
    return resources.files("vitiscore.review").joinpath("page.html").read_bytes()


class _Handler(BaseHTTPRequestHandler):
    server_version = "vitiscore-review"
    session: ReviewSession
    token: str

    def log_message(self, format, *args):  # noqa: A002 - the standard library's signature
        # The request line carries the token in its query: never into a log.
        log.debug("%s %s", self.address_string(), (format % args).replace(self.token, "<token>"))

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
        )
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, payload) -> None:
        self._send(status, json.dumps(payload).encode("utf-8"))

    def _allowed(self, query: dict) -> bool:
        host = (self.headers.get("Host") or "").lower()
        port = str(self.server.server_address[1])
        if host not in {f"{name}:{port}" for name in LOCAL_NAMES}:
            self._json(HTTPStatus.FORBIDDEN, {"error": "this page answers on 127.0.0.1 only"})
            return False
        given = self.headers.get("X-Vitiscore-Token") or (query.get("token") or [""])[0]
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            self._json(HTTPStatus.FORBIDDEN, {"error": "missing or wrong token: open the URL the command printed"})
            return False
        # A page elsewhere that learnt the token must not make the rater's browser save: a browser names the page
        # that sent a request in Origin, and the review page's own requests come from this server.
        origin = (self.headers.get("Origin") or "").lower()
        if self.command == "POST" and origin and origin not in {f"http://{name}:{port}" for name in LOCAL_NAMES}:
            self._json(HTTPStatus.FORBIDDEN, {"error": "requests from other pages are refused"})
            return False
        return True

    def _photo(self, parts: list[str]) -> str | None:
        image_id = unquote(parts[2]) if len(parts) > 2 else ""
        if image_id not in self.session.rows:
            self._json(HTTPStatus.NOT_FOUND, {"error": "no such photo in this run"})
            return None
        return image_id

    def do_GET(self):  # noqa: N802 - the standard library's name
        url = urlsplit(self.path)
        if not self._allowed(parse_qs(url.query)):
            return
        parts = url.path.strip("/").split("/")
        try:
            if url.path == "/":
                self._send(HTTPStatus.OK, page_html(), "text/html; charset=utf-8")
            elif url.path == "/api/photos":
                self._json(HTTPStatus.OK, self.session.photos())
            elif len(parts) == 4 and parts[:2] == ["api", "photo"] and parts[3] in PICTURES:
                image_id = self._photo(parts)
                if image_id is not None:
                    self._send(HTTPStatus.OK, *self.session.picture(image_id, parts[3]))
            else:
                self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})
        except FileNotFoundError as exc:
            # The file's name, never its absolute path.
            self._json(
                HTTPStatus.NOT_FOUND,
                {"error": f"a file of this run is missing: {Path(exc.filename).name}" if exc.filename else str(exc)},
            )

    def do_POST(self):  # noqa: N802 - the standard library's name
        url = urlsplit(self.path)
        if not self._allowed(parse_qs(url.query)):
            return
        parts = url.path.strip("/").split("/")
        if not (len(parts) == 4 and parts[:2] == ["api", "photo"] and parts[3] in ("save", "refine")):
            self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})
            return
        image_id = self._photo(parts)
        if image_id is None:
            return
        length = self.headers.get("Content-Length") or ""
        length = int(length) if length.isdigit() else 0
        if not 0 < length <= MAX_BODY:
            self._json(HTTPStatus.BAD_REQUEST, {"error": "empty or too large request"})
            return
        try:
            body = json.loads(self.rfile.read(length))
            if not isinstance(body, dict):
                raise UsageError("the request must be a JSON object")
            if parts[3] == "refine":
                answer = self.session.refine(image_id, body)
            else:
                answer = {"saved": self.session.save(image_id, body), **self.session.photos()}
        except (ValueError, TypeError, KeyError) as exc:  # what a malformed request body raises
            self._json(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
            return
        self._json(HTTPStatus.OK, answer)


def make_server(
    out_dir, rater: str, port: int = 0, token: str | None = None, refinement: RefineSettings | None = None
) -> tuple[ThreadingHTTPServer, str]:
    """A review server for ``out_dir`` on 127.0.0.1 (not yet serving) and the page's URL with its token;
    ``refinement`` sets how "refine" adapts the model to a photo's marks.

    Raises:
        ValueError: no scoring run with reviewable photos in ``out_dir``, or a bad port.
        OSError: the port is taken.
    """
    if not 0 <= int(port) <= 65535:
        raise UsageError(f"port must be 0-65535, got {port}")
    session = ReviewSession(out_dir, rater, refinement)
    token = token or secrets.token_urlsafe(24)
    handler = type("ReviewHandler", (_Handler,), {"session": session, "token": token})
    server = ThreadingHTTPServer((HOST, int(port)), handler)
    server.daemon_threads = True
    return server, f"http://{HOST}:{server.server_address[1]}/?token={token}"
