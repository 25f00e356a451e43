"""fercourse.data.chapters: the data switch, the budget sample, landmarks for real data, the notices."""

import numpy as np
import pandas as pd
import pytest

from fixtures_data import DISFA_SUBJECTS, make_casme2, make_disfa, make_samm, make_smic, pixel_text, write_fer2013_csv

from fercourse import config, data, emotions, synth
from fercourse.data import chapters
from fercourse.errors import DatasetError, InvalidInputError, NoFaceError


@pytest.fixture(autouse=True)
def restore_state():
    saved = dict(config._state)
    yield
    config._state.update(saved)


@pytest.fixture()
def real(tmp_path):
    config.set_data_dir(tmp_path)
    config.set_data("real")
    config.set_budget("small")
    return tmp_path


def _fer_rows(counts):
    """Rows ``(code, pixels, usage)`` for ``{(usage, code): n}``; row i's pixels are i % 256."""
    rows = []
    for (usage, code), n in counts.items():
        rows += [(code, pixel_text(len(rows) % 256), usage) for _ in range(n)]
    return rows


COUNTS = {("Training", 3): 40, ("Training", 6): 20, ("Training", 0): 20,
          ("PublicTest", 3): 5, ("PublicTest", 6): 5, ("PrivateTest", 3): 6, ("PrivateTest", 0): 4}


def test_embedded_data_is_the_generator_with_its_description():
    faces = data.expressions(30, seed=1)
    assert faces.name == "synthetic" and len(faces) == 30 and "landmarks" in faces.extras
    assert data.describe(faces).startswith("Synthetic faces from fercourse.synth: 30 faces of")
    assert data.with_landmarks(faces) is faces  # exact landmarks already there


def test_aligned_faces_are_cut_like_the_live_pipeline_cuts_a_face():
    from fercourse import face

    portraits = synth.faces(14, size=96, color=True, framing="portrait", seed=3)
    aligned = data.expressions(14, size=48, seed=3, aligned=True)
    assert aligned.samples.shape == (14, 48, 48) and aligned.samples.dtype == np.uint8
    assert aligned.table.equals(portraits.table) and "landmarks" not in aligned.extras
    # each face is the live pipeline's crop of the same portrait at twice the size
    expected = face.expression_crop(portraits.sample(5), portraits.extras["landmarks"][5], size=48)
    np.testing.assert_array_equal(aligned.sample(5), expected)
    assert "cut 48 x 48 grey by the eyes" in data.describe(aligned)
    # the default tight faces are framed differently: the same person's face fills more of the image
    assert not np.array_equal(data.expressions(14, size=48, seed=3).sample(5), aligned.sample(5))


def test_aligned_crops_need_landmarks_and_keep_real_faces_as_they_are(real):
    with pytest.raises(InvalidInputError, match="with_landmarks"):
        data.aligned_crops(data.Dataset("x", "image", ("a",), np.zeros((1, 8, 8), np.uint8),
                                        pd.DataFrame({"label": ["a"], "subject": ["s"], "split": ["train"]})))
    write_fer2013_csv(real / "fer2013" / "fer2013.csv", _fer_rows(COUNTS))
    np.testing.assert_array_equal(data.expressions(50, seed=0, aligned=True).samples,
                                  data.expressions(50, seed=0).samples)  # FER2013 keeps its own crop


def test_real_data_small_budget_is_a_sample_stratified_by_split_and_label(real):
    write_fer2013_csv(real / "fer2013" / "fer2013.csv", _fer_rows(COUNTS))
    faces = data.expressions(50, seed=0)
    assert faces.name == "fer2013" and len(faces) == 50
    counts = faces.table.groupby(["split", "label"]).size()
    # 50 of 100: every (split, label) group keeps half its faces
    assert counts[("train", "happy")] == 20 and counts[("train", "neutral")] == 10 and counts[("test", "angry")] == 2
    assert "a sample of 50 of its 100 faces" in data.describe(faces)
    assert data.expressions(50, seed=0).table.equals(faces.table)  # the same sample every time
    config.set_budget("full")
    assert len(data.expressions(50)) == 100
    config.set_budget("small")
    assert len(data.expressions(None)) == 100
    assert data.expressions(10, size=64).sample(0).shape == (64, 64)


