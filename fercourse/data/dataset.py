"""The dataset container and subject-aware splits, as seen from :mod:`fercourse.data`.

They live in :mod:`fercourse.dataset`, which needs nothing of the course but its
errors, so that the synthetic generator can return a :class:`Dataset` without
importing this package (whose chapter switch imports the generator).
"""

from fercourse.dataset import (
    IMAGE_COLUMNS,
    SPLITS,
    UNKNOWN_SUBJECT,
    VIDEO_COLUMNS,
    Dataset,
    check_no_leak,
    loso_folds,
    proportional_counts,
    subject_split,
)

__all__ = [
    "Dataset",
    "IMAGE_COLUMNS",
    "VIDEO_COLUMNS",
    "UNKNOWN_SUBJECT",
    "subject_split",
    "loso_folds",
    "check_no_leak",
    "proportional_counts",
    "SPLITS",
]
