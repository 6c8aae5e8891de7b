"""Several classifiers in one service: /models, picking one per request, and a non-square one
end to end, through Flask's test client and the real gunicorn server."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from backend.app import create_app
from backend.classifiers import Classifiers
from backend.errors import ApiError
from backend.settings import Settings
from lesion_runtime.model_file import ModelLoadError
from lesion_runtime.predictor import Predictor
from tests.backend.onnx_models import colour_classifier
from tests.backend.test_server import start_with_model
from tests.conftest import PAPER_MODEL, SHIPPED_SEGMENTER, encode, lesion_like_image
from tests.servers import REPO_ROOT, gunicorn_server

SAMPLE = REPO_ROOT / "samples" / "ISIC_0024400.jpg"
NAMES = ["resnet_small_2x", "paper_cnn", "wide"]
HEADLINE = {"accuracy", "balanced_accuracy", "macro_f1", "macro_auc", "melanoma_recall", "ece"}


@pytest.fixture(scope="module")
def wide_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 120×160 (h×w) classifier with 4×5 activation maps, named "wide"."""
    return colour_classifier(tmp_path_factory.mktemp("models") / "wide")


@pytest.fixture(scope="module")
def predictors(predictor, wide_model: Path) -> list[Predictor]:
    """The default classifier, the paper's CNN and the wide one, in that order."""
    return [predictor, Predictor(PAPER_MODEL), Predictor(wide_model)]


@pytest.fixture()
def client(predictors, segmenter, input_checker):
    """Flask's test client for a service with three classifiers."""
    settings = Settings(segmenter_path=SHIPPED_SEGMENTER, max_upload_bytes=1024 * 1024)
    return create_app(settings, predictors, segmenter, input_checker).test_client()


def upload(data: bytes, **fields: str) -> dict:
    """Return a multipart form with `data` as field `file` and the given text fields."""
    return {"file": (io.BytesIO(data), "lesion.jpg"), **fields}


def test_pick_names_the_loaded_models_for_an_unknown_one(predictors):
    classifiers = Classifiers(predictors)
    assert classifiers.pick(None) is predictors[0] and classifiers.pick("wide") is predictors[2]
    with pytest.raises(ApiError) as refused:
        classifiers.pick("resnet")
    assert refused.value.status == 404
    assert "resnet_small_2x, paper_cnn, wide" in refused.value.message


def test_two_models_of_one_name_are_refused(predictor):
    with pytest.raises(ModelLoadError, match="two classifiers are named 'resnet_small_2x'"):
        Classifiers([predictor, predictor])


def own_run(folder: Path, name: str) -> Path:
    """Return the model.onnx of a run folder whose config.json names the model `name`, as
    `python -m training.classifier.train --name NAME` writes it."""
    return colour_classifier(folder, name=name)


def served_beside_the_shipped(own: Path) -> Settings:
    """Return the settings of MODEL_PATHS = the two shipped 28×28 classifiers, then `own`."""
    paths = ",".join(
        str(p) for p in (REPO_ROOT / "models/resnet_small_2x/model.onnx", PAPER_MODEL, own)
    )
    env = {"MODEL_PATHS": paths, "SEGMENTER_PATH": "off", "INPUT_CHECK_PATH": "off"}
    return Settings.from_env(env)


def test_a_run_with_a_name_of_its_own_is_served_beside_the_shipped_models(tmp_path):
    own = own_run(tmp_path / "runs" / "resnet_small_2x-20250101-120000", "my_cnn")
    client = create_app(served_beside_the_shipped(own)).test_client()
    assert [m["name"] for m in client.get("/models").json["models"]] == [
        "resnet_small_2x",
        "paper_cnn",
        "my_cnn",
    ]
    answer = client.post("/predict?model=my_cnn", data=upload(SAMPLE.read_bytes()))
    assert answer.status_code == 200 and answer.json["model_version"].startswith("my_cnn-")


def test_a_run_named_like_a_shipped_model_is_refused_naming_both_files_and_the_fix(tmp_path):
    own = own_run(tmp_path / "runs" / "paper_cnn-20250101-120000", "paper_cnn")  # no --name
    with pytest.raises(ModelLoadError) as refused:
        create_app(served_beside_the_shipped(own))
    message = str(refused.value)
    assert f"two classifiers are named 'paper_cnn' ({PAPER_MODEL} and {own})" in message
    assert "train it with --name NAME" in message


@pytest.mark.server
def test_real_server_refuses_two_models_of_one_name_in_one_line_before_starting(tmp_path):
    own = own_run(tmp_path / "paper_cnn-20250101-120000", "paper_cnn")
    result = start_with_model(PAPER_MODEL, MODEL_PATH="", MODEL_PATHS=f"{PAPER_MODEL},{own}")
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if "[ERROR]" in line]
    assert len(errors) == 1 and "two classifiers are named 'paper_cnn'" in errors[0]
    assert "Traceback" not in result.stderr


