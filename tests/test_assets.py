"""Shipped model files: verified by SHA-256; missing or damaged files give repair instructions."""

import shutil

import pytest

from fercourse import assets
from fercourse.errors import AssetError, FERCourseError, InvalidInputError


@pytest.fixture
def asset_copy(tmp_path):
    for asset in assets.ASSETS.values():
        shutil.copy(assets.ASSET_DIR / asset.filename, tmp_path / asset.filename)
    return tmp_path


@pytest.mark.parametrize("name", sorted(assets.ASSETS))
def test_shipped_assets_verify(name):
    file = assets.path(name)
    assert file.is_file()
    assert file.stat().st_size == assets.info(name).size
    assert assets.verify(name) == file


def test_missing_file_says_how_to_repair(asset_copy):
    (asset_copy / "face_landmarker.task").unlink()
    with pytest.raises(AssetError, match="is missing.*Repair the install"):
        assets.path("face_landmarker", directory=asset_copy)


def test_truncated_file_is_reported_with_sizes(asset_copy):
    file = asset_copy / "fer2013_mini_xception.hdf5"
    file.write_bytes(file.read_bytes()[:1000])
    with pytest.raises(AssetError, match=r"truncated: 1,000 bytes instead of 872,856"):
        assets.path("fer2013_mini_xception", directory=asset_copy)


def test_altered_file_of_same_size_fails_checksum(asset_copy):
    file = asset_copy / "fer2013_mini_xception.hdf5"
    data = bytearray(file.read_bytes())
    data[5000] ^= 0xFF
    file.write_bytes(bytes(data))
    with pytest.raises(AssetError, match="does not match its checksum") as caught:
        assets.path("fer2013_mini_xception", directory=asset_copy)
    assert isinstance(caught.value, FERCourseError)
    assert "git checkout -- fercourse/assets/" in str(caught.value)


def test_file_damaged_after_first_use_is_caught(asset_copy):
    assert assets.path("face_landmarker", directory=asset_copy).is_file()
    file = asset_copy / "face_landmarker.task"
    file.write_bytes(file.read_bytes()[:-10])
    with pytest.raises(AssetError, match="truncated"):
        assets.path("face_landmarker", directory=asset_copy)


def test_unknown_asset_name_lists_the_known_ones():
    with pytest.raises(InvalidInputError, match="face_landmarker, fer2013_mini_xception"):
        assets.path("emotion_net")


def test_corrupted_model_cannot_be_loaded_by_the_library(asset_copy, monkeypatch):
    from fercourse import cnn

    file = asset_copy / "fer2013_mini_xception.hdf5"
    file.write_bytes(file.read_bytes()[:4096])
    monkeypatch.setattr(assets, "ASSET_DIR", asset_copy)
    with pytest.raises(AssetError, match="truncated"):
        cnn.PretrainedFER()


def test_licences_are_recorded():
    assert assets.info("face_landmarker").licence == "Apache-2.0"
    assert assets.info("fer2013_mini_xception").licence == "MIT"
