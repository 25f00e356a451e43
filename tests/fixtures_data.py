"""Tiny datasets written in the real published formats, for the data tests.

Each builder writes into a folder the test gives (``tmp_path``) and returns what the
test needs to check the loader's answer.  Frames are flat grey images whose value
encodes their position, so a test can see that frames come back in order.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import cv2
import numpy as np

from fercourse import video

FER_PIXELS = 48 * 48


def pixel_text(value: int, count: int = FER_PIXELS) -> str:
    """A FER2013 pixels field: ``count`` copies of ``value``."""
    return " ".join([str(value)] * count)


def write_fer2013_csv(path: Path, rows=None, header: str = "emotion,pixels,Usage") -> Path:
    """A FER2013 CSV; by default three valid rows (angry/train, happy/val, neutral/test)."""
    if rows is None:
        rows = [(0, pixel_text(10), "Training"), (3, pixel_text(20), "PublicTest"), (6, pixel_text(30), "PrivateTest")]
    lines = [header] + [",".join(str(field) for field in row) for row in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def write_image(path: Path, value: int, size: tuple[int, int] = (4, 4), color: bool = False) -> Path:
    """A flat image file (PNG, JPEG or TIFF by suffix) whose pixels are all ``value``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shape = size + ((3,) if color else ())
    assert cv2.imwrite(str(path), np.full(shape, value, np.uint8))
    return path


# The three forms FER2013 is downloaded in, in miniature.  Row i's pixels are all i % 256, so a
# test can tell rows apart; labels are uneven, as in the real data.

#: Label codes (FER2013: 0 angry .. 6 neutral) of 64 Training rows: 24 happy, 16 neutral, 8 each of
#: angry, sad and surprise, so 1/8 of every label is a whole number of rows.
FER_TRAINING_CODES = [3] * 24 + [6] * 16 + [0] * 8 + [4] * 8 + [5] * 8
#: 8 PublicTest and 8 PrivateTest rows.
FER_TEST_CODES = [3, 3, 6, 6, 0, 4, 5, 2]


def fer2013_rows() -> list[tuple[int, str, str]]:
    """80 ``(emotion, pixels, Usage)`` rows: 64 Training, 8 PublicTest, 8 PrivateTest (interleaved, as in the file)."""
    usages = ["Training"] * len(FER_TRAINING_CODES) + ["PublicTest", "PrivateTest"] * len(FER_TEST_CODES)
    codes = FER_TRAINING_CODES + [code for code in FER_TEST_CODES for _ in range(2)]
    return [(code, pixel_text(i % 256), usage) for i, (code, usage) in enumerate(zip(codes, usages))]


def write_icml_face_data(path: Path, rows=None) -> Path:
    """Kaggle's ``icml_face_data.csv``: the header ``emotion, Usage, pixels`` (spaces included)."""
    rows = fer2013_rows() if rows is None else rows
    return write_fer2013_csv(path, [(e, u, p) for e, p, u in rows], header="emotion, Usage, pixels")


def make_fer2013_competition(root: Path, icml: bool = True, train: bool = True, nested: bool = False) -> Path:
    """Kaggle's competition download, extracted: ``icml_face_data.csv`` (all rows), ``train.csv``
    (the Training rows, ``emotion,pixels``), ``test.csv`` (the other rows' pixels, no labels),
    ``example_submission.csv`` and, with ``nested``, a ``fer2013.tar.gz`` inside."""
    rows = fer2013_rows()
    if icml:
        write_icml_face_data(root / "icml_face_data.csv", rows)
    if train:
        write_fer2013_csv(root / "train.csv", [(e, p) for e, p, u in rows if u == "Training"], header="emotion,pixels")
    write_fer2013_csv(root / "test.csv", [(p,) for _, p, u in rows if u != "Training"], header="pixels")
    (root / "example_submission.csv").write_text("emotion\n" + "\n".join("0" for _ in range(16)) + "\n")
    if nested:
        make_fer2013_tar_gz(root / "fer2013.tar.gz", root.parent / f"{root.name}-inner")
    return root