def test_models_lists_every_classifier_with_its_held_out_figures(client):
    body = client.get("/models").json
    assert body["default"] == "resnet_small_2x"
    assert [m["name"] for m in body["models"]] == NAMES
    default, paper, wide = body["models"]
    assert default["input_size"] == [28, 28] and wide["input_size"] == [120, 160]
    assert set(default["metrics"]) == HEADLINE and 0.5 < default["metrics"]["balanced_accuracy"] < 1
    assert paper["metrics"]["accuracy"] > 0.7
    assert wide["metrics"] == {}  # no metrics.json beside it
    assert default["version"] == client.get("/health").json["model"]["version"]


def test_health_and_metadata_describe_the_default_and_list_every_model(client):
    health = client.get("/health").json
    assert health["model"]["name"] == "resnet_small_2x"
    assert [m["name"] for m in health["models"]] == NAMES
    meta = client.get("/metadata").json
    assert meta["model"]["name"] == "resnet_small_2x" and meta["model"]["input_size"] == [28, 28, 3]
    assert [m["name"] for m in meta["models"]] == NAMES


@pytest.mark.parametrize("how", ["query", "form"])
def test_model_is_picked_by_query_parameter_or_form_field(client, how):
    models = {m["name"]: m["version"] for m in client.get("/models").json["models"]}
    data = SAMPLE.read_bytes()
    for name in NAMES:
        if how == "query":
            answer = client.post(f"/predict?model={name}", data=upload(data))
        else:
            answer = client.post("/predict", data=upload(data, model=name))
        assert answer.status_code == 200 and answer.json["model_version"] == models[name]


@pytest.mark.parametrize("path", ["/predict", "/localize"])
def test_a_query_parameter_and_a_form_field_that_disagree_are_a_400_naming_both(client, path):
    answer = client.post(f"{path}?model=paper_cnn", data=upload(SAMPLE.read_bytes(), model="wide"))
    assert answer.status_code == 400
    error = answer.json["error"]
    assert error["code"] == "conflicting_parameters"
    assert "model is given as 'paper_cnn' (query) and 'wide' (form)" in error["message"]


def test_a_query_parameter_and_a_form_field_that_agree_pick_the_model(client):
    answer = client.post("/predict?model=wide", data=upload(SAMPLE.read_bytes(), model="wide"))
    assert answer.status_code == 200 and answer.json["model_version"].startswith("wide-")


@pytest.mark.parametrize("path", ["/predict", "/localize"])
def test_an_unknown_model_is_a_404_naming_the_available_ones(client, path):
    answer = client.post(f"{path}?model=densenet", data=upload(SAMPLE.read_bytes()))
    assert answer.status_code == 404
    error = answer.json["error"]
    assert error["code"] == "unknown_model"
    assert (
        "'densenet'" in error["message"] and "resnet_small_2x, paper_cnn, wide" in error["message"]
    )


def test_several_files_are_answered_by_the_model_picked(client):
    images = [encode(lesion_like_image(seed=s)) for s in range(2)]
    form = {"file": [(io.BytesIO(i), f"{n}.jpg") for n, i in enumerate(images)], "model": "wide"}
    body = client.post("/predict", data=form).json
    assert body["model_version"].startswith("wide-")
    assert all(r["model_version"] == body["model_version"] for r in body["results"])


def test_a_non_square_model_localizes_with_its_heatmap(client):
    body = client.post("/localize?model=wide", data=upload(SAMPLE.read_bytes())).json
    assert body["model_version"].startswith("wide-")
    assert body["heatmap_png"] and body["heatmap_size"] == [600, 450]
    assert body["lesion"]["found"] and body["input_check"]["dermoscopic"]


def test_each_model_is_published_and_timed_in_metrics(client):
    client.post("/predict?model=wide", data=upload(SAMPLE.read_bytes()))
    page = client.get("/metrics").text
    for name in NAMES:
        assert f'lesion_model_info{{name="{name}",role="classifier"' in page
    assert 'lesion_model_inference_seconds_count{model="wide"}' in page


@pytest.fixture(scope="module")
def three_model_server(wide_model: Path, input_check_path: Path) -> Iterator[str]:
    """gunicorn serving MODEL_PATHS=the default, the paper's CNN and the wide model."""
    paths = ",".join(
        str(p) for p in (REPO_ROOT / "models/resnet_small_2x/model.onnx", PAPER_MODEL, wide_model)
    )
    env = {"MODEL_PATH": "", "MODEL_PATHS": paths, "INPUT_CHECK_PATH": str(input_check_path)}
    with gunicorn_server(Path(), env=env, workers=1) as (url, _):
        yield url


@pytest.mark.server
def test_real_server_serves_every_model_of_model_paths(three_model_server: str):
    body = requests.get(f"{three_model_server}/models", timeout=30).json()
    assert body["default"] == "resnet_small_2x" and [m["name"] for m in body["models"]] == NAMES


