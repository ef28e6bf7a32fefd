"""``OUT/report.html``: one page that shows a scoring run at a glance and opens from disk with no network.

Styles and scripts are inline; pictures are small JPEG thumbnails in ``OUT/report_files/`` linked by relative
paths (the page never loads a full-size photo). It shows the run (model, settings, counts by status, flag and mask
source, the review), a sortable, filterable table of every photo, each scored photo's face-cropped overlay (a
translucent fill with an outline, and a legend) beside the plain crop, the failures with their reasons and, for a
``vitiscore compare`` folder, each subject's visits side by side with the repigmentation map, the cohort table
and the plots.
"""

from __future__ import annotations

import html
import json
import shutil
import urllib.parse
from collections import Counter
from pathlib import Path

import cv2
import numpy as np

from vitiscore import files as files_mod
from vitiscore.errors import UsageError
from vitiscore.face.facial_area import frame_labels
from vitiscore.files.masks import read_labels, read_mask
from vitiscore.measure.mask_score import frame_mask, frame_of
from vitiscore.report import overlay
from vitiscore.report.definitions import DEFINITIONS

FILES_DIR = "report_files"
THUMB_SIDE = 360
THUMB_QUALITY = 82
TABLE_COLUMNS = (
    ("image_id", "photo"),
    ("status", "status"),
    ("flags", "flags"),
    ("ita_band", "ITA band"),
    ("depigmented_fraction", "depigmented %"),
    ("fvasi", "F-VASI flat"),
    ("fvasi_surface", "F-VASI surface"),
    ("fvasi_clinical", "F-VASI clinical"),
    ("mask_source", "mask"),
    ("reviewed_by", "reviewed by"),
    ("subject_id", "subject"),
    ("visit", "visit"),
)
NUMERIC = {"depigmented_fraction", "fvasi", "fvasi_surface", "fvasi_clinical"}


def _url(path: str) -> str:
    """A relative link or fragment: percent-encoded (an id holding ``#`` or ``%`` must not end or garble the link),
    then escaped for an attribute."""
    return _e(urllib.parse.quote(str(path)))


def _e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _thumbnail(picture: np.ndarray, path: Path) -> None:
    height, width = picture.shape[:2]
    scale = min(1.0, THUMB_SIDE / max(height, width))
    if scale < 1:
        picture = cv2.resize(picture, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    files_mod.write_jpeg(path, np.ascontiguousarray(picture), quality=THUMB_QUALITY)


def photo_thumbnails(out_dir: Path, row: dict) -> tuple[str, str]:
    """Write the plain and overlaid face-crop thumbnails of a scored photo; return their paths relative to OUT."""
    crop = files_mod.load_photo(out_dir / row["crop"]).rgb
    box, scale = frame_of(row)
    units = frame_labels(read_labels(out_dir / row["mask_units"]), box, scale)
    mask = frame_mask(read_mask(out_dir / row["mask_depigmented"]), box, scale)
    plain = f"{FILES_DIR}/{files_mod.safe_name(row['image_id'])}_photo.jpg"
    drawn = f"{FILES_DIR}/{files_mod.safe_name(row['image_id'])}_overlay.jpg"
    _thumbnail(crop, out_dir / plain)
    _thumbnail(overlay.render(crop, units, mask, ""), out_dir / drawn)
    return plain, drawn


def _percent(value) -> str:
    try:
        return f"{100 * float(value):.1f}"
    except (TypeError, ValueError):
        return ""


def _number(value, digits=3) -> str:
    try:
        return f"{float(value):.{digits}f}"
    except (TypeError, ValueError):
        return ""


def _counts(title: str, counter: Counter) -> str:
    items = "".join(f"<li><b>{_e(k)}</b> {n}</li>" for k, n in sorted(counter.items()))
    return f"<div class='box'><h3>{_e(title)}</h3><ul>{items or '<li>none</li>'}</ul></div>"


def _run_section(run: dict, rows: list[dict]) -> str:
    model = run.get("model") or {}
    options = run.get("options") or {}
    flags = Counter(f for r in rows for f in (r.get("flags") or "").split(";") if f)
    review = run.get("review")
    facts = [
        ("run", run.get("run_id")),
        ("tool version", run.get("tool_version")),
        ("started (UTC)", run.get("started")),
        ("model", f"{model.get('id')} (SHA-256 {str(model.get('sha256'))[:16]}…)"),
        ("threshold", model.get("threshold")),
        ("eyelids", options.get("eyelids")),
        ("face hand units", options.get("face_hand_units")),
        ("photos", len(rows)),
    ]
    if review:
        facts.append(
            (
                "review",
                f"{review.get('reviewed')} reviewed, {review.get('excluded')} excluded by "
                f"{', '.join(review.get('raters') or []) or 'nobody'}; rescored {review.get('rescored_at')}",
            )
        )
    table = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in facts)
    return (
        f"<section id='run'><h2>The run</h2><table class='facts'>{table}</table><div class='row'>"
        + _counts("status", Counter(r.get("status") for r in rows))
        + _counts("flags", flags)
        + _counts("mask source", Counter(r.get("mask_source") or "model" for r in rows))
        + _counts("ITA band", Counter(r.get("ita_band") for r in rows if r.get("ita_band")))
        + "</div></section>"
    )


