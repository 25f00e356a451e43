"""fercourse.data loaders: tiny datasets in the real formats, and malformed ones."""

import numpy as np
import pytest
from fixtures_data import (
    CASME2_HEADER,
    make_casme2,
    make_ckplus,
    make_fer2013_folders,
    make_jaffe,
    make_samm,
    make_video_folders,
    pixel_text,
    truncate,
    write_fer2013_csv,
    write_image,
    write_video,
    write_xlsx,
)

from fercourse import data
from fercourse.errors import DatasetError, InvalidInputError

# ------------------------------------------------------------------- FER2013


def test_fer2013_csv_gives_images_labels_and_usage_splits(tmp_path):
    ds = data.load_fer2013_csv(write_fer2013_csv(tmp_path / "fer2013.csv"))
    assert ds.name == "fer2013" and ds.kind == "image"
    assert ds.samples.shape == (3, 48, 48) and ds.samples.dtype == np.uint8
    assert ds.samples[:, 0, 0].tolist() == [10, 20, 30]
    assert ds.table["label"].tolist() == ["angry", "happy", "neutral"]
    assert ds.y().tolist() == [0, 3, 6]
    assert ds.table["split"].tolist() == ["train", "val", "test"]
    assert ds.table["line"].tolist() == [2, 3, 4]
    assert set(ds.table["subject"]) == {"unknown"}


def test_fer2013_header_variants_and_no_usage(tmp_path):
    rows = [(4, pixel_text(5)), (5, pixel_text(6))]
    ds = data.load_fer2013_csv(write_fer2013_csv(tmp_path / "train.csv", rows, header="emotion, pixels"))
    assert ds.table["label"].tolist() == ["sad", "surprise"]
    assert set(ds.table["split"]) == {"unassigned"}


@pytest.mark.parametrize(
    "rows, header, message",
    [
        ([(0, pixel_text(1), "Training"), (1, pixel_text(1, 2303), "Training")], None,
         r"fer2013\.csv, line 3: 2303 pixel values, expected 2304 \(48 x 48\)"),
        ([(0, pixel_text(1)[:-1] + "1x", "Training")], None, r"line 2: pixel value '1x' is not an integer"),
        ([(0, pixel_text(256), "Training")], None, r"line 2: pixel values run from 256 to 256; expected 0\.\.255"),
        ([(7, pixel_text(1), "Training")], None, r"line 2, column emotion: fer2013 label '7' is not one of its codes"),
        ([(0, pixel_text(1), "Train")], None, r"line 2: Usage 'Train' is not one of Training, PublicTest"),
        ([(0, pixel_text(1), "Training", "extra")], None, r"line 2: 4 fields for the 3 columns"),
        ([(0, "Training")], "emotion,Usage", r"line 1: the header 'emotion,Usage' lacks the column\(s\) pixels"),
        ([], None, "has a header but no rows"),
    ],
)
def test_malformed_fer2013_csv_names_the_line_and_the_problem(tmp_path, rows, header, message):
    file = write_fer2013_csv(tmp_path / "fer2013.csv", rows, header=header or "emotion,pixels,Usage")
    with pytest.raises(DatasetError, match=message):
        data.load_fer2013_csv(file)


def test_fer2013_folders_layout(tmp_path):
    root = make_fer2013_folders(tmp_path / "fer2013")
    (root / "train" / "happy" / "Thumbs.db").write_bytes(b"\0")
    with pytest.warns(UserWarning, match=r"Left out 1 item\(s\) that are not images: train/happy/Thumbs\.db"):
        ds = data.load_fer2013(root)
    assert ds.samples.shape == (3, 48, 48)
    by_file = ds.table.set_index("file")
    assert by_file.loc["train/happy/Training_1.png", "label"] == "happy"
    assert by_file.loc["test/sad/PrivateTest_3.png", "split"] == "test"
    assert sorted(ds.samples[:, 0, 0].tolist()) == [50, 60, 70]


def test_fer2013_folder_with_an_unknown_emotion_folder(tmp_path):
    root = make_fer2013_folders(tmp_path / "fer2013")
    write_image(root / "train" / "bored" / "x.png", 1, size=(48, 48))
    with pytest.raises(DatasetError, match=r"Folder train/bored: fer2013 label 'bored' is unknown"):
        data.load_fer2013(root)


