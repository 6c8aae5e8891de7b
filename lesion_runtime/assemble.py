"""Write an ensemble's model.onnx from its config.json and its members' files, so git holds the
rule (a few hundred bytes) and not a second copy of the members' weights.

    python -m lesion_runtime.assemble models/ensemble models/ensemble_int8

`make install`, `make run` and the backend image's build run it for the shipped ensembles; it
needs only NumPy and onnx. The graph is the same, byte for byte, as the one
`training.ensemble.build` wrote, so its version is too; a member whose file changed since the
build is refused, since the rule was chosen for that member.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import onnx

from lesion_runtime.ensemble_graph import ensemble_graph
from lesion_runtime.ensemble_rule import Rule
from lesion_runtime.model_file import model_version

REPO_ROOT = Path(__file__).resolve().parents[1]


class MemberChangedError(ValueError):
    """A member's file is not the one the ensemble's rule was chosen for."""


def ensemble_model(members: list[Path], rule: Rule, names: list[str]) -> onnx.ModelProto:
    """Return the ensemble graph of `members` (named `names`), its heat-map from the first."""
    return ensemble_graph(members, rule, explained_by=0, doc={"members": names, **rule.as_dict()})


def assemble(folder: Path, root: Path = REPO_ROOT) -> Path:
    """Write folder/model.onnx from folder/config.json (member paths relative to `root`);
    return its path, or raise MemberChangedError."""
    config = json.loads((folder / "config.json").read_text())
    paths = [root / m["path"] for m in config["members"]]
    names = [m["name"] for m in config["members"]]
    for member, path, name in zip(config["members"], paths, names, strict=True):
        if not path.is_file() or model_version(path, name) != member["version"]:
            raise MemberChangedError(
                f"{path} is not {member['version']}, which the ensemble was built from; "
                "rebuild it with python -m training.ensemble.build"
            )
    out = folder / "model.onnx"
    onnx.save(ensemble_model(paths, Rule.from_dict(config["rule"]), names), out)
    return out


def main(argv: list[str] | None = None) -> int:
    """Assemble each ensemble folder named; return 0, or 2 when a member changed."""
    folders = [Path(arg) for arg in (sys.argv[1:] if argv is None else argv)]
    if not folders:
        print("usage: python -m lesion_runtime.assemble FOLDER...", file=sys.stderr)
        return 2
    for folder in folders:
        try:
            print(f"wrote {assemble(folder)}")
        except MemberChangedError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