def _photo_table(rows: list[dict]) -> str:
    statuses = sorted({r.get("status") for r in rows})
    flags = sorted({f for r in rows for f in (r.get("flags") or "").split(";") if f})
    bands = sorted({r.get("ita_band") for r in rows if r.get("ita_band")})

    def options(name, values):
        return (
            f"<select id='f-{name}' data-filter='{name}'><option value=''>every {name}</option>"
            + "".join(f"<option>{_e(v)}</option>" for v in values)
            + "</select>"
        )

    head = "".join(
        f"<th data-col='{c}' data-numeric='{int(c in NUMERIC)}' title='sort'>{_e(label)}</th>"
        for c, label in TABLE_COLUMNS
    )
    body = []
    for row in rows:
        cells = []
        for column, _ in TABLE_COLUMNS:
            value = row.get(column)
            if column == "image_id":
                text = f"<a href='#{_url('photo-' + str(value))}'>{_e(value)}</a>"
            elif column == "depigmented_fraction":
                text = _e(_percent(value))
            elif column in NUMERIC:
                text = _e(_number(value))
            else:
                text = _e(value)
            cells.append(f"<td data-value='{_e(value)}'>{text}</td>")
        body.append(
            f"<tr data-status='{_e(row.get('status'))}' data-flags=';{_e(row.get('flags'))};' "
            f"data-band='{_e(row.get('ita_band'))}'>{''.join(cells)}</tr>"
        )
    return (
        "<section id='photos'><h2>Every photo</h2><div class='filters'>"
        + options("status", statuses)
        + options("flag", flags)
        + options("band", bands)
        + "<label>F-VASI surface ≥ <input id='f-min' type='number' step='0.05' min='0' value=''></label>"
        + "<span id='shown'></span></div>"
        + f"<table id='photo-table' class='data'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        + "</section>"
    )


def _photo_cards(out_dir: Path, rows: list[dict]) -> str:
    cards = []
    for row in rows:
        if row.get("status") != "ok" or not row.get("crop"):
            continue
        plain, drawn = photo_thumbnails(out_dir, row)
        caption = (
            f"F-VASI surface {_number(row.get('fvasi_surface'), 2)}, clinical {_number(row.get('fvasi_clinical'), 2)}; "
            f"depigmented {_percent(row.get('depigmented_fraction'))} % of the facial area; mask: "
            f"{row.get('mask_source') or 'model'}" + (f" ({row.get('reviewed_by')})" if row.get("reviewed_by") else "")
        )
        flags = f"<p class='flags'>flags: {_e(row.get('flags'))}</p>" if row.get("flags") else ""
        cards.append(
            f"<figure class='card' id='photo-{_e(row['image_id'])}' data-id='{_e(row['image_id'])}'>"
            f"<figcaption><b>{_e(row['image_id'])}</b> {_e(row.get('ita_band'))}</figcaption>"
            f"<div class='pair'><img src='{_url(plain)}' alt='{_e(row['image_id'])} face crop' loading='lazy'>"
            f"<img src='{_url(drawn)}' alt='{_e(row['image_id'])} overlay' loading='lazy'></div>"
            f"<p>{_e(caption)}</p>{flags}</figure>"
        )
    return (
        "<section id='overlays'><h2>Overlays</h2><p class='legend'>Left: the face crop the model saw. Right: the "
        "facial area (gold), units (white) and depigmented skin (magenta fill and outline).</p>"
        f"<div class='cards'>{''.join(cards)}</div></section>"
    )


def _failures(rows: list[dict]) -> str:
    failed = [r for r in rows if r.get("status") != "ok"]
    if not failed:
        return "<section id='failures'><h2>Failures</h2><p>Every photo was scored.</p></section>"
    items = "".join(
        f"<tr><td>{_e(r['image_id'])}</td><td>{_e(r.get('status'))}</td><td>{_e(r.get('error'))}</td>"
        f"<td>{_e(r.get('path'))}</td></tr>"
        for r in failed
    )
    return (
        "<section id='failures'><h2>Failures</h2><table class='data'><thead><tr><th>photo</th><th>status</th>"
        f"<th>reason</th><th>path</th></tr></thead><tbody>{items}</tbody></table></section>"
    )


