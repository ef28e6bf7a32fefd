"""The learning curve of `vitiscore finetune` on real photos (see vitiscore.training.finetune_curve).

python scripts/finetune_curve.py DATA_ROOT -o OUT [--sizes 0 5 10 20 40] [--folds 3] [--steps 200]
"""

from vitiscore.training.finetune_curve import main

if __name__ == "__main__":
    raise SystemExit(main())
