"""Small stand-ins for the real dataset downloads, in the formats their owners distribute.

The course reads FER2013, FER+, CASME II, SAMM, SMIC, CK+, JAFFE, DISFA and BP4D in their published layouts
(:mod:`fercourse.data.loaders`) after ``python -m fercourse data import`` has checked
them.  Those datasets are licensed and cannot ship with the tests, so this module writes
stand-ins: the same files, names, headers, image sizes, colour modes, numbering and
spreadsheet quirks as a learner's download, filled with faces from the course's
synthetic generator (:mod:`fercourse.synth`).  A test imports them with the importer and
runs the chapters with real data switched on (``FERCOURSE_DATA=real``).

>>> paths = write_standins(tmp_path, n_faces=80, n_clips=12)     # doctest: +SKIP
>>> import_dataset(DATASET_OF["casme2"], paths["casme2"], into=data / "casme2")  # doctest: +SKIP

or from a terminal: ``python tests/real_standins.py OUTDIR [--faces N] [--clips N]``.

What is written (``write_standins`` returns name -> path; :data:`DATASET_OF` gives the
importer's dataset name for each):

``fer2013``  ``fer2013.tar.gz``
    ``fer2013/fer2013.csv`` (``emotion,pixels,Usage``; emotion 0..6 in FER2013's order;
    2304 grey values a row; the ``Training`` rows first, then ``PublicTest``, then
    ``PrivateTest``, about 80/10/10), beside ``fer2013/README`` and ``fer2013/fer2013.bib``
    as in the original tarball.  Classes are imbalanced as in FER2013 (happy most,
    disgust fewest, at least two).  The row count is not FER2013's 35,887, so the
    importer needs ``partial=True`` (``--partial``).
``fer2013-kaggle``  ``challenges-in-representation-learning-facial-expression-recognition-challenge.zip``
    The Kaggle competition download, flat: ``icml_face_data.csv`` (header exactly
    ``emotion, Usage, pixels``, with the spaces), ``train.csv`` (``emotion,pixels``,
    Training rows, pixels in quotes), ``test.csv`` (``pixels`` only, the PublicTest and
    PrivateTest rows, in quotes), ``example_submission.csv`` (one column ``Emotion``,
    a code a test row: the exact layout of Kaggle's file is not known here) and
    ``fer2013.tar.gz`` (the tarball above, which the competition page also lists).
``fer2013-folders``  ``archive.zip``
    The Kaggle image-folder version (msambare/fer2013): ``train/<emotion>/Training_<id>.jpg``
    and ``test/<emotion>/PublicTest_<id>.jpg`` / ``PrivateTest_<id>.jpg``, 48x48 grey JPEGs,
    folders angry, disgust, fear, happy, neutral, sad, surprise; no validation folder
    (the public-test faces are in ``test/``).  Its files are JPEGs named after the CSV's
    usage and an id, not ``im<k>.png`` (that naming, with the folders ``disgusted``,
    ``fearful`` and ``surprised``, belongs to another Kaggle upload).
``ferplus``  ``fer2013new.csv`` (written only when asked for: ``only=["ferplus"]``)
    FER+'s label file for the faces of the ``fer2013`` stand-in, row for row: header
    ``Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF``,
    the Usage of each FER2013 row, an image name ``fer0000000.png`` ... (empty, with all
    ten votes on ``NF``, for a few rows FER+ found no face in; the numbering skips those
    rows, as FER+'s does) and ten votes a row (nine on one row, as in the published
    file).  Most rows give FER2013's label a majority, some another emotion (contempt
    among them), some no majority or a majority of ``unknown``.  It holds no faces: import
    FER2013 first.
``casme2``  folder ``CASME2/``
    ``CASME2_RAW_selected/subNN/EPxx_yy[f]/img<N>.jpg``: 640x480 colour JPEG frames,
    numbered from an arbitrary start (``img46.jpg`` ...) without gaps, the face about
    240 px wide near the centre in front of a light, plain wall; and
    ``CASME2-coding-20140508.xlsx`` with CASME II's header (Subject, Filename,
    OnsetFrame, ApexFrame, OffsetFrame, Action Units, Estimated Emotion), subjects as
    numbers, one ``/`` in ApexFrame, single AUs as numbers (``4``) and combinations as
    text (``4+L10``), labels in CASME II's words.
``samm``  folder ``SAMM/``
    ``SAMM/<subject>/<subject>_<code>_<n>/<subject>_<frame:05d>.jpg``: GREY (one-channel)
    JPEGs of 1020x544 (half SAMM's 2040x1088), face about 260 px wide; and
    ``SAMM_Micro_FACS_Codes_v2.xlsx`` with two title rows and a blank row above the
    header (Subject, Filename, Inducement Code, Onset Frame, Apex Frame, Offset Frame,
    Duration, Type, Action Units, Notes, Estimated Emotion), subjects as text
    (``"006"``), SAMM's capitalised words (``Anger``, ``Other`` ...), one Offset Frame of -1.
``smic``  folder ``SMIC_all_raw/`` (written only when asked for: ``only=["smic"]``)
    ``HS/s<N>/micro/<negative|positive|surprise>/s<N>_<ne|po|sur>_<k>/image<frame:06d>.bmp``:
    SMIC-HS's 640x480 colour BMP frames (uncompressed, as SMIC's), numbered from an
    arbitrary start, subjects drawn from s1..s20 (the others absent), 11 to 20 frames a
    clip that run from onset to offset (SMIC gives no apex; the rendered peak lies
    between 35 % and 65 % of the clip), plus one ``non_micro/`` clip of neutral frames
    a subject, which the loader skips.  Negative clips show disgust, sadness, anger
    or fear; positive ones happiness.
``ckplus``  folder ``CK+/``
    ``cohn-kanade-images/S005/001/S005_001_00000001.png`` (640x490 grey PNGs; one
    subject in 640x480 colour, as a few real CK+ subjects are), each sequence from a
    neutral face to the apex, and ``Emotion/S005/001/S005_001_<last>_emotion.txt``
    (``   3.0000000e+00``) for all but the last sequence of the first subject, which has
    no label file (like 266 of CK+'s 593 sequences).
``jaffe``  folder ``jaffe/``
    ``KA.AN1.39.tiff``-style 256x256 grey TIFFs of ten subjects (JAFFE's initials) and
    seven expressions, with a ``README``.
``disfa``  folder ``DISFA/`` (written only when asked for: ``only=["disfa"]``)
    ``ActionUnit_Labels/SN001/SN001_au1.txt`` ... (lines ``frame,intensity``, frames from
    1, intensities 0-5) for DISFA's 12 AUs, and ``Videos_LeftCamera/LeftVideoSN001_comp.avi``
    and ``Videos_RightCamera/RightVideoSN001_comp.avi``: Motion-JPEG AVIs of 512x384
    (half DISFA's 1024x768) at 20 fps, one a subject and camera (the right camera sees
    the face mirrored, from the other side), four subjects of 48 frames (DISFA's have
    4,845).  Each subject shows three AU events (1+2, 6+12, 25+26, 4, 9, ...) rising
    to intensities 2 to 5 and falling back; every frame is rendered with exactly the
    intensities its label lines give.
``bp4d``  folder ``BP4D/`` (written only when asked for: ``only=["bp4d"]``)
    ``AUCoding/AU_OCC/F001_T1.csv`` (a header ``0`` then AU numbers 1 to 27, a row a
    coded frame: 0 absent, 1 present from intensity 1, 9 for the AUs BP4D does not
    code, and for AU23 and AU24 in a few frames), ``AUCoding/AU_INT/AU06/F001_T1_AU06.csv``
    ... (``frame,intensity``) for AUs 6, 10, 12, 14 and 17, and
    ``Sequences/F001/T1/<frame>.jpg``: 520x696 colour JPEGs (half BP4D's 1040x1392,
    portrait), named ``0012.jpg`` in some sequences and ``12.jpg`` in others, three
    uncoded frames before the coded segment of 24.  Four subjects (two F, two M), two
    tasks each, three AU events a sequence from BP4D's 12 AUs.

Clips.  Each clip is rendered at 200 fps in name only: 30 to 40 frames (real clips have
60 to 150 at 200 fps), neutral at the start and end, one expression event inside with
onset, apex and offset as the sheet says, at micro-expression strength (0.3 to 0.6 of the
prototype).  The face is rendered as a square with :func:`fercourse.synth.render`,
enlarged, and placed in the frame: its edge columns are repeated out to the frame's sides
(background and clothes continue, no seam), at one place per clip.  A slow sub-pixel
drift of the whole picture stands in for head motion; about a quarter of the clips have
a blink outside the event; camera noise is added to every frame.  Frames with the same
expression strength and eye closure share one render, which keeps writing fast.

Label -> what the generator renders (AU numbers are FACS action units):

===========================  ===========================================================
dataset label                rendered as
===========================  ===========================================================
happiness / Happiness        happy prototype or open smile (6+12, 6+12+25)
surprise / Surprise          surprise (1+2+5+26)
disgust / Disgust            disgust (9+10+15+16, or teeth bared)
fear / Fear                  fear (1+2+4+5+7+20+26, or open mouth)
sadness / Sadness            sad (1+4+15+17, or pout)
Anger                        angry (4+5+7+23+24, or shouting)
Contempt                     contempt, one-sided (R12+R14)
                             (in the clips only the one to three strongest AUs of
                             each pattern: a micro-expression moves few muscles)
repression                   a subtle lip press: 14+17+24 (the suppressed smile or
                             tightening CASME II codes as repression)
others / Other               one or two AUs drawn from 1, 2, 4, 7, 10, 14, 17, 23, 24
                             (no full prototype, as CASME II's and SAMM's 'others')
CK+ codes 1..7, JAFFE codes  the matching prototype at full strength (0.8 to 1.0)
===========================  ===========================================================

The sheets' Action Units column gives the AUs actually rendered.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import io
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import numpy as np

__all__ = ["DATASET_OF", "DEFAULT_STANDINS", "FILES", "write_standins", "main"]

#: The importer's dataset name for each stand-in that :func:`write_standins` returns.
DATASET_OF = {
    "fer2013": "fer2013",
    "fer2013-kaggle": "fer2013",
    "fer2013-folders": "fer2013",
    "ferplus": "ferplus",
    "casme2": "casme2",
    "samm": "samm",
    "smic": "smic",
    "ckplus": "ckplus",
    "jaffe": "jaffe",
    "disfa": "disfa",
    "bp4d": "bp4d",
}
#: What :func:`write_standins` writes unless told otherwise (FER+, SMIC and the AU datasets only on request).
DEFAULT_STANDINS = ("fer2013", "fer2013-kaggle", "fer2013-folders", "casme2", "samm", "ckplus", "jaffe")

#: The file or folder name of each stand-in, as the download is called.
FILES = {
    "fer2013": "fer2013.tar.gz",
    "fer2013-kaggle": "challenges-in-representation-learning-facial-expression-recognition-challenge.zip",
    "fer2013-folders": "archive.zip",
    "ferplus": "fer2013new.csv",
    "casme2": "CASME2",
    "samm": "SAMM",
    "smic": "SMIC_all_raw",
    "ckplus": "CK+",
    "jaffe": "jaffe",
    "disfa": "DISFA",
    "bp4d": "BP4D",
}

#: FER2013's class sizes (all three usages), for the stand-in's imbalance.
FER2013_COUNTS = {"angry": 4953, "disgust": 547, "fear": 5121, "happy": 8989, "sad": 6077, "surprise": 4002,
                  "neutral": 6198}
#: Date stamp of the files inside the archives (the competition's start).
_ARCHIVE_DATE = (2013, 4, 12, 0, 0, 0)

# Labels in each dataset's words, cycled over the clips: every MEGC class comes twice
# in the first eight, and 'others' is there as in the real sets.
CASME2_CYCLE = ("others", "happiness", "surprise", "disgust", "repression", "others", "happiness", "surprise",
                "disgust", "repression", "sadness", "fear")
SAMM_CYCLE = ("Anger", "Happiness", "Surprise", "Other", "Contempt", "Anger", "Happiness", "Surprise",
              "Disgust", "Other", "Fear", "Sadness")
#: The generator's expression for each dataset word (None: the special renderings below).
_EXPRESSION = {
    "happiness": "happy", "surprise": "surprise", "disgust": "disgust", "fear": "fear", "sadness": "sad",
    "anger": "angry", "contempt": "contempt", "repression": None, "others": None, "other": None,
}
REPRESSION_AUS = {14: 0.7, 17: 0.5, 24: 0.9}
OTHER_AUS = (1, 2, 4, 7, 10, 14, 17, 23, 24)

CASME2_SUBJECTS = range(1, 27)
SAMM_SUBJECTS = range(6, 38)
CKPLUS_CODES = {1: "angry", 2: "contempt", 3: "disgust", 4: "fear", 5: "happy", 6: "sad", 7: "surprise"}
JAFFE_SUBJECTS = ("KA", "KL", "KM", "KR", "MK", "NA", "NM", "TM", "UY", "YM")
JAFFE_EXPRESSIONS = {"NE": "neutral", "HA": "happy", "SA": "sad", "SU": "surprise", "AN": "angry",
                     "DI": "disgust", "FE": "fear"}


# ------------------------------------------------------------------ helpers


def _zip_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ARCHIVE_DATE)
    info.external_attr = 0o100644 << 16  # a plain file, rw-r--r--
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as handle:
        for name, data in members.items():
            handle.writestr(_zip_info(name), data)
    return path


def _tar_gz(members: dict[str, bytes], folders: tuple[str, ...] = ()) -> bytes:
    """A .tar.gz with these folders and files (fixed dates, so the same input gives the same bytes)."""
    raw = io.BytesIO()
    with (gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0) as gz,
          tarfile.open(fileobj=gz, mode="w") as tar):
        for folder in folders:
            info = tarfile.TarInfo(folder)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 1365724800
            tar.addfile(info)
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 1365724800
            tar.addfile(info, io.BytesIO(data))
    return raw.getvalue()


def _jpeg(image: np.ndarray, quality: int = 92) -> bytes:
    import cv2

    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return data.tobytes()


def _save(path: Path, image: np.ndarray, **options) -> None:
    """Write an RGB or grey image; the format follows the suffix."""
    import cv2

    if path.suffix.lower() == ".jpg":
        path.write_bytes(_jpeg(image, **options))
        return
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ok, data = cv2.imencode(path.suffix, image)
    assert ok
    path.write_bytes(data.tobytes())


def _write_xlsx(path: Path, rows: list[list]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _au_code(aus: dict) -> str:
    """FACS text of an AU dict: ``{12: .5, 6: .3}`` -> ``'6+12'``, one-sided codes kept (``R12``)."""
    def number(code) -> int:
        return int(str(code).lstrip("RL"))

    return "+".join(str(code) for code in sorted((c for c, v in aus.items() if v > 0), key=number)) or "0"


def _sheet_aus(aus: dict):
    """The Action Units cell as CASME II writes it: a lone bilateral AU is a number."""
    code = _au_code(aus)
    return int(code) if code.isdigit() else code


def _expression(word: str, rng: np.random.Generator, strength: float) -> dict:
    """The AUs (code -> intensity) that render a micro-expression dataset's label word at ``strength``.

    A micro-expression moves few muscles: of the expression's pattern only its one to
    three strongest AUs are kept (happiness 12 or 6+12, surprise 1+2 or 1+2+5 ...).
    """
    from fercourse import synth

    word = word.lower()
    expression = _EXPRESSION[word]
    if expression is not None:
        aus = synth.expression_aus(expression, rng, strength)[0]
        keep = int(rng.choice([1, 2, 3], p=[0.3, 0.4, 0.3]))
        return dict(sorted(aus.items(), key=lambda item: -item[1])[:keep])
    if word == "repression":
        return {au: float(np.clip(v * strength * rng.uniform(0.85, 1.15), 0, 1)) for au, v in REPRESSION_AUS.items()}
    chosen = rng.choice(OTHER_AUS, size=int(rng.integers(1, 3)), replace=False)
    return {int(au): float(np.clip(strength * rng.uniform(0.8, 1.4), 0, 1)) for au in chosen}


# ------------------------------------------------------------------- FER2013


def _fer2013_faces(n: int, seed: int):
    """``n`` 48x48 grey faces with FER2013-like imbalance, shuffled; codes and Usage per face."""
    from fercourse import synth
    from fercourse.emotions import FER2013_LABELS

    if n < 20:
        raise ValueError(f"n_faces must be at least 20 (every class and usage needs a few faces), got {n}.")
    total = sum(FER2013_COUNTS.values())
    counts = {label: max(2, round(n * FER2013_COUNTS[label] / total)) for label in FER2013_LABELS}
    counts["happy"] += n - sum(counts.values())
    images, codes = [], []
    for code, label in enumerate(FER2013_LABELS):
        data = synth.faces(counts[label], size=48, seed=seed * 1000 + code, labels=(label,), split=None,
                           n_subjects=max(2, counts[label] // 6))
        images.append(data.samples)
        codes += [code] * counts[label]
    images, codes = np.concatenate(images), np.array(codes)
    order = np.random.default_rng(seed).permutation(n)
    n_train, n_public = round(0.8 * n), round(0.1 * n)
    usage = ["Training"] * n_train + ["PublicTest"] * n_public + ["PrivateTest"] * (n - n_train - n_public)
    return images[order], codes[order], usage


def _pixel_text(image: np.ndarray) -> str:
    return " ".join(map(str, image.ravel().tolist()))


def _fer2013_tarball(pixels, codes, usage) -> bytes:
    lines = ["emotion,pixels,Usage"] + [f"{c},{p},{u}" for c, p, u in zip(codes, pixels, usage)]
    readme = (
        "fer2013 (stand-in written by tests/real_standins.py from the course's synthetic faces)\n\n"
        "emotion: 0=Angry, 1=Disgust, 2=Fear, 3=Happy, 4=Sad, 5=Surprise, 6=Neutral\n"
        "pixels: 48x48 grey values, row by row; Usage: Training, PublicTest or PrivateTest\n"
    )
    bib = "@MISC{Goodfeli-et-al-2013,\n  title = {Challenges in Representation Learning: A report on three machine " \
          "learning contests},\n  year = {2013},\n  url = {http://arxiv.org/abs/1307.0414}\n}\n"
    return _tar_gz(
        {"fer2013/fer2013.csv": ("\n".join(lines) + "\n").encode(), "fer2013/README": readme.encode(),
         "fer2013/fer2013.bib": bib.encode()},
        folders=("fer2013",),
    )


def _write_fer2013(folder: Path, n: int, seed: int, which: set[str]) -> dict[str, Path]:
    images, codes, usage = _fer2013_faces(n, seed)
    pixels = [_pixel_text(image) for image in images]
    tarball = _fer2013_tarball(pixels, codes, usage)
    out = {}
    if "fer2013" in which:
        out["fer2013"] = folder / FILES["fer2013"]
        out["fer2013"].write_bytes(tarball)
    if "fer2013-kaggle" in which:
        rows = list(zip(codes, usage, pixels))
        icml = ["emotion, Usage, pixels"] + [f"{c},{u},{p}" for c, u, p in rows]
        train = ["emotion,pixels"] + [f'{c},"{p}"' for c, u, p in rows if u == "Training"]
        test = ["pixels"] + [f'"{p}"' for c, u, p in rows if u != "Training"]
        guesses = np.random.default_rng(seed).integers(0, 7, len(test) - 1)
        submission = ["Emotion"] + [str(g) for g in guesses]
        members = {name: ("\n".join(lines) + "\n").encode() for name, lines in (
            ("example_submission.csv", submission), ("icml_face_data.csv", icml), ("test.csv", test),
            ("train.csv", train))}
        members["fer2013.tar.gz"] = tarball
        members = dict(sorted(members.items()))
        out["fer2013-kaggle"] = _write_zip(folder / FILES["fer2013-kaggle"], members)
    if "fer2013-folders" in which:
        from fercourse.emotions import FER2013_LABELS

        ids = 100_000 + np.random.default_rng(seed + 1).choice(99_900_000, size=len(codes), replace=False)
        members = {}
        faces = sorted(zip(images, codes, usage, ids), key=lambda f: (f[2] != "Training", FER2013_LABELS[f[1]]))
        for image, code, use, number in faces:  # train/ then test/, one label folder after the other
            split = "train" if use == "Training" else "test"
            members[f"{split}/{FER2013_LABELS[code]}/{use}_{number}.jpg"] = _jpeg(image, quality=95)
        out["fer2013-folders"] = _write_zip(folder / FILES["fer2013-folders"], members)
    if "ferplus" in which:
        out["ferplus"] = folder / FILES["ferplus"]
        out["ferplus"].write_text(_ferplus_text(codes, usage, seed))
    return out


#: fer2013new.csv's vote columns for each FER2013 code (0 angry ... 6 neutral): anger, disgust, fear,
#: happiness, sadness, surprise, neutral.
_FERPLUS_COLUMN_OF_CODE = (4, 5, 6, 1, 3, 2, 0)


def _ferplus_votes(rng: np.random.Generator, code: int) -> list[int]:
    """Ten votes for one face: usually a majority for its FER2013 label, else another emotion, none, or unknown."""
    votes = [0] * 10
    draw = rng.random()
    if draw < 0.1:  # no majority: two choices of five votes each
        first, second = rng.choice(8, size=2, replace=False)
        votes[first], votes[second] = 5, 5
        return votes
    if draw < 0.14:
        winner = 8  # unknown
    elif draw < 0.3:
        winner = int(rng.choice([c for c in range(8) if c != _FERPLUS_COLUMN_OF_CODE[code]]))  # contempt among them
    else:
        winner = _FERPLUS_COLUMN_OF_CODE[code]
    votes[winner] = int(rng.integers(6, 11))
    for _ in range(10 - votes[winner]):
        votes[int(rng.choice([c for c in range(9) if c != winner]))] += 1
    return votes


def _ferplus_text(codes, usage, seed: int) -> str:
    """fer2013new.csv for the stand-in's FER2013 rows (in fer2013.csv's order)."""
    rng = np.random.default_rng([seed, 1])
    n = len(codes)
    dropped = set(rng.choice(n, size=max(1, n // 100), replace=False).tolist())
    nine = int(rng.choice([i for i in range(n) if i not in dropped]))
    lines, number = [",".join(("Usage", "Image name", "neutral", "happiness", "surprise", "sadness", "anger",
                               "disgust", "fear", "contempt", "unknown", "NF"))], 0
    for i, (code, use) in enumerate(zip(codes, usage)):
        if i in dropped:
            lines.append(",".join([use, ""] + ["0"] * 9 + ["10"]))
            continue
        votes = _ferplus_votes(rng, int(code))
        if i == nine:
            votes[int(np.argmax(votes))] -= 1
        lines.append(",".join([use, f"fer{number:07d}.png"] + [str(v) for v in votes]))
        number += 1
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ scenes


@dataclasses.dataclass(frozen=True)
class _Camera:
    """How a dataset's camera frames a face: frame size, face square, render size, colour."""

    width: int
    height: int
    patch: int  # side of the square the face is drawn in, in frame pixels (its bottom on the frame's)
    render: int  # side the square is rendered at before it is enlarged to ``patch``
    face: float  # face width over the square's side
    color: bool
    background: tuple[float, float, float]
    noise: float  # camera noise, grey levels (standard deviation)


