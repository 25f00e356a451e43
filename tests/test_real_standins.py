"""The stand-in downloads of tests/real_standins.py look like the real ones and import as they do.

Written once per run at a small size (80 FER2013 faces, 12 CASME II and 12 SAMM clips;
FER+'s label file and 8 SMIC-HS clips, and the action-unit datasets DISFA and BP4D at
their one size, which are written only on request), each is imported with the course's
importer into a fresh folder and read back with its loader, and the faces in them are
checked with the course's face landmarker.
"""

import csv
import io
import re
import tarfile
import warnings
import zipfile

import cv2
import numpy as np
import pytest
from openpyxl import load_workbook
from real_standins import DATASET_OF, DEFAULT_STANDINS, FILES, main, write_standins

from fercourse import emotions, face, video
from fercourse.data import (
    BP4D_INTENSITY_AUS,
    DISFA_AUS,
    as_megc,
    load_bp4d,
    load_casme2,
    load_ckplus,
    load_disfa,
    FERPLUS_VOTE_COLUMNS,
    load_fer2013,
    load_ferplus,
    load_jaffe,
    load_samm,
    load_smic,
)
from fercourse.data.importer import import_dataset

N_FACES, N_CLIPS = 80, 12
FER_COLUMNS = ("emotion", "pixels", "Usage")


