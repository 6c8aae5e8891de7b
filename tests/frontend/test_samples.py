"""The demo samples are listed from samples/samples.csv, one per class."""

from __future__ import annotations

from pathlib import Path

from frontend.samples import ATTRIBUTION, load_samples


def test_shipped_samples_cover_the_seven_classes() -> None:
    samples = load_samples()
    assert sorted(s.dx for s in samples) == ["akiec", "bcc", "bkl", "df", "mel", "nv", "vasc"]
    assert all(s.path.is_file() for s in samples)


def test_confirmation_is_spelled_out() -> None:
    assert {s.confirmation for s in load_samples()} <= {
        "histopathology",
        "expert consensus",
        "follow-up examination",
    }


def test_samples_say_whether_the_shipped_model_trained_on_them() -> None:
    seen = {s.dx: s.seen_in_training for s in load_samples()}
    assert seen["mel"] is False and seen["df"] is True


def test_rows_without_an_image_are_left_out(tmp_path: Path) -> None:
    (tmp_path / "samples.csv").write_text(
        "image_id,lesion_id,dx,dx_type\nISIC_1,HAM_1,mel,histo\nISIC_2,HAM_2,nv,histo\n"
    )
    (tmp_path / "ISIC_2.jpg").write_bytes(b"jpeg")
    assert [s.image_id for s in load_samples(tmp_path)] == ["ISIC_2"]


def test_missing_listing_gives_no_samples(tmp_path: Path) -> None:
    assert load_samples(tmp_path) == []


def test_attribution_names_dataset_licence_and_authors() -> None:
    assert all(word in ATTRIBUTION for word in ("HAM10000", "CC BY-NC 4.0", "Tschandl", "2018"))
