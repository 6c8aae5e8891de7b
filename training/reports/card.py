"""Write the paper CNN's card (models/paper_cnn/README.md) from the files of its run folder."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from training.cli import SettingsError, option, parse
from training.reports.report import confusion_table, headline_table, per_class_table
from training.reports.robustness import robustness_table

CARD_TEMPLATE = """# Model card: `{name}`

The published design, reproduced: `{model_path}`, trained as below, and
`{onnx_path}`, its ONNX export. The service serves it beside its other
classifiers (a request picks it with `?model=paper_cnn`; `MODEL_PATH` pointing at that file
serves it alone); its default is `models/resnet_small_2x` (see
[the models overview](../README.md) for why).
`python -m training.export` checks on every export that the two agree within 1e-4, and the
service's tests check the API against the Keras model within 1e-4.

> **Research use only — not a diagnosis.** Trained and tested on dermatoscopic images from
> HAM10000 only; other kinds of photograph are outside what it has learnt. Its probabilities are
> not calibrated clinical risks (expected calibration error below).

## Data and licence

- HAM10000 (Tschandl P., Rosendahl C., Kittler H., *Sci. Data* 5, 180161 (2018),
  doi:10.1038/sdata.2018.161): {n_images:,} dermatoscopic images of {n_lesions:,} lesions, the
  200×150 copies of the official release, with the verbatim `HAM10000_metadata.csv`.
- Licence: HAM10000 is **CC BY-NC 4.0**, so these weights carry its non-commercial terms.
- Split ({split_file}): {split}. Every image of a lesion is in exactly one part; the test part
  was used for nothing but the figures below.

| part | images | akiec | bcc | bkl | df | mel | nv | vasc |
|---|---|---|---|---|---|---|---|---|
{split_rows}

## Recipe

The published design, layer for layer (`training/classifier/model.py`, `build_paper_cnn`):
Rescaling 1/255; Conv2D 16 → MaxPool → BatchNorm; Conv2D 32, Conv2D 64 → MaxPool → BatchNorm;
Conv2D 128, Conv2D 256; Flatten (12,544); Dense 256-128-64 each with Dropout 0.2 and BatchNorm;
Dense 32 + BatchNorm; Dense 7 softmax. {params:,} parameters.

| setting | value |
|---|---|
{settings_rows}
| input | {preprocessing} |
| oversampling | {oversampling} |
| optimizer / loss | {optimizer}, {loss} |
| checkpoint | {checkpoint} (epoch {best_epoch} of {epochs}), saved without optimizer state |
| software | TensorFlow {tf}, Keras {keras} |

{start}Training took **{train_minutes:.1f} min** on this project's machine (2 CPU cores, no GPU):
median **{median_epoch:.1f} s per epoch** (fastest {min_epoch:.1f} s, slowest {max_epoch:.1f} s;
the machine was shared with other jobs during the run, so the spread is contention).

## Results on the held-out test part ({n_test} images, lesions never seen in training)

{headline}

Always answering `nv` scores {baseline_acc:.1%} accuracy: accuracy alone says little here.

### Per class

{per_class}

### Confusion matrix (rows: true class, columns: predicted)

{confusion}

{device_section}![Accuracy against epochs]({plots}/accuracy.png)
![Loss against epochs]({plots}/loss.png)
![Normalised confusion matrix]({plots}/confusion_matrix.png)
![Reliability diagram]({plots}/reliability.png)

## Limitations

- 28×28 pixels keep colour and rough shape but lose the fine structures dermatologists read
  (networks, dots, vessels); the training accuracy near 1.0 against a validation accuracy near
  0.7 shows the model memorises the training part after the first epochs.
- The probabilities are over-confident (ECE above): read them as a ranking, not as risks.
- HAM10000 comes from two centres (Vienna, Queensland), mostly fair skin; performance on other
  populations, devices or non-dermatoscopic photos is unknown.
- It was trained on 200×150 copies of the images; uploads at other resolutions go through the
  same preprocessing but were not part of its test.
{robustness}
## Reproduce

