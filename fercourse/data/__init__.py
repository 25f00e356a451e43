"""Datasets: one common structure, subject-aware splits, loaders for the real formats.

``Dataset`` is what every source returns (real loaders and ``fercourse.synth``);
:func:`expressions` and :func:`micro_expressions` are the one switch between the
synthetic faces and the real datasets (see :mod:`fercourse.data.chapters`).
The loaders read the datasets a learner placed under ``fercourse.config.data_dir()``
(see :mod:`fercourse.data.loaders`); ``python -m fercourse data import <name> <download>``
checks a download and puts it there (:mod:`fercourse.data.importer`).
"""

from fercourse.dataset import (
    IMAGE_COLUMNS,
    UNKNOWN_SUBJECT,
    VIDEO_COLUMNS,
    Dataset,
    check_no_leak,
    loso_folds,
    subject_split,
)
from fercourse.data import loaders
from fercourse.data.loaders import *  # noqa: F403  (the loaders, listed in loaders.__all__)
from fercourse.data.own_faces import OWN_FACES, add_own_face, own_faces, own_faces_folder
from fercourse.data.chapters import (
    AU_DATASETS,
    MICRO_DATASETS,
    action_units,
    aligned_crops,
    describe,
    expressions,
    micro_expressions,
    split_summary,
    stays_synthetic,
    with_landmarks,
)

__all__ = ["Dataset", "IMAGE_COLUMNS", "UNKNOWN_SUBJECT", "VIDEO_COLUMNS", "check_no_leak", "loso_folds", "subject_split"]
__all__ += loaders.__all__
__all__ += ["OWN_FACES", "add_own_face", "own_faces", "own_faces_folder"]
__all__ += ["AU_DATASETS", "action_units", "aligned_crops", "MICRO_DATASETS", "describe", "expressions", "micro_expressions", "split_summary", "stays_synthetic", "with_landmarks"]