@pytest.fixture(scope="module")
def standins(tmp_path_factory):
    return write_standins(tmp_path_factory.mktemp("downloads"), n_faces=N_FACES, n_clips=N_CLIPS, seed=0)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A fresh, empty data folder (FERCOURSE_DATA_DIR points at it)."""
    folder = tmp_path / "data"
    monkeypatch.setenv("FERCOURSE_DATA_DIR", str(folder))
    return folder


def imported(standins, name, data_dir, **options):
    """Import the stand-in ``name`` with the course's importer; return the folder it was placed in."""
    into = data_dir / DATASET_OF[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the importer's own notes (no split, left out files)
        report = import_dataset(DATASET_OF[name], standins[name], into=into, **options)
    assert report.moved and report.place == into
    return into


def quiet(loader, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return loader(*args, **kwargs)


def test_every_download_is_written_under_its_real_name(standins):
    assert list(standins) == list(DEFAULT_STANDINS)  # DISFA and BP4D only on request
    for name, path in standins.items():
        assert path.name == FILES[name] and path.exists()
    assert standins["fer2013"].is_file() and standins["casme2"].is_dir() and standins["samm"].is_dir()


# ------------------------------------------------------------------- FER2013


def check_fer2013(data, n=N_FACES, splits=("train", "val", "test")):
    assert data.name == "fer2013" and len(data) == n
    assert data.samples.shape == (n, 48, 48) and data.samples.dtype == np.uint8
    assert set(data.table["split"]) == set(splits)
    counts = data.table["label"].value_counts()
    assert set(counts.index) == set(emotions.FER2013_LABELS)  # all seven classes
    assert counts.idxmax() == "happy" and counts.idxmin() == "disgust" and counts["disgust"] >= 2
    assert (data.table["subject"] == "unknown").all()
    return counts


def test_fer2013_tarball_holds_the_published_csv_and_imports(standins, data_dir):
    with tarfile.open(standins["fer2013"]) as tar:
        assert tar.getnames() == ["fer2013", "fer2013/fer2013.csv", "fer2013/README", "fer2013/fer2013.bib"]
        text = tar.extractfile("fer2013/fer2013.csv").read().decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == FER_COLUMNS and len(rows) == N_FACES + 1
    usage = [row[2] for row in rows[1:]]
    assert usage == sorted(usage, key=["Training", "PublicTest", "PrivateTest"].index)  # in the file's order
    assert (usage.count("Training"), usage.count("PublicTest"), usage.count("PrivateTest")) == (64, 8, 8)
    assert all(len(row[1].split()) == 48 * 48 and 0 <= int(row[0]) <= 6 for row in rows[1:])

    folder = imported(standins, "fer2013", data_dir, partial=True)  # not FER2013's 35,887 rows
    assert (folder / "fer2013.csv").is_file()
    data = quiet(load_fer2013, folder)
    check_fer2013(data)
    assert dict(data.table["usage"].value_counts()) == {"Training": 64, "PublicTest": 8, "PrivateTest": 8}


def test_fer2013_kaggle_competition_zip_imports(standins, data_dir):
    with zipfile.ZipFile(standins["fer2013-kaggle"]) as handle:
        assert sorted(handle.namelist()) == ["example_submission.csv", "fer2013.tar.gz", "icml_face_data.csv",
                                             "test.csv", "train.csv"]
        first = {name: handle.read(name).decode().split("\n", 2)[:2] for name in handle.namelist()
                 if name.endswith(".csv")}
    assert first["icml_face_data.csv"][0] == "emotion, Usage, pixels"  # the leading spaces of the real header
    assert re.fullmatch(r"[0-6],Training,\d+( \d+){2303}", first["icml_face_data.csv"][1])
    assert first["train.csv"][0] == "emotion,pixels" and re.fullmatch(r'[0-6],"\d+( \d+){2303}"', first["train.csv"][1])
    assert first["test.csv"][0] == "pixels" and re.fullmatch(r'"\d+( \d+){2303}"', first["test.csv"][1])

    data = quiet(load_fer2013, imported(standins, "fer2013-kaggle", data_dir, partial=True))
    reference = quiet(load_fer2013, imported(standins, "fer2013", data_dir.parent / "other", partial=True))
    counts = check_fer2013(data)
    assert counts.equals(reference.table["label"].value_counts())
    assert np.array_equal(data.samples, reference.samples)  # the same faces as fer2013.csv, in the same order


def test_fer2013_kaggle_folder_version_imports(standins, data_dir):
    with zipfile.ZipFile(standins["fer2013-folders"]) as handle:
        names = handle.namelist()
        image = cv2.imdecode(np.frombuffer(handle.read(names[0]), np.uint8), cv2.IMREAD_UNCHANGED)
    labels = "|".join(emotions.FER2013_LABELS)
    pattern = re.compile(rf"(train/({labels})/Training|test/({labels})/(PublicTest|PrivateTest))_\d+\.jpg")
    assert all(pattern.fullmatch(name) for name in names), [n for n in names if not pattern.fullmatch(n)][:3]
    assert {name.split("/")[0] for name in names} == {"train", "test"}  # no validation folder
    assert image.shape == (48, 48) and image.dtype == np.uint8

    data = quiet(load_fer2013, imported(standins, "fer2013-folders", data_dir))
    check_fer2013(data, splits=set(data.table["split"]) | {"train", "test"})
    assert (data.table["split"] == "test").sum() == 16  # PublicTest and PrivateTest faces together


# ------------------------------------------------------- CASME II and SAMM


def sheet_rows(path):
    book = load_workbook(path, read_only=True)
    rows = [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    return rows


def check_megc(data, dataset):
    megc = as_megc(data)
    assert set(megc.labels) == set(emotions.MEGC_LABELS)
    subjects = megc.table.groupby("label")["subject"].nunique()
    assert set(subjects.index) == set(emotions.MEGC_LABELS) and (subjects >= 2).all(), subjects
    assert (data.table["megc"].isna() == (data.table["label"] == "others")).all()
    return megc


def test_casme2_standin_is_the_real_layout(standins, data_dir):
    root = standins["casme2"]
    rows = sheet_rows(root / "CASME2-coding-20140508.xlsx")
    assert rows[0] == ("Subject", "Filename", "OnsetFrame", "ApexFrame", "OffsetFrame", "Action Units",
                       "Estimated Emotion")
    assert len(rows) == N_CLIPS + 1
    assert all(isinstance(row[0], int) for row in rows[1:])  # subjects as numbers: 1, 2, ...
    assert any(row[3] == "/" for row in rows[1:])
    assert {row[6] for row in rows[1:]} <= set(emotions.CASME2_LABELS)
    assert {"repression", "others"} <= {row[6] for row in rows[1:]}
    clip = root / "CASME2_RAW_selected" / f"sub{rows[1][0]:02d}" / rows[1][1]
    numbers = sorted(int(f.stem[3:]) for f in clip.glob("img*.jpg"))
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers))) and 30 <= len(numbers) <= 40
    assert numbers[0] <= rows[1][2] and rows[1][4] <= numbers[-1]

    data = quiet(load_casme2, imported(standins, "casme2", data_dir))
    assert data.kind == "video" and len(data) == N_CLIPS
    assert set(data.table["label"]) <= set(emotions.CASME2_LABELS)
    assert data.table["subject"].nunique() >= 2 and data.table["subject"].str.fullmatch(r"sub\d\d").all()
    assert (data.table["fps"] == 200).all()
    assert data.table["notes"].str.contains("apex not given").sum() == 1
    frames = data.sample(0)
    assert frames.shape[1:] == (480, 640, 3) and frames.dtype == np.uint8
    assert np.abs(frames[0, ..., 0].astype(int) - frames[0, ..., 2]).mean() > 5  # colour, not grey in RGB
    check_megc(data, "casme2")


