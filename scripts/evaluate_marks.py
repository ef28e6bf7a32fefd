"""How much a rater's few marks help, on real photos with reference masks (see vitiscore.training.marks_eval).

python scripts/evaluate_marks.py DATA_DIR -o OUT [--groups validation] [--k 1 2 5] [--learning-rates 1e-4]
"""

from vitiscore.training.marks_eval import main

if __name__ == "__main__":
    raise SystemExit(main())
