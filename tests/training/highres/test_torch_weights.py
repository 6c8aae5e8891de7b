"""Reading torch's legacy checkpoint format without torch."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from training.highres.efficientnet_lite import default_checkpoint
from training.highres.torch_weights import (
    LEGACY_MAGIC,
    LEGACY_PROTOCOL,
    CheckpointError,
    load_legacy_state_dict,
)
from training.highres.variants import LITE1, LITE2


def test_shipped_lite0_checkpoint_reads_as_296_tensors_of_4694073_values():
    state = load_legacy_state_dict(default_checkpoint())
    assert len(state) == 296
    assert sum(v.size for v in state.values()) == 4_694_073
    assert state["_conv_stem.weight"].shape == (32, 3, 3, 3)
    assert state["_fc.weight"].shape == (1000, 1280)
    assert state["_conv_stem.weight"].dtype == np.float32
    assert np.all(state["_bn1.running_var"] > 0)  # real statistics, not zeros


@pytest.mark.parametrize(
    ("variant", "values", "head_in"), [(LITE1, 5_470_408, 320), (LITE2, 6_150_232, 352)]
)
def test_lite1_and_lite2_checkpoints_read_as_386_tensors(variant, values, head_in):
    state = load_legacy_state_dict(default_checkpoint(variant))
    assert len(state) == 386
    assert sum(v.size for v in state.values()) == values
    assert state["_conv_stem.weight"].shape == (32, 3, 3, 3)  # Lite keeps the stem and head
    assert state["_conv_head.weight"].shape == (1280, head_in, 1, 1)


def _legacy_file(path, payload: bytes) -> None:
    with open(path, "wb") as f:
        for value in (LEGACY_MAGIC, LEGACY_PROTOCOL, {"little_endian": True}):
            pickle.dump(value, f)
        f.write(payload)


def test_a_checkpoint_that_names_another_global_is_refused(tmp_path):
    path = tmp_path / "evil.pth"
    _legacy_file(path, b"cos\nsystem\n(S'echo owned'\ntR.")  # os.system('echo owned')
    with pytest.raises(CheckpointError, match=r"refusing to load os\.system"):
        load_legacy_state_dict(path)


def test_a_file_that_is_not_a_checkpoint_is_refused(tmp_path):
    path = tmp_path / "noise.pth"
    path.write_bytes(b"not a pickle at all")
    with pytest.raises(CheckpointError):
        load_legacy_state_dict(path)


def test_torch_zip_format_is_named(tmp_path):
    path = tmp_path / "zip.pth"
    path.write_bytes(b"PK\x03\x04rest")
    with pytest.raises(CheckpointError, match="zip format"):
        load_legacy_state_dict(path)


@pytest.mark.parametrize("record", [0, 1, 2])
def test_a_header_record_that_names_a_global_is_refused_before_it_runs(tmp_path, record):
    # Each of the three header records is a pickle too: none of them may run code.
    marker = tmp_path / "ran"
    evil = f"cos\nsystem\n(S'touch {marker}'\ntR.".encode()
    values = [pickle.dumps(v) for v in (LEGACY_MAGIC, LEGACY_PROTOCOL, {"little_endian": True})]
    values[record] = evil
    path = tmp_path / "evil-header.pth"
    path.write_bytes(b"".join(values))
    with pytest.raises(CheckpointError, match=r"refusing to load os\.system"):
        load_legacy_state_dict(path)
    assert not marker.exists()


def test_the_storage_keys_record_may_not_run_code_either(tmp_path):
    marker = tmp_path / "ran"
    evil = f"cos\nsystem\n(S'touch {marker}'\ntR.".encode()
    path = tmp_path / "evil-keys.pth"
    _legacy_file(path, pickle.dumps({}) + evil)
    with pytest.raises(CheckpointError, match=r"refusing to load os\.system"):
        load_legacy_state_dict(path)
    assert not marker.exists()


def test_a_weights_file_other_than_the_pinned_one_is_refused_before_it_is_read(tmp_path):
    from training.highres.torch_weights import check_digest

    shipped = default_checkpoint(LITE1)  # its digest is the pinned one
    check_digest(shipped, LITE1.sha256)
    swapped = tmp_path / "lite1.pth"
    data = shipped.read_bytes()
    swapped.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # one bit changed
    with pytest.raises(CheckpointError, match="not the pinned"):
        check_digest(swapped, LITE1.sha256)
