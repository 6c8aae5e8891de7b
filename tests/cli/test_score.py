"""`lesion score` on real predictions of the samples, against HAM10000 metadata and ISIC truth."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lesion_cli.main import main
from lesion_core.isic import ISIC_COLUMNS
from lesion_core.labels import CLASS_CODES, index_of
from lesion_runtime.scoring.metrics import balanced_accuracy, expected_calibration_error
from tests.cli.conftest import SAMPLE_TRUTH, SAMPLES, read_csv


@pytest.fixture(scope="module")
def predicted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The samples classified once into each format: {"csv": …, "jsonl": …, "isic": …}."""
    folder = tmp_path_factory.mktemp("predicted")
    files = {fmt: folder / f"preds.{fmt}" for fmt in ("csv", "jsonl", "isic")}
    for fmt, out in files.items():
        assert main(["predict", *map(str, SAMPLES), "--format", fmt, "--out", str(out)]) == 0
    return files


@pytest.fixture()
def isic_truth(tmp_path: Path) -> Path:
    """The samples' diagnoses as ISIC ground truth (one-hot image,MEL,NV,BCC,AKIEC,BKL,DF,VASC)."""
    path = tmp_path / "truth.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["image", *ISIC_COLUMNS])
        for row in read_csv(SAMPLE_TRUTH):
            writer.writerow(
                [row["image_id"], *[float(c.lower() == row["dx"]) for c in ISIC_COLUMNS]]
            )
    return path


def figures(output: str) -> list[str]:
    """Return the printed confusion matrix and figures (what follows the first blank line)."""
    return output.split("\n\n", 1)[1].splitlines()


def test_predictions_are_scored_against_ham10000_metadata(lesion, predicted):
    ran = lesion("score", predicted["csv"], SAMPLE_TRUTH)
    assert ran.status == 0, ran.err
    assert ran.out.startswith(f"Scored 7 images of {predicted['csv']} against {SAMPLE_TRUTH}.")
    rows = {Path(row["path"]).stem: row for row in read_csv(predicted["csv"])}
    truth = {row["image_id"]: index_of(row["dx"]) for row in read_csv(SAMPLE_TRUTH)}
    labels = np.array([truth[name] for name in rows])
    probabilities = np.array([[float(r[c]) for c in CLASS_CODES] for r in rows.values()])
    expected_ba = balanced_accuracy(labels, probabilities.argmax(axis=1))
    ece = expected_calibration_error(labels, probabilities)
    assert f"Balanced accuracy  {expected_ba:.4f}  (ISIC challenge scoring)" in ran.out
    assert f"ECE                {ece:.4f}" in ran.out
    assert re.search(r"^Macro AUC {10}[01]\.\d{4}  \(ISIC challenge scoring\)$", ran.out, re.M)
    matrix = figures(ran.out)[2:9]
    assert [line.split()[0] for line in matrix] == list(CLASS_CODES)
    assert sum(int(count) for line in matrix for count in line.split()[1:8]) == 7


@pytest.mark.parametrize("fmt", ["jsonl", "isic"])
def test_every_predictions_format_and_isic_truth_give_the_same_figures(
    lesion, predicted, isic_truth, fmt
):
    reference = lesion("score", predicted["csv"], SAMPLE_TRUTH)
    ran = lesion("score", predicted[fmt], isic_truth)
    assert ran.status == 0, ran.err
    assert figures(ran.out) == figures(reference.out)


def test_plots_are_saved_as_png(lesion, predicted, tmp_path):
    ran = lesion("score", predicted["csv"], SAMPLE_TRUTH, "--plots", tmp_path / "figures")
    assert ran.status == 0
    for name in ("confusion_matrix.png", "reliability.png"):
        with Image.open(tmp_path / "figures" / name) as image:
            assert image.format == "PNG" and image.width > 300
    assert str(tmp_path / "figures" / "reliability.png") in ran.out


