"""The leave-one-appearance-out and whole-photo figures, on hand-made masks whose answers are known."""

import numpy as np
import pytest

from research.generalisation import appearance_scores, clear_marked, roc_auc


def _case(truth, skin, band="tan"):
    return {"truth": truth, "skin": skin, "band": band}


def test_appearance_scores_by_hand():
    skin = np.zeros((10, 10), bool)
    skin[:, :5] = True  # 50 px of skin
    truth = np.zeros((10, 10), bool)
    truth[:4, :5] = True  # 20 px of lesion
    marked = np.zeros((10, 10), bool)
    marked[:2, :] = True  # 10 px, 10 of them on skin and on the lesion, 10 off the skin (not counted)
    scores = appearance_scores([marked], [_case(truth, skin)])
    # Recall 10 / 20; Dice 2 x 10 / (10 + 20); fraction error |10 - 20| / 50.
    assert scores["recall"] == 0.5
    assert scores["dice"] == pytest.approx(2 / 3, abs=1e-4)
    assert scores["fraction_mae"] == 0.2 and scores["mae_tan"] == 0.2


def test_clear_marked_and_auc_by_hand():
    skin = np.ones((4, 5), bool)
    marked = np.zeros((4, 5), bool)
    marked[0, :2] = True
    shares = clear_marked([marked, np.zeros_like(marked)], [_case(None, skin, "dark"), _case(None, skin, "light")])
    assert shares["clear_marked"] == pytest.approx((2 / 20 + 0) / 2) and shares["clear_marked_dark"] == 0.1
    # Of the 2 x 3 pairs, a positive outscores a negative in 5 and ties in none: 5 / 6.
    assert roc_auc([0.5, 0.2], [0.1, 0.3, 0.0]) == pytest.approx(5 / 6)
