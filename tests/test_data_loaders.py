"""fercourse.data loaders: tiny datasets in the real formats, and malformed ones."""

import numpy as np
import pytest
import tarfile
import warnings

import pandas as pd
from fixtures_data import (
    CASME2_HEADER,
    FER_FOLDER_COUNTS,
    FERPLUS_HEADER,
    FERPLUS_ROWS,
    SMIC_CLIPS,
    fer2013_rows,
    ferplus_rows,
    make_casme2,
    make_ckplus,
    make_fer2013_competition,
    make_fer2013_folders,
    make_fer2013_kaggle_folders,
    make_fer2013_tar_gz,
    make_jaffe,
    make_ferplus,
    make_samm,
    make_smic,
    make_video_folders,
    pixel_text,
    truncate,
    write_clip,
    write_fer2013_csv,
    write_ferplus_csv,
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
    with pytest.raises(InvalidInputError,
                       match="Unknown dataset 'affectnet'; the course can load: fer2013, ferplus, ckplus"):
        data.load("affectnet")


# ----------------------------------------------------------------------- FER+


def test_ferplus_reads_the_votes_beside_fer2013_and_keeps_the_majority_labels(tmp_path):
    ds = data.load_ferplus(make_ferplus(tmp_path / "ferplus"))
    expected = [row for row in FERPLUS_ROWS if row[4] is not None]
    assert ds.name == "ferplus" and ds.kind == "image" and ds.labels == emotions.CANONICAL_LABELS
    assert ds.samples.shape == (5, 48, 48) and ds.samples.dtype == np.uint8
    assert ds.samples[:, 0, 0].tolist() == [10, 20, 50, 60, 80]  # FER2013 rows 1, 2, 5, 6 and 8, in order
    assert ds.table["label"].tolist() == [row[4] for row in expected]
    assert ds.table["label"].tolist() == ["happy", "neutral", "surprise", "contempt", "angry"]
    assert ds.table["fer2013_label"].tolist() == ["happy", "sad", "fear", "happy", "angry"]
    assert ds.table["split"].tolist() == ["train", "train", "train", "val", "test"]
    assert set(ds.table["split_source"]) == {"official"} and set(ds.table["subject"]) == {UNKNOWN_SUBJECT}
    assert ds.table["image_name"].tolist() == [row[1] for row in expected]
    assert ds.table[list(data.FERPLUS_VOTE_COLUMNS)].values.tolist() == [list(row[2]) for row in expected]
    assert data.FERPLUS_VOTE_COLUMNS == (
        "votes_neutral", "votes_happy", "votes_surprise", "votes_sad", "votes_angry", "votes_disgust", "votes_fear",
        "votes_contempt", "votes_unknown", "votes_not_face")
    assert ds.table["fer2013_line"].tolist() == [2, 3, 6, 7, 9] and ds.table["ferplus_line"].tolist() == [2, 3, 6, 7, 9]
    assert ds.y().tolist() == [3, 6, 5, 7, 0]  # contempt is the course's eighth expression
    assert ds.description == (
        "FER+ (fer2013new.csv with fer2013.csv): 5 of FER2013's 9 faces, each labelled by the majority of its 10 "
        "annotators, official split: 3 train (Training), 1 val (PublicTest), 1 test (PrivateTest). Left out as FER+ "
        "leaves them out: 1 not a face (no image name), 1 without a majority, 1 whose majority is 'unknown' and 1 "
        "whose majority is 'not a face'. FER+ changes the FER2013 label of 3 of these faces (60.0%); fer2013_label "
        "keeps the old one. FER2013 records no subject ids, so the same person may appear in more than one split; "
        "the leak check cannot apply."
    )


@pytest.mark.parametrize("votes, label", [(row[2], row[4]) for row in FERPLUS_ROWS if row[1]] + [
    ((1, 0, 2, 4, 2, 0, 0, 0, 1, 0), None),  # 4 of the 8 votes left after the single ones: no majority
    ((4, 6, 0, 0, 0, 0, 0, 0, 0, 0), "happy"),
    ((0, 0, 0, 6, 0, 0, 0, 0, 0, 4), "sad"),
    ((0, 0, 0, 0, 0, 0, 0, 0, 0, 0), None),
    ((1, 1, 1, 1, 1, 1, 1, 1, 1, 1), None),  # every vote alone: nothing left
    ([2.0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "neutral"),
])
def test_ferplus_majority_rule(votes, label):
    assert data.ferplus_majority(votes) == label


@pytest.mark.parametrize("votes", [(1, 2, 3), (0, 0, 0, 0, 0, 0, 0, 0, 0, -1), [0.5] + [0] * 9, "0123456789",
                                   [float("nan")] * 10, None])
def test_ferplus_majority_refuses_what_is_not_ten_counts(votes):
    with pytest.raises(InvalidInputError, match=r"ferplus_majority: votes must be 10 whole numbers of at least 0"):
        data.ferplus_majority(votes)


def test_ferplus_reads_fer2013_from_its_own_folder_and_by_name(tmp_path, monkeypatch):
    monkeypatch.setenv("FERCOURSE_DATA_DIR", str(tmp_path))
    with pytest.raises(DatasetError, match=r"The FER\+ folder .*ferplus does not exist\. FER\+ is a label file, "
                                           r"fer2013new\.csv, from Microsoft's FERPlus repository .*put it in .*"
                                           r"beside FER2013's fer2013\.csv .*python -m fercourse data import ferplus"):
        data.load("ferplus")
    make_ferplus(tmp_path / "ferplus", faces=tmp_path / "fer2013" / "fer2013.csv")
    ds = data.load("ferplus")  # the faces of the imported FER2013
    assert len(ds) == 5 and ds.description.startswith("FER+ (fer2013new.csv with fer2013.csv): 5 of")
    (tmp_path / "fer2013" / "fer2013.csv").rename(tmp_path / "elsewhere.csv")
    with pytest.raises(DatasetError, match=r"holds labels only; its faces are FER2013's, and neither .*ferplus nor "
                                           r".*fer2013 holds FER2013's fer2013\.csv .*Put fer2013\.csv beside "
                                           r"fer2013new\.csv, or import FER2013"):
        data.load_ferplus()
    assert len(data.load_ferplus(tmp_path / "ferplus" / "fer2013new.csv", fer2013=tmp_path / "elsewhere.csv")) == 5
    with pytest.raises(DatasetError, match=r"has no fer2013new\.csv\. FER\+ is a label file"):
        data.load_ferplus(tmp_path)


def test_fer2013_notes_the_ferplus_file_beside_it(tmp_path):
    root = make_ferplus(tmp_path / "fer2013")
    with pytest.warns(UserWarning) as caught:
        data.load_fer2013(root)
    notes = [str(w.message) for w in caught if w.category is not SplitWarning]
    assert notes == ["Left out 1 item(s) beside fer2013.csv, which holds the labelled faces: fer2013new.csv (FER+'s "
                     "new labels for these faces, no faces: read them with load_ferplus)."]
    (root / "fer2013.csv").unlink()
    with pytest.raises(DatasetError, match=r"Its fer2013new\.csv is FER\+'s label file, which holds no faces: add "
                                           r"FER2013's fer2013\.csv beside it"):
        data.load_fer2013(root)


def _votes(**changes):
    """FERPLUS_ROWS' lines with some fields replaced: {row index: {field index: text}}."""
    lines = [line.split(",") for line in ferplus_rows()]
    for row, fields in changes.items():
        for at, text in fields.items():
            lines[int(row[1:])][at] = text
    return [",".join(fields) for fields in lines]


@pytest.mark.parametrize(
    "lines, header, message",
    [
        (None, "Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown",
         r"fer2013new\.csv, line 1: the header is 'Usage,Image name,.*,unknown', but fer2013new\.csv starts with "
         r"'Usage,Image name,.*,unknown,NF'\. This is not FER\+'s label file"),
        (None, "emotion,pixels,Usage", r"line 1: the header is 'emotion,pixels,Usage'.*This is FER2013's own CSV, not "
                                       r"FER\+'s label file"),
        (_votes(r1={2: "six"}), None, r"line 3, column neutral: the vote count 'six' is not a whole number; each vote "
                                      r"column holds how many of the 10 annotators chose it, a whole number 0\.\.10"),
        (_votes(r0={3: "-2", 2: "2"}), None, r"line 2, column happiness: the vote count '-2' is negative"),
        (_votes(r0={3: "11"}), None, r"line 2, column happiness: the vote count '11' is more than the 10 annotators"),
        (_votes(r0={3: "4.5"}), None, r"column happiness: the vote count '4\.5' is not a whole number"),
        (_votes(r0={3: ""}), None, r"column happiness: the vote count '' is not a whole number"),
        (_votes(r1={2: "9"}), None, r"line 3: the votes add up to 13, but each face was labelled by 10 annotators, "
                                    r"so a row's votes add up to 1\.\.10"),
        (_votes(r0={3: "0"}), None, r"line 2: the votes add up to 0"),
        (_votes(r4={0: "Validation"}), None, r"line 6: Usage 'Validation' is not one of Training, PublicTest, "
                                             r"PrivateTest"),
        (ferplus_rows()[:1] + ["Training,fer0000001.png,6,0,0,1"], None, r"line 3: 6 fields for the 12 columns"),
        (ferplus_rows()[:-1], None,
         r"fer2013new\.csv has 8 rows but .*fer2013\.csv has 9 faces\. FER\+'s label file has one row for every face "
         r"of FER2013's complete CSV \(35,887\), in the same order"),
        (_votes(r7={0: "PublicTest"}), None,
         r"fer2013\.csv, line 9 is a PrivateTest face, but .*fer2013new\.csv, line 9 \(the same row\) says PublicTest "
         r"\(1 row\(s\) differ like this\): the two files are not in the same order"),
        ([line.replace("fer000", "") if i else ",,0,0,0,0,0,0,0,0,0,10" for i, line in enumerate(ferplus_rows())],
         None, r"line 2: Usage '' is not one of"),
        ([], None, r"fer2013new\.csv has a header but no rows"),
        ([f"{row[0]},,0,0,0,0,0,0,0,0,0,10" for row in FERPLUS_ROWS], None,
         r"none of its 9 faces has a FER\+ majority label \(9 without an image name"),
    ],
)
def test_malformed_ferplus_names_the_file_line_and_problem(tmp_path, lines, header, message):
    root = make_ferplus(tmp_path / "ferplus")
    write_ferplus_csv(root / "fer2013new.csv", lines, header=header or FERPLUS_HEADER)
    with pytest.raises(DatasetError, match=message):
        data.load_ferplus(root)


def test_ferplus_refuses_fer2013_forms_it_cannot_match(tmp_path):
    root = make_ferplus(tmp_path / "ferplus")
    (root / "fer2013.csv").unlink()
    train = write_fer2013_csv(tmp_path / "train.csv", [(3, pixel_text(1))] * 5, header="emotion,pixels")
    with pytest.warns(SplitWarning):  # train.csv alone: FER2013's own reader makes splits, then FER+ refuses
        pass_through = data.load_fer2013_csv(train)
    assert len(pass_through) == 5
    with pytest.raises(DatasetError, match=r"has 9 rows but .*train\.csv has 5 faces \(train\.csv holds FER2013's "
                                           r"Training rows only\)"):
        data.load_ferplus(root, fer2013=train)
    make_fer2013_kaggle_folders(tmp_path / "folders")
    with pytest.raises(DatasetError, match=r"folders holds neither fer2013\.csv nor icml_face_data\.csv; FER\+ labels "
                                           r"the rows of one of those files"):
        data.load_ferplus(root, fer2013=tmp_path / "folders")
    with pytest.raises(DatasetError, match=r"The FER2013 CSV .*missing\.csv does not exist"):
        data.load_ferplus(root, fer2013=tmp_path / "missing.csv")


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


# ---------------------------------------------------------------------- SMIC


def test_smic_hs_clips_from_the_class_folders(tmp_path):
    root = make_smic(tmp_path / "smic")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # non_micro/, a subject with no micro/ and NIR/ are skipped without a word
        ds = data.load_smic(root)
    table = ds.table
    assert ds.name == "smic" and ds.kind == "video" and ds.labels == emotions.SMIC_LABELS
    assert table["subject"].tolist() == ["s1", "s1", "s3", "s3"]
    assert table["label"].tolist() == ["negative", "positive", "negative", "surprise"]
    assert table["megc"].tolist() == table["label"].tolist()
    assert table["clip"].tolist() == ["s1_ne_01", "s1_po_01", "s3_ne_02", "s3_sur_01"]
    assert table["folder"][0] == "HS/s1/micro/negative/s1_ne_01"
    assert set(table["fps"]) == {100.0} and set(table["split"]) == {"unassigned"}
    assert table["n_frames"].tolist() == [count for _, count in SMIC_CLIPS.values()]
    # onset and offset are the clip's ends; SMIC marks no apex, so it is the middle frame
    assert table[["onset", "apex", "offset"]].values.tolist() == [[0, 2, 4], [0, 1, 3], [0, 1, 2], [0, 2, 5]]
    assert table[["onset_frame", "apex_frame", "offset_frame"]].values.tolist()[0] == [36237, 36239, 36241]
    assert table["apex_frame"][3] == 10000  # image009998.bmp ... image010003.bmp
    assert not table["apex_annotated"].any() and set(table["aus"]) == {""} and set(table["notes"]) == {""}
    assert ds.description == (
        "SMIC-HS (HS/): 4 clips of 2 people at 100 fps (2 negative, 1 positive, 1 surprise). Each clip runs from "
        "onset to offset; SMIC marks no apex, so apex is the middle frame (apex_annotated is False). It has no "
        "official split: evaluate leave-one-subject-out."
    )
    clip = ds.sample(3)
    assert clip.shape == (6, 8, 8, 3) and clip.dtype == np.uint8
    assert np.all(np.diff(clip.mean(axis=(1, 2, 3))) > 10)  # frames in frame-number order
    assert data.as_megc(ds).table["emotion"].tolist() == table["label"].tolist()


@pytest.mark.parametrize("top", ["HS", "SMIC_all_raw/HS"])
def test_smic_where_hs_may_be(tmp_path, top, monkeypatch):
    root = make_smic(tmp_path / "smic", top=top)
    assert len(data.load_smic(root)) == 4
    assert len(data.load_smic(root / top)) == 4  # the HS folder itself
    monkeypatch.setenv("FERCOURSE_DATA_DIR", str(tmp_path))
    assert data.load("smic").table["folder"][0] == f"{top}/s1/micro/negative/s1_ne_01"


def test_smic_leaves_out_what_is_not_its_layout_and_notes_odd_clips(tmp_path):
    root = make_smic(tmp_path / "smic")
    hs = root / "HS"
    (hs / "README.txt").write_text("SMIC")
    (hs / "s1" / "micro" / "negative" / "s1_ne_01" / "Thumbs.db").write_bytes(b"\0")
    (hs / "s1" / "micro" / "negative" / "s1_ne_01" / "image.bmp").write_bytes(b"\0")  # an image without a number
    write_clip(hs / "extra" / "x", ["image1.bmp"])
    (hs / "s3" / "micro" / "positive" / "s1_ne_07").mkdir(parents=True)
    write_clip(hs / "s3" / "micro" / "positive" / "s1_ne_07", ["image000010.bmp", "image000013.bmp"])
    with pytest.warns(UserWarning) as caught:
        ds = data.load_smic(root)
    assert [str(w.message) for w in caught] == [
        "Left out 4 item(s) that are not part of SMIC-HS's layout: HS/README.txt, HS/extra/, "
        "HS/s1/micro/negative/s1_ne_01/Thumbs.db, HS/s1/micro/negative/s1_ne_01/image.bmp."
    ]
    odd = ds.table.set_index("clip").loc["s1_ne_07"]
    assert odd["label"] == "positive" and odd["subject"] == "s3"  # the folders decide
    assert odd["notes"] == ("2 frame number(s) missing between 10 and 13; the clip's name says subject s1, its folder "
                            "s3: the folder is used; the clip's name says negative, its folder positive: the folder is "
                            "used")


def test_smic_unknown_class_folder_names_the_folder(tmp_path):
    root = make_smic(tmp_path / "smic")
    write_clip(root / "HS" / "s1" / "micro" / "happy" / "s1_ha_01", ["image000001.bmp"])
    with pytest.raises(DatasetError, match=r"Folder HS/s1/micro/happy: smic label 'happy' is unknown; expected one of "
                                           r"negative, positive, surprise"):
        data.load_smic(root)


def test_smic_class_folders_may_use_the_short_codes(tmp_path):
    root = make_smic(tmp_path / "smic")
    (root / "HS" / "s3" / "micro" / "surprise").rename(root / "HS" / "s3" / "micro" / "sur")
    assert data.load_smic(root).table["label"].tolist()[-1] == "surprise"


@pytest.mark.parametrize(
    "damage, message",
    [
        ("empty", r"The SMIC clip folder HS/s1/micro/positive/s1_po_01 holds no numbered frames \(image000001\.bmp "
                  r"\.\.\.\); extract the SMIC archive again"),
        ("twice", r"The SMIC clip folder HS/s1/micro/positive/s1_po_01 holds frame 1 more than once "
                  r"\(image000001\.bmp, image1\.bmp\)"),
        ("no hs", r"smic has no HS/ folder of SMIC \(it holds NIR/\)\. SMIC-HS is laid out as "
                  r"HS/s1/micro/negative/s1_ne_01/image000001\.bmp.*python -m fercourse data import smic"),
        ("no clips", r"HS holds no SMIC-HS clips; expected HS/s1/micro/negative/s1_ne_01/image000001\.bmp"),
    ],
)
def test_malformed_smic_names_the_folder_and_the_problem(tmp_path, damage, message):
    root = make_smic(tmp_path / "smic")
    clip = root / "HS" / "s1" / "micro" / "positive" / "s1_po_01"
    if damage == "empty":
        for frame in clip.iterdir():
            frame.unlink()
    elif damage == "twice":
        write_image(clip / "image1.bmp", 0, size=(8, 8), color=True)
    elif damage == "no hs":
        (root / "HS").rename(tmp_path / "elsewhere")
    else:
        for micro in (root / "HS").glob("s*/micro"):
            micro.rename(micro.with_name("micro_backup"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(DatasetError, match=message):
            data.load_smic(root)


def test_smic_missing_folder_says_how_to_import_it(tmp_path, monkeypatch):
    monkeypatch.setenv("FERCOURSE_DATA_DIR", str(tmp_path))
    with pytest.raises(DatasetError, match=r"The smic folder .* does not exist.*python -m fercourse data import smic"):
        data.load_smic()


def test_smic_frames_of_different_sizes_or_damaged_are_named_when_read(tmp_path):
    root = make_smic(tmp_path / "smic")
    clip = root / "HS" / "s1" / "micro" / "negative" / "s1_ne_01"
    write_image(clip / "image036238.bmp", 90, size=(6, 8), color=True)
    ds = data.load_smic(root)
    with pytest.raises(DatasetError, match=r"The frames of the clip in .*s1_ne_01 have different sizes"):
        ds.sample(0)
    truncate(clip / "image036238.bmp", keep=0.3)
    with pytest.raises(DatasetError, match=r"image036238\.bmp.*Copy or download the clip again"):
        ds.sample(0)


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
