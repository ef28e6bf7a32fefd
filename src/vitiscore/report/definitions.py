"""What the report says its numbers and flags mean, for a reader who has only the page."""

# Which F-VASI to report, what flat, surface and clinical mean, the intervals and the flags (HTML).
DEFINITIONS = (
    "<section id='definitions'><h2>What the numbers mean</h2><ul>"
    "<li><b>Which F-VASI to report:</b> <code>fvasi_fused</code> (fused.csv) when each visit has several views, "
    "else <code>fvasi_surface</code>; <code>compare</code> uses the fused score when there is one.</li>"
    "<li><b>flat</b> (<code>fvasi</code>): depigmented pixels of the facial area x the face's hand units; it "
    "under-counts the sides of the face, which a frontal photo foreshortens.</li>"
    "<li><b>surface</b>: each pixel weighted by the skin surface it shows (from the face mesh).</li>"
    "<li><b>clinical</b>: per facial unit, the involved area x the degree binned as a clinician scores "
    "(0/10/25/50/75/90/100 %); quote it beside the endpoint when comparing with clinicians.</li>"
    "<li><b>Intervals</b> (<code>score --uncertainty</code>): 90 % for a photo's score, the probability of each "
    "response per subject, and <code>doubtful_calls</code>: the calls that could go either way, to review first."
    "</li>"
    "<li><b>Flags</b> (a scored photo to check): <code>light_skin</code> (the model misses most on light skin), "
    "<code>pose</code>, <code>low_resolution</code>, <code>overexposed</code>, <code>underexposed</code>, "
    "<code>multiple_faces</code> (the largest was scored), <code>hairline_not_found</code>, "
    "<code>face_found_enhanced</code> (found on a contrast-normalised copy), <code>multi_page</code> (the first "
    "of several images in one file). A photo not scored has a "
    "<code>status</code> other than ok and no number.</li></ul></section>"
)