```bash
make train DATA=path/to/ham10000 RUN_OUT=runs/{name}      # the recipe above, seed {seed}
{fine_tune}make evaluate DATA=path/to/ham10000 MODEL={model_path}  # re-scores it on split.csv
```

Training on a CPU is not bit-for-bit deterministic (thread scheduling in oneDNN), so a new run
lands near, not exactly on, these figures; `make evaluate` on this file reproduces them exactly.

## Files

`{folder}/`: `model.keras` (the trained model), `model.onnx` (what the service runs),
`config.json` (every setting), `split.csv` (image ids per
part), `history.csv` (per-epoch metrics and seconds), `metrics.json` (all figures above),
`report.md`, and the four plots (accuracy, loss, confusion matrix, reliability).
"""


def split_rows(split_csv: Path, metadata: dict[str, str]) -> str:
    """Return the per-part class counts of a split as markdown table rows."""
    table = pd.read_csv(split_csv)
    table["dx"] = table["image_id"].map(metadata)
    rows = []
    for part in ("train", "val", "test"):
        counts = table.loc[table["part"] == part, "dx"].value_counts()
        cells = " | ".join(
            str(counts.get(c, 0)) for c in ("akiec", "bcc", "bkl", "df", "mel", "nv", "vasc")
        )
        rows.append(f"| {part} | {int((table['part'] == part).sum())} | {cells} |")
    return "\n".join(rows)


def start_paragraph(config: dict) -> str:
    """Return the card's paragraph on the model a run started from (--init), or ""."""
    start = config.get("init")
    if not start:
        return ""
    settings = config["settings"]
    text = (
        f"**Trained in two steps.** The published recipe first ran {start['settings']['epochs']} "
        f"epochs (best epoch {start['best_epoch']}, {start['train_seconds'] / 60:.1f} min) on "
        f"preprocessing `{start['preprocessing']}`; this model is that one trained "
        f"{settings['epochs']} epochs more at learning rate {settings['learning_rate']:g} "
        f"(`--init`) on preprocessing `{config['preprocessing']}`, so it learnt from the input the "
        "service gives it. The checkpoint, the time and the figures below are this second step's."
    )
    return textwrap.fill(text, width=96, break_on_hyphens=False) + "\n\n"


def _drop(value: float) -> str:
    """Return a balanced-accuracy drop for a sentence; a negative one is a gain."""
    return f"{value:.3f}" if value >= 0 else f"nothing (it gains {-value:.3f})"


def robustness_bullet(metrics: dict) -> str:
    """Return the Limitations bullet on framing and exposure (evaluate --robustness), or ""."""
    robustness = metrics.get("robustness")
    if not robustness:
        return ""
    drop, exposure = robustness["drop"], robustness["exposure_drop"]
    text = (
        "- Framing and exposure change its answers (`make evaluate ... ARGS=--robustness`): "
        f"balanced accuracy drops by {_drop(drop['centre_crop'])} on the central 75 % of each "
        f"image, {_drop(drop['flip_horizontal'])} / {_drop(drop['flip_vertical'])} mirrored "
        f"horizontally / vertically, {_drop(exposure['darker_15'])} with every pixel value 15 % "
        f"lower and {_drop(exposure['brighter_15'])} with 15 % higher."
    )
    return textwrap.fill(text, width=96, subsequent_indent="  ", break_on_hyphens=False) + "\n"


def device_section(metrics: dict) -> str:
    """Return the section on other devices' looks and MILK10k (evaluate --robustness), or ""."""
    table = robustness_table(metrics)
    if not table:
        return ""
    return (
        "### Other dermatoscopes (`make evaluate ... ARGS=--robustness`)\n\n"
        "Balanced accuracy on the test part as taken and as other devices would have taken it, "
        "each copy made from the original file and preprocessed like an upload, and on MILK10k's "
        "dermoscopy from other devices and clinics (our seven classes; lesions split by "
        "`lesion_id`, the validation third chooses recipes):\n\n" + table + "\n"
    )


def setting_value(config: dict, key: str) -> str:
    """Return a recipe setting for the card: its value, or both steps' of a run that started
    from another (--init)."""
    value = config["settings"][key]
    first = (config.get("init") or {}).get("settings", {}).get(key, value)
    return f"{first}, then {value}" if first != value else str(value)