def test_fer2013_default_place_is_the_data_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("FERCOURSE_DATA_DIR", str(tmp_path))
    with pytest.raises(DatasetError, match=r"fer2013 folder .* does not exist.*python -m fercourse data import fer2013"):
        data.load("fer2013")
    write_fer2013_csv(tmp_path / "fer2013" / "fer2013.csv")
    assert len(data.load("fer2013")) == 3


def test_unknown_dataset_name():
    with pytest.raises(InvalidInputError, match="Unknown dataset 'affectnet'; the course can load: fer2013, ckplus"):
        data.load("affectnet")


# ----------------------------------------------------------------------- CK+


def test_ckplus_images_are_first_and_last_frames_of_labelled_sequences(tmp_path):
    root = make_ckplus(tmp_path / "ckplus")
    with pytest.warns(UserWarning, match=r"Left out 1 item.*no emotion file: cohn-kanade-images/S010/003"):
        ds = data.load_ckplus(root)
    assert ds.kind == "image" and ds.labels == ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral",
                                                "contempt")
    assert ds.table["label"].tolist() == ["neutral", "disgust", "neutral", "contempt"]
    assert ds.table["subject"].tolist() == ["S005", "S005", "S010", "S010"]
    assert ds.table["frame"].tolist() == [0, 2, 0, 1]
    assert ds.samples.shape == (4, 4, 4) and ds.samples[:, 0, 0].tolist() == [10, 30, 10, 20]
    assert ds.table["file"][1] == "cohn-kanade-images/S005/001/S005_001_00000003.png"


def test_ckplus_as_video_gives_lazy_clips_from_neutral_to_apex(tmp_path):
    with pytest.warns(UserWarning):
        ds = data.load_ckplus(make_ckplus(tmp_path / "ckplus"), video=True)
    assert ds.kind == "video" and callable(ds.samples[0])
    first = ds.table.iloc[0]
    assert (first.fps, first.n_frames, first.onset, first.apex, first.offset) == (30.0, 3, 0, 2, 2)
    clip = ds.sample(0)
    assert clip.shape == (3, 4, 4, 3) and clip.dtype == np.uint8
    assert clip[:, 0, 0, 0].tolist() == [10, 20, 30]


@pytest.mark.filterwarnings("ignore:Left out")
def test_ckplus_bad_emotion_code_names_the_file(tmp_path):
    root = make_ckplus(tmp_path / "ckplus")
    (root / "Emotion" / "S005" / "001" / "S005_001_00000003_emotion.txt").write_text("   9.0000000e+00\n")
    with pytest.raises(DatasetError, match=r"Emotion/S005/001/S005_001_00000003_emotion\.txt: ckplus label "
                                           r"'9\.0000000e\+00' is not one of its codes 0\.\.7"):
        data.load_ckplus(root)


@pytest.mark.filterwarnings("ignore:Left out")
def test_ckplus_label_without_frames(tmp_path):
    root = make_ckplus(tmp_path / "ckplus")
    for frame in (root / "cohn-kanade-images" / "S010" / "002").iterdir():
        frame.unlink()
    with pytest.raises(DatasetError, match=r"cohn-kanade-images/S010/002 has no PNG frames; the image archive is "
                                           "incomplete"):
        data.load_ckplus(root)


# --------------------------------------------------------------------- JAFFE


def test_jaffe_names_give_subject_code_and_pose(tmp_path):
    root = make_jaffe(tmp_path / "jaffe")
    write_image(root / "KA.picture.tiff", 1)
    (root / "README.txt").write_text("JAFFE")
    with pytest.warns(UserWarning, match=r"Left out 1 item.*KA\.picture\.tiff"):
        ds = data.load_jaffe(root)
    assert ds.table["label"].tolist() == ["angry", "happy", "neutral"]
    assert ds.table["subject"].tolist() == ["KA", "KA", "NA"]
    assert ds.table["pose"].tolist() == [1, 2, 1] and ds.table["number"].tolist() == [39, 30, 202]
    assert ds.samples.shape == (3, 8, 8) and ds.samples[:, 0, 0].tolist() == [40, 50, 60]


def test_jaffe_unknown_code_names_the_file(tmp_path):
    root = make_jaffe(tmp_path / "jaffe")
    write_image(root / "KA.XX1.41.tiff", 1)
    with pytest.raises(DatasetError, match=r"File KA\.XX1\.41\.tiff \(expression code XX\): jaffe label 'XX'"):
        data.load_jaffe(root)