def test_fer2013_has_no_people_and_the_summary_says_so(real):
    write_fer2013_csv(real / "fer2013" / "fer2013.csv", _fer_rows(COUNTS))
    faces = data.expressions(None)
    summary = data.split_summary(faces)
    assert summary.startswith("fer2013: 80 train, 10 test faces.") and "cannot be known" in summary
    data.check_no_leak(faces.table)  # unknown subjects cannot be checked, so nothing is refused
    synthetic = synth.faces(40, seed=0)
    assert data.split_summary(synthetic).endswith("people on more than one side: 0.")


def test_real_data_without_the_dataset_says_how_to_import_it(real):
    with pytest.raises(DatasetError, match="python -m fercourse data import casme2"):
        data.micro_expressions(10)


def test_micro_datasets_are_combined_as_in_megc(real):
    make_casme2(real / "casme2")
    make_samm(real / "samm")
    clips = data.micro_expressions(None)
    assert clips.name == "casme2+samm" and len(clips) == 4
    assert set(clips.table["subject"]) == {"casme2/sub01", "casme2/sub02", "samm/006"}
    assert set(clips.table["dataset"]) == {"casme2", "samm"}
    assert "MEGC's composite" in data.describe(clips)
    only = data.micro_expressions(None, datasets=["samm"])
    assert only.name == "samm" and len(only) == 2
    assert len(data.micro_expressions(2)) == 2  # the small budget samples clips


def test_the_megc_2019_composite_with_smic(real):
    from fercourse import temporal

    make_casme2(real / "casme2")
    make_samm(real / "samm")
    make_smic(real / "smic")
    clips = data.micro_expressions(None)
    assert data.MICRO_DATASETS == ("casme2", "samm", "smic")
    assert clips.name == "casme2+samm+smic" and len(clips) == 8
    table = clips.table
    assert table["dataset"].tolist() == ["casme2"] * 2 + ["samm"] * 2 + ["smic"] * 4
    assert set(table["subject"]) == {"casme2/sub01", "casme2/sub02", "samm/006", "smic/s1", "smic/s3"}
    assert table.groupby("dataset")["fps"].first().to_dict() == {"casme2": 200.0, "samm": 200.0, "smic": 100.0}
    # CASME II's second clip has '/' for its apex, SMIC marks none: their apexes are middle frames
    assert table["apex_annotated"].tolist() == [True, False, True, True, False, False, False, False]
    assert ((table["onset"] <= table["apex"]) & (table["apex"] <= table["offset"])
            & (table["offset"] < table["n_frames"])).all()
    assert "SMIC-HS (HS/): 4 clips of 2 people at 100 fps" in data.describe(clips)
    megc = temporal.with_megc_labels(clips)
    assert megc.labels == emotions.MEGC_LABELS and len(megc) == 7  # SAMM's 'others' has no MEGC class
    assert megc.table.groupby("dataset")["label"].apply(list).to_dict() == {
        "casme2": ["positive", "negative"], "samm": ["negative"],
        "smic": ["negative", "positive", "negative", "surprise"]}
    assert megc.table["emotion"].tolist()[:3] == ["happiness", "repression", "anger"]
    assert megc.sample(6).shape == (6, 8, 8, 3)
    only = data.micro_expressions(None, datasets=["smic", "casme2"])
    assert only.name == "smic+casme2" and len(only) == 6


def test_stays_synthetic_speaks_only_with_real_data(capsys):
    data.stays_synthetic("Blinks", "no dataset counts them")
    assert capsys.readouterr().out == ""
    config.set_data("real")
    data.stays_synthetic("Blinks", "no dataset counts them")
    assert capsys.readouterr().out == "[real data] Blinks stays synthetic: no dataset counts them\n"


def _photo_dataset(n_faces: int, n_blank: int):
    photos = synth.faces(max(n_faces, 1), size=96, seed=4, split=None).subset(range(n_faces))
    images = np.concatenate([photos.samples, np.zeros((n_blank, 96, 96), np.uint8)])
    table = pd.DataFrame({"label": list(photos.table["label"]) + ["neutral"] * n_blank,
                          "subject": "unknown", "split": ["train"] * (n_faces + n_blank - 1) + ["test"]})
    return data.Dataset("photos", "image", emotions.FER2013_LABELS, images, table)