@pytest.mark.parametrize("fmt", ["csv", "isic"])
def test_the_plots_name_the_model_that_answered(predicted, tmp_path, monkeypatch, fmt):
    from lesion_runtime.scoring import plots

    titles = []
    monkeypatch.setattr(plots, "plot_confusion", lambda _m, _p, title: titles.append(title))
    monkeypatch.setattr(plots, "plot_reliability", lambda _l, _r, _p, title: titles.append(title))
    out = tmp_path / "figures"
    assert main(["score", str(predicted[fmt]), str(SAMPLE_TRUTH), "--plots", str(out)]) == 0
    # The predictions' model version where they name one; an ISIC submission names none.
    named = read_csv(predicted["csv"])[0]["model_version"] if fmt == "csv" else "preds.isic"
    assert len(titles) == 2 and all(t.startswith(f"{named}\n") for t in titles)


def test_images_in_one_file_only_and_failed_rows_are_left_out_and_counted(lesion, tmp_path):
    predictions = tmp_path / "preds.csv"
    predictions.write_text(
        "path,akiec,bcc,bkl,df,mel,nv,vasc,error\n"
        "a/ISIC_0024318.jpg,0,0,0,1,0,0,0,\n"
        "a/ISIC_0024329.jpg,0.6,0,0,0,0.4,0,0,\n"
        "a/ISIC_0024335.jpg,,,,,,,,invalid_image: damaged\n"
        "a/other.jpg,0,0,0,0,0,1,0,\n"
    )
    ran = lesion("score", predictions, SAMPLE_TRUTH)
    assert ran.status == 0
    assert "Scored 2 images" in ran.out
    assert "Left out: 1 of the predictions, not in the truth (other)." in ran.out
    assert "Left out: 1 of the predictions, an error in their row." in ran.out
    assert "Left out: 4 of the truth's images, not predicted." in ran.out
    assert "Balanced accuracy  1.0000  (over the 2 classes in the truth; ISIC's scoring" in ran.out


@pytest.mark.parametrize(
    ("predictions", "truth", "message"),
    [
        (None, "image_id,dx\nISIC_1,nv\n", "preds.csv: no such file"),
        ("image,MEL\nISIC_1,1\n", "image_id,dx\nISIC_1,nv\n", "expected the CSV of `lesion"),
        ("image,{isic}\nISIC_1,{p}\n", "image_id,diagnosis\nISIC_1,nv\n", "expected HAM10000"),
        ("image,{isic}\nISIC_1,{p}\n", "image_id,dx\nISIC_1,naevus\n", "line 2: unknown label"),
        ("image,{isic}\nISIC_1,{p}\n", "image_id,dx\nISIC_2,nv\n", "no image of"),
        ("image,{isic}\nISIC_1,{p}\nISIC_1,{p}\n", "image_id,dx\nISIC_1,nv\n", "two rows"),
        ("image,{isic}\nISIC_1,x,{p}\n", "image_id,dx\nISIC_1,nv\n", "not in 0..1"),
        ("image,{isic}\nISIC_1,1.5,{p}\n", "image_id,dx\nISIC_1,nv\n", "not in 0..1"),
    ],
)
def test_files_that_cannot_be_scored_exit_2_saying_why(
    lesion, tmp_path, predictions, truth, message
):
    values = {"isic": ",".join(ISIC_COLUMNS), "p": ",".join(["0.5"] * 7)}
    if predictions is not None:
        (tmp_path / "preds.csv").write_text(predictions.format(**values))
    (tmp_path / "truth.csv").write_text(truth)
    ran = lesion("score", tmp_path / "preds.csv", tmp_path / "truth.csv")
    assert ran.status == 2 and ran.err.startswith("lesion score: error: ")
    assert message in ran.err and "Traceback" not in ran.err


@pytest.mark.realdata
def test_the_real_600x450_images_are_classified_and_scored(lesion, shared_data, tmp_path):
    images = shared_data / "full_res"
    out = tmp_path / "preds.csv"
    assert lesion("predict", images, "--out", out).status == 0
    ran = lesion("score", out, shared_data / "metadata.csv")
    assert ran.status == 0, ran.err
    assert f"Scored {len(list(images.glob('*.jpg')))} images" in ran.out
    assert "(ISIC challenge scoring)" in ran.out
