"""Scoring the segmenter and the Otsu baseline on the test part, as the service would run them."""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pandas as pd
import pytest

from lesion_core.preprocess import SEGMENTER_INPUT
from lesion_core.segmentation_metrics import jaccard
from tests.conftest import disc_mask, encode, lesion_like_image
from training.segmenter import evaluate as evaluate_segmenter
from training.segmenter.evaluate import (
    format_table,
    onnx_segmenter,
    segment_with_model,
    segment_with_otsu,
)

pytestmark = [
    pytest.mark.xdist_group("segmenter_run"),  # one worker trains it for both files
    pytest.mark.heavy(60),
]

METHODS = ("segmenter", "otsu_baseline")
SCORES = ("images", "jaccard", "dice", "thresholded_jaccard", "box_iou")
UPLOAD_SIZE = (300, 225)


@pytest.fixture(scope="module")
def evaluation(segmenter_run):
    """The evaluation CLI run once on the tiny segmenter run: (exit code, results, printed)."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = evaluate_segmenter.main(
            [
                "--model",
                str(segmenter_run.out / "model.onnx"),
                "--data",
                str(segmenter_run.data),
                "--cache-dir",
                str(segmenter_run.cache_dir),
            ]
        )
    metrics = segmenter_run.out / "segmentation_metrics.json"
    results = json.loads(metrics.read_text()) if metrics.is_file() else None
    return code, results, printed.getvalue()


def test_main_returns_zero(evaluation):
    assert evaluation[0] == 0


def test_metrics_json_is_written_beside_the_model(evaluation, segmenter_run):
    assert evaluation[1] is not None
    assert evaluation[1]["model"] == str(segmenter_run.out / "model.onnx")
    assert evaluation[1]["split"] == str(segmenter_run.out / "split.csv")


@pytest.mark.parametrize("part", ["test_200x150", "test_600x450"])
@pytest.mark.parametrize("method", METHODS)
def test_each_test_set_scores_both_methods(evaluation, part, method):
    scores = evaluation[1][part][method]
    assert set(SCORES) <= set(scores)
    assert all(0.0 <= scores[name] <= 1.0 for name in SCORES[1:])


@pytest.mark.parametrize("part", ["test_200x150", "test_600x450"])
def test_every_test_image_is_scored(evaluation, segmenter_run, part):
    split = pd.read_csv(segmenter_run.out / "split.csv")
    test_images = int((split["part"] == "test").sum())
    assert {evaluation[1][part][method]["images"] for method in METHODS} == {test_images}


@pytest.mark.parametrize("method", METHODS)
def test_full_resolution_uploads_are_timed(evaluation, method):
    assert evaluation[1]["test_600x450"][method]["median_ms_per_image"] > 0


@pytest.mark.parametrize("part", ["test_200x150", "test_600x450"])
def test_otsu_baseline_finds_the_synthetic_discs(evaluation, part):
    assert evaluation[1][part]["otsu_baseline"]["jaccard"] > 0.9


def test_printed_table_lists_both_methods(evaluation):
    printed = evaluation[2]
    assert all(f"| {method} |" in printed for method in METHODS)


def test_without_full_resolution_folders_only_the_small_test_set_is_scored(segmenter_run, tmp_path):
    data = tmp_path / "data"  # the run's release, less full_res/ and full_res_masks/
    data.mkdir()
    for item in segmenter_run.data.iterdir():
        if not item.name.startswith("full_res"):
            (data / item.name).symlink_to(item)
    args = evaluate_segmenter.EvaluateArgs(
        model=segmenter_run.out / "model.onnx",
        data=data,
        cache_dir=segmenter_run.cache_dir,
        split=segmenter_run.out / "split.csv",
        out=tmp_path / "metrics.json",
    )
    results = evaluate_segmenter.evaluate_segmenter(args)
    assert "test_200x150" in results and "test_600x450" not in results


def result_row(jaccard_value: float, ms: float | None = None) -> dict:
    """Return one method's scores as evaluate_segmenter writes them."""
    row = {"images": 7, "jaccard": jaccard_value, "dice": 0.9, "thresholded_jaccard": 0.8}
    row["box_iou"] = 0.85
    if ms is not None:
        row["median_ms_per_image"] = ms
    return row


