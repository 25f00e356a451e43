"""The learner's own face as a test set: data.add_own_face, data.own_faces and live.evaluate."""

import numpy as np
import pandas as pd
import pytest
from skimage.data import astronaut

from fercourse import config, data, face, live
from fercourse.errors import DatasetError, InvalidInputError


@pytest.fixture()
def folder(tmp_path):
    saved = dict(config._state)
    config.set_data_dir(tmp_path)
    yield tmp_path / data.OWN_FACES
    config._state.update(saved)


def test_faces_are_kept_as_numbered_pngs_under_their_label_and_read_back_unchanged(folder):
    photo = astronaut()
    first = data.add_own_face(photo, "happy")
    second = data.add_own_face(photo[::2, ::2], "happy")
    grey = data.add_own_face(face.to_gray(photo), "surprise")
    assert first == folder / "happy" / "happy-001.png" and second.name == "happy-002.png"
    assert grey == folder / "surprise" / "surprise-001.png"
    assert sorted(p.name for p in folder.rglob("*")) == ["happy", "happy-001.png", "happy-002.png",
                                                         "surprise", "surprise-001.png"]  # no temporary file left
    mine = data.own_faces()
    assert mine.name == "own faces" and len(mine) == 3 and mine.labels == data.expressions(7, size=16).labels
    assert mine.table["label"].tolist() == ["happy", "happy", "surprise"]
    assert set(mine.table["split"]) == {"test"} and set(mine.table["subject"]) == {"you"}
    np.testing.assert_array_equal(mine.sample(0), photo)  # PNG: lossless
    assert mine.sample(2).shape == photo.shape  # grey is stored as RGB
    assert data.describe(mine).endswith("3 images (2 happy, 1 surprise).")
    assert str(folder) not in data.describe(mine)  # no machine path in what a notebook prints


def test_an_existing_face_is_never_overwritten(folder):
    (folder / "sad").mkdir(parents=True)
    (folder / "sad" / "sad-001.png").write_bytes(b"mine")
    (folder / "sad" / "sad-007.png").write_bytes(b"mine too")
    written = data.add_own_face(astronaut(), "sad")
    assert written.name == "sad-008.png"
    assert (folder / "sad" / "sad-001.png").read_bytes() == b"mine"


@pytest.mark.parametrize("image, label, message", [
    (astronaut(), "smirk", "label must be one of angry"),
    ("not an image", "happy", "Image file"),
    (np.zeros((4, 4, 5), np.uint8), "happy", "image"),
])
def test_bad_faces_and_labels_are_refused_before_anything_is_written(folder, image, label, message):
    with pytest.raises(InvalidInputError, match=message):
        data.add_own_face(image, label)
    assert not folder.exists() or not any(folder.rglob("*.png"))


def test_without_faces_it_says_how_to_record_them_or_gives_labelled_standins(folder):
    with pytest.raises(DatasetError, match="add_own_face"):
        data.own_faces()
    standins = data.own_faces(standins=True)
    assert standins.name == "stand-ins" and len(standins) == 15
    assert data.describe(standins).startswith("Stand-ins, not your faces")
    assert standins.table["label"].value_counts().to_dict()["happy"] == 3  # the astronaut and two portraits
    np.testing.assert_array_equal(standins.sample(0), astronaut())


def test_folders_that_are_not_expressions_and_files_that_are_not_images_are_named(folder):
    (folder / "smiling").mkdir(parents=True)
    with pytest.raises(DatasetError, match="smiling is not an expression name"):
        data.own_faces()
    (folder / "smiling").rmdir()
    (folder / "happy").mkdir()
    (folder / "happy" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    with pytest.raises(InvalidInputError, match="broken.png"):
        data.own_faces()


def _faces(images, labels):
    table = pd.DataFrame({"label": labels, "subject": "you", "split": "test", "file": [f"f{i}" for i in range(len(labels))]})
    return data.Dataset("own faces", "image", ("happy", "sad", "neutral"), images, table)


def test_evaluate_reads_each_face_with_each_model_and_counts_like_the_pipeline():
    photo = astronaut()
    faces = _faces([photo, photo[:, ::-1], np.full((120, 160, 3), 90, np.uint8)], ["happy", "sad", "neutral"])

    def always_happy(f):
        return {"happy": 0.9, "sad": 0.1}

    report = live.evaluate({"shipped": None, "happy": always_happy}, faces)
    assert list(report.table.index) == ["shipped", "happy"]
    happy = report.table.loc["happy"]
    assert happy["face found"] == 2 and happy["correct"] == 1 and happy["classes said"] == 1
    assert happy["accuracy"] == pytest.approx(1 / 3) and happy["balanced accuracy"] == pytest.approx(1 / 3)
    assert report.answers["happy"].tolist() == ["happy", "happy", live.NO_FACE]
    confusion = report.confusion["happy"]
    assert confusion.loc["sad", "happy"] == 1 and confusion.loc["neutral", live.NO_FACE] == 1
    assert int(confusion.to_numpy().sum()) == 3
    # the shipped model's answer is the pipeline's label for the same photo
    with live.Pipeline(smoothing=0.0) as pipe:
        assert report.answers["shipped"][0] == pipe(photo).face.label == "happy"
    fig = report.plot()
    assert len(fig.axes) == 2


def test_evaluate_refuses_what_it_cannot_read():
    faces = _faces([astronaut()], ["happy"])
    with pytest.raises(InvalidInputError, match="non-empty dict"):
        live.evaluate({}, faces)
    with pytest.raises(InvalidInputError, match="image Dataset"):
        live.evaluate({"shipped": None}, [astronaut()])
    with pytest.raises(InvalidInputError, match="without a classifier"):
        live.evaluate({"bare": live.Pipeline(False)}, faces)