def test_samm_standin_is_the_real_layout(standins, data_dir):
    root = standins["samm"]
    rows = sheet_rows(root / "SAMM_Micro_FACS_Codes_v2.xlsx")
    header = next(i for i, row in enumerate(rows) if row and row[0] == "Subject")
    assert header >= 2  # title rows above the table
    assert rows[header][:6] == ("Subject", "Filename", "Inducement Code", "Onset Frame", "Apex Frame",
                                "Offset Frame")
    body = rows[header + 1:]
    assert len(body) == N_CLIPS and all(re.fullmatch(r"\d{3}", row[0]) for row in body)
    assert any(row[5] == -1 for row in body)
    words = {row[-1] for row in body}
    assert words <= {"Anger", "Contempt", "Disgust", "Fear", "Happiness", "Sadness", "Surprise", "Other"}
    assert {"Other", "Anger", "Contempt"} <= words
    first = next(iter(sorted((root / "SAMM").glob("*/*/*.jpg"))))
    assert re.fullmatch(r"(\d{3})_\d{5}\.jpg", first.name) and first.name[:3] == first.parts[-3]
    on_disk = cv2.imread(str(first), cv2.IMREAD_UNCHANGED)
    assert on_disk.shape == (544, 1020)  # one grey channel, as SAMM's frames

    data = quiet(load_samm, imported(standins, "samm", data_dir))
    assert data.kind == "video" and len(data) == N_CLIPS
    assert set(data.table["label"]) <= set(emotions.SAMM_LABELS) and "others" in set(data.table["label"])
    assert data.table["subject"].nunique() >= 2 and data.table["subject"].str.fullmatch(r"\d{3}").all()
    assert data.table["notes"].str.contains("offset not given").sum() == 1
    frames = data.sample(0)
    assert frames.shape[1:] == (544, 1020, 3)
    assert (frames[..., 0] == frames[..., 1]).all() and (frames[..., 1] == frames[..., 2]).all()  # grey
    check_megc(data, "samm")


# ------------------------------------------------------------- FER+ and SMIC

N_SMIC = 8


@pytest.fixture(scope="module")
def requested(tmp_path_factory):
    """FER2013 with FER+'s label file for its faces, and SMIC-HS: the stand-ins written only on request."""
    return write_standins(tmp_path_factory.mktemp("requested"), n_faces=N_FACES, n_clips=N_SMIC, seed=0,
                          only=["fer2013", "ferplus", "smic"])