def make_fer2013_tar_gz(archive: Path, work: Path) -> Path:
    """The classic ``fer2013.tar.gz``: ``fer2013/fer2013.csv``, ``fer2013/README``, ``fer2013/fer2013.bib``."""
    folder = work / "fer2013"
    write_fer2013_csv(folder / "fer2013.csv", fer2013_rows())
    (folder / "README").write_text("FER2013, ICML 2013 workshop challenge\n")
    (folder / "fer2013.bib").write_text("@misc{fer2013}\n")
    archive.parent.mkdir(parents=True, exist_ok=True)
    return tar_folder(folder, archive, prefix="fer2013")


#: Images per label of the Kaggle folder version in miniature: train/ 32 (16 happy, 8 sad, 8 angry), test/ 6.
FER_FOLDER_COUNTS = {"train": {"happy": 16, "sad": 8, "angry": 8}, "test": {"happy": 2, "sad": 2, "angry": 2}}


def make_fer2013_kaggle_folders(root: Path) -> Path:
    """Kaggle's folder version (``archive.zip`` extracted): ``train/<emotion>/*.png`` and ``test/<emotion>/*.png``."""
    value = 0
    for split, counts in FER_FOLDER_COUNTS.items():
        for label, count in counts.items():
            for i in range(count):
                write_image(root / split / label / f"im{i}.png", value % 256, size=(48, 48))
                value += 1
    return root


def make_fer2013_folders(root: Path) -> Path:
    for split, label, name, value in [
        ("train", "happy", "Training_1.png", 50),
        ("train", "angry", "Training_2.png", 60),
        ("test", "sad", "PrivateTest_3.png", 70),
    ]:
        write_image(root / split / label / name, value, size=(48, 48))
    return root


# ----------------------------------------------------------------------- FER+

#: The header of FER+'s ``fer2013new.csv``.
FERPLUS_HEADER = "Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF"
#: Nine rows of FER+ beside nine FER2013 rows: (Usage, FER+ image name, votes in the file's order: neutral,
#: happiness, surprise, sadness, anger, disgust, fear, contempt, unknown, NF; FER2013's code), and what FER+'s
#: majority rule makes of each (None: left out).  Image names do not follow the row numbers, as FER+'s do not.
FERPLUS_ROWS = [
    ("Training", "fer0000000.png", (0, 10, 0, 0, 0, 0, 0, 0, 0, 0), 3, "happy"),  # unchanged
    ("Training", "fer0000001.png", (6, 0, 0, 1, 0, 0, 0, 0, 3, 0), 4, "neutral"),  # 6 of 9 left: sad -> neutral
    ("Training", "", (0, 0, 0, 0, 0, 0, 0, 0, 0, 10), 0, None),  # no image name: not a face
    ("Training", "fer0000002.png", (5, 5, 0, 0, 0, 0, 0, 0, 0, 0), 6, None),  # 5-5: no majority
    ("Training", "fer0000003.png", (1, 1, 5, 0, 0, 0, 1, 0, 2, 0), 2, "surprise"),  # 5 of 10, but 5 of 7 left
    ("PublicTest", "fer0000004.png", (0, 4, 0, 0, 0, 0, 0, 6, 0, 0), 3, "contempt"),  # FER2013 has no contempt
    ("PublicTest", "fer0000005.png", (0, 0, 0, 0, 3, 0, 0, 0, 7, 0), 0, None),  # majority unknown
    ("PrivateTest", "fer0000006.png", (0, 0, 0, 0, 7, 2, 0, 0, 0, 0), 0, "angry"),  # 9 votes, as one real row
    ("PrivateTest", "fer0000007.png", (4, 0, 0, 0, 0, 0, 0, 0, 0, 6), 6, None),  # majority NF
]


def ferplus_rows(rows=None) -> list[str]:
    """The data lines of a ``fer2013new.csv`` (default: :data:`FERPLUS_ROWS`)."""
    rows = FERPLUS_ROWS if rows is None else rows
    return [",".join([usage, name, *map(str, votes)]) for usage, name, votes, *_ in rows]


def write_ferplus_csv(path: Path, lines=None, header: str = FERPLUS_HEADER) -> Path:
    """FER+'s label file: ``header`` and ``lines`` (default: :func:`ferplus_rows`)."""
    lines = ferplus_rows() if lines is None else lines
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header] + list(lines)) + "\n")
    return path