# ------------------------------------------------------ CASME II and SAMM


def test_casme2_clips_with_indices_frame_numbers_and_megc(tmp_path):
    ds = data.load_casme2(make_casme2(tmp_path / "casme2"))
    table = ds.table
    assert ds.kind == "video" and ds.labels == data.loaders.emotions.CASME2_LABELS
    assert table["subject"].tolist() == ["sub01", "sub02"]
    assert table["label"].tolist() == ["happiness", "repression"]
    assert table["megc"].tolist() == ["positive", "negative"]
    assert table["fps"].tolist() == [200.0, 200.0] and table["n_frames"].tolist() == [5, 6]
    first = table.iloc[0]
    assert (first.onset, first.apex, first.offset) == (0, 2, 4)
    assert (first.onset_frame, first.apex_frame, first.offset_frame) == (46, 48, 50)
    assert first.aus == "6+12" and first.notes == ""
    clip = ds.sample(0)
    assert clip.shape == (5, 8, 8, 3) and clip.dtype == np.uint8
    assert np.all(np.diff(clip.mean(axis=(1, 2, 3))) > 10)  # frames in frame-number order


def test_casme2_missing_apex_and_zero_offset_follow_the_documented_rule(tmp_path):
    row = data.load_casme2(make_casme2(tmp_path / "casme2")).table.iloc[1]
    # frames img9..img14; onset 10 -> index 1; offset 0 -> last frame; apex '/' -> middle of 1..5
    assert (row.onset, row.apex, row.offset) == (1, 3, 5)
    assert (row.onset_frame, row.apex_frame, row.offset_frame) == (10, 12, 14)
    assert "offset not given: last frame used" in row.notes
    assert "apex not given: middle frame between onset and offset used" in row.notes


def test_casme2_frames_not_in_the_folder_are_moved_to_the_nearest(tmp_path):
    root = make_casme2(tmp_path / "casme2")
    sheet = root / "CASME2-coding-20140508.xlsx"
    write_xlsx(sheet, [CASME2_HEADER, [1, "EP02_01f", 44, 60, 49, "6+12", "happiness"]])
    row = data.load_casme2(root).table.iloc[0]  # frames img46..img50
    assert (row.onset, row.apex, row.offset) == (0, 3, 3)
    assert "onset frame 44 is not in the clip folder: nearest frame 46 used" in row.notes
    assert "apex frame 60 lies outside onset..offset: moved to the nearer end" in row.notes
    write_xlsx(sheet, [CASME2_HEADER, [1, "EP02_01f", 50, 48, 46, "6+12", "happiness"]])
    with pytest.raises(DatasetError, match=r"row 2: the onset frame 50 comes after the offset frame 46"):
        data.load_casme2(root)


def test_casme2_sheet_without_the_emotion_column(tmp_path):
    root = make_casme2(tmp_path / "casme2", header=CASME2_HEADER[:-1] + ["Feeling"])
    with pytest.raises(DatasetError, match=r"CASME2-coding-20140508\.xlsx, row 1: the header lacks the column\(s\) "
                                           "Estimated Emotion"):
        data.load_casme2(root)


def test_casme2_unknown_emotion_names_the_row_and_column(tmp_path):
    root = make_casme2(tmp_path / "casme2", emotion="joy")
    with pytest.raises(DatasetError, match=r"xlsx, row 2, column Estimated Emotion: casme2 label 'joy' is unknown"):
        data.load_casme2(root)


def test_casme2_missing_clip_folder_names_the_row(tmp_path):
    root = make_casme2(tmp_path / "casme2")
    for frame in (root / "CASME2_RAW_selected" / "sub02" / "EP03_02").iterdir():
        frame.unlink()
    with pytest.raises(DatasetError, match=r"row 3: the clip folder CASME2_RAW_selected/sub02/EP03_02 is missing"):
        data.load_casme2(root)


def test_casme2_bad_frame_cell(tmp_path):
    root = make_casme2(tmp_path / "casme2")
    write_xlsx(root / "CASME2-coding-20140508.xlsx", [CASME2_HEADER, [1, "EP02_01f", "forty-six", 48, 50, "", "fear"]])
    with pytest.raises(DatasetError, match=r"row 2, column Onset Frame: 'forty-six' is not a frame number"):
        data.load_casme2(root)