def _compare_section(out_dir: Path, compare_dir: Path, run_id: str | None) -> str:
    if _compared_run(compare_dir) not in (None, run_id):
        return (
            f"<section id='compare'><h2>Visits compared</h2><p class='flags'>{_e(compare_dir.name)}/ compares "
            "another scoring run than this one: run <code>vitiscore compare</code> on this run's results again."
            "</p></section>"
        )
    _, per_subject = files_mod.read_table_csv(compare_dir / "per_subject.csv", "per-subject table")
    cohort = (
        files_mod.read_table_csv(compare_dir / "cohort.csv", "cohort table")[1]
        if (compare_dir / "cohort.csv").is_file()
        else []
    )
    measured = any(r.get("rate_expected") for r in cohort)
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{_e(r.get(c))}</td>" for c in ("followup", "stratum_by", "stratum", "endpoint", "n", "responders")
        )
        + f"<td>{_e(_percent(r.get('rate')))}</td>"
        + f"<td>{_e(_percent(r.get('ci_low')))}–{_e(_percent(r.get('ci_high')))}</td>"
        + (f"<td>{_e(_with_measurement(r))}</td><td>{_e(r.get('n_doubtful'))}</td>" if measured else "")
        + "</tr>"
        for r in cohort
    )
    extra = "<th>expected rate % (95 % CI with measurement)</th><th>doubtful calls</th>" if measured else ""
    cohort_html = (
        "<table class='data'><thead><tr><th>follow-up</th><th>stratum by</th><th>stratum</th><th>endpoint</th>"
        f"<th>n</th><th>responders</th><th>rate %</th><th>95 % CI %</th>{extra}</tr></thead><tbody>{rows}</tbody>"
        "</table>"
    )
    pictures = []
    for index, path in enumerate(sorted(compare_dir.glob("*.png"))):
        thumb = f"{FILES_DIR}/compare_plot_{index}.jpg"
        _thumbnail(files_mod.load_photo(path).rgb, out_dir / thumb)
        pictures.append(f"<img src='{_url(thumb)}' alt='{_e(path.stem)}' loading='lazy'>")
    subjects = []
    # Subjects whose call could go either way first: the ones to review.
    for index, row in sorted(enumerate(per_subject), key=lambda item: not item[1].get("doubtful_calls")):
        picture = ""
        if row.get("map") and (compare_dir / row["map"]).is_file():
            thumb = f"{FILES_DIR}/compare_map_{index}.jpg"
            _thumbnail(files_mod.load_photo(compare_dir / row["map"]).rgb, out_dir / thumb)
            picture = f"<img src='{_url(thumb)}' alt='map of {_e(row['subject_id'])}' loading='lazy'>"
        elif row.get("map_error"):
            picture = f"<p class='flags'>no map: {_e(row['map_error'])}</p>"
        visits = "".join(
            f"<img src='{_url(f'{FILES_DIR}/{files_mod.safe_name(i)}_overlay.jpg')}' alt='{_e(i)}' loading='lazy'>"
            for key in ("baseline_image_ids", "followup_image_ids")
            for i in (row.get(key) or "").split(";")[:1]
            if i and (out_dir / FILES_DIR / f"{files_mod.safe_name(i)}_overlay.jpg").is_file()
        )
        subjects.append(
            f"<figure class='card wide'><figcaption><b>{_e(row['subject_id'])}</b> {_e(row.get('baseline'))} → "
            f"{_e(row.get('followup'))}: {_e(_number(row.get('baseline_score')))} → "
            f"{_e(_number(row.get('followup_score')))} ({_e(_number(row.get('pct_change'), 1))} %), "
            f"{_e(row.get('status'))}{_e(_call_doubt(row))}</figcaption><div class='pair'>{visits}{picture}</div>"
            "</figure>"
        )
    return (
        f"<section id='compare'><h2>Visits compared</h2><p>From {_e(compare_dir.name)}/.</p>{cohort_html}"
        f"<div class='cards'>{''.join(pictures)}</div><div class='cards'>{''.join(subjects)}</div></section>"
    )


def _compared_run(compare_dir: Path) -> str | None:
    """The id of the scoring run that ``vitiscore compare`` compared in ``compare_dir`` (None if not recorded)."""
    try:
        return json.loads((compare_dir / "cohort.json").read_text(encoding="utf-8"))["settings"].get("run_id")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _with_measurement(row: dict) -> str:
    return (
        f"{_percent(row.get('rate_expected'))} ({_percent(row.get('ci_low_with_measurement'))}–"
        f"{_percent(row.get('ci_high_with_measurement'))})"
    )


