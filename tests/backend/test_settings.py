"""Settings come from environment variables with sane defaults."""

import pytest

from backend.settings import DEFAULT_MODEL_PATH, DEFAULT_SEGMENTER_PATH, Settings, SettingsError


def test_defaults_serve_the_shipped_model_on_loopback():
    settings = Settings.from_env({})
    assert settings.model_path == DEFAULT_MODEL_PATH
    assert settings.max_upload_bytes == 10 * 1024 * 1024
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)


def test_default_model_is_the_resnet_and_localisation_is_on():
    settings = Settings.from_env({})
    assert DEFAULT_MODEL_PATH.parent.name == "resnet_small_2x"
    assert settings.segmenter_path == DEFAULT_SEGMENTER_PATH and DEFAULT_SEGMENTER_PATH.is_file()


@pytest.mark.parametrize("value", ["", "off", "OFF", "none", " off "])
def test_segmenter_path_off_turns_localisation_off(value):
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
