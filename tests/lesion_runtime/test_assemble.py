"""An ensemble's graph made again from its config.json: the same bytes, or a refusal when a
member changed."""

from __future__ import annotations

import json

import onnx
import pytest

from lesion_runtime.assemble import MemberChangedError, assemble, ensemble_model
from lesion_runtime.ensemble_rule import Rule
from lesion_runtime.model_file import model_version
from tests.backend.onnx_models import colour_classifier

RULE = Rule((0.7, 0.3), (0.0,) * 7, 0.9)


def built(tmp_path):
    members = [colour_classifier(tmp_path / "a", 30, 32), colour_classifier(tmp_path / "b", 60, 64)]
    folder = tmp_path / "ensemble"
    folder.mkdir()
    onnx.save(ensemble_model(members, RULE, ["a", "b"]), folder / "built.onnx")
    records = [
        {"name": n, "version": model_version(m, n), "path": str(m.relative_to(tmp_path))}
        for n, m in zip(["a", "b"], members, strict=True)
    ]
    (folder / "config.json").write_text(json.dumps({"members": records, "rule": RULE.as_dict()}))
    return folder, members


def test_assembling_gives_the_built_graph_byte_for_byte(tmp_path):
    folder, _ = built(tmp_path)
    path = assemble(folder, root=tmp_path)
    assert path.read_bytes() == (folder / "built.onnx").read_bytes()


def test_a_member_changed_since_the_build_is_refused(tmp_path):
    folder, members = built(tmp_path)
    colour_classifier(members[1].parent, 30, 32)  # another graph under the same name
    with pytest.raises(MemberChangedError, match="rebuild"):
        assemble(folder, root=tmp_path)
    assert not (folder / "model.onnx").exists()
