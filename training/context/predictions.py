"""An image model's probabilities on the held-out images that carry clinical context: HAM10000's
validation and test parts (its split.csv) and MILK10k's dermoscopic validation third, which no
shipped classifier trained on. Cached per model version, since running the ensemble over 4,400
images takes minutes.

    python -m training.context.predictions --model models/ensemble/model.onnx \
        --ham10000 ../shared/data/ham10000 --milk10k ../shared/data/milk10k
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lesion_core.labels import index_of
from lesion_core.preprocess import preprocess_views
from lesion_runtime.model_file import model_name, model_version
from lesion_runtime.predictor import Predictor
from training.milk10k import load_milk10k
from training.split import split_of

log = logging.getLogger(__name__)
BATCH = 32
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


@dataclass(frozen=True)
class HeldOut:
    """Held-out images with their truth, lesion, source and context, and a model's answers."""

    image_ids: np.ndarray  # (N,) str
    lesion_ids: np.ndarray  # (N,) str
    source: np.ndarray  # (N,) str: "ham10000-val", "ham10000-test" or "milk10k-val"
    labels: np.ndarray  # (N,) int64
    age: np.ndarray  # (N,) float, NaN where unknown
    sex: np.ndarray  # (N,) str, "" where unknown
    site: np.ndarray  # (N,) str as the source spells it, "" where unknown
    probabilities: np.ndarray  # (N, 7) float64

    def subset(self, mask: np.ndarray) -> HeldOut:
        """Return the rows where `mask` holds."""
        return HeldOut(*(getattr(self, f)[mask] for f in self.__dataclass_fields__))


def ham_rows(folder: Path, split_csv: Path) -> pd.DataFrame:
    """Return HAM10000's validation and test images with their context and file paths."""
    meta = pd.read_csv(folder / "metadata.csv", dtype=str, keep_default_na=False)
    split = pd.read_csv(split_csv, dtype=str, keep_default_na=False)
    rows = meta.merge(split[["image_id", "part"]], on="image_id")
    rows = rows[rows["part"].isin(["val", "test"])]
    return pd.DataFrame(
        {
            "image_id": rows["image_id"],
            "lesion_id": rows["lesion_id"],
            "source": "ham10000-" + rows["part"],
            "dx": rows["dx"],
            "age": pd.to_numeric(rows["age"], errors="coerce"),
            "sex": rows["sex"].replace("unknown", ""),
            "site": rows["localization"].replace("unknown", ""),
            "file": [str(folder / "images" / f"{i}.jpg") for i in rows["image_id"]],
        }
    )


def milk_rows(folder: Path) -> pd.DataFrame:
    """Return MILK10k's dermoscopic validation third with its context (a lesion's site is
    recorded on its camera close-up's row) and file paths."""
    images = load_milk10k(folder).subset("val")
    meta = pd.read_csv(folder / "metadata.csv", dtype=str, keep_default_na=False)
    site = meta[meta["anatom_site_general"] != ""].groupby("lesion_id")["anatom_site_general"]
    by_lesion = site.first().to_dict()
    rows = meta.set_index("isic_id").loc[[f.stem for f in images.files]]
    return pd.DataFrame(
        {
            "image_id": rows.index,
            "lesion_id": rows["lesion_id"].to_numpy(),
            "source": "milk10k-val",
            "dx": rows["dx"].to_numpy(),
            "age": pd.to_numeric(rows["age_approx"], errors="coerce").to_numpy(),
            "sex": rows["sex"].to_numpy(),
            "site": [by_lesion.get(lesion, "") for lesion in rows["lesion_id"]],
            "file": [str(f) for f in images.files],
        }
    )


def predict_files(predictor: Predictor, files: list[str]) -> np.ndarray:
    """Return the model's (N, 7) probabilities for image files, preprocessed as uploads are."""
    out = []
    for start in range(0, len(files), BATCH):
        views = [preprocess_views(f, predictor.sizes)[0] for f in files[start : start + BATCH]]
        inputs = [np.stack(column) for column in zip(*views, strict=True)]
        out.append(predictor.predict(inputs))
        log.info("%d of %d images", min(start + BATCH, len(files)), len(files))
    return np.concatenate(out)


def held_out(model: Path, ham: Path, milk: Path, cache_dir: Path) -> HeldOut:
    """Return the held-out images with `model`'s answers (cached by its version)."""
    version = model_version(model, model_name(model))
    cache = cache_dir / f"{version}.npz"
    rows = pd.concat([ham_rows(ham, split_of(model)), milk_rows(milk)])
    saved = np.load(cache, allow_pickle=False) if cache.is_file() else None
    if saved is not None and list(saved["image_ids"]) == list(rows["image_id"]):
        probabilities = saved["probabilities"]
    else:  # none yet, or one of other images (another split): made afresh
        predictor = Predictor(model, inference_threads=2)
        probabilities = predict_files(predictor, list(rows["file"]))
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, image_ids=rows["image_id"].to_numpy(str), probabilities=probabilities)
    return HeldOut(
        rows["image_id"].to_numpy(str),
        rows["lesion_id"].to_numpy(str),
        rows["source"].to_numpy(str),
        np.array([index_of(dx) for dx in rows["dx"]], dtype=np.int64),
        rows["age"].to_numpy(float),
        rows["sex"].to_numpy(str),
        rows["site"].to_numpy(str),
        probabilities,
    )


def data_arguments(description: str) -> argparse.ArgumentParser:
    """Return a parser of the classifier and data options both context CLIs take."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--model", type=Path, default=Path("models/ensemble/model.onnx"))
    parser.add_argument("--ham10000", type=Path, default=SHARED / "ham10000")
    parser.add_argument("--milk10k", type=Path, default=SHARED / "milk10k")
    parser.add_argument("--cache-dir", type=Path, default=Path("runs/context"))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Compute and cache a model's held-out predictions; return 0."""
    args = data_arguments(__doc__.split("\n\n")[0]).parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    data = held_out(args.model, args.ham10000, args.milk10k, args.cache_dir)
    log.info(
        "%d held-out images: %s",
        len(data.labels),
        dict(zip(*np.unique(data.source, return_counts=True), strict=True)),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
