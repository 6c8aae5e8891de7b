"""The paper CNN's card says how a model trained in two steps (--init) came to be."""

from __future__ import annotations

from training.reports.card import fine_tune_line, robustness_bullet, setting_value, start_paragraph

FIRST = {
    "name": "paper_cnn",
    "preprocessing": "draft/v1",
    "settings": {"epochs": 50, "learning_rate": 1e-3},
    "best_epoch": 11,
    "train_seconds": 2149.5,
}
SECOND = {**FIRST, "preprocessing": "draft/v2", "settings": {"epochs": 5, "learning_rate": 1e-4}}


def test_a_model_trained_from_scratch_has_no_second_step():
    assert start_paragraph(FIRST) == "" and fine_tune_line(FIRST) == ""


def test_a_fine_tuned_model_names_both_steps():
    config = {**SECOND, "init": {"model": "models/paper_cnn/model.keras", **FIRST}}
    text = " ".join(start_paragraph(config).split())
    assert "first ran 50 epochs (best epoch 11, 35.8 min)" in text
    assert "`draft/v1`" in text and "5 epochs more at learning rate 0.0001" in text
    assert "`draft/v2`" in text
    assert 'ARGS="--epochs 5 --learning-rate 0.0001 --init runs/paper_cnn/model.keras"' in (
        fine_tune_line(config)
    )


def test_a_setting_shows_both_steps_when_they_differ():
    config = {**SECOND, "init": FIRST}
    assert setting_value(config, "epochs") == "50, then 5"
    assert setting_value(SECOND, "epochs") == "5"


def test_the_robustness_bullet_gives_each_drop_and_calls_a_negative_one_a_gain():
    robustness = {
        "drop": {"centre_crop": 0.048, "flip_horizontal": 0.004, "flip_vertical": 0.019},
        "exposure_drop": {"darker_15": 0.0476, "brighter_15": -0.0032},
    }
    text = " ".join(robustness_bullet({"robustness": robustness}).split())
    assert "drops by 0.048 on the central 75 %" in text and "0.004 / 0.019 mirrored" in text
    assert "0.048 with every pixel value 15 % lower" in text
    assert "nothing (it gains 0.003) with 15 % higher" in text
    assert robustness_bullet({}) == ""
