"""Classifying in this process: the service's own answers, the same with any number of workers."""

from __future__ import annotations

import pytest

from backend.service import classify
from lesion_api.rows import Row
from lesion_cli.local import LocalRunner
from lesion_cli.models import model_path
from lesion_core.decode import DecodeLimits
from lesion_runtime.decoding import Upload
from tests.cli.conftest import SAMPLES, damaged_jpeg


@pytest.fixture(scope="module")
def runner() -> LocalRunner:
    """The default classifier and the input check, with two workers."""
    return LocalRunner(model_path(None), workers=2)


def test_rows_are_the_services_own_answers(runner):
    rows = [row for batch in runner.classify(SAMPLES) for row in batch]
    for sample, row in zip(SAMPLES, rows, strict=True):
        (answer,) = classify(
            [Upload(sample.read_bytes(), sample.name)],
            runner.predictor,
            DecodeLimits(),
            runner.checker,
        )
        assert row == Row.answered(str(sample), "ensemble", answer)


def test_any_number_of_workers_gives_the_same_rows_in_the_same_order(runner, tmp_path):
    files = [*SAMPLES[:3], damaged_jpeg(tmp_path / "broken.jpg"), *SAMPLES[3:]]
    rows = [row for batch in runner.classify(files) for row in batch]
    assert [row.path for row in rows] == [str(path) for path in files]
    alone = LocalRunner(model_path(None), workers=1)
    assert [row for batch in alone.classify(files) for row in batch] == rows


def test_a_file_that_cannot_be_read_gets_its_error(runner, tmp_path):
    (row,) = runner.classify_batch([tmp_path / "gone.jpg"])
    assert row.error == "unreadable_file: 'gone.jpg': No such file or directory"
    assert row.model_version == runner.version
