"""Schemathesis, every check, against the real gunicorn server and the document it serves."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from click.testing import CliRunner
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis.cli import schemathesis as schemathesis_cli

from backend.formats import accepted_formats
from tests.conftest import encode, lesion_like_image
from tests.dicom_files import dicom_of

pytestmark = pytest.mark.server

# Examples per operation and phase: enough to reach every documented shape, well under a minute.
MAX_EXAMPLES = 15
SEED = 13


def encoded(format_name: str, width: int, height: int, seed: int) -> bytes:
    """Return a small lesion-like image in one accepted format (DICOM made by pydicom)."""
    image = lesion_like_image(width, height, seed)
    return dicom_of(image) if format_name == "DICOM" else encode(image, format_name)


def images(format_name: str) -> st.SearchStrategy[bytes]:
    """Return a strategy of small lesion-like images in one accepted format."""
    return st.builds(
        lambda width, height, seed: encoded(format_name, width, height, seed),
        st.integers(8, 48),
        st.integers(8, 48),
        st.integers(0, 3),
    )


def agreeing(context: schemathesis.HookContext, case: schemathesis.Case) -> schemathesis.Case:
    """Return a schema-valid case whose query and form both give a parameter with the form's
    value in both: the service refuses the two disagreeing, a rule OpenAPI cannot state."""
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if positive and isinstance(case.body, dict) and case.query:
        for name in case.query.keys() & case.body.keys():
            case.query[name] = case.body[name]
    return case


def test_schemathesis_with_every_check_finds_no_failure(
    live_backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every phase (examples, coverage, fuzzing), positive and negative data, `--checks all`.

    Run in-process through Schemathesis's own command (its pytest plugin does not support this
    pytest yet), so that a failure prints its report and a curl line that reproduces it.
    """
    # Schemathesis keeps a cache of failures in the working folder, Hypothesis one of constants.
    monkeypatch.chdir(tmp_path)
    set_hypothesis_home_dir(tmp_path / ".hypothesis")
    # The document names six image media types: a schema-valid body of each is such an image.
    for accepted in accepted_formats():
        schemathesis.openapi.media_type(accepted.media_type, images(accepted.name))
    schemathesis.hook("map_case")(agreeing)
    try:
        result = CliRunner().invoke(
            schemathesis_cli,
            [
                "run",
                f"{live_backend}/openapi.json",
                "--checks=all",
                "--mode=all",
                f"--max-examples={MAX_EXAMPLES}",
                f"--seed={SEED}",
                "--generation-database=none",
                "--workers=1",
                "--no-color",
            ],
            catch_exceptions=False,
        )
    finally:
        schemathesis.hooks.unregister(agreeing)
        set_hypothesis_home_dir(None)
    print(result.output)
    assert result.exit_code == 0, result.output[-6000:]
    assert "No issues found" in result.output