def test_ferplus_standin_labels_the_fer2013_rows_and_imports(requested, data_dir):
    assert list(requested) == ["fer2013", "ferplus", "smic"] and requested["ferplus"].name == "fer2013new.csv"
    rows = list(csv.reader(requested["ferplus"].read_text().splitlines()))
    assert ",".join(rows[0]) == ("Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,"
                                 "unknown,NF")
    with tarfile.open(requested["fer2013"]) as tar:
        fer = list(csv.reader(io.StringIO(tar.extractfile("fer2013/fer2013.csv").read().decode())))
    assert len(rows) == len(fer) == N_FACES + 1
    assert [row[0] for row in rows[1:]] == [row[2] for row in fer[1:]]  # the same Usage, row for row
    named = [row[1] for row in rows[1:] if row[1]]
    assert named == [f"fer{k:07d}.png" for k in range(len(named))] and len(named) < N_FACES  # numbering skips drops
    assert all(row[2:] == ["0"] * 9 + ["10"] for row in rows[1:] if not row[1])
    assert sorted({sum(map(int, row[2:])) for row in rows[1:]}) == [9, 10]

    imported(requested, "fer2013", data_dir, partial=True)
    folder = imported(requested, "ferplus", data_dir, partial=True)
    assert [p.name for p in folder.iterdir()] == ["fer2013new.csv"]  # the faces come from data/fer2013
    data = quiet(load_ferplus)
    assert 40 < len(data) < N_FACES and set(data.table["label"]) <= set(emotions.CANONICAL_LABELS)
    assert (data.table["label"] != data.table["fer2013_label"]).any()
    assert (data.table[list(FERPLUS_VOTE_COLUMNS)].sum(axis=1).between(9, 10)).all()
    fer = quiet(load_fer2013, data_dir / "fer2013")
    assert np.array_equal(data.samples, fer.samples[data.table["fer2013_line"].to_numpy() - 2])