CASME2_CAMERA = _Camera(640, 480, 480, 320, 0.5, True, (0.86, 0.84, 0.8), 2.0)
SAMM_CAMERA = _Camera(1020, 544, 544, 320, 0.48, False, (0.62, 0.62, 0.62), 1.5)
CKPLUS_CAMERA = _Camera(640, 490, 490, 320, 0.55, False, (0.5, 0.5, 0.52), 1.2)
CKPLUS_COLOR_CAMERA = _Camera(640, 480, 480, 320, 0.55, True, (0.45, 0.5, 0.55), 1.2)


def _people(rng: np.random.Generator, names) -> dict:
    """Per subject: a face shape and colouring that stay the same in all their clips."""
    from fercourse import synth

    return {name: (synth.random_identity(rng, subject=str(name)), synth.random_appearance(rng, occlusion_rate=0.0))
            for name in names}


def _look(person, camera: _Camera, rng: np.random.Generator):
    """The subject's colouring under the dataset's lab lighting, framed by its camera."""
    _, colouring = person
    return dataclasses.replace(
        colouring, background=camera.background, light=(float(rng.normal(0, 0.25)), -0.35, -1.0), ambient=0.3,
        face_fraction=camera.face, shift=(0.0, float(rng.uniform(-0.06, -0.02))), noise=0.0, blur=0.0,
        occlusion=None, occluder=tuple(float(v) for v in rng.uniform(0.15, 0.6, 3)),
    )


