"""Landmark indices of the MediaPipe face mesh (468 surface points + 10 iris points) used to draw the facial area.

Each polygon is an ordered outline, listed so that it can be filled directly. Sides are the *patient's*: the
patient's right appears on the left of a frontal photograph. Right/left lists outline the same part on either
side.
"""

# The mesh's outer boundary: forehead top arc, temples, preauricular cheeks (in front of the tragus), jawline.
FACE_OVAL = (
    10,
    338,
    297,
    332,
    284,
    251,
    389,
    356,
    454,
    323,
    361,
    288,
    397,
    365,
    379,
    378,
    400,
    377,
    152,
    148,
    176,
    149,
    150,
    136,
    172,
    58,
    132,
    93,
    234,
    127,
    162,
    21,
    54,
    103,
    67,
    109,
)

# The part of FACE_OVAL above the brows, from the patient's right temple to the left one: the edge from which
# the forehead is extended up to the hairline.
FOREHEAD_ARC = (162, 21, 54, 103, 67, 109, 10, 338, 297, 332, 284, 251, 389)

# Lid margins (the palpebral fissure): the eye itself, never skin to score.
RIGHT_EYE = (33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7)
LEFT_EYE = (263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249)

# The third ring of mesh points around each eye: lid margin to this ring is the eyelid skin that the
# ``eyelids`` option includes or excludes.
RIGHT_EYELID_RING = (226, 113, 225, 224, 223, 222, 221, 189, 244, 233, 232, 231, 230, 229, 228, 31)
LEFT_EYELID_RING = (446, 342, 445, 444, 443, 442, 441, 413, 464, 453, 452, 451, 450, 449, 448, 261)

# Eyebrows (upper contour then lower contour): eyebrow hair is excluded.
RIGHT_BROW = (70, 63, 105, 66, 107, 55, 65, 52, 53, 46)
LEFT_BROW = (300, 293, 334, 296, 336, 285, 295, 282, 283, 276)

# Outer vermilion border of the lips: excluded.
LIPS = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146)

# Periorbital unit: from the top of the brow to the infraorbital ring, lateral canthus to the nasal side.
RIGHT_PERIORBITAL = (156, 70, 63, 105, 66, 107, 55, 193, 245, 128, 121, 120, 119, 118, 117, 111, 143)
LEFT_PERIORBITAL = (383, 300, 293, 334, 296, 336, 285, 417, 465, 357, 350, 349, 348, 347, 346, 340, 372)

# Nose unit: nasion, side walls along the nasofacial groove, alae, columella base.
NOSE = (
    168,
    417,
    465,
    412,
    399,
    456,
    420,
    429,
    279,
    294,
    327,
    326,
    2,
    97,
    98,
    64,
    49,
    209,
    198,
    236,
    174,
    188,
    245,
    193,
)

# Chin and perioral unit: upper lip skin below the nose, lateral to the mouth along the nasolabial and
# marionette lines, down to the jawline.
PERIORAL = (
    2,
    326,
    327,
    294,
    423,
    426,
    436,
    432,
    422,
    424,
    431,
    262,
    369,
    400,
    377,
    152,
    148,
    176,
    140,
    32,
    211,
    204,
    202,
    212,
    216,
    206,
    203,
    64,
    98,
    97,
)

# Line separating the forehead (above) from the periorbital units and the nose (below): the top of the
# brows joined across the glabella just above the nasion.
FOREHEAD_LINE = (162, 156, 70, 63, 105, 66, 107, 55, 193, 168, 417, 285, 336, 296, 334, 293, 300, 383, 389)

# Midline points (forehead top, nasion, nose tip, subnasale, chin) used for the left/right split.
MIDLINE = (10, 168, 4, 2, 152)

NASION = 168
CHIN = 152
NOSE_TIP = 4
RIGHT_IRIS_CENTRE = 468
LEFT_IRIS_CENTRE = 473
RIGHT_IRIS = (469, 470, 471, 472)
LEFT_IRIS = (474, 475, 476, 477)
RIGHT_TRAGUS_SIDE = 234
LEFT_TRAGUS_SIDE = 454