def test_with_landmarks_measures_real_faces_once_and_caches_them(real, monkeypatch):
    photos = _photo_dataset(3, 1)
    measured = data.with_landmarks(photos, progress=False)
    assert len(measured) == 3  # the blank image has no face
    assert measured.extras["landmarks"].shape == (3, 478, 3) and measured.extras["blendshapes"].shape == (3, 52)
    assert np.isfinite(measured.extras["landmarks"]).all()
    points = measured.extras["landmarks"][:, :, :2]
    assert points.min() >= -5 and points.max() <= 101  # in the 96-pixel image's coordinates, not the scaled one's
    assert "measured 3 of 4 images (train 3/3, test 0/1)" in data.describe(measured)
    assert list((real / ".cache" / "landmarks").glob("photos-*.npz"))

    def no_landmarker(*args, **kwargs):
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr(chapters, "measure_landmarks", no_landmarker)
    again = data.with_landmarks(photos, progress=False)
    np.testing.assert_array_equal(again.extras["landmarks"], measured.extras["landmarks"])


def test_with_landmarks_refuses_data_without_any_face(real):
    blank = _photo_dataset(0, 2)
    with pytest.raises(NoFaceError, match="no face in any of the 2 images of 'photos'"):
        data.with_landmarks(blank, progress=False)


def test_with_landmarks_follows_the_face_through_real_clips(real):
    clips = synth.clips(2, fps=30, seconds=1.0, size=160, color=True, framing="portrait", seed=2, split=None)
    real_like = data.Dataset("clips", "video", clips.labels, clips.samples, clips.table.assign(subject="s1"))
    measured = data.with_landmarks(real_like, progress=False)
    assert len(measured) == 2
    first = measured.extras["landmarks"][0]
    assert first.shape == (clips.table["n_frames"][0], 478, 3)
    error = np.linalg.norm(first[:, :, :2] - clips.extras["landmarks"][0][:, :, :2], axis=-1).mean()
    assert error < 5.0  # pixels, on a 160-pixel frame


# ------------------------------------------------------------------ action units


def test_embedded_action_units_are_measured_synthetic_faces(tmp_path):
    from fercourse import actionunits

    config.set_data_dir(tmp_path)  # the landmark cache goes here
    faces = data.action_units(40, size=96)
    assert faces.name == "synthetic" and 30 <= len(faces) <= 40  # faces the Face Landmarker misses are left out
    for au in actionunits.AUS:
        column = actionunits.column(au)
        assert set(faces.table[column]) <= {0.0, 1.0}
        assert faces.table[column + "_intensity"].between(0, 5).all()
    assert actionunits.coded_aus(faces) == actionunits.AUS
    n = len(faces)
    assert faces.extras["blendshapes"].shape == (n, 52) and faces.extras["landmarks"].shape == (n, 478, 3)
    assert faces.extras["exact_landmarks"].shape == (n, 478, 3)
    error = np.linalg.norm(faces.extras["landmarks"][:, :, :2] - faces.extras["exact_landmarks"][:, :, :2], axis=-1)
    assert np.median(error) < 5  # pixels: the measured mesh lies on the drawn one
    assert (faces.table.groupby("subject")["split"].nunique() == 1).all()


def test_real_action_units_without_a_dataset_say_how_to_import_one(real):
    with pytest.raises(DatasetError, match="none of disfa, bp4d") as error:
        data.action_units(10)
    assert "python -m fercourse data import disfa" in str(error.value)
    with pytest.raises(DatasetError, match="python -m fercourse data import bp4d"):
        data.action_units(10, dataset="bp4d")


def test_real_action_units_split_disfa_by_its_subject_folds(real, monkeypatch):
    make_disfa(real / "disfa")
    # the fixture's frames are flat grey, with no face to measure: keep every frame as it is
    monkeypatch.setattr(chapters, "with_landmarks", lambda dataset, **options: dataset)
    faces = data.action_units(None)
    assert faces.name == "disfa" and len(faces) == 6 * len(DISFA_SUBJECTS)
    # subjects sorted by id are dealt round robin: SN001 and SN005 make fold 1
    test_people = set(faces.table.loc[faces.table["split"] == "test", "subject"])
    assert test_people == {"SN001", "SN005"}
    assert (faces.table.groupby("subject")["split"].nunique() == 1).all()  # no person on two sides
    assert set(faces.table["split"]) <= {"train", "val", "test"}
    assert "fold 1 is the test side" in data.describe(faces)
    assert faces.table["AU12"].tolist()[:6] == [0, 0, 1, 1, 1, 0]  # from intensity 2 on
    other = data.action_units(None, test_fold=2)
    assert set(other.table.loc[other.table["split"] == "test", "subject"]) == {"SN002"}
    with pytest.raises(InvalidInputError, match="test_fold must be 1, 2 or 3"):
        data.action_units(None, test_fold=4)