def make_ferplus(root: Path, faces: Path | None = None) -> Path:
    """``fer2013new.csv`` (:data:`FERPLUS_ROWS`) in ``root`` and the matching FER2013 rows in ``faces``
    (default: ``root/fer2013.csv``, beside it).  FER2013 row i's pixels are all 10 * (i + 1)."""
    write_ferplus_csv(root / "fer2013new.csv")
    rows = [(code, pixel_text(10 * (i + 1)), usage) for i, (usage, _, _, code, _) in enumerate(FERPLUS_ROWS)]
    write_fer2013_csv(faces if faces is not None else root / "fer2013.csv", rows)
    return root


# ----------------------------------------------------------------------- CK+


def make_ckplus(root: Path) -> Path:
    """Two labelled sequences (S005/001 disgust, 3 frames; S010/002 contempt, 2 frames) and an unlabelled one."""
    sequences = {("S005", "001"): (3, "3.0000000e+00"), ("S010", "002"): (2, "2.0000000e+00"), ("S010", "003"): (2, None)}
    for (subject, sequence), (frames, code) in sequences.items():
        for i in range(frames):
            write_image(root / "cohn-kanade-images" / subject / sequence / f"{subject}_{sequence}_{i + 1:08d}.png",
                        10 * (i + 1))
        if code is not None:
            label = root / "Emotion" / subject / sequence / f"{subject}_{sequence}_{frames:08d}_emotion.txt"
            label.parent.mkdir(parents=True, exist_ok=True)
            label.write_text(f"   {code}\n")
    return root


# --------------------------------------------------------------------- JAFFE


def make_jaffe(root: Path) -> Path:
    for name, value in [("KA.AN1.39.tiff", 40), ("KA.HA2.30.tiff", 50), ("NA.NE1.202.tiff", 60)]:
        write_image(root / name, value, size=(8, 8))
    return root


# ------------------------------------------------------ CASME II and SAMM


