"""Write the paper CNN's card (models/paper_cnn/README.md) from the files of its run folder."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from training.arguments import SettingsError, option, parse
from training.reports.report import confusion_table, headline_table, per_class_table
from training.reports.robustness import robustness_table
from training.split import split_of

# The card, with {placeholders} that write_card fills.
CARD_TEMPLATE = Path(__file__).with_name("card_template.md")


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
    split_file = split_of(folder / "model.keras")
    text = CARD_TEMPLATE.read_text().format(
        name=config["name"],
        model_path=model_path,
        plots=Path(os.path.relpath(folder, out.parent)).as_posix(),
        onnx_path=model_path.replace(".keras", ".onnx"),
        folder=folder.as_posix(),
        n_images=len(meta),
        n_lesions=meta["lesion_id"].nunique(),
        split_file=f"`{split_file.as_posix()}`",
        split=metrics["summary"]["split"],
        split_rows=split_rows(split_file, dict(zip(meta["image_id"], meta["dx"], strict=True))),
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
        for name in ("config.json", "metrics.json", "history.csv", "model.keras"):
            if not (self.folder / name).is_file():
                raise SettingsError(f"{self.folder / name} is missing; is this a run folder?")
        split = split_of(self.folder / "model.keras")
        if split is None or not split.is_file():
            raise SettingsError(f"{self.folder}: no split.csv, nor a split_file in its config")
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