def test_casme2_without_its_sheet(tmp_path):
    root = make_casme2(tmp_path / "casme2")
    (root / "CASME2-coding-20140508.xlsx").unlink()
    with pytest.raises(DatasetError, match=r"has no file matching CASME2-coding-\*\.xlsx"):
        data.load_casme2(root)


def test_samm_header_below_title_rows_and_its_quirks(tmp_path):
    ds = data.load_samm(make_samm(tmp_path / "samm"))
    table = ds.table
    assert table["subject"].tolist() == ["006", "006"]
    assert table["label"].tolist() == ["anger", "others"]
    assert table["megc"][0] == "negative" and table["megc"].isna()[1]  # MEGC leaves "others" out
    assert table[["onset", "apex", "offset"]].values.tolist() == [[0, 2, 4], [1, 2, 3]]
    assert table["offset_frame"].tolist() == [5566, 6003]
    assert table["notes"][1] == "offset not given: last frame used"
    assert ds.sample(1).shape == (4, 8, 8, 3)


def test_as_megc_keeps_the_three_classes(tmp_path):
    megc = data.as_megc(data.load_samm(make_samm(tmp_path / "samm")))
    assert megc.labels == ("negative", "positive", "surprise")
    assert megc.table["label"].tolist() == ["negative"] and megc.table["emotion"].tolist() == ["anger"]
    assert megc.sample(0).shape == (5, 8, 8, 3)
    with pytest.raises(InvalidInputError, match="needs a micro-expression dataset"):
        data.as_megc(data.load_jaffe(make_jaffe(tmp_path / "jaffe")))


# ------------------------------------------------------------- video folders


def test_video_folders_give_lazy_rgb_clips_and_prefix_subjects(tmp_path):
    ds = data.load_video_folders(make_video_folders(tmp_path / "baum"))
    assert ds.name == "baum" and ds.labels == ("happy", "sad")
    table = ds.table.set_index("file")
    assert table.loc["happy/S02-take1.mp4", "subject"] == "S02"
    assert table.loc["sad/S01_take2.avi", "subject"] == "S01"
    assert table.loc["sad/S01_take2.avi", ["fps", "n_frames", "onset", "apex", "offset"]].tolist() == [30, 4, 0, 1, 3]
    clip = ds.sample(ds.table.index[ds.table["file"] == "happy/S01_take1.avi"][0])
    assert clip.shape == (6, 16, 16, 3) and clip.dtype == np.uint8
    red, green, blue = clip[..., 0].mean(), clip[..., 1].mean(), clip[..., 2].mean()
    assert red > 150 and green < 50 and blue < 50  # RGB order, not OpenCV's BGR


def test_video_subjects_from_a_csv(tmp_path):
    root = make_video_folders(tmp_path / "baum")
    (root / "subjects.csv").write_text("filename,subject\nS01_take1.avi,p7\nS02-take1.mp4,p8\n")
    with pytest.raises(DatasetError, match=r"subjects\.csv has no row for S01_take2\.avi \(in sad/\)"):
        data.load_video_folders(root)
    (root / "subjects.csv").write_text("filename,subject\nS01_take1.avi,p7\nS02-take1.mp4,p8\nS01_take2.avi,p7\n")
    assert sorted(data.load_video_folders(root).table["subject"]) == ["p7", "p7", "p8"]
    (root / "subjects.csv").write_text("file,person\n")
    with pytest.raises(DatasetError, match=r"lacks the column\(s\) filename, subject"):
        data.load_video_folders(root)


def test_unreadable_truncated_video_is_named_at_load_time(tmp_path):
    root = make_video_folders(tmp_path / "baum")
    truncate(root / "happy" / "S02-take1.mp4", keep=0.5)
    with pytest.raises(DatasetError, match=r"Video .*happy/S02-take1\.mp4 cannot be opened: it is truncated"):
        data.load_video_folders(root)


def test_video_cut_short_is_named_when_its_frames_are_read(tmp_path):
    root = tmp_path / "baum"
    file = write_video(root / "happy" / "S01_long.avi", frames=20, size=32)
    truncate(file, keep=0.6)
    ds = data.load_video_folders(root)  # the header and first frame still read
    assert ds.table["n_frames"][0] == 20
    with pytest.raises(DatasetError, match=r"S01_long\.avi is truncated: its header announces 20 frames but only "
                                           r"\d+ could be decoded"):
        ds.sample(0)
