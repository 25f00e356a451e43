"""Datasets: one common structure, subject-aware splits, loaders for the real formats.

``Dataset`` is what every source returns (real loaders and ``fercourse.synth``).
The loaders read the datasets a learner placed under ``fercourse.config.data_dir()``
(see :mod:`fercourse.data.loaders`); ``python -m fercourse data import <name> <download>``
checks a download and puts it there (:mod:`fercourse.data.importer`).
"""

from fercourse.data.dataset import (
    IMAGE_COLUMNS,
    VIDEO_COLUMNS,
    Dataset,
    check_no_leak,
    loso_folds,
    subject_split,
)
from fercourse.data import loaders
from fercourse.data.loaders import *  # noqa: F403  (the loaders, listed in loaders.__all__)

__all__ = ["Dataset", "IMAGE_COLUMNS", "VIDEO_COLUMNS", "check_no_leak", "loso_folds", "subject_split"]
__all__ += loaders.__all__


def expressions(n: int = 700, size: int = 48, seed: int = 0, **synthetic_options) -> Dataset:
    """The still-face data every chapter trains on: the one switch between synthetic and real.

    In the default ``embedded`` mode: ``n`` synthetic faces (:func:`fercourse.synth.faces`,
    ``size`` x ``size`` grey, split by subject).  In ``real`` mode
    (``FERCOURSE_MODE=real``): FER2013 from the data directory, all of it, with its own
    train/val/test split; ``n``, ``size`` and the synthetic options are ignored.
    """
    from fercourse import config, synth

    if config.use_real_data():
        return load_fer2013()  # noqa: F405  (exported by loaders)
    return synth.faces(n, size=size, seed=seed, **synthetic_options)


def micro_expressions(n: int = 36, size: int = 64, seed: int = 0, **synthetic_options) -> Dataset:
    """Micro-expression clips: synthetic by default, CASME II from the data directory in ``real`` mode."""
    from fercourse import config, synth

    if config.use_real_data():
        return load_casme2()  # noqa: F405
    return synth.clips(n, size=size, seed=seed, kind="micro", **synthetic_options)


__all__ += ["expressions", "micro_expressions"]
