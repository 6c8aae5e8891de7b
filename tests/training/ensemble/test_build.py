"""The ensemble build on several sources: each source's validation part weighs the same."""

from __future__ import annotations

import json
import shutil

import pytest

from lesion_core.preprocess import PREPROCESSING_ID
from tests.backend.onnx_models import colour_classifier
from tests.training.conftest import write_isic2017
from training.data import load_dataset
from training.ensemble.build import against_best_member, main
from training.split import make_split, save_split

pytestmark = pytest.mark.heavy(10)


def members(tmp_path, release_dir) -> list[str]:
    """Write three colour classifiers (two sizes) with the same split.csv beside each."""
    dataset = load_dataset(release_dir)
    split = tmp_path / "split.csv"
    save_split(dataset, make_split(dataset), split)
    paths = []
    for name, (height, width) in {"a": (60, 64), "b": (120, 160), "c": (60, 64)}.items():
        path = colour_classifier(tmp_path / name, height, width, name)
        config = json.loads((path.parent / "config.json").read_text())
        config["preprocessing"] = PREPROCESSING_ID
        (path.parent / "config.json").write_text(json.dumps(config))
        shutil.copyfile(split, path.parent / "split.csv")
        paths.append(str(path))
    return paths


@pytest.mark.filterwarnings("ignore:The least populated class:UserWarning")  # tiny folds
def test_the_ensemble_is_chosen_and_reported_per_source(tmp_path, release_dir, milk10k_dir, capsys):
    # Three validation images per class of ISIC 2017: enough for three folds of its strata.
    isic2017_dir = write_isic2017(tmp_path / "isic2017", per_class=9)
    out = tmp_path / "ensemble"
    argv = ["--members", *members(tmp_path, release_dir), "--data", str(release_dir)]
    argv += ["--milk10k", str(milk10k_dir), "--isic2017", str(isic2017_dir), "--select"]
    assert main([*argv, "--out", str(out), "--cache-dir", str(tmp_path / "cache")]) == 0

    record = json.loads((out / "config.json").read_text())
    kept = [m["name"] for m in record["members"]]
    assert 2 <= len(kept) <= 3 and set(kept) <= {"a", "b", "c"}
    assert "'milk10k': 7" in record["chosen_on"] and "'isic2017': 9" in record["chosen_on"]
    for row in record["validation"].values():
        assert list(row) == ["ham10000", "milk10k", "isic2017", "mean over sources"]
        mean = row["mean over sources"]["balanced_accuracy"]
        each = [row[s]["balanced_accuracy"] for s in ("ham10000", "milk10k", "isic2017")]
        assert mean == pytest.approx(sum(each) / 3)
    printed = capsys.readouterr().out
    assert "mean over sources" in printed
    assert "at least its best member on every source: " in printed


def test_a_missing_source_folder_is_refused(tmp_path, release_dir, capsys):
    argv = ["--members", *members(tmp_path, release_dir)[:2], "--data", str(release_dir)]
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--isic2017", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")])
    assert exited.value.code == 2
    assert "--isic2017" in capsys.readouterr().err


@pytest.mark.parametrize(("rule_isic", "verdict"), [(0.71, "yes"), (0.69, "NO")])
def test_the_build_says_whether_the_rule_reaches_its_best_member_everywhere(rule_isic, verdict):
    def row(ham: float, isic: float) -> dict:
        figures = {"ham10000": ham, "isic2017": isic, "mean over sources": (ham + isic) / 2}
        return {s: {"balanced_accuracy": v} for s, v in figures.items()}

    table = {
        "a": row(0.74, 0.70),
        "b": row(0.70, 0.60),
        "the rule, fitted on all of validation": row(0.76, rule_isic),
    }
    line = against_best_member(table, ["a", "b"])
    assert line.startswith(f"at least its best member on every source: {verdict} (")
    assert f"isic2017 {rule_isic:.4f} against 0.7000" in line