def test_smic_standin_is_the_real_layout(requested, data_dir):
    root = requested["smic"]
    assert root.name == FILES["smic"] == "SMIC_all_raw"
    clips = sorted((root / "HS").glob("s*/micro/*/*"))
    assert len(clips) == N_SMIC
    for clip in clips:
        subject, _, label = clip.parts[-4:-1]
        code = {"negative": "ne", "positive": "po", "surprise": "sur"}[label]
        assert re.fullmatch(rf"{subject}_{code}_\d\d", clip.name) and re.fullmatch(r"s([1-9]|1\d|20)", subject)
        names = sorted(f.name for f in clip.iterdir())
        assert all(re.fullmatch(r"image\d{6}\.bmp", name) for name in names) and 11 <= len(names) <= 20
        numbers = [int(name[5:11]) for name in names]
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    assert len(list((root / "HS").glob("s*/non_micro/*"))) >= 2
    frame = cv2.imread(str(next(clips[0].iterdir())), cv2.IMREAD_UNCHANGED)
    assert frame.shape == (480, 640, 3) and next(clips[0].iterdir()).read_bytes()[:2] == b"BM"  # colour BMP

    data = quiet(load_smic, imported(requested, "smic", data_dir))
    assert data.kind == "video" and len(data) == N_SMIC and data.table["subject"].nunique() >= 2
    assert (data.table["fps"] == 100).all() and not data.table["apex_annotated"].any()
    assert (data.table["apex"] == (data.table["n_frames"] - 1) // 2).all()
    megc = check_megc(data, "smic")
    assert (megc.table["label"] == megc.table["emotion"]).all()
    row = data.table.iloc[1]
    apex = data.sample(1)[int(row["apex"])]
    assert apex.shape == (480, 640, 3) and np.abs(apex[..., 0].astype(int) - apex[..., 2]).mean() > 5
    with face.FaceLandmarker(max_faces=1) as landmarker:
        meshes = landmarker.detect(apex)
    assert meshes, f"no face in {row['folder']}"
    x, y, w, h = meshes[0].box
    assert 120 < w < 400 and 0 < x and x + w < apex.shape[1]


# ------------------------------------------------------------ CK+ and JAFFE


def test_ckplus_and_jaffe_standins_import(standins, data_dir):
    report = import_dataset("ckplus", standins["ckplus"], into=data_dir / "ckplus")
    assert any("no emotion file" in item for item in report.left_out), report.left_out  # the unlabelled sequence
    data = quiet(load_ckplus, data_dir / "ckplus")
    assert len(data) == 2 * (N_CLIPS // 2) and data.table["subject"].nunique() >= 2
    shapes = {image.shape for image in data.samples}
    assert shapes == {(490, 640), (480, 640)}  # most grey 640x490, one subject 640x480 colour (read as grey)
    firsts = sorted((standins["ckplus"] / "cohn-kanade-images").glob("*/*/*_00000001.png"))
    on_disk = {cv2.imread(str(f), cv2.IMREAD_UNCHANGED).shape for f in firsts}
    assert on_disk == {(490, 640), (480, 640, 3)}
    assert set(data.table["label"]) - {"neutral"} <= set(emotions.CANONICAL_LABELS)

    jaffe = quiet(load_jaffe, imported(standins, "jaffe", data_dir))
    assert len(jaffe) == 70 and jaffe.table["subject"].nunique() == 10
    assert jaffe.samples.shape == (70, 256, 256)


# ------------------------------------------------------------ DISFA and BP4D


@pytest.fixture(scope="module")
def au_standins(tmp_path_factory):
    return write_standins(tmp_path_factory.mktemp("au-downloads"), seed=0, only=["disfa", "bp4d"])


def check_faces(data, rows, box_width):
    """The landmarker finds a face of about ``box_width`` pixels in each of ``rows``."""
    with face.FaceLandmarker(max_faces=1) as landmarker:
        for i in rows:
            frame = data.sample(int(i))
            meshes = landmarker.detect(frame)
            assert meshes, f"no face in row {i} of {data.name}"
            x, y, w, h = meshes[0].box
            assert box_width[0] < w < box_width[1] and 0 < x and x + w < frame.shape[1]


def moves(data, subject, column) -> float:
    """How much more the picture changes from the subject's first frame to the frame where ``column`` peaks
    than to its second frame (both first frames are neutral: camera noise and drift only)."""
    rows = data.table.index[data.table["subject"] == subject]
    assert data.table.loc[rows[:2], "label"].tolist() == ["neutral", "neutral"]
    peak = data.table.loc[rows, column].idxmax()
    first = data.sample(int(rows[0])).astype(int)
    return (np.abs(data.sample(int(peak)) - first).mean() / np.abs(data.sample(int(rows[1])) - first).mean())


def test_disfa_standin_is_the_real_layout_and_loads(au_standins, data_dir):
    root = au_standins["disfa"]
    assert list(au_standins) == ["disfa", "bp4d"] and root.name == FILES["disfa"] == "DISFA"
    subjects = sorted(p.name for p in (root / "ActionUnit_Labels").iterdir())
    assert len(subjects) == 4 and all(re.fullmatch(r"SN0[0-3]\d", s) for s in subjects)
    for subject in subjects:
        names = {p.name for p in (root / "ActionUnit_Labels" / subject).iterdir()}
        assert names == {f"{subject}_au{au}.txt" for au in DISFA_AUS}
        for title in ("Left", "Right"):
            assert (root / f"Videos_{title}Camera" / f"{title}Video{subject}_comp.avi").is_file()
    lines = (root / "ActionUnit_Labels" / subjects[0] / f"{subjects[0]}_au12.txt").read_text().splitlines()
    assert all(re.fullmatch(r"\d+,[0-5]", line) for line in lines)
    assert [int(line.split(",")[0]) for line in lines] == list(range(1, 49))
    info = video.probe(root / "Videos_LeftCamera" / f"LeftVideo{subjects[0]}_comp.avi")
    assert (info.fps, info.count, info.width, info.height) == (20.0, 48, 512, 384)

    folder = imported(au_standins, "disfa", data_dir)
    left, right = quiet(load_disfa, folder), quiet(load_disfa, folder, camera="right")
    assert len(left) == len(right) == 4 * 48 and sorted(left.table["subject"].unique()) == subjects
    assert sorted(left.table.groupby("subject")["fold"].first()) == [1, 1, 2, 3]
    counts = left.table["label"].value_counts()
    assert counts["action"] >= 30 and counts["neutral"] >= 30
    first = left.table[left.table["subject"] == subjects[0]]
    assert first["AU12_intensity"].tolist() == [int(line.split(",")[1]) for line in lines]
    assert left.table[["AU01_intensity", "AU12_intensity", "AU25_intensity"]].max().max() >= 4
    assert left.sample(0).shape == (384, 512, 3)
    busiest = left.table.filter(regex=r"_intensity$").sum().idxmax()
    subject = left.table.loc[left.table[busiest].idxmax(), "subject"]
    assert moves(left, subject, busiest) > 2  # the labelled intensities are rendered in the frames
    check_faces(left, [0, 100], (120, 300))
    check_faces(right, [0, 100], (120, 300))


def test_bp4d_standin_is_the_real_layout_and_loads(au_standins, data_dir):
    root = au_standins["bp4d"]
    assert root.name == FILES["bp4d"] == "BP4D"
    tables = sorted((root / "AUCoding" / "AU_OCC").glob("*.csv"))
    assert len(tables) == 8 and all(re.fullmatch(r"[FM]0\d\d_T[1-8]\.csv", t.name) for t in tables)
    assert {t.name[0] for t in tables} == {"F", "M"}
    rows = list(csv.reader(tables[0].read_text().splitlines()))
    assert rows[0] == [str(n) for n in range(28)] and len(rows) == 25
    assert {cell for row in rows[1:] for cell in row[1:]} <= {"0", "1", "9"}
    for au in BP4D_INTENSITY_AUS:
        assert len(list((root / "AUCoding" / "AU_INT" / f"AU{au:02d}").glob("*_AU*.csv"))) == 8
    jpgs = sorted((root / "Sequences").glob("*/*/*.jpg"))
    assert len(jpgs) == 8 * 27  # three uncoded frames before each coded segment
    assert {len(f.stem) == 4 for f in jpgs} == {True, False}  # 0012.jpg in some sequences, 812.jpg in others
    assert cv2.imread(str(jpgs[0]), cv2.IMREAD_UNCHANGED).shape == (696, 520, 3)

    data = quiet(load_bp4d, imported(au_standins, "bp4d", data_dir))
    assert len(data) == 8 * 24 and data.table["subject"].nunique() == 4
    assert sorted(data.table.groupby("subject")["fold"].first()) == [1, 1, 2, 3]
    assert set(data.table["label"]) == {"neutral", "action"}
    assert data.table["AU23"].isna().sum() == 8 * 3 and data.table["AU01"].notna().all()
    assert data.table.filter(regex=r"_intensity$").notna().all().all()
    assert ((data.table["AU12_intensity"] >= 1) == (data.table["AU12"] == 1)).all()
    subject = data.table.loc[data.table["AU12_intensity"].idxmax(), "subject"]
    assert moves(data, subject, "AU12_intensity") > 2
    check_faces(data, [0, 100], (150, 330))


# -------------------------------------------------------------- landmarker


def test_the_landmarker_finds_the_faces(standins, data_dir):
    casme2 = quiet(load_casme2, standins["casme2"])
    samm = quiet(load_samm, standins["samm"])
    fer = quiet(load_fer2013, imported(standins, "fer2013", data_dir, partial=True))
    pick = np.random.default_rng(0).choice(len(fer), 20, replace=False)
    with face.FaceLandmarker(max_faces=1) as landmarker:
        for data in (casme2, samm):
            row = data.table.iloc[1]
            frame = data.sample(1)[int(row["apex"])]
            meshes = landmarker.detect(frame)
            assert meshes, f"no face in {row['folder']}"
            x, y, w, h = meshes[0].box
            assert 150 < w < 400 and 0 < x and x + w < frame.shape[1]  # a face of a decent size, inside the frame
        found = sum(bool(landmarker.detect(face.as_rgb(face.resize(fer.samples[i], 192)))) for i in pick)
    assert found >= 16, f"the landmarker found {found} of 20 FER2013 faces"


# ---------------------------------------------------------------- the writer


def test_the_writer_is_deterministic_and_refuses_to_overwrite(tmp_path):
    one = write_standins(tmp_path / "a", n_faces=30, seed=3, only=["fer2013", "fer2013-kaggle"])
    two = write_standins(tmp_path / "b", n_faces=30, seed=3, only=["fer2013", "fer2013-kaggle"])
    assert list(one) == ["fer2013", "fer2013-kaggle"]
    for name in one:
        assert one[name].read_bytes() == two[name].read_bytes()
    with pytest.raises(FileExistsError, match="fer2013.tar.gz"):
        write_standins(tmp_path / "a", n_faces=30, only=["fer2013"])
    with pytest.raises(ValueError, match="n_clips must be at least 8"):
        write_standins(tmp_path / "c", n_clips=4, only=["casme2"])


def test_command_line(tmp_path, capsys):
    assert main([str(tmp_path / "out"), "--only", "jaffe"]) == 0
    out = capsys.readouterr().out
    assert "jaffe" in out and "MiB" in out and "written in" in out
    assert len(list((tmp_path / "out" / "jaffe").glob("*.tiff"))) == 70
