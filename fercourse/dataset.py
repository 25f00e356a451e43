"""The one structure every data source of the course returns, and subject-aware splits.

A :class:`Dataset` is the samples plus a pandas table with one row per sample.
Real loaders (FER2013, CK+, CASME II, ...) and the synthetic generator all return
it, so a chapter switches between them with ``fercourse.config`` and nothing else.

The container needs nothing of the course but its errors, so every data source
(:mod:`fercourse.synth` as well as :mod:`fercourse.data`) can import it without
cycles; ``fercourse.data`` re-exports all of it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from fercourse.errors import DatasetError, InvalidInputError

__all__ = [
    "Dataset",
    "IMAGE_COLUMNS",
    "VIDEO_COLUMNS",
    "UNKNOWN_SUBJECT",
    "subject_split",
    "loso_folds",
    "check_no_leak",
    "proportional_counts",
]

#: Columns every table has.
IMAGE_COLUMNS = ("label", "subject", "split")
#: Extra columns of video tables (frame indices count from 0 within the clip).
VIDEO_COLUMNS = ("fps", "n_frames", "onset", "apex", "offset")
SPLITS = ("train", "val", "test", "unassigned")
#: The ``subject`` of a sample whose person the dataset does not record (all of FER2013).
#: Such rows cannot be checked for subject leakage, and they cannot be split by subject.
UNKNOWN_SUBJECT = "unknown"


@dataclass
class Dataset:
    """Samples plus a table that describes them, row ``i`` for sample ``i``.

    Parameters
    ----------
    name : str
        Where the data came from.
    kind : str
        ``"image"`` or ``"video"``.
    labels : sequence of str
        The label set, in index order (stored as a tuple).
    samples : sequence
        The samples, one per table row.
    table : pandas.DataFrame
        One row per sample (its index is reset, ``subject`` made text).
    extras : dict
        Per-sample arrays.
    description : str
        A short text for a learner.

    Attributes
    ----------
    name:
        Where the data came from (``"fer2013"``, ``"synthetic"``, ...).
    kind:
        ``"image"`` or ``"video"``.
    labels:
        The label set, in index order; ``table.label`` holds names from it.
    samples:
        For images, an ``(N, H, W)`` or ``(N, H, W, 3)`` ``uint8`` array or a list of
        arrays.  For videos, a list whose items are ``(T, H, W[, 3])`` arrays or
        zero-argument callables that load such an array (so large video datasets are
        read clip by clip).  Use :meth:`sample` to get an array either way.
    table:
        A DataFrame with at least ``label``, ``subject`` (a string, kept from the source)
        and ``split`` (``train``, ``val``, ``test`` or ``unassigned``); videos also have
        ``fps``, ``n_frames``, ``onset``, ``apex`` and ``offset``.  Sources add their own
        columns (AU codes, file paths, intensities).
    extras:
        Per-sample arrays aligned with the table, such as the synthetic generator's
        exact ``"landmarks"`` ``(N, 478, 3)``.
    description:
        One or two plain sentences for a learner: which data this is, where it came
        from and how its splits were made (empty when the source says nothing).

    Raises
    ------
    InvalidInputError
        If ``kind`` is neither ``"image"`` nor ``"video"``.
    DatasetError
        If the table lacks a required column, the numbers of samples, rows or extras
        differ, or a label or split name is unknown.
    """

    name: str
    kind: str
    labels: tuple[str, ...]
    samples: Sequence
    table: pd.DataFrame
    extras: dict[str, np.ndarray] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self):
        if self.kind not in ("image", "video"):
            raise InvalidInputError(f"Dataset kind must be 'image' or 'video', got {self.kind!r}.")
        self.labels = tuple(self.labels)
        self.table = self.table.reset_index(drop=True)
        required = IMAGE_COLUMNS + (VIDEO_COLUMNS if self.kind == "video" else ())
        missing = [c for c in required if c not in self.table.columns]
        if missing:
            raise DatasetError(f"Dataset {self.name!r}: the table lacks the column(s) {', '.join(missing)}.")
        if len(self.samples) != len(self.table):
            raise DatasetError(
                f"Dataset {self.name!r} has {len(self.samples)} samples but {len(self.table)} table rows."
            )
        unknown = sorted(set(self.table["label"]) - set(self.labels))
        if unknown:
            raise DatasetError(
                f"Dataset {self.name!r}: label(s) {unknown} are not in its label set {list(self.labels)}."
            )
        bad_splits = sorted(set(self.table["split"]) - set(SPLITS))
        if bad_splits:
            raise DatasetError(f"Dataset {self.name!r}: unknown split name(s) {bad_splits}; use {list(SPLITS)}.")
        for key, values in self.extras.items():
            if len(values) != len(self.table):
                raise DatasetError(
                    f"Dataset {self.name!r}: extras[{key!r}] has {len(values)} entries for {len(self.table)} samples."
                )
        self.table["subject"] = self.table["subject"].astype(str)

    def __len__(self) -> int:
        return len(self.table)

    def __repr__(self) -> str:
        counts = self.table["split"].value_counts().to_dict()
        return (
            f"Dataset({self.name!r}, {self.kind}, {len(self)} samples, "
            f"{self.table['subject'].nunique()} subjects, labels={list(self.labels)}, splits={counts})"
        )

    def sample(self, index: int) -> np.ndarray:
        """Sample ``index`` as an array (a video clip is loaded now if it was lazy).

        Parameters
        ----------
        index : int
            Position of the sample (row of :attr:`table`).

        Returns
        -------
        numpy.ndarray
            The image or clip.
        """
        item = self.samples[index]
        return item() if callable(item) else np.asarray(item)

    def y(self) -> np.ndarray:
        """Label indices into :attr:`labels`, one per sample.

        Returns
        -------
        numpy.ndarray
            ``(N,)`` int64.
        """
        return self.table["label"].map({name: i for i, name in enumerate(self.labels)}).to_numpy(np.int64)

    def X(self) -> np.ndarray:
        """All samples stacked into one array (images of one size, or equal-length clips).

        Returns
        -------
        numpy.ndarray
            ``(N, ...)``; an empty dataset gives an empty array.

        Raises
        ------
        DatasetError
            If the samples differ in shape.
        """
        arrays = [self.sample(i) for i in range(len(self))]
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            raise DatasetError(
                f"Dataset {self.name!r}: samples have different shapes {sorted(shapes)[:3]}...; "
                "resize or crop them first (fercourse.face)."
            )
        return np.stack(arrays) if arrays else np.empty((0,))

    def subset(self, rows) -> Dataset:
        """A new dataset with the rows selected by a boolean mask or index list.

        Parameters
        ----------
        rows : array_like
            A boolean mask with one entry per sample, or integer positions.

        Returns
        -------
        Dataset
            The selected samples, table rows and extras, in the given order.

        Raises
        ------
        InvalidInputError
            If a mask has the wrong length.
        """
        index = np.asarray(rows)
        if index.dtype == bool:
            if len(index) != len(self):
                raise InvalidInputError(f"subset: mask has {len(index)} entries for {len(self)} samples.")
            index = np.flatnonzero(index)
        index = index.astype(np.int64)
        if isinstance(self.samples, np.ndarray):
            samples = self.samples[index]
        else:
            samples = [self.samples[i] for i in index]
        return Dataset(
            self.name,
            self.kind,
            self.labels,
            samples,
            self.table.iloc[index].reset_index(drop=True),
            {k: np.asarray(v)[index] for k, v in self.extras.items()},
            self.description,
        )

    def split(self, name: str) -> Dataset:
        """The samples of one split (``train``, ``val``, ``test``).

        Parameters
        ----------
        name : str
            ``"train"``, ``"val"``, ``"test"`` or ``"unassigned"``.

        Returns
        -------
        Dataset
            The samples whose ``split`` is ``name``.

        Raises
        ------
        InvalidInputError
            If ``name`` is not a split name.
        """
        if name not in SPLITS:
            raise InvalidInputError(f"Unknown split {name!r}; use one of {list(SPLITS)}.")
        return self.subset(self.table["split"].to_numpy() == name)

    def with_splits(self, splits: pd.Series | Sequence[str]) -> Dataset:
        """A copy whose ``split`` column is replaced (checked for subject leakage, see :func:`check_no_leak`).

        Parameters
        ----------
        splits : pandas.Series or sequence of str
            One split name per sample, in row order.

        Returns
        -------
        Dataset
            The copy (samples shared, table and extras copied).

        Raises
        ------
        DatasetError
            If a subject would be on more than one side.
        """
        table = self.table.copy()
        table["split"] = list(splits)
        check_no_leak(table)
        return Dataset(self.name, self.kind, self.labels, self.samples, table, dict(self.extras), self.description)


def check_no_leak(table: pd.DataFrame) -> None:
    """Raise :class:`DatasetError` if any subject appears in more than one of train/val/test.

    Rows whose subject is :data:`UNKNOWN_SUBJECT` are skipped: they cannot be checked.
    FER2013 records no subject ids at all, so whether one person recurs across its
    train, val and test splits cannot be known, and this check says nothing about it.

    Parameters
    ----------
    table : pandas.DataFrame
        With ``subject`` and ``split`` columns; ``unassigned`` rows are skipped too.

    Returns
    -------
    None

    Raises
    ------
    DatasetError
        If a subject appears on more than one side.
    """
    assigned = table[(table["split"] != "unassigned") & (table["subject"].astype(str) != UNKNOWN_SUBJECT)]
    sides = assigned.groupby(assigned["subject"].astype(str))["split"].nunique()
    leaking = sides[sides > 1]
    if len(leaking):
        examples = ", ".join(map(str, leaking.index[:5]))
        raise DatasetError(
            f"{len(leaking)} subject(s) appear on more than one side of the split (e.g. {examples}); "
            "a model would be tested on people it was trained on. Split by subject "
            "(fercourse.data.subject_split) instead of by sample."
        )


def _require_subjects(table: pd.DataFrame, what: str) -> None:
    """Refuse data in which no row records its subject (every one is :data:`UNKNOWN_SUBJECT`)."""
    subjects = table["subject"].astype(str)
    if len(subjects) and (subjects == UNKNOWN_SUBJECT).all():
        raise DatasetError(
            f"This dataset records no subject ids (every subject is {UNKNOWN_SUBJECT!r}), so {what} is impossible: "
            "nothing says which faces belong to the same person. FER2013 comes with its own split "
            "(Training, PublicTest, PrivateTest): use dataset.split('train'), dataset.split('val') and "
            "dataset.split('test') instead. For other data, record each sample's person first (for video "
            "folders, a subjects.csv with the columns filename,subject)."
        )


def subject_split(
    table: pd.DataFrame, val: float = 0.15, test: float = 0.15, seed: int = 0
) -> pd.Series:
    """Assign whole subjects to train/val/test, about the given fractions of subjects.

    Returns the new ``split`` column (a Series aligned with ``table``).  Every side
    gets at least one subject when there are at least three.  Data that records no
    subject ids (every subject :data:`UNKNOWN_SUBJECT`, as in FER2013) raises
    :class:`DatasetError`.

    Parameters
    ----------
    table : pandas.DataFrame
        With a ``subject`` column.
    val, test : float
        Fractions of the subjects for validation and test, ``val + test < 1``.
    seed : int
        Seed of the random order of the subjects.

    Returns
    -------
    pandas.Series
        Named ``split``: ``"train"``, ``"val"`` or ``"test"`` per row.

    Raises
    ------
    InvalidInputError
        If the fractions are out of range.
    DatasetError
        If no subject ids are recorded, or there are fewer than 3 subjects for a
        three-way split.
    """
    if not (0 <= val < 1 and 0 <= test < 1 and val + test < 1):
        raise InvalidInputError(f"val and test must be fractions with val + test < 1, got {val} and {test}.")
    _require_subjects(table, "a subject split")
    subjects = np.array(sorted(table["subject"].astype(str).unique()))
    if len(subjects) < 3 and (val > 0 and test > 0):
        raise DatasetError(
            f"A subject-independent train/val/test split needs at least 3 subjects; this data has {len(subjects)}."
        )
    order = np.random.default_rng(seed).permutation(len(subjects))
    n_test = max(1, int(round(test * len(subjects)))) if test > 0 else 0
    n_val = max(1, int(round(val * len(subjects)))) if val > 0 else 0
    side = {}
    for rank, i in enumerate(order):
        side[subjects[i]] = "test" if rank < n_test else "val" if rank < n_test + n_val else "train"
    split = table["subject"].astype(str).map(side).rename("split")
    check_no_leak(pd.DataFrame({"subject": table["subject"].astype(str), "split": split}))
    return split


def loso_folds(table: pd.DataFrame) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    """Leave-one-subject-out: yields ``(subject, train_index, test_index)`` for every subject.

    Data that records no subject ids (every subject :data:`UNKNOWN_SUBJECT`, as in
    FER2013) raises :class:`DatasetError`.

    Parameters
    ----------
    table : pandas.DataFrame
        With a ``subject`` column.

    Yields
    ------
    tuple
        ``(subject, train_index, test_index)``: the subject's name and int64 row
        positions, subjects in sorted order.

    Raises
    ------
    DatasetError
        If no subject ids are recorded or there are fewer than 2 subjects.
    """
    _require_subjects(table, "leave-one-subject-out")
    subjects = table["subject"].astype(str).to_numpy()
    names = sorted(set(subjects))
    if len(names) < 2:
        raise DatasetError(f"Leave-one-subject-out needs at least 2 subjects; this data has {len(names)}.")
    for name in names:
        test = np.flatnonzero(subjects == name)
        train = np.flatnonzero(subjects != name)
        yield name, train, test


def proportional_counts(target: int, counts: dict, capacity: dict | None = None) -> dict:
    """``target`` shared among the keys of ``counts`` in proportion to their counts.

    Largest remainders (ties in the order of ``counts``), none above its ``capacity``
    (default: its count).  Used for stratified samples and made splits.

    Parameters
    ----------
    target : int
        The total to share.
    counts : dict
        Key -> count (the total must be positive).
    capacity : dict or None
        Key -> most it may get.

    Returns
    -------
    dict
        Key -> share; the shares sum to ``target`` unless the capacities are too small.

    Examples
    --------
    >>> proportional_counts(5, {"a": 6, "b": 3, "c": 1})
    {'a': 3, 'b': 2, 'c': 0}
    """
    capacity = dict(counts) if capacity is None else capacity
    total = sum(counts.values())
    quota = {key: n * target / total for key, n in counts.items()}
    taken = {key: min(int(np.floor(q)), capacity[key]) for key, q in quota.items()}
    order = sorted(counts, key=lambda key: (-(quota[key] - np.floor(quota[key])), list(counts).index(key)))
    while sum(taken.values()) < target:
        room = [key for key in order if taken[key] < capacity[key]]
        if not room:
            break
        for key in room[: target - sum(taken.values())]:
            taken[key] += 1
    return taken
