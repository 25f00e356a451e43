"""fercourse.data loaders: tiny datasets in the real formats, and malformed ones."""

import numpy as np
import pytest
import tarfile
import warnings

import pandas as pd
from fixtures_data import (
    CASME2_HEADER,
    FER_FOLDER_COUNTS,
    fer2013_rows,
    make_casme2,
    make_ckplus,
    make_fer2013_competition,
    make_fer2013_folders,
    make_fer2013_kaggle_folders,
    make_fer2013_tar_gz,
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

from fercourse import data, emotions
from fercourse.dataset import UNKNOWN_SUBJECT
from fercourse.data.loaders import SplitWarning
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
    assert set(ds.table["subject"]) == {UNKNOWN_SUBJECT}
    assert set(ds.table["split_source"]) == {"official"}
    assert ds.description == (
        "FER2013 (fer2013.csv): 3 faces, official split: 1 train (Training), 1 val (PublicTest), 1 test (PrivateTest). "
        "FER2013 records no subject ids, so the same person may appear in more than one split; the leak check "
        "cannot apply."
    )


def test_fer2013_header_variants_and_no_usage(tmp_path):
    rows = [(4, pixel_text(5)), (5, pixel_text(6)), (3, pixel_text(7))]
    with pytest.warns(SplitWarning, match=r"faces\.csv, without a Usage column has no validation and no test split "
                                          r"\(the file has no Usage column\)\. Made val and test of 1 face each"):
        ds = data.load_fer2013_csv(write_fer2013_csv(tmp_path / "faces.csv", rows, header="emotion, pixels"))
    assert ds.table["label"].tolist() == ["sad", "surprise", "happy"]
    assert sorted(ds.table["split"]) == ["test", "train", "val"]  # never all "unassigned"
    assert set(ds.table["split_source"]) == {"made"}  # the file says nothing about splits
    assert "these are not FER2013's official PublicTest/PrivateTest splits" in ds.description


# The three download forms: expected rows per split and label (see fixtures_data).
OFFICIAL = {"train": 64, "val": 8, "test": 8}


def split_counts(ds):
    return ds.table["split"].value_counts().to_dict()


def test_the_icml_csv_of_the_competition_download_gives_the_official_split(tmp_path):
    root = make_fer2013_competition(tmp_path / "comp", nested=True)
    with pytest.warns(UserWarning) as caught:
        ds = data.load_fer2013(root)
    assert split_counts(ds) == OFFICIAL and set(ds.table["split_source"]) == {"official"}
    assert ds.table["usage"].iloc[:2].tolist() == ["Training", "Training"]  # "emotion, Usage, pixels": spaces stripped
    assert ds.samples[:, 0, 0].tolist() == [i % 256 for i in range(80)]
    assert ds.description.startswith("FER2013 (icml_face_data.csv): 80 faces, official split: 64 train (Training), "
                                     "8 val (PublicTest), 8 test (PrivateTest).")
    left_out = [str(w.message) for w in caught]
    assert not any(w.category is SplitWarning for w in caught)
    assert left_out == [
        "Left out 4 item(s) beside icml_face_data.csv, which holds the labelled faces: example_submission.csv (a "
        "template for Kaggle submissions, no faces), fer2013.tar.gz (an archive inside the download: not extracted), "
        "test.csv (the competition's test faces without labels: cannot be used for evaluation), train.csv (the same "
        "Training rows as icml_face_data.csv)."
    ]
    assert not (root / "fer2013").exists()  # the archive inside was not extracted


def test_fer2013_csv_is_preferred_to_the_icml_csv(tmp_path):
    root = make_fer2013_competition(tmp_path / "comp")
    write_fer2013_csv(root / "fer2013.csv")  # three rows
    with pytest.warns(UserWarning, match=r"icml_face_data\.csv \(the same rows as fer2013\.csv\)"):
        assert len(data.load_fer2013(root)) == 3


def made_rows(ds, side):
    return ds.table[ds.table["split"] == side]


def test_train_csv_alone_gets_stratified_made_val_and_test_splits(tmp_path):
    root = make_fer2013_competition(tmp_path / "comp", icml=False, nested=True)
    with pytest.warns(UserWarning) as caught:
        ds = data.load_fer2013(root)
    left_out = [str(w.message) for w in caught if w.category is not SplitWarning]
    assert len(left_out) == 1 and left_out[0].startswith("Left out 3 item(s) beside train.csv, which holds the labelled")
    assert ("fer2013.tar.gz (an archive inside the download: not extracted; if it holds fer2013.csv, extract it and "
            "import that instead, to get FER2013's official split)") in left_out[0]
    made = [str(w.message) for w in caught if w.category is SplitWarning]
    assert made == [
        "FER2013 from train.csv of Kaggle's competition download has no validation and no test split (train.csv holds "
        "only FER2013's Training rows, and the test.csv that comes with it has no labels, so it cannot be used for "
        "evaluation). Made val and test of 8 faces each from its rows, stratified by label with seed 0 (12.5% of "
        "them, as PublicTest is of Training); 48 stay in train. These are not FER2013's official "
        "PublicTest/PrivateTest splits, so scores on them do not compare with published FER2013 results. The "
        "table's split_source column marks the rows whose split was made."
    ]
    assert split_counts(ds) == {"train": 48, "val": 8, "test": 8}
    # 1/8 of each label: 24 happy, 16 neutral, 8 angry, 8 sad, 8 surprise
    for side in ("val", "test"):
        per_label = made_rows(ds, side)["label"].value_counts().to_dict()
        assert per_label == {"happy": 3, "neutral": 2, "angry": 1, "sad": 1, "surprise": 1}
        assert set(made_rows(ds, side)["split_source"]) == {"made"}
    assert set(made_rows(ds, "train")["split_source"]) == {"official"}
    assert ds.description == (
        "FER2013 (train.csv of Kaggle's competition download): 64 faces; made here: 8 val and 8 test from its rows "
        "(stratified by label, seed 0), leaving 48 train; these are not FER2013's official PublicTest/PrivateTest "
        "splits. FER2013 records no subject ids, so the same person may appear in more than one split; the leak "
        "check cannot apply."
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        again = data.load_fer2013(root / "train.csv")
    assert again.table["split"].tolist() == ds.table["split"].tolist()  # deterministic: seed 0, every time


def test_made_splits_follow_the_publictest_share_on_a_full_size_training_set():
    labels = emotions.FER2013_LABELS
    counts = [3995, 436, 4097, 7215, 4830, 3171, 4965]  # FER2013's Training rows per label: 28,709 in all
    training = pd.DataFrame({"label": [label for label, n in zip(labels, counts) for _ in range(n)],
                             "split": "train", "split_source": "official"})
    table = training.copy()
    data.loaders.fer2013._make_splits(table, ["val"])  # as for the folder version: PublicTest's size exactly
    assert table["split"].value_counts().to_dict() == {"train": 25_120, "val": 3_589}
    val = table.loc[table["split"] == "val", "label"].value_counts()
    for label, n in zip(labels, counts):  # every label gives its share, to within one row
        assert abs(val[label] - n * 3_589 / 28_709) < 1
    both = training.copy()
    data.loaders.fer2013._make_splits(both, ["val", "test"])  # as for train.csv alone
    assert both["split"].value_counts().to_dict() == {"train": 21_531, "val": 3_589, "test": 3_589}
    assert (both.loc[both["split"] != "train", "split_source"] == "made").all()


def test_the_kaggle_folder_version_gets_a_made_validation_split(tmp_path):
    root = make_fer2013_kaggle_folders(tmp_path / "archive")
    with pytest.warns(SplitWarning, match=r"image folders train/ and test/ has no validation split \(no val/ or "
                                          r"validation/ folder\)\. Made val of 4 faces from the train folder, "
                                          r"stratified by label with seed 0"):
        ds = data.load_fer2013(root)
    assert split_counts(ds) == {"train": 28, "val": 4, "test": 6}
    test = made_rows(ds, "test")
    assert test["file"].str.startswith("test/").all() and set(test["split_source"]) == {"official"}
    val = made_rows(ds, "val")
    assert val["file"].str.startswith("train/").all() and set(val["split_source"]) == {"made"}
    assert val["label"].value_counts().to_dict() == {"happy": 2, "sad": 1, "angry": 1}  # 1/8 of 16, 8, 8
    assert ds.description.startswith("FER2013 (image folders train/ and test/): 38 faces; official split: 6 test "
                                     "(folder test/); made here: 4 val from the train folder (stratified by label, "
                                     "seed 0), leaving 28 train.")
    assert sum(FER_FOLDER_COUNTS["train"].values()) == 32


def test_the_classic_tar_gz_content_loads_with_the_official_split(tmp_path):
    archive = make_fer2013_tar_gz(tmp_path / "fer2013.tar.gz", tmp_path / "work")
    with tarfile.open(archive) as handle:
        assert sorted(handle.getnames()) == ["fer2013", "fer2013/README", "fer2013/fer2013.bib", "fer2013/fer2013.csv"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # README and fer2013.bib are no news
        ds = data.load_fer2013(tmp_path / "work" / "fer2013")
    assert split_counts(ds) == OFFICIAL


@pytest.mark.parametrize("form", ["csv", "icml", "train.csv", "folders", "no usage"])
def test_fer2013_is_never_left_all_unassigned(tmp_path, form):
    root = tmp_path / "fer2013"
    if form == "csv":
        write_fer2013_csv(root / "fer2013.csv", fer2013_rows())
    elif form == "folders":
        make_fer2013_kaggle_folders(root)
    elif form == "no usage":
        write_fer2013_csv(root / "mine.csv", [(e, p) for e, p, _ in fer2013_rows()], header="emotion,pixels")
    else:
        make_fer2013_competition(root, icml=form == "icml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ds = data.load_fer2013(root)
    assert set(ds.table["split"]) == {"train", "val", "test"} and ds.description.startswith("FER2013 (")


def test_the_unlabelled_test_csv_is_refused_with_what_to_load_instead(tmp_path):
    root = make_fer2013_competition(tmp_path / "comp", icml=False, train=False)
    with pytest.raises(DatasetError, match=r"test\.csv, line 1: the header 'pixels' has pixels but no emotion column: "
                                           r"this is the unlabelled test set.*cannot be used for training or evaluation"
                                           r"\. Load icml_face_data\.csv or fer2013\.csv"):
        data.load_fer2013(root / "test.csv")
    with pytest.raises(DatasetError, match=r"holds neither fer2013\.csv.*it holds example_submission\.csv, test\.csv\. "
                                           r"Its test\.csv has no labels.*add the icml_face_data\.csv or train\.csv"):
        data.load_fer2013(root)


def test_a_folder_holding_only_an_archive_says_to_extract_it(tmp_path):
    root = tmp_path / "download"
    make_fer2013_tar_gz(root / "fer2013.tar.gz", tmp_path / "work")
    with pytest.raises(DatasetError, match=r"it holds fer2013\.tar\.gz\. It holds fer2013\.tar\.gz, an archive inside "
                                           r"the download, which is not extracted: extract it"):
        data.load_fer2013(root)


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
    with pytest.warns(UserWarning) as caught:
        ds = data.load_fer2013(root)
    assert [str(w.message) for w in caught][0] == "Left out 1 item(s) that are not images: train/happy/Thumbs.db."
    assert caught[1].category is SplitWarning  # no val/ folder: one of the two train images became val
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
    assert ds.kind == "video" and ds.labels == emotions.CASME2_LABELS
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