def write_xlsx(path: Path, rows: list[list]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def write_clip(folder: Path, names: list[str]) -> None:
    """Frames 0, 1, 2, ... as flat JPEGs of value 40, 60, 80, ... in file-name order."""
    for i, name in enumerate(names):
        write_image(folder / name, 40 + 20 * i, size=(8, 8), color=True)


CASME2_HEADER = ["Subject", "Filename", "OnsetFrame", "ApexFrame", "OffsetFrame", "Action Units", "Estimated Emotion"]


def make_casme2(root: Path, header=None, emotion: str = "happiness") -> Path:
    """Two clips: sub01/EP02_01f (img46..img50, full codes) and sub02/EP03_02 (apex '/', offset 0)."""
    write_clip(root / "CASME2_RAW_selected" / "sub01" / "EP02_01f", [f"img{n}.jpg" for n in range(46, 51)])
    write_clip(root / "CASME2_RAW_selected" / "sub02" / "EP03_02", [f"img{n}.jpg" for n in range(9, 15)])
    write_xlsx(
        root / "CASME2-coding-20140508.xlsx",
        [
            header or CASME2_HEADER,
            [1, "EP02_01f", 46, 48, 50, "6+12", emotion],
            [2, "EP03_02", 10, "/", 0, "4+L10", "repression"],
        ],
    )
    return root


def make_samm(root: Path) -> Path:
    """A SAMM sheet with title rows above the table, and two clips of subject 006."""
    write_clip(root / "SAMM" / "006" / "006_1_2", [f"006_{n:05d}.jpg" for n in range(5562, 5567)])
    write_clip(root / "SAMM" / "006" / "006_1_3", [f"006_{n:05d}.jpg" for n in range(6000, 6004)])
    write_xlsx(
        root / "SAMM_Micro_FACS_Codes_v2.xlsx",
        [
            ["SAMM micro-movements, FACS coded"],
            ["coded by two certified coders"],
            [],
            ["Subject", "Filename", "Inducement Code", "Onset Frame", "Apex Frame", "Offset Frame", "Duration",
             "Type", "Action Units", "Notes", "Estimated Emotion"],
            ["006", "006_1_2", 1, 5562, 5564, 5566, 5, "Micro - 1/2", "4+7", None, "Anger"],
            [6, "006_1_3", 1, 6001, 6002, -1, 4, "Micro - 1/2", "R12", None, "Other"],
        ],
    )
    return root


# ---------------------------------------------------------------------- SMIC

#: The clips of make_smic: (subject, class folder, clip folder) -> (first frame number, frames).
SMIC_CLIPS = {
    ("s1", "negative", "s1_ne_01"): (36237, 5),
    ("s1", "positive", "s1_po_01"): (1, 4),
    ("s3", "negative", "s3_ne_02"): (120, 3),
    ("s3", "surprise", "s3_sur_01"): (9998, 6),
}


def make_smic(root: Path, top: str = "HS") -> Path:
    """SMIC-HS in miniature under ``root/top``: :data:`SMIC_CLIPS` as ``<subject>/micro/<class>/<clip>/
    image<NNNNNN>.bmp``, plus what the real download has beside them and the loader skips: a ``non_micro``
    clip of s1, a subject s2 with only ``non_micro``, and a ``NIR`` camera folder beside ``HS``."""
    hs = root / top
    for (subject, label, clip), (first, count) in SMIC_CLIPS.items():
        write_clip(hs / subject / "micro" / label / clip, [f"image{first + i:06d}.bmp" for i in range(count)])
    write_clip(hs / "s1" / "non_micro" / "s1_non_01", [f"image{n:06d}.bmp" for n in range(500, 503)])
    write_clip(hs / "s2" / "non_micro" / "s2_non_01", [f"image{n:06d}.bmp" for n in range(7, 9)])
    write_clip(hs.parent / "NIR" / "s1" / "micro" / "negative" / "s1_ne_01", ["image000001.bmp"])
    return root


# -------------------------------------------------------------------- videos


def write_video(path: Path, frames: int = 6, fourcc: str = "MJPG", size: int = 16) -> Path:
    """A short red clip (RGB 200, 0, 0) at 30 fps."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), 30.0, (size, size))
    assert writer.isOpened(), f"OpenCV cannot write {path.suffix} with {fourcc}"
    frame = np.zeros((size, size, 3), np.uint8)
    frame[..., 2] = 200  # OpenCV writes BGR
    for _ in range(frames):
        writer.write(frame)
    writer.release()
    return path


def make_video_folders(root: Path) -> Path:
    write_video(root / "happy" / "S01_take1.avi")
    write_video(root / "happy" / "S02-take1.mp4", fourcc="mp4v")
    write_video(root / "sad" / "S01_take2.avi", frames=4)
    return root


# ---------------------------------------------------------- DISFA and BP4D

DISFA_TEST_AUS = (1, 2, 4, 5, 6, 9, 12, 15, 17, 20, 25, 26)
#: Intensities by AU of the fixture's 6 frames (the other AUs stay 0): frames 3-5 have AU12 at 2 or more.
DISFA_LEVELS = {12: [0, 1, 2, 3, 2, 0], 6: [0, 0, 1, 2, 1, 0], 25: [0, 0, 0, 1, 0, 0]}
DISFA_SUBJECTS = ("SN001", "SN002", "SN003", "SN005")


def disfa_value(camera: str, frame: int) -> int:
    """The flat grey value of a DISFA fixture frame (frames count from 1): the left camera 20, 40, ...;
    the right camera 30, 50, ... (modulo 250)."""
    return (20 * frame + (10 if camera == "right" else 0)) % 250


def write_disfa_labels(folder: Path, subject: str, levels: dict[int, list[int]], frames: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for au in DISFA_TEST_AUS:
        values = (list(levels.get(au, [])) + [0] * frames)[:frames]
        (folder / f"{subject}_au{au}.txt").write_text("".join(f"{i + 1},{v}\n" for i, v in enumerate(values)))


def make_disfa(root: Path, subjects=DISFA_SUBJECTS, frames: int = 6, right: bool = True) -> Path:
    """DISFA in miniature: label files for every AU of each subject (DISFA_LEVELS) and one 16x16 video a
    subject and camera whose frames are flat grey (disfa_value)."""
    for subject in subjects:
        write_disfa_labels(root / "ActionUnit_Labels" / subject, subject, DISFA_LEVELS, frames)
        for camera in ("left", "right") if right else ("left",):
            title = camera.capitalize()
            clip = [np.full((16, 16, 3), disfa_value(camera, f), np.uint8) for f in range(1, frames + 1)]
            folder = root / f"Videos_{title}Camera"
            folder.mkdir(parents=True, exist_ok=True)
            video.write(clip, folder / f"{title}Video{subject}_comp.avi", fps=20)
    return root


#: The occurrence tables' AU columns: AU11 is coded (always absent), AU28 is never coded (all 9).
BP4D_HEADER_AUS = (1, 2, 4, 6, 7, 10, 11, 12, 14, 15, 17, 23, 24, 28)
#: Per sequence: (frames coded, file-name padding, AU -> occurrence codes a frame; others 0, AU28 9).
BP4D_SEQUENCES = {
    ("F001", "T1"): ([10, 11, 12, 13], 4, {12: [0, 1, 1, 0], 6: [0, 0, 1, 0], 1: [9, 0, 0, 0]}),
    ("F001", "T2"): ([3, 4], 0, {}),
    ("F002", "T1"): ([5, 6, 7], 0, {4: [1, 0, 0]}),
    ("M001", "T1"): ([100, 101, 102], 4, {24: [0, 1, 0]}),
}
#: F001_T1's AU06 and AU12 intensities (frame -> level; 9 = not coded).
BP4D_INTENSITIES = {6: {10: 0, 11: 0, 12: 3, 13: 9}, 12: {10: 0, 11: 2, 12: 4, 13: 0}}


def bp4d_value(frame: int) -> int:
    """The flat grey value of the BP4D fixture's frame ``frame``."""
    return (10 * frame) % 250 + 5


def write_bp4d_table(path: Path, frames, codes: dict[int, list[int]], header_aus=BP4D_HEADER_AUS) -> Path:
    lines = [",".join(["0"] + [str(au) for au in header_aus])]
    for i, frame in enumerate(frames):
        row = [str(codes.get(au, [9 if au == 28 else 0] * len(frames))[i]) for au in header_aus]
        lines.append(",".join([str(frame)] + row))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def make_bp4d(root: Path, intensities: bool = True) -> Path:
    """BP4D in miniature: the occurrence tables of BP4D_SEQUENCES, F001_T1's intensities of AU06 and AU12,
    and an 8x8 colour JPEG a frame (names zero-padded to 4 digits or not), plus one uncoded frame in
    F001/T1 (0001.jpg, which no table codes)."""
    for (subject, task), (frames, padding, codes) in BP4D_SEQUENCES.items():
        write_bp4d_table(root / "AUCoding" / "AU_OCC" / f"{subject}_{task}.csv", frames, codes)
        for frame in frames:
            write_image(root / "Sequences" / subject / task / f"{frame:0{padding}d}.jpg", bp4d_value(frame),
                        size=(8, 8), color=True)
    write_image(root / "Sequences" / "F001" / "T1" / "0001.jpg", 0, size=(8, 8), color=True)
    if intensities:
        for au, levels in BP4D_INTENSITIES.items():
            path = root / "AUCoding" / "AU_INT" / f"AU{au:02d}" / f"F001_T1_AU{au:02d}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(f"{frame},{level}\n" for frame, level in levels.items()))
    return root


def truncate(path: Path, keep: float) -> Path:
    """Cut ``path`` to the first ``keep`` fraction of its bytes, as an interrupted download would."""
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


# ------------------------------------------------------------------ archives


def zip_folder(folder: Path, archive: Path, prefix: str = "", extra: dict[str, bytes] | None = None) -> Path:
    """Zip ``folder``'s files under ``prefix``, plus ``extra`` members given by name."""
    with zipfile.ZipFile(archive, "w") as handle:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                handle.write(file, prefix + file.relative_to(folder).as_posix())
        for name, data in (extra or {}).items():
            handle.writestr(zipfile.ZipInfo(name), data)
    return archive


def tar_folder(folder: Path, archive: Path, prefix: str = "") -> Path:
    with tarfile.open(archive, "w:gz") as handle:
        handle.add(folder, arcname=prefix or folder.name)
    return archive


def tar_with_link(archive: Path, link: str, target: str) -> Path:
    """A tar holding one ordinary file and a symbolic link ``link`` -> ``target``."""
    with tarfile.open(archive, "w") as handle:
        data = b"hello"
        info = tarfile.TarInfo("pack/readme.txt")
        info.size = len(data)
        handle.addfile(info, io.BytesIO(data))
        info = tarfile.TarInfo(link)
        info.type, info.linkname = tarfile.SYMTYPE, target
        handle.addfile(info)
    return archive
