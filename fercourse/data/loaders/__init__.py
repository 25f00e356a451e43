"""Loaders for the real datasets, each in the layout its owners publish.

Every loader returns a :class:`~fercourse.data.Dataset` and reads from
``fercourse.config.data_dir() / <name>`` unless it is given a folder.  Put a download
there with ``python -m fercourse data import <name> <download>``, which checks it first.

========  =====================================================  =======================
name      layout under the dataset folder                        samples
========  =====================================================  =======================
fer2013   ``fer2013.csv`` (``emotion,pixels,Usage``), or         48x48 grey images
          Kaggle's ``icml_face_data.csv`` / ``train.csv``, or
          ``train|test/<emotion>/*.png``
ferplus   ``fer2013new.csv`` (FER+'s votes) beside FER2013's      48x48 grey images with
          ``fer2013.csv``, or alone with FER2013 imported in      FER+'s majority labels
          ``data_dir()/fer2013``
ckplus    ``cohn-kanade-images/S005/001/S005_001_00000001.png``   grey images (first and
          and ``Emotion/S005/001/S005_001_*_emotion.txt``         last frame) or clips
jaffe     ``KA.AN1.39.tiff`` (subject, code + pose, number)       grey images
casme2    ``CASME2_RAW_selected/sub01/EP02_01f/img46.jpg`` and    clips at 200 fps
          ``CASME2-coding-*.xlsx``
samm      ``SAMM/006/006_1_2/006_05562.jpg`` and                  clips at 200 fps
          ``SAMM_Micro_FACS_Codes_v2.xlsx``
smic      ``HS/s1/micro/negative/s1_ne_01/image000001.bmp``       clips at 100 fps (no
          (SMIC-HS; ``non_micro/``, ``NIR/``, ``VIS/`` unread)    apex: middle frame)
baum      ``<label>/*.mp4`` or ``*.avi`` (any label folders),     clips at the file's fps
          optional ``subjects.csv``
disfa     ``ActionUnit_Labels/SN001/SN001_au1.txt`` and           RGB video frames, one
          ``Videos_LeftCamera/LeftVideoSN001_comp.avi``           a labelled frame
bp4d      ``AUCoding/AU_OCC/F001_T1.csv``, optional               RGB frames, one a
          ``AUCoding/AU_INT/AU06/F001_T1_AU06.csv``, and          coded frame
          ``Sequences/F001/T1/0001.jpg``
========  =====================================================  =======================

Images are grey ``uint8`` arrays (the posed datasets are grey; the few colour CK+
frames are converted).  Clips are lazy: each sample is a zero-argument callable that
reads the clip as a ``(T, H, W, 3)`` RGB ``uint8`` array when called, so a whole
micro-expression dataset never sits in memory at once.  Subject ids are kept as the
dataset writes them (``"S005"``, ``"sub01"``, ``"006"``, ``"s1"``, ``"KA"``); FER2013 (and so
FER+) records none, so its subjects are all ``"unknown"`` (:data:`~fercourse.dataset.UNKNOWN_SUBJECT`).

The action-unit datasets DISFA and BP4D give one lazy RGB frame a coded frame (a
callable that reads it when called) and a table with one occurrence column an AU
(``AU01`` ...: 1.0, 0.0, NaN not coded) and intensity columns (``AU06_intensity`` ...);
their labels are ``("neutral", "action")``, ``"action"`` when any AU is present, and
their ``fold`` column holds a subject-independent three-fold split (see
:mod:`fercourse.data.loaders.actionunits`).

FER2013 keeps the split its download gives (``Usage``, or the split folders).  A split
the download lacks is made from its training rows, stratified by label with seed 0,
about 1/8 of them (what PublicTest is of Training), with a :class:`SplitWarning`; the
table's ``split_source`` says ``official`` or ``made`` per row and
``Dataset.description`` says in words what was read and how it was split.

Anything that does not match the published format raises
:class:`~fercourse.errors.DatasetError` naming the file, line or cell.  Files that are
not part of the format (a ``README``, a sequence without a label) are left out with a
warning that says how many and which.
"""

from fercourse.data.loaders.actionunits import (
    AU_FOLDS,
    AU_LABELS,
    BP4D_INTENSITY_AUS,
    BP4D_PROTOCOL_AUS,
    DISFA_AUS,
    DISFA_OCCURRENCE_LEVEL,
    DISFA_PROTOCOL_AUS,
    au_columns,
    load_bp4d,
    load_disfa,
)
from fercourse.data.loaders.fer2013 import SplitWarning, load_fer2013, load_fer2013_csv, load_fer2013_folders
from fercourse.data.loaders.ferplus import FERPLUS_VOTE_COLUMNS, ferplus_majority, load_ferplus
from fercourse.data.loaders.micro import as_megc, load_casme2, load_samm, load_smic
from fercourse.data.loaders.posed import load_ckplus, load_jaffe
from fercourse.data.loaders.registry import LOADERS, load
from fercourse.data.loaders.videos import load_video_folders

__all__ = [
    "LOADERS",
    "load",
    "load_fer2013",
    "load_fer2013_csv",
    "load_fer2013_folders",
    "SplitWarning",
    "load_ferplus",
    "ferplus_majority",
    "FERPLUS_VOTE_COLUMNS",
    "load_ckplus",
    "load_jaffe",
    "load_casme2",
    "load_samm",
    "load_smic",
    "load_video_folders",
    "as_megc",
    "load_disfa",
    "load_bp4d",
    "au_columns",
    "AU_LABELS",
    "AU_FOLDS",
    "DISFA_AUS",
    "DISFA_PROTOCOL_AUS",
    "DISFA_OCCURRENCE_LEVEL",
    "BP4D_PROTOCOL_AUS",
    "BP4D_INTENSITY_AUS",
]