def _call_doubt(row: dict) -> str:
    if not row.get("pct_change_low"):
        return ""
    text = f"; 90 % interval {_number(row['pct_change_low'], 1)} to {_number(row['pct_change_high'], 1)} %"
    return text + (
        f"; could go either way: {row['doubtful_calls'].replace(';', ', ')}" if row["doubtful_calls"] else ""
    )


STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:0 2em 3em;color:#222}
h1{margin:.6em 0 0}h2{border-bottom:2px solid #ccc;margin-top:1.6em}
table.facts th{text-align:left;padding-right:1em;color:#555}
.row,.cards{display:flex;flex-wrap:wrap;gap:12px}
.box{border:1px solid #ddd;border-radius:6px;padding:0 12px;min-width:150px}.box ul{padding-left:1em}
table.data{border-collapse:collapse}table.data td,table.data th{border:1px solid #ddd;padding:3px 6px}
table.data th{background:#f3f3f3;cursor:pointer;user-select:none}
.card{margin:0;border:1px solid #ddd;border-radius:6px;padding:8px;max-width:760px}
.pair{display:flex;gap:6px;flex-wrap:wrap}.pair img{max-width:360px;height:auto}
.flags{color:#a15c00}.filters{margin:.5em 0;display:flex;gap:10px;align-items:center}
"""

SCRIPT = """
(function(){
  const table=document.getElementById('photo-table');
  if(!table) return;
  const rows=[...table.tBodies[0].rows];
  function apply(){
    const st=document.getElementById('f-status').value, fl=document.getElementById('f-flag').value,
      band=document.getElementById('f-band').value, min=parseFloat(document.getElementById('f-min').value);
    let shown=0;
    for(const r of rows){
      const score=parseFloat(r.cells[6].dataset.value);
      const ok=(!st||r.dataset.status===st)&&(!fl||r.dataset.flags.includes(';'+fl+';'))&&
        (!band||r.dataset.band===band)&&(isNaN(min)||(!isNaN(score)&&score>=min));
      r.style.display=ok?'':'none'; if(ok) shown++;
    }
    document.getElementById('shown').textContent=shown+' of '+rows.length+' photos shown';
  }
  for(const el of document.querySelectorAll('.filters select,.filters input')) el.addEventListener('input',apply);
  let last=null, dir=1;
  for(const th of table.tHead.rows[0].cells){
    th.addEventListener('click',()=>{
      const i=th.cellIndex, numeric=th.dataset.numeric==='1';
      dir=(last===i)?-dir:1; last=i;
      rows.sort((a,b)=>{
        let x=a.cells[i].dataset.value, y=b.cells[i].dataset.value;
        if(numeric){x=parseFloat(x);y=parseFloat(y);x=isNaN(x)?-Infinity:x;y=isNaN(y)?-Infinity:y;return (x-y)*dir;}
        return x.localeCompare(y)*dir;
      });
      for(const r of rows) table.tBodies[0].appendChild(r);
    });
  }
  apply();
})();
"""


def write_report(out_dir, compare_dir=None) -> Path:
    """Write ``OUT/report.html`` (and its thumbnails) for the scoring run in ``out_dir``; return its path.

    ``compare_dir`` is a ``vitiscore compare`` output folder; by default ``OUT/compare`` when it exists.

    Raises:
        ValueError: ``out_dir`` holds no scoring run, or ``compare_dir`` no per_subject.csv.
    """
    out_dir = Path(out_dir)
    run = files_mod.read_score_run(out_dir)
    if not run or not (out_dir / "results.csv").is_file():
        raise UsageError(f"{out_dir} holds no vitiscore score run (run.json and results.csv)")
    _, rows = files_mod.read_table_csv(out_dir / "results.csv", "results")
    if compare_dir is None and (out_dir / "compare" / "per_subject.csv").is_file():
        compare_dir = out_dir / "compare"
    if compare_dir is not None and not (Path(compare_dir) / "per_subject.csv").is_file():
        raise UsageError(f"{compare_dir} holds no per_subject.csv of `vitiscore compare`")
    if (out_dir / FILES_DIR).is_dir():
        shutil.rmtree(out_dir / FILES_DIR)
    sections = [_run_section(run, rows), DEFINITIONS, _photo_table(rows), _failures(rows), _photo_cards(out_dir, rows)]
    if compare_dir is not None:
        sections.append(_compare_section(out_dir, Path(compare_dir), run.get("run_id")))
    title = f"vitiscore report: {out_dir.resolve().name}"
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; img-src 'self' file:; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{_e(title)}</h1><p>Generated by vitiscore {_e(run.get('tool_version'))}. Check the overlays before "
        "you publish a number; correct masks with <code>vitiscore review</code>.</p>"
        + "".join(sections)
        + f"<script>{SCRIPT}</script></body></html>"
    )
    path = out_dir / "report.html"
    files_mod.write_bytes(path, page.encode("utf-8"))
    return path
