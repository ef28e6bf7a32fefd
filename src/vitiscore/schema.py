"""Every output table's columns, declared once: name, type, unit and meaning.

Rows are built from these declarations (:meth:`Table.empty_row`), CSV headers are their names, and
``docs/outputs.md`` is rendered from them (:func:`render_markdown`; ``python scripts/make_docs.py`` rewrites it,
and a test fails when the file is stale). A new column is declared here and filled where it is computed.

Types: ``text``; ``integer``; ``number`` (empty when undefined, never NaN in a CSV); ``list`` (``;``-separated);
``path`` (relative to the folder holding the table); ``0/1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vitiscore.face.facial_area import UNITS


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    unit: str
    meaning: str


@dataclass(frozen=True)
class Table:
    """One output file: its name, the command that writes it, what a row is, and its columns in order."""

    file: str
    command: str
    row_is: str
    columns: tuple[Column, ...]
    notes: str = ""

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def empty_row(self) -> dict:
        """A row with every declared column, all empty (None)."""
        return dict.fromkeys(self.names)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.file} has no column {name!r}")


def _c(name: str, type_: str, unit: str, meaning: str) -> Column:
    return Column(name, type_, unit, meaning)


_PROVENANCE = (
    _c("model_id", "text", "", "depigmentation model id (`external` for masks drawn elsewhere)"),
    _c(
        "model_sha256",
        "text",
        "",
        "SHA-256 of the model's weights, or of the method's parameters; with `--masks`, of the photo's mask file",
    ),
    _c("tool_version", "text", "", "vitiscore version"),
)

_UNIT_COLUMNS = tuple(
    column
    for unit in UNITS
    for column in (
        _c(f"{unit}_area_px", "integer", "px", f"{unit.replace('_', ' ')}: facial-area pixels of the unit"),
        _c(
            f"{unit}_depigmented_fraction",
            "number",
            "0-1",
            f"{unit.replace('_', ' ')}: depigmented share of the unit's pixels (empty when the unit is not visible)",
        ),
        _c(f"{unit}_degree", "integer", "%", f"{unit.replace('_', ' ')}: clinical degree, one of 0/10/25/50/75/90/100"),
    )
)

# `vitiscore score --uncertainty`: how far the photo's score moves under changes that should not matter.
INTERVAL_COLUMNS = (
    _c(
        "depigmented_fraction_low",
        "number",
        "0-1",
        "lower end of the 90 % interval of depigmented_fraction (--uncertainty): the 5th percentile over the model's "
        "masks of the crop mirrored, darker and brighter and the facial areas of the photo reframed; empty without "
        "--uncertainty or after a rater's review",
    ),
    _c("depigmented_fraction_high", "number", "0-1", "upper end of that interval (95th percentile)"),
    _c("fvasi_low", "number", "0-face HU", "lower end of the 90 % interval of fvasi"),
    _c("fvasi_high", "number", "0-face HU", "upper end of the 90 % interval of fvasi"),
)

RESULTS = Table(
    file="results.csv",
    command="vitiscore score",
    row_is="one input photo, failures included",
    columns=(
        _c(
            "image_id",
            "text",
            "",
            "file name without extension; parent folders are prefixed only when two photos share a name",
        ),
        _c("path", "path", "", "the photo, relative to OUT"),
        _c("subject_id", "text", "", "from the manifest (`--manifest`), else empty"),
        _c("visit", "text", "", "from the manifest, else empty"),
        _c("view", "text", "", "from the manifest (frontal, left, right...), else empty"),
        _c(
            "status",
            "text",
            "",
            "`ok`, or why the photo was not scored: `no_face`, `face_too_small` (iris centres closer than "
            "--min-face-eye-distance), `no_colour` (a grey photo), `unreadable`, `truncated`, `empty_file`, "
            "`too_large`, `failed`; with `--masks`: `no_mask` (no mask for the photo), `mask_size_mismatch`; after "
            "`vitiscore rescore`: `excluded` (a rater excluded the photo; `error` gives the reason)",
        ),
        _c("error", "text", "", "human-readable reason when status is not ok"),
        _c(
            "flags",
            "list",
            "",
            "quality warnings on a scored photo: `multiple_faces`, `low_resolution`, `pose` (turn, tilt or "
            "in-plane rotation over --max-pose), `overexposed`, `underexposed`, `hairline_not_found`, `light_skin`, "
            "`face_found_enhanced` (the face was found only on a contrast-normalised copy of the photo; see the "
            "README), `multi_page` (the file holds several images, e.g. a multi-page TIFF, and the first was scored)",
        ),
        _c(
            "turned_deg",
            "integer",
            "degrees",
            "how far the photo was turned counter-clockwise (0, 90, 180, 270) to "
            "bring a face saved sideways or upside down upright; masks, overlay and landmarks are in that frame",
        ),
        _c("width", "integer", "px", "width of the scored frame (after the EXIF orientation and turned_deg)"),
        _c("height", "integer", "px", "height of the scored frame (after the EXIF orientation and turned_deg)"),
        _c("n_faces", "integer", "", "faces found (the largest is scored)"),
        _c("eye_distance_px", "number", "px", "distance between the iris centres"),
        _c("iris_diameter_px", "number", "px", "mean visible iris diameter of both eyes"),
        _c("yaw_deg", "number", "degrees", "head turn, positive towards the patient's left"),
        _c("pitch_deg", "number", "degrees", "head tilt, positive with the chin further from the camera"),
        _c("roll_deg", "number", "degrees", "in-plane rotation of the eye line, positive clockwise"),
        _c("facial_area_px", "integer", "px", "pixels of the F-VASI facial area"),
        _c("depigmented_px", "integer", "px", "depigmented pixels inside the facial area"),
        _c("depigmented_fraction", "number", "0-1", "depigmented_px / facial_area_px"),
        *_UNIT_COLUMNS,
        _c("face_hand_units", "number", "HU", "the face's size in hand units (see hu_source)"),
        _c("depigmented_hand_units", "number", "HU", "depigmented_fraction x face_hand_units"),
        _c("fvasi", "number", "0-face HU", "flat F-VASI: unit fractions x unit pixel shares x face HU"),
        *INTERVAL_COLUMNS,
        _c("depigmented_fraction_surface", "number", "0-1", "depigmented share of the seen facial skin surface"),
        _c("fvasi_surface", "number", "0-face HU", "surface F-VASI: depigmented_fraction_surface x face HU"),
        _c("fvasi_clinical", "number", "0-face HU", "clinical-style F-VASI: involved area x binned degree per unit"),
        _c(
            "unseen_fraction",
            "number",
            "0-1",
            "share of the facial surface this photo does not see well (facing the camera at more than 80 degrees)",
        ),
        _c("facial_area_cm2", "number", "cm²", "facial skin surface (iris scale; empty without one)"),
        _c("depigmented_area_cm2", "number", "cm²", "depigmented skin surface (iris scale; empty without one)"),
        _c("area_uncertainty_pct", "number", "%", "1 SD of the cm² areas from the iris ruler"),
        _c("mm_per_px", "number", "mm/px", "photo scale from the iris (11.7 mm)"),
        _c("scale_source", "text", "", "`iris` or `none`"),
        _c("hand_unit_cm2", "number", "cm²", "the patient's hand unit (manifest), empty when unknown"),
        _c(
            "hu_source",
            "text",
            "",
            "what face_hand_units came from: `patient_hand`, `mosteller_bsa` or `default_face_hu`",
        ),
        _c("skin_lightness", "number", "L*", "CIELAB L* of the normal skin (median)"),
        _c("skin_b", "number", "b*", "CIELAB b* of the normal skin (median)"),
        _c("ita_deg", "number", "degrees", "individual typology angle of the normal skin"),
        _c(
            "ita_band",
            "text",
            "",
            "`very_light` (> 55), `light` (> 41), `intermediate` (> 28), `tan` (> 10), `brown` (> -30), `dark`",
        ),
        _c(
            "forehead_hair_stop",
            "number",
            "0-1",
            "share of the forehead's upper edge that stopped at hair rather "
            "than at the band limit (under 0.3 flags hairline_not_found)",
        ),
        _c(
            "mask_facial_area",
            "path",
            "",
            "facial-area mask, 1-bit PNG (0/255 read as 8-bit), photo-sized",
        ),
        _c(
            "mask_units",
            "path",
            "",
            "facial units as labels 1-7 (run.json `unit_labels`), 4-bit grey palette: any reader sees the label values",
        ),
        _c(
            "mask_depigmented",
            "path",
            "",
            "depigmentation mask, 1-bit PNG (0/255 read as 8-bit); its pixels in the facial area are depigmented_px",
        ),
        _c("overlay", "path", "", "the face crop the model saw with the facial area, units and depigmentation drawn"),
        _c(
            "crop",
            "path",
            "",
            "the face crop the model saw (JPEG, the analysis frame): what the review page shows and what maps "
            "fall back on when the photo has moved",
        ),
        _c(
            "probability",
            "path",
            "",
            "the model's depigmentation probability on the analysis frame, 8-bit PNG (0-255 for 0-1; 0 outside the "
            "facial area); empty for masks drawn elsewhere",
        ),
        _c(
            "unsure_map",
            "path",
            "",
            "where the model is unsure (--uncertainty), on the analysis frame, 8-bit PNG: twice the SD of each "
            "pixel's probability over the model's map and its maps of the crop mirrored, darker and brighter (0-255 "
            "for 0-1: 0 all agree, 255 split evenly); empty without --uncertainty and for masks drawn elsewhere",
        ),
        _c("crop_box", "list", "px", "the analysis frame in the photo: x0;y0;x1;y1 (x1, y1 exclusive)"),
        _c("crop_scale", "number", "", "analysis-frame pixels per photo pixel (0-1]"),
        _c(
            "threshold",
            "number",
            "0-1",
            "probability at which the mask was cut (the model's tuned threshold, or the rater's on the review page; "
            "empty for masks drawn elsewhere)",
        ),
        _c("triangles", "path", "", "per-triangle surface table, from which views are fused and visits compared"),
        _c("landmarks", "path", "", "the 478 face-mesh points (x, y in photo pixels, z relative depth)"),
        *_PROVENANCE,
        _c(
            "mask_source",
            "text",
            "",
            "where the depigmentation mask came from: `model`, `marks` (the model adapted to a rater's marks, "
            "`--marks`), `external` (`--masks`) or `reviewed` (a rater's mask from `vitiscore review`, applied by "
            "`vitiscore rescore`)",
        ),
        _c(
            "n_marks",
            "integer",
            "",
            "the rater's marks the model was adapted to (those inside the analysis frame); empty without marks",
        ),
        _c(
            "marks_sha256",
            "text",
            "",
            "hash of the photo's marks and the refinement settings; --skip-existing rescores a photo whose marks "
            "changed",
        ),
        _c("reviewed_by", "text", "", "the rater who last saved or excluded the photo on the review page"),
        _c("reviewed_at", "text", "UTC", "when (ISO 8601) the rater last saved or excluded the photo"),
        _c("eyelids", "text", "", "`exclude` or `include`: whether eyelid skin is in the facial area"),
        _c("hairline_max", "number", "", "--hairline-max used"),
        _c("min_eye_distance_px", "number", "px", "--min-eye-distance used"),
        _c("max_pose_deg", "number", "degrees", "--max-pose used"),
        _c("settings_sha256", "text", "", "hash of everything that changes a result (options, model, version)"),
        _c(
            "photo_sha256",
            "text",
            "",
            "SHA-256 of the photo file; --skip-existing rescores a photo whose content changed",
        ),
        _c("run_id", "text", "", "the run that scored the row (run.json `run_id`; reused rows keep theirs)"),
    ),
)

SEGMENT_RESULTS = Table(
    file="results.csv",
    command="vitiscore segment",
    row_is="one input photo, failures included",
    columns=(
        RESULTS.column("image_id"),
        RESULTS.column("path"),
        _c(
            "status",
            "text",
            "",
            "`ok`, or why the photo was not segmented: `unreadable`, `truncated`, "
            "`empty_file`, `too_large`, `failed`, `not_processed` (the run stopped first)",
        ),
        RESULTS.column("error"),
        RESULTS.column("width"),
        RESULTS.column("height"),
        _c(
            "depigmented_fraction",
            "number",
            "0-1",
            "depigmented share of the whole photo's pixels (with a skin model, only depigmented skin counts)",
        ),
        _c("depigmented_px", "integer", "px", "depigmented pixels of the whole photo"),
        _c(
            "skin_px",
            "integer",
            "px",
            "pixels the model sees as skin, lesions included; empty for a model without a skin head",
        ),
        _c(
            "depigmented_fraction_of_skin",
            "number",
            "0-1",
            "depigmented_px / skin_px; empty without a skin head or when no skin is seen",
        ),
        _c(
            "mask_depigmented",
            "path",
            "",
            "depigmentation mask, 1-bit PNG (0/255 read as 8-bit), photo-sized",
        ),
        _c(
            "mask_skin",
            "path",
            "",
            "skin mask, 1-bit PNG, photo-sized; empty for a model without a skin head",
        ),
        _c("mask_source", "text", "", "`model`, or `marks` (the model adapted to a rater's marks, `--marks`)"),
        _c("n_marks", "integer", "", "the rater's marks the model was adapted to; empty without marks"),
        _c(
            "marks_sha256",
            "text",
            "",
            "hash of the photo's marks and the refinement settings; --skip-existing segments a photo whose marks "
            "changed again",
        ),
        *_PROVENANCE,
        _c("settings_sha256", "text", "", "hash of what changes a result (--max-megapixels, model, version)"),
        _c(
            "photo_sha256",
            "text",
            "",
            "SHA-256 of the photo file; --skip-existing segments a photo whose content changed again",
        ),
    ),
)

FUSED = Table(
    file="fused.csv",
    command="vitiscore score --manifest",
    row_is="one subject and visit, its views fused triangle by triangle",
    columns=(
        _c("subject_id", "text", "", "from the manifest"),
        _c("visit", "text", "", "from the manifest"),
        _c("status", "text", "", "`ok`, or `no_scored_view` when no photo of the subject and visit was scored"),
        _c("error", "text", "", "human-readable reason when status is not ok"),
        _c("views", "list", "", "the views fused (scored photos only)"),
        _c("image_ids", "list", "", "the photos fused, in the order of views"),
        _c("n_photos", "integer", "", "photos of the subject and visit in the manifest, scored or not"),
        _c("depigmented_fraction_fused", "number", "0-1", "depigmented share of the facial surface, views fused"),
        _c("fvasi_fused", "number", "0-face HU", "surface F-VASI of the fused views"),
        _c(
            "fvasi_fused_low",
            "number",
            "0-face HU",
            "lower end of the 90 % interval of fvasi_fused, carried from the views' intervals (--uncertainty)",
        ),
        _c("fvasi_fused_high", "number", "0-face HU", "upper end of that interval"),
        _c("fvasi_clinical_fused", "number", "0-face HU", "clinical-style F-VASI of the fused views"),
        _c("unseen_fraction", "number", "0-1", "share of the facial surface no view saw well"),
        _c("view_shares", "list", "", "`view=share` of the measured surface each view contributed"),
        _c("facial_area_cm2", "number", "cm²", "mean facial surface over the views with an iris scale"),
        _c("depigmented_area_cm2", "number", "cm²", "facial_area_cm2 x depigmented_fraction_fused"),
        _c("face_hand_units", "number", "HU", "the face's size in hand units"),
        _c("hu_source", "text", "", "`patient_hand`, `mosteller_bsa` or `default_face_hu`"),
        _c("hand_unit_cm2", "number", "cm²", "the patient's hand unit, empty when unknown"),
        _c("run_id", "text", "", "the run that wrote the table; compare uses fused.csv only beside that run's results"),
    ),
)

ENDPOINT_NAMES = ("F-VASI25", "F-VASI50", "F-VASI75", "F-VASI90")

MAP_COLUMNS = (
    _c("map", "path", "", "repigmentation map picture (baseline photo), relative to the compare folder"),
    _c("map_units", "path", "", "per-unit change table of the map"),
    _c("repigmented_pct", "number", "%", "share of the compared facial surface that repigmented"),
    _c("still_depigmented_pct", "number", "%", "share of the compared facial surface still depigmented"),
    _c("newly_depigmented_pct", "number", "%", "share of the compared facial surface newly depigmented"),
    _c("not_compared_pct", "number", "%", "share of the facial surface the follow-up photo does not show well"),
    _c("map_error", "text", "", "why no map could be drawn for the subject"),
)

PER_SUBJECT = Table(
    file="per_subject.csv",
    command="vitiscore compare",
    row_is="one subject and follow-up visit",
    notes="Followed by one column per `--strata` column and, when maps are drawn, the map columns.",
    columns=(
        _c("subject_id", "text", "", "the subject"),
        _c("baseline", "text", "", "the baseline visit"),
        _c("followup", "text", "", "the follow-up visit"),
        _c("baseline_score", "number", "score", "baseline value of the score column"),
        _c("followup_score", "number", "score", "follow-up value of the score column"),
        _c("change", "number", "score", "followup_score - baseline_score"),
        _c("pct_change", "number", "%", "100 x change / baseline_score (negative is improvement)"),
        _c(
            "pct_change_one_frame",
            "number",
            "%",
            "the same change measured in one frame: the depigmented share of the facial skin present at both visits "
            "(mapped through the face mesh), so that a different crop or hairline stop is not read as change; "
            "vitiscore results only, empty where the triangle tables are missing",
        ),
        _c("compared_share", "number", "0-1", "share of the facial surface seen at either visit that was compared"),
        _c("status", "text", "", "`evaluable`, `imputed_nonresponder`, `excluded_missing` or `not_evaluable`"),
        _c("reason", "text", "", "why the subject is not evaluable, imputed or excluded"),
        *(_c(name, "0/1", "", f"at least {name[6:]} % reduction from baseline") for name in ENDPOINT_NAMES),
        _c(
            "pct_change_low",
            "number",
            "%",
            "lower end of the 90 % interval of pct_change, from both visits' score intervals (score --uncertainty); "
            "empty when a visit has none",
        ),
        _c("pct_change_high", "number", "%", "upper end of that interval"),
        *(
            _c(
                f"p_{name}",
                "number",
                "0-1",
                f"probability of at least {name[6:]} % reduction given both visits' score intervals (0 for an imputed "
                "non-responder)",
            )
            for name in ENDPOINT_NAMES
        ),
        _c(
            "doubtful_calls",
            "list",
            "",
            "endpoints whose call could go either way (probability 0.1-0.9): review these subjects' masks first",
        ),
        _c("baseline_image_ids", "list", "", "photos behind the baseline score"),
        _c("followup_image_ids", "list", "", "photos behind the follow-up score"),
    ),
)

MAP_UNITS = Table(
    file="maps/<subject>_<followup>_units.csv",
    command="vitiscore compare",
    row_is="one facial unit of a subject's repigmentation map",
    columns=(
        _c("unit", "text", "", "facial unit"),
        _c("compared_share", "number", "0-1", "share of the unit's surface both visits show"),
        _c("baseline_depigmented_pct", "number", "%", "depigmented at baseline, of the compared surface"),
        _c("followup_depigmented_pct", "number", "%", "depigmented at follow-up, of the compared surface"),
        _c("repigmented_pct", "number", "%", "repigmented, of the compared surface"),
        _c("still_depigmented_pct", "number", "%", "still depigmented, of the compared surface"),
        _c("newly_depigmented_pct", "number", "%", "newly depigmented, of the compared surface"),
        _c("change_pct", "number", "%", "followup_depigmented_pct - baseline_depigmented_pct"),
    ),
)

COHORT = Table(
    file="cohort.csv",
    command="vitiscore compare",
    row_is="one follow-up visit, stratum and endpoint",
    columns=(
        _c("followup", "text", "", "the follow-up visit"),
        _c("stratum_by", "text", "", "the stratum column (empty for the whole cohort)"),
        _c("stratum", "text", "", "the stratum's value (`all` for the whole cohort)"),
        _c("endpoint", "text", "", "F-VASI25, F-VASI50, F-VASI75 or F-VASI90"),
        _c("n", "integer", "", "evaluable subjects (imputed non-responders included)"),
        _c("responders", "integer", "", "subjects reaching the endpoint"),
        _c("rate", "number", "0-1", "responders / n (empty when n is 0)"),
        _c("ci_low", "number", "0-1", "lower bound of the 95 % interval of the rate"),
        _c("ci_high", "number", "0-1", "upper bound of the 95 % interval of the rate"),
        _c("ci_method", "text", "", "`clopper-pearson` (exact) or `wilson`"),
        _c(
            "rate_expected",
            "number",
            "0-1",
            "mean over the subjects of the probability of the response (score --uncertainty; empty without it)",
        ),
        _c(
            "ci_low_with_measurement",
            "number",
            "0-1",
            "lower end of the 95 % interval of the rate counting each call's uncertainty as well as the sampling "
            "(subjects resampled, each call drawn from its probability)",
        ),
        _c("ci_high_with_measurement", "number", "0-1", "upper end of that interval"),
        _c("n_doubtful", "integer", "", "subjects whose call of this endpoint could go either way"),
        _c("n_imputed", "integer", "", "subjects counted as non-responders for a missing follow-up"),
        _c("n_excluded_missing", "integer", "", "subjects left out for a missing follow-up (`--missing exclude`)"),
        _c("n_not_evaluable", "integer", "", "subjects without a usable baseline"),
        _c("n_observed", "integer", "", "subjects with both scores"),
        _c("mean_pct_change", "number", "%", "mean % change of the observed subjects"),
        _c("median_pct_change", "number", "%", "median % change of the observed subjects"),
        _c("baseline", "text", "", "the baseline visit"),
        _c("score_col", "text", "", "the score column compared"),
    ),
)

AGREEMENT = Table(
    file="agreement.csv",
    command="vitiscore validate",
    row_is="one statistic, overall or in one stratum",
    columns=(
        _c("stratum_by", "text", "", "the stratum column (empty overall)"),
        _c("stratum", "text", "", "the stratum's value (`all` overall)"),
        _c(
            "metric",
            "text",
            "",
            "`icc.ICC2` (the one to quote), other ICC forms, `ccc`, `mae`, `rmse`, "
            "`pearson`, `spearman`, `bland_altman.*`, kappas and sensitivity/specificity with --categorical",
        ),
        _c("value", "number", "", "the statistic (empty when undefined, e.g. constant scores)"),
        _c("ci_low", "number", "", "lower bound of its 95 % interval"),
        _c("ci_high", "number", "", "upper bound of its 95 % interval"),
        _c("n", "integer", "", "matched pairs"),
    ),
)

VALIDATE_UNMATCHED = Table(
    file="unmatched.csv",
    command="vitiscore validate",
    row_is="one key found on one side only, or matched but missing a value",
    columns=(
        _c("key", "text", "", "the key value(s), `/`-joined"),
        _c("found_in", "text", "", "`prediction only`, `reference only` or `both`"),
        _c("reason", "text", "", "why a matched row was dropped"),
    ),
)

MASK_AGREEMENT = Table(
    file="mask_agreement.csv",
    command="vitiscore validate-masks",
    row_is="one image id found in both folders",
    columns=(
        _c(
            "image_id",
            "text",
            "",
            "mask file name without extension and a trailing _depigmented, _mask, _gt, _ref or _label",
        ),
        _c("status", "text", "", "`ok` or `failed`"),
        _c("error", "text", "", "why the pair could not be compared"),
        _c("dice", "number", "0-1", "Dice coefficient (both empty: 1)"),
        _c("iou", "number", "0-1", "intersection over union (both empty: 1)"),
        _c("hd95", "number", "px", "95th percentile Hausdorff distance (one empty: the image diagonal)"),
        _c("asd", "number", "px", "average symmetric surface distance (one empty: the image diagonal)"),
        _c("pred_px", "integer", "px", "pixels of the predicted mask"),
        _c("ref_px", "integer", "px", "pixels of the reference mask"),
        _c("pred_file", "text", "", "predicted mask file name"),
        _c("ref_file", "text", "", "reference mask file name"),
        _c("group", "text", "", "the image's group (`--groups`), which the CIs resample"),
    ),
)

MASK_UNMATCHED = Table(
    file="unmatched.csv",
    command="vitiscore validate-masks",
    row_is="one mask found in one folder only",
    columns=(
        _c("image_id", "text", "", "the mask's image id"),
        _c("found_in", "text", "", "`prediction only` or `reference only`"),
        _c("file", "text", "", "the mask file"),
    ),
)

REVIEW = Table(
    file="reviewed/review.csv",
    command="vitiscore review",
    row_is="save or exclusion by a rater on the review page, appended as it happens (the last row of an image wins)",
    columns=(
        _c("image_id", "text", "", "the photo"),
        _c("rater", "text", "", "`--rater` of the review session"),
        _c("time_utc", "text", "UTC", "when the save was made (ISO 8601)"),
        _c(
            "action",
            "text",
            "",
            "`accept` (the mask saved with no pixel changed), `edit` (pixels added or removed, by the brush, "
            "the eraser or the threshold) or `exclude` (the photo is not to be scored; see reason)",
        ),
        _c("threshold", "number", "0-1", "the probability cut the mask was redrawn at; empty when not moved"),
        _c("pixels_added", "integer", "px", "photo pixels that became lesion with this save"),
        _c("pixels_removed", "integer", "px", "photo pixels that stopped being lesion with this save"),
        _c("mask_sha256_before", "text", "", "SHA-256 of the mask file the rater started from"),
        _c("mask_sha256_after", "text", "", "SHA-256 of `reviewed/<id>_depigmented.png` as saved (empty on exclude)"),
        _c("reason", "text", "", "why the photo was excluded"),
        _c("photo_sha256", "text", "", "the scored photo's SHA-256: a review of a photo since replaced is not applied"),
    ),
)

TABLES = (
    RESULTS,
    REVIEW,
    FUSED,
    SEGMENT_RESULTS,
    PER_SUBJECT,
    COHORT,
    MAP_UNITS,
    AGREEMENT,
    VALIDATE_UNMATCHED,
    MASK_AGREEMENT,
    MASK_UNMATCHED,
)
DOC_PATH = Path("docs") / "outputs.md"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown() -> str:
    """``docs/outputs.md``: one section per table, one line per column."""
    lines = [
        "# Output tables",
        "",
        "Generated from `src/vitiscore/schema.py` by `python scripts/make_docs.py`; do not edit by hand.",
        "",
        "Every CSV is UTF-8 with a header row. Numbers are written with up to 6 decimals; an undefined number "
        "is an empty cell, never `nan`. Paths are relative to the folder holding the table. Text that a "
        "spreadsheet would run as a formula (a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return, "
        "and not a number) is written with a `'` in front, as OWASP advises against CSV injection.",
        "",
    ]
    for table in TABLES:
        lines += [f"## `{table.file}` ({table.command})", "", f"One row per {table.row_is}.", ""]
        if table.notes:
            lines += [table.notes, ""]
        lines += ["| column | type | unit | meaning |", "|---|---|---|---|"]
        lines += [f"| `{c.name}` | {c.type} | {_cell(c.unit)} | {_cell(c.meaning)} |" for c in table.columns]
        lines.append("")
    return "\n".join(lines)