class _Noise:
    """Camera noise: a few fields drawn once per dataset, shown at a random offset per frame."""

    MARGIN = 16

    def __init__(self, camera: _Camera, rng: np.random.Generator):
        shape = (camera.height + self.MARGIN, camera.width + self.MARGIN) + ((3,) if camera.color else ())
        self.fields = [rng.normal(0, camera.noise, shape).astype(np.int16) for _ in range(3)]
        self.rng, self.camera = rng, camera

    def add(self, frame: np.ndarray) -> np.ndarray:
        field = self.fields[int(self.rng.integers(len(self.fields)))]
        y, x = self.rng.integers(0, self.MARGIN, 2)
        noise = field[y:y + self.camera.height, x:x + self.camera.width]
        return np.clip(frame.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def _place(square: np.ndarray, camera: _Camera, left: int) -> np.ndarray:
    """The enlarged face square in the frame, its edge rows and columns repeated outwards."""
    import cv2

    patch = cv2.resize(square, (camera.patch, camera.patch), interpolation=cv2.INTER_CUBIC)
    patch[-3:] = patch[-4]  # the render's last rows are a darker edge
    top = camera.height - camera.patch
    return cv2.copyMakeBorder(patch, top, 0, left, camera.width - camera.patch - left, cv2.BORDER_REPLICATE)


def _frames(rng, camera: _Camera, person, look, aus: dict, strength: np.ndarray, closure: np.ndarray,
            pose, noise: _Noise, drift: float = 0.8):
    """Yield the frames of a clip: expression ``aus`` scaled by ``strength``, eyes shut by ``closure``."""
    import cv2

    from fercourse import synth

    who, _ = person
    n = len(strength)
    left = int(rng.integers((camera.width - camera.patch) // 4, 3 * (camera.width - camera.patch) // 4 + 1))
    t = np.arange(n)
    freq, phase = rng.uniform(0.01, 0.04, 2), rng.uniform(0, 2 * np.pi, 2)
    dx, dy = drift * np.sin(2 * np.pi * freq[0] * t + phase[0]), drift * np.sin(2 * np.pi * freq[1] * t + phase[1])
    cache = {}
    for f in range(n):
        key = (int(round(strength[f] * 16)), int(round(closure[f] * 6)))
        if key not in cache:
            frame_aus = {code: value * key[0] / 16 for code, value in aus.items()}
            if key[1]:
                frame_aus[45] = key[1] / 6
            square, _ = synth.render(synth.face_mesh(who, frame_aus, pose), size=camera.render, look=look,
                                     color=camera.color, rng=rng, supersample=1.0, aus=frame_aus)
            cache[key] = _place(square, camera, left)
        shift = np.float32([[1, 0, dx[f]], [0, 1, dy[f]]])
        moved = cv2.warpAffine(cache[key], shift, (camera.width, camera.height), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)
        yield noise.add(moved)


def _micro_timing(rng: np.random.Generator):
    """Frames in the clip and 0-based onset, apex, offset of its one event."""
    n = int(rng.integers(30, 41))
    onset = int(rng.integers(3, 9))
    offset = onset + int(rng.integers(10, min(24, n - onset - 3) + 1))
    apex = onset + int(round((offset - onset) * rng.uniform(0.3, 0.55)))
    return n, onset, apex, offset


def _blink(rng: np.random.Generator, n: int, onset: int, offset: int) -> np.ndarray:
    """Eye closure per frame: a blink of 6 to 9 frames outside the event in about a quarter of the clips."""
    from fercourse import synth

    closure = np.zeros(n)
    room = [s for s in range(1, n - 9) if s + 9 < onset or s > offset]
    if room and rng.random() < 0.25:
        start, length = int(rng.choice(room)), int(rng.integers(6, 10))
        closure = synth.envelope(n, 1.0, start, start + length * 0.4, start + length)
    return closure


def _plan_clips(n: int, cycle, dataset: str, subjects: list) -> list[tuple[str, object]]:
    """(label, subject) per clip: labels cycle; within each MEGC class, consecutive clips go to
    different subjects, so every class with two clips or more has two subjects or more."""
    from fercourse.emotions import to_megc

    labels = [cycle[i % len(cycle)] for i in range(n)]
    order = sorted(range(n), key=lambda i: (to_megc(labels[i], dataset) or "~", i))
    owner = [None] * n
    for rank, i in enumerate(order):
        owner[i] = subjects[rank % len(subjects)]
    return list(zip(labels, owner))


def _micro_subjects(rng, n_clips: int, pool) -> list[int]:
    count = int(np.clip(n_clips // 3, 2, 8))
    return sorted(int(s) for s in rng.choice(list(pool), size=count, replace=False))


# ------------------------------------------------------------------ CASME II


def _write_casme2(folder: Path, n_clips: int, seed) -> Path:
    rng = np.random.default_rng(seed)
    camera = CASME2_CAMERA
    root = folder / FILES["casme2"]
    frames_root = root / "CASME2_RAW_selected"
    subjects = _micro_subjects(rng, n_clips, CASME2_SUBJECTS)
    people = _people(rng, subjects)
    noise = _Noise(camera, rng)
    episodes = {s: list(rng.permutation(np.arange(1, 20))) for s in subjects}
    rows = []
    for label, subject in _plan_clips(n_clips, CASME2_CYCLE, "casme2", subjects):
        episode = episodes[subject].pop()
        filename = f"EP{episode:02d}_{int(rng.integers(1, 10)):02d}{'f' if rng.random() < 0.4 else ''}"
        n, onset, apex, offset = _micro_timing(rng)
        first = int(rng.integers(1, 300))
        aus = _expression(label, rng, float(rng.uniform(0.3, 0.6)))
        person = people[subject]
        clip = frames_root / f"sub{subject:02d}" / filename
        clip.mkdir(parents=True)
        strength = _strength(n, onset, apex, offset)
        pose = tuple(rng.uniform(-1, 1, 3) * (5.0, 4.0, 3.0))
        for f, frame in enumerate(_frames(rng, camera, person, _look(person, camera, rng), aus, strength,
                                          _blink(rng, n, onset, offset), pose, noise)):
            _save(clip / f"img{first + f}.jpg", frame, quality=90)
        rows.append([subject, filename, first + onset, first + apex, first + offset, _sheet_aus(aus), label])
    rows.sort(key=lambda r: (r[0], r[1]))
    rows[min(1, len(rows) - 1)][3] = "/"  # the real sheet has apex cells with '/' instead of a frame
    _write_xlsx(root / "CASME2-coding-20140508.xlsx",
                [["Subject", "Filename", "OnsetFrame", "ApexFrame", "OffsetFrame", "Action Units",
                  "Estimated Emotion"]] + rows)
    return root


def _strength(n: int, onset: int, apex: int, offset: int) -> np.ndarray:
    from fercourse import synth

    return synth.envelope(n, 1.0, onset, apex, offset)


# ---------------------------------------------------------------------- SAMM


def _write_samm(folder: Path, n_clips: int, seed) -> Path:
    rng = np.random.default_rng(seed)
    camera = SAMM_CAMERA
    root = folder / FILES["samm"]
    subjects = _micro_subjects(rng, n_clips, SAMM_SUBJECTS)
    people = _people(rng, subjects)
    noise = _Noise(camera, rng)
    count = {s: 0 for s in subjects}
    rows = []
    for label, subject in _plan_clips(n_clips, SAMM_CYCLE, "samm", subjects):
        name = f"{subject:03d}"
        count[subject] += 1
        inducement = int(rng.integers(1, 8))
        filename = f"{name}_{inducement}_{count[subject]}"
        n, onset, apex, offset = _micro_timing(rng)
        first = int(rng.integers(1000, 9000))
        aus = _expression(label, rng, float(rng.uniform(0.3, 0.6)))
        person = people[subject]
        clip = root / "SAMM" / name / filename
        clip.mkdir(parents=True)
        pose = tuple(rng.uniform(-1, 1, 3) * (5.0, 4.0, 3.0))
        for f, frame in enumerate(_frames(rng, camera, person, _look(person, camera, rng), aus,
                                          _strength(n, onset, apex, offset), _blink(rng, n, onset, offset), pose,
                                          noise)):
            _save(clip / f"{name}_{first + f:05d}.jpg", frame, quality=90)
        rows.append([name, filename, inducement, first + onset, first + apex, first + offset, offset - onset + 1,
                     "Micro - 1/2", _au_code(aus), None, label])
    rows.sort(key=lambda r: (r[0], r[1]))
    rows[min(1, len(rows) - 1)][5] = -1  # SAMM marks an offset it could not code with -1
    rows[min(1, len(rows) - 1)][6] = None
    header = ["Subject", "Filename", "Inducement Code", "Onset Frame", "Apex Frame", "Offset Frame", "Duration",
              "Type", "Action Units", "Notes", "Estimated Emotion"]
    _write_xlsx(root / "SAMM_Micro_FACS_Codes_v2.xlsx",
                [["SAMM Micro-Movement FACS Codes (stand-in written by tests/real_standins.py)"],
                 ["Frames are numbered as in the SAMM folders; -1 marks an offset that could not be coded"],
                 [], header] + rows)
    return root


# ------------------------------------------------------------------ SMIC-HS

SMIC_CAMERA = _Camera(640, 480, 480, 320, 0.45, True, (0.55, 0.52, 0.48), 2.5)
SMIC_SUBJECTS = range(1, 21)
SMIC_CYCLE = ("negative", "positive", "surprise")
#: The emotions a negative SMIC clip is rendered as, and the word for each class's folder name.
SMIC_NEGATIVE = ("disgust", "sadness", "anger", "fear")
SMIC_CODES = {"negative": "ne", "positive": "po", "surprise": "sur"}


def _write_smic(folder: Path, n_clips: int, seed) -> Path:
    rng = np.random.default_rng(seed)
    camera = SMIC_CAMERA
    root = folder / FILES["smic"]
    hs = root / "HS"
    subjects = _micro_subjects(rng, n_clips, SMIC_SUBJECTS)
    people = _people(rng, subjects)
    noise = _Noise(camera, rng)
    count: dict[tuple, int] = {}
    for label, subject in _plan_clips(n_clips, SMIC_CYCLE, "smic", subjects):
        code = SMIC_CODES[label]
        count[subject, code] = count.get((subject, code), 0) + 1
        clip = hs / f"s{subject}" / "micro" / label / f"s{subject}_{code}_{count[subject, code]:02d}"
        clip.mkdir(parents=True)
        n = int(rng.integers(11, 21))
        apex = int(round((n - 1) * rng.uniform(0.35, 0.65)))
        word = str(rng.choice(SMIC_NEGATIVE)) if label == "negative" else {"positive": "happiness"}.get(label, label)
        aus = _expression(word, rng, float(rng.uniform(0.3, 0.6)))
        person = people[subject]
        pose = tuple(rng.uniform(-1, 1, 3) * (5.0, 4.0, 3.0))
        first = int(rng.integers(1000, 90_000))
        for f, frame in enumerate(_frames(rng, camera, person, _look(person, camera, rng), aus,
                                          _strength(n, 0, apex, n - 1), np.zeros(n), pose, noise)):
            _save(clip / f"image{first + f:06d}.bmp", frame)
    for subject in subjects:  # one clip without a micro-expression a person, as SMIC's non_micro folders
        clip = hs / f"s{subject}" / "non_micro" / f"s{subject}_01"
        clip.mkdir(parents=True)
        person = people[subject]
        first = int(rng.integers(1000, 90_000))
        for f, frame in enumerate(_frames(rng, camera, person, _look(person, camera, rng), {}, np.zeros(6),
                                          np.zeros(6), (0.0, 0.0, 0.0), noise)):
            _save(clip / f"image{first + f:06d}.bmp", frame)
    return root


# ----------------------------------------------------------------------- CK+


def _write_ckplus(folder: Path, n_sequences: int, seed) -> Path:
    rng = np.random.default_rng(seed)
    root = folder / FILES["ckplus"]
    subjects = sorted(int(s) for s in rng.choice(np.arange(5, 140), size=int(np.clip(n_sequences // 2, 2, 6)),
                                                 replace=False))
    people = _people(rng, subjects)
    cameras = {s: (CKPLUS_COLOR_CAMERA if s == subjects[-1] else CKPLUS_CAMERA) for s in subjects}
    noises = {camera: _Noise(camera, rng) for camera in set(cameras.values())}
    codes = list(CKPLUS_CODES)
    for k in range(n_sequences + 1):  # the extra one has no label file
        subject = subjects[k % len(subjects)] if k < n_sequences else subjects[0]
        name, sequence = f"S{subject:03d}", f"{k + 1:03d}"
        code = codes[k % len(codes)]
        camera = cameras[subject]
        n = int(rng.integers(6, 13))
        ramp = np.linspace(0.0, 1.0, n)
        aus = _expression_full(CKPLUS_CODES[code], rng)
        clip = root / "cohn-kanade-images" / name / sequence
        clip.mkdir(parents=True)
        frames = _frames(rng, camera, people[subject], _look(people[subject], camera, rng), aus,
                         ramp * ramp * (3 - 2 * ramp), np.zeros(n), tuple(rng.uniform(-1, 1, 3) * 3.0),
                         noises[camera], drift=0.3)
        for f, frame in enumerate(frames):
            _save(clip / f"{name}_{sequence}_{f + 1:08d}.png", frame)
        if k < n_sequences:
            label = root / "Emotion" / name / sequence / f"{name}_{sequence}_{n:08d}_emotion.txt"
            label.parent.mkdir(parents=True)
            label.write_text(f"   {code:.7e}\n")
    return root


def _expression_full(expression: str, rng: np.random.Generator) -> dict:
    from fercourse import synth

    if expression == "neutral":
        return {}
    return synth.expression_aus(expression, rng, float(rng.uniform(0.8, 1.0)))[0]


# --------------------------------------------------------------------- JAFFE


def _write_jaffe(folder: Path, seed) -> Path:
    from fercourse import synth

    rng = np.random.default_rng(seed)
    root = folder / FILES["jaffe"]
    root.mkdir()
    people = _people(rng, JAFFE_SUBJECTS)
    number = int(rng.integers(1, 20))
    for subject in JAFFE_SUBJECTS:
        for code, expression in JAFFE_EXPRESSIONS.items():
            who, colouring = people[subject]
            look = dataclasses.replace(colouring, background=(0.35, 0.35, 0.35), face_fraction=0.56,
                                       shift=(0.0, -0.03), noise=0.01, blur=0.3, occlusion=None, ambient=0.35)
            aus = _expression_full(expression, rng)
            image, _ = synth.render(synth.face_mesh(who, aus, tuple(rng.uniform(-1, 1, 3) * 3.0)), size=256, look=look,
                                    color=False, rng=rng, supersample=1.5, aus=aus)
            pose = int(rng.integers(1, 4))
            _save(root / f"{subject}.{code}{pose}.{number}.tiff", image)
            number += int(rng.integers(1, 4))
    (root / "README").write_text(
        "JAFFE stand-in written by tests/real_standins.py: SUBJECT.CODE<pose>.<number>.tiff, 256x256 grey.\n"
        "Codes: NE neutral, HA happy, SA sad, SU surprise, AN angry, DI disgust, FE fear.\n"
    )
    return root


# ------------------------------------------------------------ DISFA and BP4D

DISFA_CAMERA = _Camera(512, 384, 384, 256, 0.5, True, (0.28, 0.28, 0.3), 1.5)
BP4D_CAMERA = _Camera(520, 696, 520, 256, 0.52, True, (0.2, 0.22, 0.26), 1.5)
DISFA_AUS = (1, 2, 4, 5, 6, 9, 12, 15, 17, 20, 25, 26)
DISFA_EVENTS = ((1, 2), (6, 12), (12, 25), (25, 26), (4,), (9,), (15, 17), (1, 2, 5), (20, 25), (1, 4, 15), (6, 12, 25))
BP4D_PROTOCOL_AUS = (1, 2, 4, 6, 7, 10, 12, 14, 15, 17, 23, 24)
BP4D_INTENSITY_AUS = (6, 10, 12, 14, 17)
BP4D_EVENTS = ((6, 12), (6, 7, 12), (1, 2), (4, 7), (10, 12, 14), (14, 17), (15, 17), (23, 24), (4, 10), (1, 4, 15),
               (12,), (17, 24))
#: The AU columns of the stand-in's occurrence tables (those BP4D does not code hold 9).
BP4D_HEADER_AUS = tuple(range(1, 28))


def _au_levels(rng: np.random.Generator, n: int, events, aus, count: int = 3) -> dict[int, np.ndarray]:
    """Integer intensity 0-5 per frame and AU: ``count`` events of one to three AUs, each rising linearly to a
    peak of 2 to 5, holding it and falling back, one event in each ``n // count`` frames."""
    levels = {au: np.zeros(n, int) for au in aus}
    length, t = n // count, np.arange(n)
    for k, choice in enumerate(rng.choice(len(events), size=count, replace=False)):
        start = k * length + int(rng.integers(1, 3))
        rise, hold, fall = (int(v) for v in rng.integers((2, 1, 2), (4, 4, 4)))
        end = min(start + rise + hold + fall, (k + 1) * length - 1)
        shape = np.minimum(np.clip((t - start) / rise, 0, 1), np.clip((end - t) / fall, 0, 1))
        for au in events[choice]:
            peak = int(rng.integers(2, 6))
            levels[au] = np.maximum(levels[au], np.round(shape * peak).astype(int))
    return levels


def _au_frames(rng, camera: _Camera, person, look, levels: dict[int, np.ndarray], pose, noises, drift: float = 0.6):
    """Yield per frame one picture a camera (``len(noises)`` of them; the second sees the face mirrored),
    each rendered with exactly the AU intensities ``levels`` (0-5) give that frame."""
    import cv2

    from fercourse import synth

    who, _ = person
    n = len(next(iter(levels.values())))
    room = camera.width - camera.patch
    lefts = [int(rng.integers(room // 4, 3 * room // 4 + 1)) for _ in noises]
    t = np.arange(n)
    freq, phase = rng.uniform(0.01, 0.04, 2), rng.uniform(0, 2 * np.pi, 2)
    dx, dy = drift * np.sin(2 * np.pi * freq[0] * t + phase[0]), drift * np.sin(2 * np.pi * freq[1] * t + phase[1])
    cache = {}
    for f in range(n):
        key = tuple(int(values[f]) for values in levels.values())
        if key not in cache:
            aus = {au: level / 5 for au, level in zip(levels, key) if level}
            square, _ = synth.render(synth.face_mesh(who, aus, pose), size=camera.render, look=look,
                                     color=camera.color, rng=rng, supersample=1.0, aus=aus)
            cache[key] = [_place(square if c == 0 else square[:, ::-1].copy(), camera, lefts[c])
                          for c in range(len(noises))]
        shift = np.float32([[1, 0, dx[f]], [0, 1, dy[f]]])
        yield [noise.add(cv2.warpAffine(picture, shift, (camera.width, camera.height), flags=cv2.INTER_LINEAR,
                                        borderMode=cv2.BORDER_REPLICATE))
               for picture, noise in zip(cache[key], noises)]


def _write_disfa(folder: Path, seed, n_subjects: int = 4, n_frames: int = 48) -> Path:
    from fercourse import video

    rng = np.random.default_rng(seed)
    camera = DISFA_CAMERA
    root = folder / FILES["disfa"]
    numbers = sorted(int(s) for s in rng.choice(np.arange(1, 33), size=n_subjects, replace=False))
    people = _people(rng, numbers)
    noises = [_Noise(camera, rng), _Noise(camera, rng)]
    for number in numbers:
        subject = f"SN{number:03d}"
        levels = _au_levels(rng, n_frames, DISFA_EVENTS, DISFA_AUS)
        labels = root / "ActionUnit_Labels" / subject
        labels.mkdir(parents=True)
        for au, values in levels.items():
            (labels / f"{subject}_au{au}.txt").write_text("".join(f"{f + 1},{v}\n" for f, v in enumerate(values)))
        pose = tuple(rng.uniform(-1, 1, 3) * (6.0, 4.0, 3.0))
        pairs = list(_au_frames(rng, camera, people[number], _look(people[number], camera, rng), levels, pose, noises))
        for c, title in enumerate(("Left", "Right")):
            videos = root / f"Videos_{title}Camera"
            videos.mkdir(parents=True, exist_ok=True)
            video.write([pair[c] for pair in pairs], videos / f"{title}Video{subject}_comp.avi", fps=20)
    return root


def _write_bp4d(folder: Path, seed, n_subjects: int = 4, n_tasks: int = 2, n_coded: int = 24) -> Path:
    rng = np.random.default_rng(seed)
    camera = BP4D_CAMERA
    root = folder / FILES["bp4d"]
    women = sorted(int(s) for s in rng.choice(np.arange(1, 24), size=n_subjects // 2, replace=False))
    men = sorted(int(s) for s in rng.choice(np.arange(1, 19), size=n_subjects - n_subjects // 2, replace=False))
    subjects = [f"F{s:03d}" for s in women] + [f"M{s:03d}" for s in men]
    people = _people(rng, subjects)
    noise = _Noise(camera, rng)
    lead = 3  # uncoded frames before the coded segment
    for k, subject in enumerate(subjects):
        for task in sorted(rng.choice(np.arange(1, 9), size=n_tasks, replace=False)):
            name = f"T{task}"
            first = int(rng.integers(40, 900))
            levels = {au: np.concatenate([np.zeros(lead, int), values])
                      for au, values in _au_levels(rng, n_coded, BP4D_EVENTS, BP4D_PROTOCOL_AUS).items()}
            pose = tuple(rng.uniform(-1, 1, 3) * (6.0, 4.0, 3.0))
            frames = root / "Sequences" / subject / name
            frames.mkdir(parents=True)
            padding = 4 if (k + task) % 2 else 0
            person = people[subject]
            for f, (picture,) in enumerate(_au_frames(rng, camera, person, _look(person, camera, rng), levels, pose,
                                                      [noise])):
                _save(frames / f"{first + f:0{padding}d}.jpg", picture, quality=90)
            coded = range(lead, lead + n_coded)
            unknown = set(rng.choice(list(coded), size=3, replace=False).tolist())  # 23 and 24 not coded there
            rows = [",".join(["0"] + [str(au) for au in BP4D_HEADER_AUS])]
            for f in coded:
                cells = []
                for au in BP4D_HEADER_AUS:
                    if au not in levels or (au in (23, 24) and f in unknown):
                        cells.append("9")
                    else:
                        cells.append(str(int(levels[au][f] >= 1)))
                rows.append(",".join([str(first + f)] + cells))
            table = root / "AUCoding" / "AU_OCC" / f"{subject}_{name}.csv"
            table.parent.mkdir(parents=True, exist_ok=True)
            table.write_text("\n".join(rows) + "\n")
            for au in BP4D_INTENSITY_AUS:
                path = root / "AUCoding" / "AU_INT" / f"AU{au:02d}" / f"{subject}_{name}_AU{au:02d}.csv"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("".join(f"{first + f},{levels[au][f]}\n" for f in coded))
    return root


# ---------------------------------------------------------------------- all


def write_standins(folder, n_faces: int = 300, n_clips: int = 24, seed: int = 0, *, only=None) -> dict[str, Path]:
    """Write the stand-in downloads into ``folder``; return name -> the file or folder written.

    ``n_faces`` FER2013 faces (at least 20; the three FER2013 forms hold the same faces),
    ``n_clips`` CASME II clips and as many SAMM clips (at least 8 each, over
    ``n_clips // 3`` subjects, 2 to 8), ``max(n_clips // 2, 4)`` labelled CK+ sequences
    (and one without a label) and 70 JAFFE photos; with ``only``, also FER+'s label file
    for the FER2013 faces, ``n_clips`` SMIC-HS clips, DISFA (4 subjects, 48 frames each,
    both cameras) and BP4D (4 subjects, 2 tasks, 24 coded frames each).
    ``only`` (names of :data:`DATASET_OF`) writes just those; by default the names of
    :data:`DEFAULT_STANDINS`.  Each download is new: an existing one raises ``FileExistsError``.
    """
    folder = Path(folder)
    which = set(DEFAULT_STANDINS) if only is None else set(only)
    unknown = which - set(DATASET_OF)
    if unknown:
        raise ValueError(f"Unknown stand-in(s) {sorted(unknown)}; choose from {', '.join(DATASET_OF)}.")
    if n_clips < 8:
        raise ValueError(f"n_clips must be at least 8 (two clips of each MEGC class), got {n_clips}.")
    folder.mkdir(parents=True, exist_ok=True)
    taken = [FILES[name] for name in which if (folder / FILES[name]).exists()]
    if taken:
        raise FileExistsError(f"{folder} already holds {', '.join(sorted(taken))}; write the stand-ins somewhere new.")
    # child i's seed does not depend on n, nor on the names added after it
    names = ("fer2013", "casme2", "samm", "ckplus", "jaffe", "disfa", "bp4d", "smic")
    seeds = dict(zip(names, np.random.SeedSequence(seed).spawn(len(names))))
    out = {}
    if which & {"fer2013", "fer2013-kaggle", "fer2013-folders", "ferplus"}:
        out.update(_write_fer2013(folder, n_faces, int(seeds["fer2013"].generate_state(1)[0] % 100_000), which))
    if "casme2" in which:
        out["casme2"] = _write_casme2(folder, n_clips, seeds["casme2"])
    if "samm" in which:
        out["samm"] = _write_samm(folder, n_clips, seeds["samm"])
    if "smic" in which:
        out["smic"] = _write_smic(folder, n_clips, seeds["smic"])
    if "ckplus" in which:
        out["ckplus"] = _write_ckplus(folder, max(n_clips // 2, 4), seeds["ckplus"])
    if "jaffe" in which:
        out["jaffe"] = _write_jaffe(folder, seeds["jaffe"])
    if "disfa" in which:
        out["disfa"] = _write_disfa(folder, seeds["disfa"])
    if "bp4d" in which:
        out["bp4d"] = _write_bp4d(folder, seeds["bp4d"])
    return {name: out[name] for name in DATASET_OF if name in out}


def _size(path: Path) -> int:
    return path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write stand-ins of the real dataset downloads (see the module).")
    parser.add_argument("outdir", help="folder to write into (the downloads must not exist there yet)")
    parser.add_argument("--faces", type=int, default=300, help="FER2013 faces (default 300)")
    parser.add_argument("--clips", type=int, default=24,
                        help="CASME II clips, and SAMM (and SMIC) clips (default 24)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", nargs="+", choices=list(DATASET_OF), help="write just these")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    paths = write_standins(args.outdir, n_faces=args.faces, n_clips=args.clips, seed=args.seed, only=args.only)
    for name, path in paths.items():
        print(f"{name:16s} {DATASET_OF[name]:8s} {_size(path) / 2**20:7.1f} MiB  {path}")
    print(f"written in {time.perf_counter() - start:.1f} s; import with: python -m fercourse data import <name> <path>"
          " (--partial for the FER2013 CSV forms and FER+)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
