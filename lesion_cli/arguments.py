"""The command line's grammar: `lesion predict` and `lesion score`, parsed into plain options."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from lesion_cli.models import shipped_models

FORMATS = ("csv", "jsonl", "isic")
API_KEY_VARIABLE = "LESION_API_KEY"  # a key on the command line would show in `ps` and history

# Written wrapped: the help shows descriptions and examples as they are.
PREDICT_DESCRIPTION = """\
Classify image files (JPEG, PNG, BMP, WebP, TIFF), folders (searched recursively) or CSV lists
of images, in this process or with a running service (--url), and write one row per image: its
path, the seven class probabilities, the label, the model, the input check's verdict and any
error. Research use only: not a diagnosis."""

SCORE_DESCRIPTION = """\
Score predictions (the CSV or JSON lines of `lesion predict`, or an ISIC submission CSV) against
the truth (a HAM10000 metadata CSV with image_id and dx, or ISIC ground truth: image,MEL,NV,BCC,
AKIEC,BKL,DF,VASC) with the ISIC challenge's scoring: the confusion matrix, recall and AUC per
class, balanced accuracy, macro AUC, and the calibration error (ECE). Images in one file only
are left out, and counted."""

PREDICT_EXAMPLES = """\
examples:
  lesion predict data/ham10000/HAM10000_images_part_1 --out preds.csv
  lesion predict photos/ more.jpg --model efficientnet_lite0 --format jsonl --out preds.jsonl
  lesion predict metadata.csv --image-dir images/ --format isic --out submission.csv
  lesion predict photos/ --url http://127.0.0.1:8000 --out preds.csv

Rerun the same command to carry on after an interruption: images already in --out are skipped
and the new rows appended."""

SCORE_EXAMPLES = """\
examples:
  lesion score preds.csv data/ham10000/HAM10000_metadata.csv
  lesion score submission.csv ISIC2018_Task3_Test_GroundTruth.csv --plots figures/"""


@dataclass(frozen=True)
class PredictOptions:
    """What `lesion predict` was asked to do."""

    inputs: list[Path]
    out: Path | None = None  # None: the rows go to standard output
    format: str = "csv"
    model: str | None = None  # a shipped classifier's name or an .onnx path; None: the default
    url: str | None = None  # None: classify in this process
    api_key: str | None = None
    image_dir: Path | None = None
    workers: int = 1
    any_path: bool = False  # a CSV's paths may lead out of --image-dir (or its folder)


@dataclass(frozen=True)
class ScoreOptions:
    """What `lesion score` was asked to do."""

    predictions: Path
    truth: Path
    plots: Path | None = None


def cpu_count() -> int:
    """Return the number of cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def positive(text: str) -> int:
    """Return a whole number of at least 1, for argparse."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return value


def address(text: str) -> str:
    """Return a service's base address, for argparse."""
    if not text.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(
            f"{text!r}: give the whole address, e.g. http://127.0.0.1:8000"
        )
    return text


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of `lesion` and its two subcommands."""
    parser = argparse.ArgumentParser(
        prog="lesion",
        description="Classify dermatoscopic images into the seven HAM10000 classes, and score "
        "the answers. Research use only: not a diagnosis.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    predict = commands.add_parser(
        "predict",
        help="classify images and write one row per image",
        description=PREDICT_DESCRIPTION,
        epilog=PREDICT_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    predict.set_defaults(command_parser=predict)  # for errors that need two options' values
    predict.add_argument(
        "inputs",
        nargs="+",
        type=Path,
        metavar="INPUT",
        help="an image, a folder of images, or a CSV with a column `path` (relative to "
        "--image-dir, else to the CSV's folder) or `image`/`image_id` (names, found in "
        "--image-dir or below)",
    )
    predict.add_argument("--out", type=Path, help="the file to write (default: standard output)")
    predict.add_argument(
        "--format",
        choices=FORMATS,
        default="csv",
        help="csv (default), jsonl (one JSON object per line), or isic (the ISIC challenge's "
        "submission: image,MEL,NV,BCC,AKIEC,BKL,DF,VASC; failed images are left out)",
    )
    shipped = list(shipped_models())
    predict.add_argument(
        "--model",
        help=f"a shipped classifier ({', '.join(shipped)}; default: {shipped[0]}, the "
        "service's default, or the one $DEFAULT_MODEL names) or the path of an ONNX "
        "classifier; with --url, one of the names that service serves (default: its default)",
    )
    predict.add_argument(
        "--url", type=address, help="classify with the service at this address instead"
    )
    predict.add_argument(
        "--api-key", help=f"the service's API key (default: ${API_KEY_VARIABLE}); with --url"
    )
    predict.add_argument(
        "--image-dir", type=Path, help="where the images a CSV names are (default: its folder)"
    )
    predict.add_argument(
        "--any-path",
        action="store_true",
        help="read every path a CSV's `path` column names, even one outside --image-dir (or "
        "the CSV's folder); without it such a CSV is refused",
    )
    predict.add_argument(
        "--workers",
        type=positive,
        default=cpu_count(),
        help="images decoded and classified side by side, in batches; with --url, requests "
        "at a time (default: the number of cores, %(default)s)",
    )
    score = commands.add_parser(
        "score",
        help="score predictions against the truth",
        description=SCORE_DESCRIPTION,
        epilog=SCORE_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    score.add_argument("predictions", type=Path, help="the predictions file")
    score.add_argument("truth", type=Path, help="the truth file")
    score.add_argument(
        "--plots",
        type=Path,
        metavar="DIR",
        help="also save the confusion matrix and the reliability diagram there as PNG",
    )
    return parser


def parse_args(
    argv: Sequence[str] | None, env: Mapping[str, str] = os.environ
) -> PredictOptions | ScoreOptions:
    """Return the options of a command line; argparse exits with status 2 on a bad one."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "score":
        return ScoreOptions(args.predictions, args.truth, args.plots)
    if args.api_key and not args.url:
        args.command_parser.error("--api-key goes with --url (in-process runs need no key)")
    return PredictOptions(
        inputs=args.inputs,
        out=args.out,
        format=args.format,
        # In-process, DEFAULT_MODEL picks the default as it does for the service; with --url
        # the service's own default answers.
        model=args.model or (None if args.url else env.get("DEFAULT_MODEL", "").strip() or None),
        url=args.url,
        api_key=args.api_key or env.get(API_KEY_VARIABLE) or None,
        image_dir=args.image_dir,
        workers=args.workers,
        any_path=args.any_path,
    )
