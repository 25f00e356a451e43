"""The action-unit loaders (DISFA, BP4D): tiny datasets in the published formats, and malformed ones."""

import shutil
import warnings

import numpy as np
import pytest
from fixtures_data import (
    BP4D_HEADER_AUS,
    DISFA_LEVELS,
    DISFA_SUBJECTS,
    bp4d_value,
    disfa_value,
    make_bp4d,
    make_disfa,
    write_bp4d_table,
    write_disfa_labels,
    write_image,
)

from fercourse import data, video
from fercourse.data.loaders import LOADERS
from fercourse.errors import DatasetError, InvalidInputError

DISFA_COLUMNS = (
    ["label", "subject", "split", "fold", "camera", "frame"]
    + [f"AU{au:02d}" for au in data.DISFA_AUS]
    + [f"AU{au:02d}_intensity" for au in data.DISFA_AUS]
    + ["file"]
)
BP4D_COLUMNS = (
    ["label", "subject", "split", "fold", "task", "frame"]
    + ["AU01", "AU02", "AU04", "AU06", "AU07", "AU10", "AU11", "AU12", "AU14", "AU15", "AU17", "AU23", "AU24"]
    + ["AU06_intensity", "AU10_intensity", "AU12_intensity", "AU14_intensity", "AU17_intensity"]
    + ["file"]
)
#: The fixture's labels a frame, from AU12 at 0, 1, 2, 3, 2, 0 (present from 2).
DISFA_FRAME_LABELS = ["neutral", "neutral", "action", "action", "action", "neutral"]