def test_format_table_has_a_row_per_test_set_and_method():
    results = {
        "test_200x150": {"segmenter": result_row(0.81), "otsu_baseline": result_row(0.62)},
        "test_600x450": {
            "segmenter": result_row(0.8, ms=12.345),
            "otsu_baseline": result_row(0.6, ms=3.0),
        },
    }
    lines = format_table(results).splitlines()
    assert len(lines) == 2 + 4
    assert lines[2].startswith("| 200x150 | segmenter | 7 | 0.8100 |")
    assert lines[3].startswith("| 200x150 | otsu_baseline | 7 | 0.6200 |")
    assert lines[4].endswith("| 12.3 |")


def test_format_table_leaves_the_time_blank_when_none_was_taken():
    table = format_table({"test_200x150": {"segmenter": result_row(0.8)}})
    assert table.splitlines()[-1].endswith("| 0.8500 |  |")


def test_format_table_of_no_results_is_just_the_header():
    assert len(format_table({}).splitlines()) == 2


def test_a_model_that_is_not_onnx_is_a_usage_error(segmenter_run, capsys):
    with pytest.raises(SystemExit) as exited:
        evaluate_segmenter.main(
            ["--model", str(segmenter_run.out / "model.keras"), "--data", str(segmenter_run.data)]
        )
    assert exited.value.code == 2
    assert "pass the exported model.onnx" in capsys.readouterr().err


def test_a_model_without_a_split_beside_it_is_a_usage_error(tmp_path, capsys):
    model = tmp_path / "model.onnx"
    model.write_bytes(b"")
    with pytest.raises(SystemExit):
        evaluate_segmenter.main(["--model", str(model), "--data", str(tmp_path)])
    assert "no split at" in capsys.readouterr().err


def test_data_without_masks_exits_with_code_2(segmenter_run, release_dir, tmp_path, capsys):
    code = evaluate_segmenter.main(
        [
            "--model",
            str(segmenter_run.out / "model.onnx"),
            "--data",
            str(release_dir),
            "--out",
            str(tmp_path / "metrics.json"),
        ]
    )
    assert code == 2
    assert "no lesion masks found" in capsys.readouterr().err
    assert not (tmp_path / "metrics.json").exists()


def centred_disc_probabilities(batch: np.ndarray) -> np.ndarray:
    """A stand-in segmenter: a centred disc of probability 0.9 for every image of the batch."""
    height, width = batch.shape[1:3]
    disc = np.where(disc_mask(width, height), 0.9, 0.1).astype(np.float32)
    return np.repeat(disc[None], len(batch), axis=0)


def upload() -> bytes:
    """A 300×225 JPEG with a centred dark disc."""
    return encode(lesion_like_image(*UPLOAD_SIZE), quality=92)


def test_segment_with_model_returns_a_mask_at_the_upload_size():
    mask = segment_with_model(centred_disc_probabilities)(upload())
    assert mask.shape == (UPLOAD_SIZE[1], UPLOAD_SIZE[0]) and mask.dtype == bool
    assert jaccard(mask, disc_mask(*UPLOAD_SIZE)) > 0.9


def test_segment_with_model_feeds_the_model_at_its_input_size():
    seen = []

    def model(batch: np.ndarray) -> np.ndarray:
        seen.append((batch.shape, batch.dtype))
        return centred_disc_probabilities(batch)

    segment_with_model(model)(upload())
    assert seen == [((1, SEGMENTER_INPUT[1], SEGMENTER_INPUT[0], 3), np.uint8)]


def test_segment_with_the_exported_model_returns_a_mask_at_the_upload_size(segmenter_run):
    segment = segment_with_model(onnx_segmenter(segmenter_run.out / "model.onnx"))
    assert segment(upload()).shape == (UPLOAD_SIZE[1], UPLOAD_SIZE[0])


def test_segment_with_otsu_returns_the_disc_at_the_upload_size():
    mask = segment_with_otsu(upload())
    assert mask.shape == (UPLOAD_SIZE[1], UPLOAD_SIZE[0]) and mask.dtype == bool
    assert jaccard(mask, disc_mask(*UPLOAD_SIZE)) > 0.9
