"""`lesion predict` in this process, on real image files: rows, errors, formats, resuming."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lesion_api.rows import COLUMNS
from lesion_cli.local import LocalRunner
from lesion_core.isic import ISIC_COLUMNS
from lesion_core.labels import CLASS_CODES
from tests.cli.conftest import SAMPLES, damaged_jpeg, read_csv
from tests.servers import REPO_ROOT

DEFAULT_VERSION_PREFIX = "ensemble-"


def test_every_image_in_the_folder_and_below_gets_a_full_row(lesion, image_folder, tmp_path):
    out = tmp_path / "preds.csv"
    ran = lesion("predict", image_folder, "--out", out)
    assert ran.status == 0, ran.err
    rows = read_csv(out)
    assert list(rows[0]) == list(COLUMNS)
    assert sorted(Path(row["path"]).name for row in rows) == sorted(
        [SAMPLES[0].name, SAMPLES[1].name, f"{SAMPLES[2].stem}.png"]
    )
    for row in rows:
        probabilities = [float(row[code]) for code in CLASS_CODES]
        assert sum(probabilities) == pytest.approx(1, abs=4e-4)
        assert row["label"] == CLASS_CODES[probabilities.index(max(probabilities))]
        assert row["model"] == "ensemble"
        assert row["model_version"].startswith(DEFAULT_VERSION_PREFIX)
        assert row["dermoscopic"] == "true" and 0.5 <= float(row["input_check_score"]) <= 1
        assert row["warning_codes"] == "" and row["error"] == ""
    assert "3 images classified" in ran.err


def test_a_damaged_image_mid_folder_gets_its_error_and_the_others_are_classified(
    lesion, image_folder, tmp_path
):
    damaged_jpeg(image_folder / "ISIC_0024330.jpg")  # sorts between two of the samples
    (image_folder / "empty.png").write_bytes(b"")
    out = tmp_path / "preds.csv"
    assert lesion("predict", image_folder, "--out", out).status == 0
    rows = {Path(row["path"]).name: row for row in read_csv(out)}
    assert rows["ISIC_0024330.jpg"]["error"] == (
        "invalid_image: 'ISIC_0024330.jpg': the image data is truncated or damaged"
    )
    assert rows["ISIC_0024330.jpg"]["label"] == "" and rows["ISIC_0024330.jpg"]["mel"] == ""
    assert rows["empty.png"]["error"] == "empty_file: 'empty.png' is empty"
    classified = [row for row in rows.values() if not row["error"]]
    assert len(classified) == 3 and all(row["label"] in CLASS_CODES for row in classified)


def test_a_rerun_classifies_nothing_new_and_then_only_an_added_image(
    lesion, image_folder, tmp_path
):
    out = tmp_path / "preds.csv"
    lesion("predict", image_folder, "--out", out)
    first = out.read_text()
    again = lesion("predict", image_folder, "--out", out)
    assert again.status == 0 and "nothing new to classify; 3 images already in" in again.err
    assert out.read_text() == first
    shutil.copy(SAMPLES[4], image_folder / SAMPLES[4].name)
    added = lesion("predict", image_folder, "--out", out)
    assert "1 image classified" in added.err and "3 images already in" in added.err
    rows = read_csv(out)
    assert out.read_text().startswith(first)
    assert [Path(row["path"]).name for row in rows[3:]] == [SAMPLES[4].name]


def test_a_row_cut_off_by_an_interrupted_run_is_classified_again(lesion, image_folder, tmp_path):
    out = tmp_path / "preds.csv"
    lesion("predict", image_folder, "--out", out)
    text = out.read_text()
    out.write_text(text[: text.rindex("\n", 0, -1) + 12])  # the last row loses its end
    assert lesion("predict", image_folder, "--out", out).status == 0
    assert out.read_text() == text


def test_isic_format_names_rows_by_image_in_the_challenge_order_and_leaves_failures_out(
    lesion, image_folder, tmp_path
):
    damaged_jpeg(image_folder / "broken.jpg")
    out = tmp_path / "submission.csv"
    ran = lesion("predict", image_folder, "--format", "isic", "--out", out)
    assert ran.status == 1 and "1 image failed, left out of the ISIC file" in ran.err
    rows = read_csv(out)
    assert list(rows[0]) == ["image", *ISIC_COLUMNS]
    assert sorted(row["image"] for row in rows) == sorted(p.stem for p in SAMPLES[:3])
    by_path = {
        Path(row["path"]).stem: row
        for row in read_csv(lesion_csv(lesion, image_folder, tmp_path / "preds.csv"))
    }
    for row in rows:
        for column in ISIC_COLUMNS:
            assert row[column] == by_path[row["image"]][column.lower()]


def lesion_csv(lesion, folder: Path, out: Path) -> Path:
    """Return `out` after `lesion predict folder --out out` (CSV)."""
    lesion("predict", folder, "--out", out)
    return out


def test_isic_format_refuses_two_images_of_one_name(lesion, image_folder, tmp_path):
    shutil.copy(SAMPLES[0], image_folder / "more" / SAMPLES[0].name)
    ran = lesion("predict", image_folder, "--format", "isic", "--out", tmp_path / "s.csv")
    assert ran.status == 2 and f"are both image {SAMPLES[0].stem}" in ran.err


def test_jsonl_format_writes_one_object_per_image(lesion, image_folder, tmp_path):
    damaged_jpeg(image_folder / "broken.jpg")
    out = tmp_path / "preds.jsonl"
    assert lesion("predict", image_folder, "--format", "jsonl", "--out", out).status == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 4 and all(list(record) == list(COLUMNS) for record in records)
    (broken,) = [r for r in records if r["error"]]
    assert broken["label"] is None and broken["mel"] is None and broken["warning_codes"] == []
    answered = [r for r in records if not r["error"]]
    assert all(r["dermoscopic"] is True and r["warning_codes"] == [] for r in answered)
    assert lesion("predict", image_folder, "--format", "jsonl", "--out", out).status == 0
    assert len(out.read_text().splitlines()) == 4


def test_without_out_the_rows_go_to_standard_output(lesion):
    ran = lesion("predict", SAMPLES[0])
    assert ran.status == 0
    header, row = ran.out.splitlines()
    assert header == ",".join(COLUMNS) and row.startswith(str(SAMPLES[0]))


@pytest.mark.parametrize("model", ["paper_cnn", "efficientnet_lite0"])
def test_a_shipped_model_is_picked_by_name(lesion, tmp_path, model):
    out = tmp_path / "preds.csv"
    assert lesion("predict", SAMPLES[0], "--model", model, "--out", out).status == 0
    (row,) = read_csv(out)
    assert row["model"] == model and row["model_version"].startswith(f"{model}-")


def test_an_own_onnx_file_is_used_as_the_model(lesion, tmp_path):
    mine = tmp_path / "mine" / "model.onnx"
    mine.parent.mkdir()
    shutil.copy(REPO_ROOT / "models" / "paper_cnn" / "model.onnx", mine)
    out = tmp_path / "preds.csv"
    assert lesion("predict", SAMPLES[0], "--model", mine, "--out", out).status == 0
    (row,) = read_csv(out)
    assert row["model"] == "mine"


def test_a_rerun_with_another_model_into_the_same_file_is_refused(lesion, tmp_path):
    out = tmp_path / "preds.csv"
    lesion("predict", SAMPLES[0], "--out", out)
    ran = lesion("predict", SAMPLES[0], "--model", "paper_cnn", "--out", out)
    assert ran.status == 2 and "holds answers of ensemble-" in ran.err


def test_an_output_of_another_format_is_refused(lesion, tmp_path):
    out = tmp_path / "preds.csv"
    lesion("predict", SAMPLES[0], "--format", "isic", "--out", out)
    ran = lesion("predict", SAMPLES[0], "--out", out)
    assert ran.status == 2 and "not as --format csv writes" in ran.err


def test_a_csv_of_image_ids_is_found_in_the_image_dir(lesion, image_folder, tmp_path):
    listing = tmp_path / "metadata.csv"
    listing.write_text(f"image_id,dx\n{SAMPLES[1].stem},akiec\n{SAMPLES[2].stem},nv\nISIC_0,nv\n")
    out = tmp_path / "preds.csv"
    ran = lesion("predict", listing, "--image-dir", image_folder, "--out", out)
    assert ran.status == 0 and "left out 1 image listed but not there" in ran.err
    assert [Path(row["path"]).name for row in read_csv(out)] == [
        SAMPLES[1].name,
        f"{SAMPLES[2].stem}.png",
    ]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["predict", "no/such/folder"], "no/such/folder: no such file or folder"),
        (["predict", "{empty}"], "no images"),
        (
            ["predict", "{image}", "--model", "nope"],
            "use one of ensemble, resnet_small_2x, paper_cnn",
        ),
        (["predict", "{image}", "--model", "no/such/model.onnx"], "no such file"),
        (["predict", "{image}", "--model", "{image}"], "the service serves ONNX models"),
        (["predict", "{image}", "--image-dir", "no/such/dir"], "no such folder"),
    ],
)
def test_bad_paths_and_models_exit_2_with_a_clear_message(lesion, tmp_path, arguments, message):
    (tmp_path / "empty").mkdir()
    values = {"empty": tmp_path / "empty", "image": SAMPLES[0]}
    ran = lesion(*[argument.format(**values) for argument in arguments])
    assert ran.status == 2
    assert ran.err.startswith("lesion predict: error: ") and message in ran.err
    assert "Traceback" not in ran.err and ran.out == ""


def test_an_interrupted_run_says_how_to_carry_on(lesion, tmp_path, monkeypatch):
    def interrupted(self, paths):
        raise KeyboardInterrupt
        yield

    monkeypatch.setattr(LocalRunner, "classify", interrupted)
    ran = lesion("predict", SAMPLES[0], "--out", tmp_path / "preds.csv")
    assert ran.status == 130
    assert ran.err == "lesion predict: error: interrupted; rerun the same command to carry on\n"


def test_a_file_whose_name_is_a_formula_is_written_as_text_and_resumed(
    lesion, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # the file is named as given: a relative name, first in its cell
    shutil.copy(SAMPLES[0], tmp_path / "=1+1.jpg")
    assert lesion("predict", "=1+1.jpg", "--out", "preds.csv").status == 0
    (row,) = read_csv(tmp_path / "preds.csv")
    assert row["path"] == "'=1+1.jpg"
    again = lesion("predict", "=1+1.jpg", "--out", "preds.csv")
    assert again.status == 0 and len(read_csv(tmp_path / "preds.csv")) == 1, "resumed"
    (tmp_path / "truth.csv").write_text("image_id,dx\n=1+1,nv\n")
    scored = lesion("score", "preds.csv", "truth.csv")  # the name, unescaped, is the image's
    assert scored.status == 0 and "Scored 1 images" in scored.out


def test_a_csvs_context_columns_reach_the_model_and_come_back_with_each_row(lesion, tmp_path):
    for sample in SAMPLES[:2]:
        shutil.copy(sample, tmp_path / sample.name)
    listing = tmp_path / "list.csv"
    listing.write_text(
        "path,age_approx,sex,anatom_site_general\n"
        f"{SAMPLES[0].name},65,male,posterior torso\n"
        f"{SAMPLES[1].name},,,\n"
    )
    out = tmp_path / "preds.csv"
    ran = lesion("predict", listing, "--model", "paper_cnn", "--out", out)
    assert ran.status == 0, ran.err
    given, bare = read_csv(out)
    assert (given["age"], given["sex"], given["site"]) == ("65.0", "male", "posterior torso")
    assert given["context_used"] == "true", "paper_cnn has a context model"
    assert (bare["age"], bare["sex"], bare["site"], bare["context_used"]) == ("", "", "", "")


def test_a_bad_context_value_in_a_csv_names_its_line(lesion, tmp_path):
    shutil.copy(SAMPLES[0], tmp_path / SAMPLES[0].name)
    listing = tmp_path / "list.csv"
    listing.write_text(f"path,site\n{SAMPLES[0].name},elbow\n")
    ran = lesion("predict", listing)
    assert ran.status == 2 and "list.csv, line 2: site='elbow'" in ran.err
