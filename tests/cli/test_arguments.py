"""The command line's grammar: help, bad command lines (status 2, no traceback), defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from lesion_cli.arguments import PredictOptions, ScoreOptions, cpu_count, parse_args


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--help"], "usage: lesion [-h] COMMAND"),
        (["predict", "--help"], "lesion predict data/ham10000/HAM10000_images_part_1 --out"),
        (["score", "--help"], "lesion score preds.csv data/ham10000/HAM10000_metadata.csv"),
    ],
)
def test_each_command_has_its_help(lesion, arguments, expected):
    ran = lesion(*arguments)
    assert ran.status == 0 and expected in ran.out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "the following arguments are required: COMMAND"),
        (["predict"], "the following arguments are required: INPUT"),
        (["predict", "x", "--workers", "0"], "'0' is not a whole number of at least 1"),
        (["predict", "x", "--format", "xml"], "invalid choice: 'xml'"),
        (["predict", "x", "--url", "localhost:8000"], "give the whole address"),
        (["predict", "x", "--api-key", "k" * 20], "--api-key goes with --url"),
        (["score", "preds.csv"], "the following arguments are required: truth"),
    ],
)
def test_a_bad_command_line_exits_2_saying_what_is_wrong(lesion, arguments, message):
    ran = lesion(*arguments)
    assert ran.status == 2 and message in ran.err and "Traceback" not in ran.err


def test_predict_defaults_are_csv_on_standard_output_with_a_worker_per_core():
    options = parse_args(["predict", "a.jpg"], env={})
    assert options == PredictOptions(inputs=[Path("a.jpg")], workers=cpu_count())


def test_the_api_key_comes_from_the_environment_unless_given():
    url = ["predict", "a.jpg", "--url", "http://127.0.0.1:8000"]
    assert parse_args(url, env={"LESION_API_KEY": "from-env"}).api_key == "from-env"
    given = parse_args([*url, "--api-key", "given"], env={"LESION_API_KEY": "from-env"})
    assert given.api_key == "given"


def test_score_takes_the_predictions_the_truth_and_a_plot_folder():
    options = parse_args(["score", "p.csv", "t.csv", "--plots", "figures"])
    assert options == ScoreOptions(Path("p.csv"), Path("t.csv"), Path("figures"))
