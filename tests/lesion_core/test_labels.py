"""The class list is the single source of truth for codes, names and order."""

import pytest

from lesion_core.labels import (
    CLASS_CODES,
    CLASSES,
    HMNIST_LABEL_TO_CODE,
    UnknownLabelError,
    class_of,
    index_of,
)


def test_classes_are_the_seven_ham10000_codes_in_alphabetical_order():
    assert CLASS_CODES == ("akiec", "bcc", "bkl", "df", "mel", "nv", "vasc")


def test_malignant_classes_are_akiec_bcc_and_mel():
    assert {c.code for c in CLASSES if c.malignant} == {"akiec", "bcc", "mel"}


def test_hmnist_codes_cover_every_class_once():
    assert sorted(HMNIST_LABEL_TO_CODE.values()) == sorted(CLASS_CODES)
    assert HMNIST_LABEL_TO_CODE[4] == "nv" and HMNIST_LABEL_TO_CODE[6] == "mel"


def test_index_of_accepts_case_and_spaces():
    assert index_of(" MEL ") == 4
    assert class_of("vasc").name == "Vascular lesions"


def test_index_of_rejects_unknown_code_naming_the_choices():
    with pytest.raises(UnknownLabelError, match="akiec, bcc"):
        index_of("melanoma")
