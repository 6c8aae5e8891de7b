"""Settings come from environment variables with sane defaults."""

from pathlib import Path

import pytest

from backend.app import create_app
from backend.settings import Settings, SettingsError
from lesion_runtime import shipped
from lesion_runtime.model_file import ModelLoadError
from lesion_runtime.shipped import (
    DEFAULT_INPUT_CHECK_PATH,
    DEFAULT_MODEL_PATH,
    DEFAULT_SEGMENTER_PATH,
)
from tests.conftest import PAPER_MODEL


def test_defaults_serve_the_shipped_model_on_loopback():
    settings = Settings.from_env({})
    assert settings.model_path == DEFAULT_MODEL_PATH
    assert settings.max_upload_bytes == 10 * 1024 * 1024
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)


def test_default_model_is_the_ensemble_and_localization_is_on():
    settings = Settings.from_env({})
    assert DEFAULT_MODEL_PATH.parent.name == "ensemble"
    assert settings.model_path == DEFAULT_MODEL_PATH and DEFAULT_MODEL_PATH.is_file()
    assert settings.segmenter_path == DEFAULT_SEGMENTER_PATH and DEFAULT_SEGMENTER_PATH.is_file()


def test_default_model_names_the_default_among_the_shipped_ones():
    settings = Settings.from_env({"DEFAULT_MODEL": "resnet_small_2x"})
    assert settings.model_path.parent.name == "resnet_small_2x"
    assert DEFAULT_MODEL_PATH in settings.more_model_paths  # still served, no longer first


def test_default_model_picks_among_model_paths(tmp_path):
    paths = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        paths.append(tmp_path / name / "model.onnx")
    settings = Settings.from_env({"MODEL_PATHS": ",".join(map(str, paths)), "DEFAULT_MODEL": "b"})
    assert (settings.model_path, settings.more_model_paths) == (paths[1], (paths[0],))


def test_default_model_that_is_not_served_is_refused_naming_the_served_ones():
    with pytest.raises(
        SettingsError,
        match="DEFAULT_MODEL='best' is not served here; use one of "
        "ensemble, resnet_small_2x, paper_cnn",
    ):
        Settings.from_env({"DEFAULT_MODEL": "best"})


@pytest.mark.parametrize("value", ["", "off", "OFF", "none", " off "])
def test_segmenter_path_off_turns_localization_off(value):
    assert Settings.from_env({"SEGMENTER_PATH": value}).segmenter_path is None


def test_segmenter_path_points_at_another_file():
    assert str(Settings.from_env({"SEGMENTER_PATH": "/m/seg.onnx"}).segmenter_path) == "/m/seg.onnx"


def test_environment_overrides_defaults():
    settings = Settings.from_env(
        {
            "MODEL_PATH": "/m/x.keras",
            "MAX_UPLOAD_MB": "2",
            "WEB_CONCURRENCY": "3",
            "LOG_LEVEL": "DEBUG",
            "PORT": "9000",
        }
    )
    assert str(settings.model_path) == "/m/x.keras"
    assert settings.max_upload_bytes == 2 * 1024 * 1024
    assert (settings.workers, settings.log_level, settings.port) == (3, "debug", 9000)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("MAX_UPLOAD_MB", "ten", "MAX_UPLOAD_MB='ten' is not a number"),
        ("WEB_CONCURRENCY", "0", "must be at least 1"),
        ("LOG_LEVEL", "loud", "LOG_LEVEL='loud'"),
    ],
)
def test_bad_values_name_the_variable(name, value, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({name: value})


def test_model_paths_lists_the_default_first_then_the_others():
    settings = Settings.from_env({"MODEL_PATHS": " /m/a.onnx, /m/b.onnx ,/m/c.onnx,"})
    assert settings.model_path == Path("/m/a.onnx")
    assert settings.more_model_paths == (Path("/m/b.onnx"), Path("/m/c.onnx"))


def test_model_path_alone_serves_one_model():
    settings = Settings.from_env({"MODEL_PATH": "/m/a.onnx"})
    assert (settings.model_path, settings.more_model_paths) == (Path("/m/a.onnx"), ())


def test_model_path_and_model_paths_together_are_refused():
    with pytest.raises(SettingsError, match="not both"):
        Settings.from_env({"MODEL_PATH": "/m/a.onnx", "MODEL_PATHS": "/m/b.onnx"})


def test_by_default_every_shipped_classifier_found_is_served(monkeypatch, tmp_path):
    missing = tmp_path / "ensemble" / "model.onnx"  # e.g. not assembled yet
    found = (missing, DEFAULT_MODEL_PATH, PAPER_MODEL)
    monkeypatch.setattr(shipped, "SHIPPED_MODEL_PATHS", found)
    settings = Settings.from_env({"INPUT_CHECK_PATH": "off"})
    assert settings.model_path == DEFAULT_MODEL_PATH  # the first found is the default
    assert settings.more_model_paths == (PAPER_MODEL,)
    assert settings.missing_shipped == (missing,)


def test_a_missing_shipped_model_is_logged_at_start(predictor, capsys, tmp_path):
    missing = tmp_path / "efficientnet_lite0" / "model.onnx"
    settings = Settings(segmenter_path=None, missing_shipped=(missing,), log_format="text")
    create_app(settings, predictor)  # its logging set-up writes to stderr
    assert f"[WARNING] backend.app: shipped model {missing} not found" in capsys.readouterr().err


def test_a_model_the_user_named_must_exist(tmp_path):
    missing = tmp_path / "mine" / "model.onnx"
    settings = Settings(more_model_paths=(missing,), segmenter_path=None)
    with pytest.raises(ModelLoadError, match=f"model file not found: {missing}"):
        create_app(settings)


@pytest.mark.parametrize("value", ["off", "OFF", "", "none"])
def test_input_check_path_off_turns_the_check_off(value):
    assert Settings.from_env({"INPUT_CHECK_PATH": value}).input_check_path is None


def test_input_check_path_points_at_another_file():
    assert Settings.from_env({"INPUT_CHECK_PATH": "/m/c.onnx"}).input_check_path == Path(
        "/m/c.onnx"
    )


def test_the_shipped_input_check_is_the_default_when_present():
    settings = Settings.from_env({})
    if DEFAULT_INPUT_CHECK_PATH.is_file():
        assert settings.input_check_path == DEFAULT_INPUT_CHECK_PATH
    else:
        assert settings.input_check_path is None
        assert DEFAULT_INPUT_CHECK_PATH in settings.missing_shipped


def test_threads_slots_and_proxies_have_safe_defaults_and_can_be_set():
    settings = Settings.from_env({})
    assert (settings.threads, settings.work_slots, settings.trusted_proxy_hops) == (32, 1, 0)
    assert settings.decode_limits == (50_000_000, 256)
    changed = Settings.from_env(
        {
            "GUNICORN_THREADS": "8",
            "WORK_SLOTS": "2",
            "TRUSTED_PROXY_HOPS": "1",
            "MAX_DECODE_MB": "128",
        }
    )
    assert (changed.threads, changed.work_slots, changed.trusted_proxy_hops) == (8, 2, 1)
    assert changed.decode_limits.max_decode_mb == 128


@pytest.mark.parametrize(
    ("name", "value"), [("WORK_SLOTS", "0"), ("TRUSTED_PROXY_HOPS", "-1"), ("MAX_DECODE_MB", "1")]
)
def test_unusable_hardening_settings_stop_start_up(name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})
