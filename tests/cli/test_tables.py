"""Reading the predictions and the truth `lesion score` compares."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lesion_cli.tables import image_name, read_predictions, read_truth
from lesion_core.labels import CLASS_CODES

PROBABILITIES = [0.1, 0.2, 0.05, 0.05, 0.4, 0.15, 0.05]  # akiec … vasc


@pytest.mark.parametrize(
    ("value", "name"),
    [("dir/ISIC_1.jpg", "ISIC_1"), ("ISIC_1.JPEG", "ISIC_1"), ("ISIC_1", "ISIC_1"), ("a.b", "a.b")],
)
def test_an_image_is_named_by_its_file_name_without_an_image_extension(value, name):
    assert image_name(value) == name


def test_each_predictions_format_reads_to_the_same_probabilities(tmp_path):
    ours = tmp_path / "preds.csv"
    ours.write_text(
        "path,akiec,bcc,bkl,df,mel,nv,vasc,label,error\n"
        f"x/ISIC_1.jpg,{','.join(map(str, PROBABILITIES))},mel,\n"
        "x/ISIC_2.jpg,,,,,,,,,invalid_image: damaged\n"
    )
    lines = tmp_path / "preds.jsonl"
    record = dict(zip(CLASS_CODES, PROBABILITIES, strict=True))
    lines.write_text(
        json.dumps({"path": "x/ISIC_1.jpg", **record, "error": None})
        + "\n"
        + json.dumps({"path": "x/ISIC_2.jpg", "error": "invalid_image: damaged"})
        + "\n"
    )
    isic = tmp_path / "submission.csv"
    akiec, bcc, bkl, df, mel, nv, vasc = PROBABILITIES
    isic.write_text(
        f"image,MEL,NV,BCC,AKIEC,BKL,DF,VASC\nISIC_1.jpg,{mel},{nv},{bcc},{akiec},{bkl},{df},{vasc}\n"
    )
    for source in (ours, lines, isic):
        found = read_predictions(source)
        assert list(found.probabilities) == ["ISIC_1"]
        np.testing.assert_array_equal(found.probabilities["ISIC_1"], PROBABILITIES)
    assert read_predictions(ours).failed == read_predictions(lines).failed == ["ISIC_2"]


def test_ham10000_metadata_and_isic_ground_truth_read_to_the_same_labels(tmp_path):
    metadata = tmp_path / "metadata.csv"
    metadata.write_text("lesion_id,image_id,dx\nHAM_1,ISIC_1,mel\nHAM_2,ISIC_2,nv\n")
    truth = tmp_path / "truth.csv"
    truth.write_text(
        "image,MEL,NV,BCC,AKIEC,BKL,DF,VASC,score_weight\n"
        "ISIC_1,1.0,0.0,0.0,0.0,0.0,0.0,0.0,1\n"
        "ISIC_2,0.0,1.0,0.0,0.0,0.0,0.0,0.0,1\n"
    )
    assert read_truth(metadata) == read_truth(truth) == {"ISIC_1": 4, "ISIC_2": 5}
