"""The quality-threshold report reads a release as the service reads uploads and prints what
each warning's threshold flags."""

from __future__ import annotations

from pathlib import Path

from training.input_check.quality_thresholds import main


def test_report_measures_every_image_and_blurred_copies(release_dir: Path, tmp_path, capsys):
    assert main(["--data", str(release_dir), "--cache-dir", str(tmp_path), "--blurred", "3"]) == 0
    out = capsys.readouterr().out
    assert "HAM10000: 70 images measured at 128x96" in out
    assert out.count("  flags ") == 3 and "Gaussian blur r=3 on 3 images" in out


def test_a_folder_without_a_release_is_refused(tmp_path: Path, capsys):
    assert main(["--data", str(tmp_path), "--cache-dir", str(tmp_path)]) == 2
    assert "error:" in capsys.readouterr().err
