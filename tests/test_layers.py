"""The layers point one way (docs/architecture.md): each package imports only the packages below
it and none of the libraries it must run without, no import cycle joins project modules, and
each ONNX name is spelled in one module."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PROJECT = ("lesion_core", "lesion_api", "lesion_runtime", "backend", "lesion_cli", "training")
CORE = {"lesion_core", "lesion_api", "lesion_runtime"}
# What each package may import of the project (lesion_api: the HTTP API's wire types).
MAY_IMPORT = {
    "lesion_core": set(),
    "lesion_api": {"lesion_core"},
    "lesion_runtime": {"lesion_core", "lesion_api"},
    "backend": CORE,
    "lesion_cli": CORE,
    "training": CORE,
    "benchmarks": {*CORE, "backend", "lesion_cli", "training"},
    "frontend": {"lesion_api"},  # and the service over HTTP only
    "scripts": set(),
}
ONNX_NAMES = ("member_probabilities", "dermoscopic_score")
# Libraries a layer must run without: serving and the CLI never load TensorFlow, only the
# service loads Flask.
WITHOUT = {
    "lesion_core": {"tensorflow", "keras", "flask", "onnxruntime"},
    "lesion_api": {"tensorflow", "keras", "flask", "onnxruntime"},
    "lesion_runtime": {"tensorflow", "keras", "flask", "tf2onnx"},
    "backend": {"tensorflow", "keras", "tf2onnx"},
    "lesion_cli": {"tensorflow", "keras", "flask", "tf2onnx"},
    "frontend": {"tensorflow", "keras", "onnxruntime", "flask"},
}


def imports(file: Path) -> Iterator[str]:
    """Yield every module `file` imports, at its top or inside a function, as an absolute name."""
    package = ".".join(file.relative_to(REPO).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(file.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def module_name(file: Path) -> str:
    parts = file.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def files_of(package: str) -> list[Path]:
    return sorted((REPO / package).rglob("*.py"))


@pytest.mark.parametrize("package", MAY_IMPORT)
def test_a_package_imports_only_the_layers_below_it(package):
    crossing = {
        f"{file.relative_to(REPO)} imports {name}"
        for file in files_of(package)
        for name in imports(file)
        if name.split(".")[0] in MAY_IMPORT
        and name.split(".")[0] not in {package, *MAY_IMPORT[package]}
    }
    assert not crossing


@pytest.mark.parametrize("package", WITHOUT)
def test_a_package_runs_without_the_libraries_above_it(package):
    found = {name.split(".")[0] for file in files_of(package) for name in imports(file)}
    assert not found & WITHOUT[package]


def test_no_project_module_imports_itself_through_others():
    modules = {module_name(f): f for p in PROJECT for f in files_of(p)}
    graph = {
        name: {target for target in imports(file) if target in modules and target != name}
        for name, file in modules.items()
    }
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as found:
        pytest.fail(f"import cycle: {' -> '.join(found.args[1])}")


@pytest.mark.parametrize("name", ONNX_NAMES)
def test_each_onnx_name_is_spelled_in_one_module(name):
    spelled = {
        str(file.relative_to(REPO))
        for package in MAY_IMPORT
        for file in files_of(package)
        if f'"{name}"' in file.read_text()
    }
    assert spelled == {"lesion_runtime/onnx_names.py"}