def quiet(loader, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a valid dataset loads without a warning
        return loader(*args, **kwargs)


def test_the_constants_and_the_registry():
    assert data.DISFA_AUS == (1, 2, 4, 5, 6, 9, 12, 15, 17, 20, 25, 26)
    assert data.DISFA_PROTOCOL_AUS == (1, 2, 4, 6, 9, 12, 25, 26)
    assert data.DISFA_OCCURRENCE_LEVEL == 2 and data.AU_FOLDS == 3
    assert data.BP4D_PROTOCOL_AUS == (1, 2, 4, 6, 7, 10, 12, 14, 15, 17, 23, 24)
    assert data.BP4D_INTENSITY_AUS == (6, 10, 12, 14, 17)
    assert data.AU_LABELS == ("neutral", "action")
    assert data.au_columns((6, 12), "_intensity") == ["AU06_intensity", "AU12_intensity"]
    assert LOADERS["disfa"] is data.load_disfa and LOADERS["bp4d"] is data.load_bp4d


# ---------------------------------------------------------------------- DISFA


def test_disfa_rows_columns_folds_and_lazy_frames(tmp_path):
    root = make_disfa(tmp_path / "disfa")
    ds = quiet(data.load_disfa, root)
    table = ds.table
    assert ds.name == "disfa" and ds.kind == "image" and ds.labels == ("neutral", "action")
    assert list(table.columns) == DISFA_COLUMNS and len(ds) == 4 * 6
    assert table["subject"].unique().tolist() == list(DISFA_SUBJECTS)
    assert set(table["split"]) == {"unassigned"} and set(table["camera"]) == {"left"}
    assert table.groupby("subject")["fold"].first().to_dict() == {"SN001": 1, "SN002": 2, "SN003": 3, "SN005": 1}
    first = table[table["subject"] == "SN001"]
    assert first["frame"].tolist() == [1, 2, 3, 4, 5, 6]
    assert first["label"].tolist() == DISFA_FRAME_LABELS
    assert first["AU12_intensity"].tolist() == DISFA_LEVELS[12]
    assert first["AU12"].tolist() == [0, 0, 1, 1, 1, 0]  # present from intensity 2
    assert first["AU06"].tolist() == [0, 0, 0, 1, 0, 0] and first["AU25"].tolist() == [0] * 6
    assert first["AU25_intensity"].tolist() == DISFA_LEVELS[25]
    assert table[[f"AU{au:02d}" for au in data.DISFA_AUS]].dtypes.eq(float).all()
    assert first["file"].iloc[0] == "Videos_LeftCamera/LeftVideoSN001_comp.avi"
    assert all(callable(s) for s in ds.samples)
    frame = ds.sample(2)  # SN001, frame 3: found in the video by seeking
    assert frame.shape == (16, 16, 3) and frame.dtype == np.uint8
    for i in (0, 2, 5, 10):
        assert abs(ds.sample(i).mean() - disfa_value("left", int(table["frame"][i]))) < 4
    assert "DISFA (left camera): 24 frames of 4 people" in ds.description
    assert "3 subject-independent folds made here, not the folds of published papers" in ds.description


def test_disfa_right_camera_and_every_kth_frame(tmp_path):
    root = make_disfa(tmp_path / "disfa")
    ds = quiet(data.load_disfa, root, camera="Right", every=2)
    assert set(ds.table["camera"]) == {"right"} and len(ds) == 4 * 3
    assert ds.table["frame"][:3].tolist() == [1, 3, 5]
    assert abs(ds.sample(1).mean() - disfa_value("right", 3)) < 4
    assert ds.table["file"][0] == "Videos_RightCamera/RightVideoSN001_comp.avi"
    assert "(one coded frame in 2)" in ds.description
    assert len(data.load("disfa", root)) == 24


@pytest.mark.parametrize("options, message", [
    ({"camera": "top"}, r"camera must be 'left' or 'right', got 'top'"),
    ({"every": 0}, r"every must be an integer of at least 1, got 0"),
    ({"every": 1.5}, r"every must be an integer"),
])
def test_disfa_options_are_checked(tmp_path, options, message):
    with pytest.raises(InvalidInputError, match=message):
        data.load_disfa(make_disfa(tmp_path / "disfa", subjects=("SN001",), right=False), **options)


@pytest.mark.parametrize("text, message", [
    ("1,0\n2\n", r"SN001_au12\.txt, line 2: 1 fields \('2'\); every line is frame,intensity"),
    ("1,0\n2,1,3\n", r"line 2: 3 fields"),
    ("1,0\ntwo,1\n", r"line 2: the frame number 'two' is not a whole number; expected a frame number from 1"),
    ("1,0\n2,1.5\n", r"line 2: the intensity '1\.5' is not a whole number; expected 0 to 5"),
    ("1,0\n2,6\n", r"line 2: intensity 6 is outside 0 to 5\. Extract the DISFA labels archive"),
    ("1,0\n2,-1\n", r"line 2: intensity -1 is outside 0 to 5"),
    ("1,0\n2,9\n", r"line 2: intensity 9 is outside 0 to 5"),
    ("0,1\n", r"line 1: frame 0; frames count from 1"),
    ("1,0\n2,1\n1,3\n", r"SN001_au12\.txt, lines 1 and 3 both code frame 1; a frame has one intensity"),
    ("", r"SN001_au12\.txt is empty: it codes no frames"),
    ("\n\n", r"is empty"),
    (b"1,0\n2,\xff\n", r"SN001_au12\.txt, line 2: bytes that are not UTF-8 text"),
])
def test_malformed_disfa_label_files_name_the_file_and_line(tmp_path, text, message):
    root = make_disfa(tmp_path / "disfa", subjects=("SN001",), right=False)
    label = root / "ActionUnit_Labels" / "SN001" / "SN001_au12.txt"
    label.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(DatasetError, match=message):
        data.load_disfa(root)


def test_disfa_labels_beyond_the_video_and_frames_without_labels_are_left_out(tmp_path):
    root = make_disfa(tmp_path / "disfa", subjects=("SN001", "SN002"), right=False)
    write_disfa_labels(root / "ActionUnit_Labels" / "SN001", "SN001", DISFA_LEVELS, 8)  # the video has 6
    write_disfa_labels(root / "ActionUnit_Labels" / "SN002", "SN002", DISFA_LEVELS, 4)
    with pytest.warns(UserWarning) as caught:
        ds = data.load_disfa(root)
    messages = [str(w.message) for w in caught]
    assert ("Left out 1 item(s) of labels for frames beyond the end of their video: SN001 frames 7-8 (the video "
            "has 6).") in messages
    assert "Left out 1 item(s) of video frames that no label file codes: SN002 frames 5-6." in messages
    assert ds.table.groupby("subject")["frame"].max().to_dict() == {"SN001": 6, "SN002": 4}


def test_disfa_a_frame_one_au_file_lacks_is_not_coded_for_that_au(tmp_path):
    root = make_disfa(tmp_path / "disfa", subjects=("SN001",), right=False)
    (root / "ActionUnit_Labels" / "SN001" / "SN001_au6.txt").write_text("1,0\n2,0\n3,5\n")
    row = quiet(data.load_disfa, root).table.set_index("frame")
    assert row.loc[3, "AU06_intensity"] == 5 and row.loc[3, "AU06"] == 1
    assert np.isnan(row.loc[4, "AU06_intensity"]) and np.isnan(row.loc[4, "AU06"])
    assert row.loc[4, "label"] == "action"  # AU12 is present


def test_disfa_subject_without_video_and_video_without_labels(tmp_path):
    root = make_disfa(tmp_path / "disfa", subjects=("SN001", "SN002"), right=False)
    shutil.move(root / "ActionUnit_Labels" / "SN002", tmp_path / "SN002-labels")
    (root / "Videos_LeftCamera" / "notes.txt").write_text("recorded 2012")
    with pytest.warns(UserWarning) as caught:
        ds = data.load_disfa(root)
    messages = [str(w.message) for w in caught]
    assert "Left out 1 item(s) because DISFA gives them no AU labels: Videos_LeftCamera/LeftVideoSN002_comp.avi." in \
        messages
    assert any("that are not left camera videos" in m and "Videos_LeftCamera/notes.txt" in m for m in messages)
    assert set(ds.table["subject"]) == {"SN001"}
    shutil.move(tmp_path / "SN002-labels", root / "ActionUnit_Labels" / "SN002")
    (root / "Videos_LeftCamera" / "LeftVideoSN002_comp.avi").unlink()
    with pytest.raises(DatasetError, match=r"SN002 labels subject SN002, but .*Videos_LeftCamera has no "
                                           r"LeftVideoSN002_comp\.avi; extract the video archive again"):
        data.load_disfa(root)


def test_disfa_missing_and_extra_label_files(tmp_path):
    root = make_disfa(tmp_path / "disfa", subjects=("SN001",), right=False)
    folder = root / "ActionUnit_Labels" / "SN001"
    (folder / "SN001_au3.txt").write_text("1,0\n")  # an AU DISFA does not code
    (folder / "readme.txt").write_text("labels")
    (root / "ActionUnit_Labels" / "list.txt").write_text("SN001")
    with pytest.warns(UserWarning, match=r"Left out 3 item\(s\) that are not DISFA label files .*: "
                                         r"ActionUnit_Labels/SN001/SN001_au3\.txt, ActionUnit_Labels/SN001/readme\.txt, "
                                         r"ActionUnit_Labels/list\.txt"):
        data.load_disfa(root)
    (folder / "SN001_au3.txt").unlink()
    (folder / "SN001_au25.txt").unlink()
    (folder / "SN001_au26.txt").unlink()
    with pytest.raises(DatasetError, match=r"SN001 lacks the label file\(s\) SN001_au25\.txt, SN001_au26\.txt; DISFA "
                                           r"codes AUs 1, 2, 4"):
        data.load_disfa(root)
    (folder / "SN001_au25.txt").write_text("1,0\n")
    (folder / "SN001_au026.txt").write_text("1,0\n")
    (folder / "SN001_au26.txt").write_text("1,0\n")
    with pytest.raises(DatasetError, match=r"two label files for AU26: SN001_au026\.txt and SN001_au26\.txt"):
        data.load_disfa(root)


def test_disfa_missing_folders_say_what_to_do(tmp_path):
    root = make_disfa(tmp_path / "disfa", subjects=("SN001",), right=False)
    with pytest.raises(DatasetError, match=r"has no folder Videos_RightCamera; it should hold the right camera's "
                                           r"videos \(RightVideoSN001_comp\.avi \.\.\.\); .*camera='left'"):
        data.load_disfa(root, camera="right")
    shutil.rmtree(root / "ActionUnit_Labels")
    with pytest.raises(DatasetError, match=r"has no folder ActionUnit_Labels"):
        data.load_disfa(root)
    (root / "ActionUnit_Labels").mkdir()
    with pytest.raises(DatasetError, match=r"holds no subject folders SN001/"):
        data.load_disfa(root)
    with pytest.raises(DatasetError, match=r"disfa folder .* does not exist.*data import disfa"):
        data.load_disfa(tmp_path / "nowhere")


def test_a_frame_beyond_the_end_of_a_video_is_a_clear_error(tmp_path):
    root = make_disfa(tmp_path / "disfa", subjects=("SN001",), right=False)
    file = root / "Videos_LeftCamera" / "LeftVideoSN001_comp.avi"
    assert abs(video.frame_at(file, 5).mean() - disfa_value("left", 6)) < 4
    with pytest.raises(DatasetError, match=r"LeftVideoSN001_comp\.avi: frame 6 \(counting from 0\) cannot be decoded; "
                                           r"its header announces 6 frames"):
        video.frame_at(file, 6)
    with pytest.raises(InvalidInputError, match="index must be an integer of at least 0"):
        video.frame_at(file, -1)


# ----------------------------------------------------------------------- BP4D


def test_bp4d_rows_columns_folds_and_lazy_frames(tmp_path):
    ds = quiet(data.load_bp4d, make_bp4d(tmp_path / "bp4d"))
    table = ds.table
    assert ds.name == "bp4d" and ds.kind == "image" and ds.labels == ("neutral", "action")
    assert list(table.columns) == BP4D_COLUMNS  # AU11 is coded somewhere, AU28 nowhere
    assert len(ds) == 12 and set(table["split"]) == {"unassigned"}
    assert table.groupby("subject")["fold"].first().to_dict() == {"F001": 1, "F002": 2, "M001": 3}
    assert table[["subject", "task"]].drop_duplicates().values.tolist() == [["F001", "T1"], ["F001", "T2"],
                                                                           ["F002", "T1"], ["M001", "T1"]]
    first = table[(table["subject"] == "F001") & (table["task"] == "T1")]
    assert first["frame"].tolist() == [10, 11, 12, 13]  # 0001.jpg is not coded: not a sample
    assert first["label"].tolist() == ["neutral", "action", "action", "neutral"]
    assert first["AU12"].tolist() == [0, 1, 1, 0] and first["AU06"].tolist() == [0, 0, 1, 0]
    assert np.isnan(first["AU01"].iloc[0]) and first["AU01"].iloc[1:].tolist() == [0, 0, 0]  # 9: not coded
    assert first["AU06_intensity"].tolist()[:3] == [0, 0, 3] and np.isnan(first["AU06_intensity"].iloc[3])
    assert first["AU12_intensity"].tolist() == [0, 2, 4, 0]
    assert table.loc[table["subject"] != "F001", "AU12_intensity"].isna().all()
    assert table["AU10_intensity"].isna().all()
    assert first["file"].tolist()[0] == "Sequences/F001/T1/0010.jpg"
    assert table.loc[table["subject"] == "F002", "file"].tolist()[0] == "Sequences/F002/T1/5.jpg"
    assert table.loc[table["subject"] == "M001", "label"].tolist() == ["neutral", "action", "neutral"]
    assert all(callable(s) for s in ds.samples)
    for i in (0, 4, 11):
        image = ds.sample(i)
        assert image.shape == (8, 8, 3) and image.dtype == np.uint8
        assert abs(image.mean() - bp4d_value(int(table["frame"][i]))) < 4
    assert ds.description.startswith("BP4D-Spontaneous: 12 coded frames of 3 people in 4 task sequences, 13 AUs")
    assert len(data.load("bp4d", tmp_path / "bp4d")) == 12


def test_bp4d_every_kth_frame_and_no_intensity_folder(tmp_path):
    ds = quiet(data.load_bp4d, make_bp4d(tmp_path / "bp4d", intensities=False), every=2)
    assert ds.table.groupby(["subject", "task"], sort=False)["frame"].apply(list).tolist() == [
        [10, 12], [3], [5, 7], [100, 102]]
    intensity = [c for c in ds.table.columns if c.endswith("_intensity")]
    assert len(intensity) == 5 and ds.table[intensity].isna().all().all()


def test_bp4d_rows_where_nothing_is_coded_are_skipped(tmp_path):
    root = make_bp4d(tmp_path / "bp4d")
    write_bp4d_table(root / "AUCoding" / "AU_OCC" / "F002_T1.csv", [5, 6, 7],
                     {au: [9, 0, 9] for au in BP4D_HEADER_AUS})
    ds = quiet(data.load_bp4d, root)
    assert ds.table.loc[ds.table["subject"] == "F002", "frame"].tolist() == [6]


OCC = "AUCoding/AU_OCC/F002_T1.csv"


@pytest.mark.parametrize("text, message", [
    ("", r"F002_T1\.csv is empty; an occurrence table has a header of AU numbers"),
    ("0,1,smile\n5,0,1\n", r"F002_T1\.csv, line 1: header cell 3 \('smile'\) is not an AU number; the first line "
                           r"holds the frame column"),
    ("0,1,0\n5,0,1\n", r"header cell 3 \('0'\) is not an AU number"),
    ("0,1,2,01\n5,0,1,0\n", r"line 1: AU 1 heads columns 2 and 4"),
    ("frame\n5\n", r"line 1: the header names no AU columns, only 'frame'"),
    ("0,1,2\n", r"F002_T1\.csv has a header but no rows: it codes no frames"),
    ("0,1,2\n5,0,1\n6,0\n", r"F002_T1\.csv, line 3: 2 fields for the 3 columns of the header"),
    ("0,1,2\n5,0,1\n6,0,2\n", r"line 3, column AU2: '2' is not an occurrence code; expected 0 \(absent\), 1 "
                              r"\(present\) or 9 \(not coded\)"),
    ("0,1,2\n5,0,1\n6,0,yes\n", r"line 3, column AU2: the code 'yes' is not a whole number"),
    ("0,1,2\n5.5,0,1\n", r"line 2: the frame number '5\.5' is not a whole number"),
    ("0,1,2\n5,0,1\n6,1,1\n5,1,0\n", r"F002_T1\.csv, lines 2 and 4 both code frame 5"),
    ("0,1,2\n-5,0,1\n", r"line 2: frame -5 is negative"),
])
def test_malformed_bp4d_occurrence_tables_name_the_file_and_line(tmp_path, text, message):
    root = make_bp4d(tmp_path / "bp4d")
    (root / OCC).write_text(text)
    with pytest.raises(DatasetError, match=message):
        data.load_bp4d(root)


def test_bp4d_header_variants_that_are_accepted(tmp_path):
    root = make_bp4d(tmp_path / "bp4d")
    (root / OCC).write_text("Frame,AU1,AU02, 4 \n5,0,1.0,9\n6,1,0,0\n")
    ds = quiet(data.load_bp4d, root)
    f002 = ds.table[ds.table["subject"] == "F002"]
    assert f002["AU02"].tolist() == [1, 0] and f002["AU01"].tolist() == [0, 1]
    assert np.isnan(f002["AU04"].iloc[0]) and np.isnan(f002["AU23"]).all()  # a column the table lacks: not coded


def test_bp4d_sequences_and_frames_that_do_not_match(tmp_path):
    root = make_bp4d(tmp_path / "bp4d")
    write_image(root / "Sequences" / "F003" / "T4" / "0001.jpg", 1, size=(8, 8), color=True)  # no table
    (root / "Sequences" / "F002" / "T1" / "6.jpg").unlink()  # a coded frame without an image
    (root / "AUCoding" / "AU_OCC" / "F002_T1.xlsx").write_text("not a table")
    with pytest.warns(UserWarning) as caught:
        ds = data.load_bp4d(root)
    messages = [str(w.message) for w in caught]
    assert "Left out 1 item(s) because BP4D gives them no AU codes: Sequences/F003/T4." in messages
    assert "Left out 1 item(s) of coded frames whose image is missing from Sequences/: F002/T1 frames 6." in messages
    assert any("that are not BP4D AU codes" in m and "AUCoding/AU_OCC/F002_T1.xlsx" in m for m in messages)
    assert ds.table.loc[ds.table["subject"] == "F002", "frame"].tolist() == [5, 7]
    write_image(root / "Sequences" / "F002" / "T1" / "0005.jpg", 1, size=(8, 8), color=True)
    with pytest.raises(DatasetError, match=r"T1 holds two images of frame 5: .*; keep the one that came with"):
        data.load_bp4d(root)
    shutil.rmtree(root / "Sequences" / "F002")
    with pytest.raises(DatasetError, match=r"F002_T1\.csv codes frames of F002 T1, but Sequences/F002/T1 is missing "
                                           r"or holds no numbered \.jpg frames; extract the frames archive again"):
        data.load_bp4d(root)


def test_bp4d_missing_folders(tmp_path):
    root = make_bp4d(tmp_path / "bp4d")
    shutil.rmtree(root / "Sequences")
    with pytest.raises(DatasetError, match=r"has no folder Sequences; it should hold the frames"):
        data.load_bp4d(root)
    shutil.rmtree(root / "AUCoding" / "AU_OCC")
    with pytest.raises(DatasetError, match=r"AUCoding has no folder AU_OCC"):
        data.load_bp4d(root)


@pytest.mark.parametrize("text, message", [
    ("10,0\n11,6\n", r"F001_T1_AU12\.csv, line 2: intensity 6 is outside 0 to 5 or 9 \(not coded\)"),
    ("10,0\n11,x\n", r"line 2: the intensity 'x' is not a whole number"),
    ("10,0\n10,1\n", r"lines 1 and 2 both code frame 10"),
    ("10;0\n", r"line 1: 1 fields \('10;0'\)"),
    ("", r"F001_T1_AU12\.csv is empty"),
])
def test_malformed_bp4d_intensity_files(tmp_path, text, message):
    root = make_bp4d(tmp_path / "bp4d")
    (root / "AUCoding" / "AU_INT" / "AU12" / "F001_T1_AU12.csv").write_text(text)
    with pytest.raises(DatasetError, match=message):
        data.load_bp4d(root)


def test_bp4d_intensities_that_are_left_out(tmp_path):
    root = make_bp4d(tmp_path / "bp4d")
    folder = root / "AUCoding" / "AU_INT"
    (folder / "AU12" / "F001_T1_AU12.csv").write_text("10,0\n11,2\n12,4\n13,0\n40,3\n41,3\n")
    (folder / "AU01").mkdir()
    (folder / "AU01" / "F001_T1_AU01.csv").write_text("10,1\n")  # BP4D codes no intensity of AU1
    (folder / "AU06" / "F009_T1_AU06.csv").write_text("10,1\n")  # no occurrence table
    with pytest.warns(UserWarning) as caught:
        ds = data.load_bp4d(root)
    messages = [str(w.message) for w in caught]
    assert ("Left out 1 item(s) of intensities for frames that the occurrence table does not code: F001/T1 AU12 "
            "frames 40-41.") in messages
    left = next(m for m in messages if "that are not BP4D AU codes" in m)
    assert "AUCoding/AU_INT/AU01/F001_T1_AU01.csv" in left and "AUCoding/AU_INT/AU06/F009_T1_AU06.csv" in left
    assert ds.table["AU12_intensity"].iloc[:4].tolist() == [0, 2, 4, 0]
