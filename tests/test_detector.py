"""fercourse.detect: the one call for the common case."""

import numpy as np
import pytest
import skimage.data

import fercourse
from fercourse import live, mesh, video
from fercourse.emotions import FER2013_LABELS
from fercourse.errors import InvalidInputError


@pytest.fixture(scope="module")
def astronaut():
    return skimage.data.astronaut()


def test_astronaut_is_one_happy_face(astronaut):
    table = fercourse.detect(astronaut)
    assert len(table) == 1
    row = table.iloc[0]
    assert row["label"] == "happy" and row["score"] > 0.9
    assert list(table.attrs["classes"]) == list(FER2013_LABELS)
    assert np.isclose(sum(row[c] for c in FER2013_LABELS), 1.0, atol=1e-5)
    assert row[["x", "y", "width", "height"]].tolist() == list(fercourse.face.detect_mesh(astronaut).box)
    assert abs(row["yaw"]) < 30 and abs(row["roll"]) < 30


def test_same_probabilities_as_the_live_pipeline(astronaut):
    table = fercourse.detect(astronaut)
    with live.Pipeline(smoothing=0) as pipe:
        reading = pipe(astronaut, timestamp_ms=0)
    for label in FER2013_LABELS:
        assert abs(reading.face.raw_probabilities[label] - table.loc[0, label]) <= 1e-6


def test_optional_columns(astronaut):
    table = fercourse.detect(astronaut, landmarks=True, blendshapes=True)
    points = fercourse.face.detect_mesh(astronaut).landmarks
    assert np.allclose(table.loc[0, [f"x_{i}" for i in range(mesh.N_LANDMARKS)]].to_numpy(float), points[:, 0])
    assert np.allclose(table.loc[0, [f"z_{i}" for i in range(mesh.N_LANDMARKS)]].to_numpy(float), points[:, 2])
    assert table.loc[0, "mouthSmileLeft"] > 0.5 and table.loc[0, "browDownLeft"] < 0.2


def test_several_inputs_and_one_without_a_face(astronaut, tmp_path):
    path = tmp_path / "astronaut.png"
    import cv2

    cv2.imwrite(str(path), astronaut[:, :, ::-1])
    table = fercourse.detect([astronaut, skimage.data.coffee(), path])
    assert table["input"].tolist() == [0, str(path)]
    assert table.attrs["without_face"] == [1]
    assert table.loc[0, "happy"] == pytest.approx(table.loc[1, "happy"], abs=1e-3)


def test_no_face_gives_an_empty_table_with_columns():
    table = fercourse.detect(skimage.data.coffee())
    assert table.empty and {"label", "happy", "yaw"} <= set(table.columns)
    assert table.attrs["without_face"] == [0]


def test_video_one_row_per_frame(astronaut, tmp_path):
    path = video.write([astronaut] * 4, tmp_path / "clip.avi", fps=10)
    table = fercourse.detect(path)
    assert table["frame"].tolist() == [0, 1, 2, 3]
    assert table["time_s"].tolist() == pytest.approx([0.0, 0.1, 0.2, 0.3])
    assert (table["label"] == "happy").all()
    assert fercourse.detect(path, every=2)["frame"].tolist() == [0, 2]


def test_any_model_and_no_model(astronaut):
    smiles = fercourse.detect(astronaut, model=lambda f: {"smile": f.mesh.blendshapes["mouthSmileLeft"], "other": 0.1})
    assert smiles.attrs["classes"] == ["smile", "other"] and smiles.loc[0, "label"] == "smile"
    bare = fercourse.detect(astronaut, model=False)
    assert "label" not in bare.columns and len(bare) == 1


def test_fer_shape(astronaut):
    faces = fercourse.to_fer(fercourse.detect(astronaut))
    assert len(faces) == 1 and faces[0]["box"] == list(fercourse.face.detect_mesh(astronaut).box)
    assert max(faces[0]["emotions"], key=faces[0]["emotions"].get) == "happy"
    with pytest.raises(InvalidInputError, match="one image"):
        fercourse.to_fer(fercourse.detect([astronaut, astronaut]))


@pytest.mark.parametrize("bad, message", [(42, "image array"), ([], "empty list"), ([None], "Input 0")])
def test_bad_inputs(bad, message):
    with pytest.raises(InvalidInputError, match=message):
        fercourse.detect(bad)


def test_bad_options(astronaut):
    with pytest.raises(InvalidInputError, match="max_faces"):
        fercourse.detect(astronaut, max_faces=0)
    with pytest.raises(InvalidInputError, match="every"):
        fercourse.detect(astronaut, every=0)
    with pytest.raises(InvalidInputError, match="does not exist|not found|No such"):
        fercourse.detect("no/such/photo.jpg")
