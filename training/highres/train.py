"""Train the high-resolution classifier: EfficientNet-Lite0 (or Lite1, Lite2) from ImageNet
weights, at 160×120 (or --image-size).

    python -m training.highres.train --data data/ham10000 --out runs/highres --name my_highres
    python -m training.highres.train --variant lite1 --image-size 192x144 --out runs/lite1 ...

Then `python -m training.highres.finish --run runs/highres` chooses test-time flips and the
temperature on validation and exports the served ONNX model. The recipe is
`training.highres.recipe`, the settings `training.highres.config`; this module loads TensorFlow
only after parsing them.
"""

from __future__ import annotations

import sys

from training.arguments import parse
from training.cli import removed_if_left_empty, setup_logging
from training.highres.config import DESCRIPTION, HighresConfig


def main(argv: list[str] | None = None) -> int:
    """Train; return 0, or 2 when the data cannot be loaded."""
    config = parse(HighresConfig, argv, "python -m training.highres.train", DESCRIPTION)
    setup_logging()
    from training.classifier.warm_start import WarmStartError
    from training.dataset import DataError
    from training.highres.recipe import train  # TensorFlow loads here, after parsing

    try:
        with removed_if_left_empty(config.out):
            path = train(config)
    except (DataError, WarmStartError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finish = f"python -m training.highres.finish --run {config.out} --data {config.data}"
    print(f"saved {path}; next: {finish}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