def fine_tune_line(config: dict) -> str:
    """Return the `make train` line of a run's second step (--init), or ""."""
    if not config.get("init"):
        return ""
    settings = config["settings"]
    return (
        f'make train DATA=path/to/ham10000 RUN_OUT=runs/{config["name"]}-v2 ARGS="--epochs '
        f"{settings['epochs']} --learning-rate {settings['learning_rate']:g} --init "
        f'runs/{config["name"]}/model.keras"\n'
    )


def write_card(folder: Path, metadata_csv: Path, out: Path) -> None:
    """Render the card for the model in `folder` into `out`."""
    import keras

    config = json.loads((folder / "config.json").read_text())
    metrics = json.loads((folder / "metrics.json").read_text())
    history = pd.read_csv(folder / "history.csv")
    meta = pd.read_csv(metadata_csv, dtype=str)
    settings = config["settings"]
    shown = (
        "architecture",
        "epochs",
        "batch_size",
        "learning_rate",
        "test_fraction",
        "val_fraction",
        "seed",
        "augment",
        "image_size",
    )
    model = keras.models.load_model(folder / "model.keras", compile=False)
    model_path = f"{folder.as_posix()}/model.keras"
    text = CARD_TEMPLATE.format(
        name=config["name"],
        model_path=model_path,
        plots=Path(os.path.relpath(folder, out.parent)).as_posix(),
        onnx_path=model_path.replace(".keras", ".onnx"),
        folder=folder.as_posix(),
        n_images=len(meta),
        n_lesions=meta["lesion_id"].nunique(),
        split_file="`split.csv`",
        split=metrics["summary"]["split"],
        split_rows=split_rows(
            folder / "split.csv", dict(zip(meta["image_id"], meta["dx"], strict=True))
        ),
        params=model.count_params(),
        settings_rows="\n".join(f"| {k} | {setting_value(config, k)} |" for k in shown),
        preprocessing=config["preprocessing_description"],
        oversampling=config["oversampling"],
        optimizer=config["optimizer"],
        loss=config["loss"],
        checkpoint=config["checkpoint"],
        best_epoch=config["best_epoch"],
        epochs=settings["epochs"],
        tf=config["tensorflow_version"],
        keras=config["keras_version"],
        train_minutes=config["train_seconds"] / 60,
        median_epoch=history["seconds"].median(),
        min_epoch=history["seconds"].min(),
        max_epoch=history["seconds"].max(),
        n_test=metrics["test"]["n"],
        headline=headline_table(metrics["test"], metrics["baseline_always_nv"]),
        baseline_acc=metrics["baseline_always_nv"]["accuracy"],
        per_class=per_class_table(metrics["test"]),
        confusion=confusion_table(metrics["test"]),
        seed=settings["seed"],
        start=start_paragraph(config),
        fine_tune=fine_tune_line(config),
        robustness=robustness_bullet(metrics),
        device_section=device_section(metrics),
    )
    out.write_text(text)


@dataclass(frozen=True, kw_only=True)
class CardArgs:
    """Command-line settings of `python -m training.reports.card`."""

    folder: Path = option(help="the shipped model's folder (a run folder)", positional=True)
    metadata: Path = option(help="HAM10000_metadata.csv of the release the model was trained on")
    out: Path | None = option(None, "the card to write", shown="README.md in the folder")

    def check(self) -> None:
        """Raise SettingsError for a folder that is not a run folder, naming what is missing."""
        for name in ("config.json", "metrics.json", "history.csv", "split.csv", "model.keras"):
            if not (self.folder / name).is_file():
                raise SettingsError(f"{self.folder / name} is missing; is this a run folder?")
        if not self.metadata.is_file():
            raise SettingsError(f"--metadata {self.metadata}: no such file")


def main(argv: list[str] | None = None) -> int:
    """Write the card from the command line; return the exit code."""
    args = parse(CardArgs, argv, "python -m training.reports.card", __doc__)
    out = args.out or args.folder / "README.md"
    write_card(args.folder, args.metadata, out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