@pytest.mark.server
def test_real_server_picks_by_query_and_form_and_refuses_an_unknown_name(three_model_server: str):
    files = {"file": ("lesion.jpg", SAMPLE.read_bytes(), "image/jpeg")}
    by_query = requests.post(
        f"{three_model_server}/predict?model=paper_cnn", files=files, timeout=30
    )
    by_form = requests.post(
        f"{three_model_server}/predict", files=files, data={"model": "wide"}, timeout=30
    )
    unknown = requests.post(f"{three_model_server}/predict?model=x", files=files, timeout=30)
    assert by_query.json()["model_version"].startswith("paper_cnn-")
    assert by_form.json()["model_version"].startswith("wide-")
    assert unknown.status_code == 404 and "resnet_small_2x, paper_cnn, wide" in unknown.text


@pytest.mark.server
def test_real_server_runs_the_non_square_model_end_to_end(three_model_server: str):
    files = {"file": ("lesion.jpg", SAMPLE.read_bytes(), "image/jpeg")}
    answer = requests.post(f"{three_model_server}/localize?model=wide", files=files, timeout=60)
    body = answer.json()
    assert answer.status_code == 200 and body["model_version"].startswith("wide-")
    assert sum(body["probabilities"].values()) == pytest.approx(1, abs=4e-4)
    assert body["heatmap_png"] and body["input_check"]["dermoscopic"] is True


@pytest.mark.server
def test_real_server_serves_every_shipped_classifier_by_default():
    """With neither MODEL_PATHS nor MODEL_PATH, every shipped classifier found is served: the
    ensemble first, the default, then the two 28×28 ones and the two high-resolution ones; the
    ensemble answers with its members' agreement and draws the larger one's heat-map."""
    with gunicorn_server(Path(), env={"MODEL_PATH": ""}) as (url, _):
        body = requests.get(f"{url}/models", timeout=30).json()
        sizes = {m["name"]: m["input_size"] for m in body["models"]}
        assert body["default"] == "ensemble"
        assert list(sizes) == [
            "ensemble", "resnet_small_2x", "paper_cnn", "efficientnet_lite0", "efficientnet_lite1"
        ]  # fmt: skip
        assert sizes["efficientnet_lite0"] == [120, 160]
        assert sizes["efficientnet_lite1"] == sizes["ensemble"] == [168, 224]
        files = {"file": ("lesion.jpg", SAMPLE.read_bytes(), "image/jpeg")}
        for name in ("efficientnet_lite0", "efficientnet_lite1", "ensemble"):
            answer = requests.post(f"{url}/localize?model={name}", files=files, timeout=60).json()
            assert answer["model_version"].startswith(f"{name}-")
            assert answer["input_check"]["dermoscopic"] and answer["heatmap_png"]
        members = answer["agreement"]["members"]
        assert [m["model"] for m in members] == [
            "efficientnet_lite1", "efficientnet_lite0", "resnet_small_2x"
        ]  # fmt: skip
        tops = [m["label"] == answer["label"] for m in members]
        assert answer["agreement"]["agree"] == all(tops)
        assert answer["agreement"]["agreeing"] == sum(tops)
        # Each member's probability of the ensemble's answer, beside its own top class.
        for member in members:
            assert member["answer_probability"] <= member["confidence"]
            assert (member["answer_probability"] == member["confidence"]) >= (
                member["label"] == answer["label"]
            )
        # Without a model, /predict answers with the ensemble and says so.
        plain = requests.post(f"{url}/predict", files=files, timeout=60).json()
        assert plain["model"] == "ensemble" and plain["model_version"].startswith("ensemble-")
        assert list(plain)[:3] == ["file", "input_check", "model"], "the check leads"


@pytest.mark.server
def test_real_server_serves_the_int8_ensemble_when_model_paths_names_it():
    """The int8 ensemble (`make install` assembles it) is not served by default but by
    MODEL_PATHS: its members are the int8 copies of Lite1 and the default beside Lite0, and it
    gives the float ensemble's class for a demo sample, with the same agreement fields."""
    names = ["ensemble", "ensemble_int8"]
    paths = ",".join(str(REPO_ROOT / "models" / name / "model.onnx") for name in names)
    env = {"MODEL_PATH": "", "MODEL_PATHS": paths}
    with gunicorn_server(Path(), env=env) as (url, _):
        served = requests.get(f"{url}/models", timeout=30).json()["models"]
        assert [m["name"] for m in served] == names
        files = {"file": ("lesion.jpg", SAMPLE.read_bytes(), "image/jpeg")}
        answers = {
            name: requests.post(f"{url}/predict?model={name}", files=files, timeout=60).json()
            for name in names
        }
    fast = answers["ensemble_int8"]
    assert fast["model_version"].startswith("ensemble_int8-")
    assert [m["model"] for m in fast["agreement"]["members"]] == [
        "efficientnet_lite1_int8", "efficientnet_lite0", "resnet_small_2x_int8"
    ]  # fmt: skip
    assert fast["label"] == answers["ensemble"]["label"]
    assert sum(fast["probabilities"].values()) == pytest.approx(1, abs=4e-4)
