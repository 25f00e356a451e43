"""Classification metrics of the course, in one place (every chapter scores its models with these).

All functions take true and predicted labels as class indices ``0 .. k-1`` (one per
sample), except :func:`accuracy`, which compares labels of any kind.

* :func:`accuracy`: the share of samples predicted right;
* :func:`confusion_matrix`: counts, rows = true class, columns = predicted class;
* :func:`uf1`: the unweighted (macro) F1, the mean of the per-class F1 scores;
* :func:`uar`: the unweighted average recall (balanced accuracy), the mean of the
  per-class recalls;
* :func:`per_class_report`: precision, recall, F1 and support of every class;
* :func:`megc_scores`: UF1, UAR and accuracy with the per-class counts, as the
  micro-expression challenges (MEGC) report them;
* :func:`bootstrap_interval`: a percentile bootstrap confidence interval of any of
  these scores, resampling people (subjects) rather than samples when their ids are
  given; :func:`format_interval` writes it as ``0.81 (0.70–0.90)`` for a table.

For multi-label problems (action units: several can be present at once) and for
intensities, each label is scored on its own:

* :func:`label_f1`: the F1 of every label (column) of 0/1 arrays, unknown entries left out;
* :func:`icc`: the intraclass correlation ICC(3,1) between true and predicted intensities;
* :func:`pcc`: Pearson's correlation coefficient;
* :func:`mae`: the mean absolute error.

UF1 and UAR weigh every class equally, so a model cannot score well by always
answering the largest class.  Both average over the classes that occur in the true
labels: a class with no sample says nothing about how well it is recognised, so it
is left out (the MEGC rule).  When every predicted class also occurs in the truth,
they equal scikit-learn's ``f1_score(average="macro")`` and
``balanced_accuracy_score``.
"""

from __future__ import annotations

import numpy as np

from fercourse.checks import count, number
from fercourse.errors import InvalidInputError

__all__ = ["accuracy", "confusion_matrix", "uf1", "uar", "per_class_report", "megc_scores", "scores",
           "bootstrap_interval", "format_interval", "label_f1", "icc", "pcc", "mae"]


def _indices(values, what: str, caller: str) -> np.ndarray:
    array = np.asarray(values)
    if array.dtype == bool or not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise InvalidInputError(f"{caller}: {what} must be class indices (integers 0 .. k-1), got {array.dtype} values.")
    if np.issubdtype(array.dtype, np.floating):
        if not np.all(np.isfinite(array)) or not np.all(array == np.round(array)):
            raise InvalidInputError(f"{caller}: {what} must be class indices (whole numbers 0 .. k-1).")
    return array.astype(np.int64)


def _pair(y_true, y_pred, n_classes, caller: str) -> tuple[np.ndarray, np.ndarray, int]:
    """Both label arrays as int64 indices, checked, and the number of classes."""
    y_true, y_pred = _indices(y_true, "y_true", caller), _indices(y_pred, "y_pred", caller)
    if y_true.ndim != 1 or y_true.shape != y_pred.shape or len(y_true) == 0:
        raise InvalidInputError(
            f"{caller}: y_true and y_pred must be equal-length 1-D, got {y_true.shape}, {y_pred.shape}."
        )
    top = int(max(y_true.max(), y_pred.max()))
    if n_classes is None:
        k = top + 1
    elif isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 1:
        raise InvalidInputError(f"{caller}: n_classes must be a positive integer, got {n_classes!r}.")
    else:
        k = int(n_classes)
    if y_true.min() < 0 or y_pred.min() < 0 or top >= k:
        raise InvalidInputError(f"{caller}: labels must be class indices in [0, {k}).")
    return y_true, y_pred, k


def _counts(y_true, y_pred, k) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True positives, false positives and false negatives per class."""
    matrix = np.bincount(y_true * k + y_pred, minlength=k * k).reshape(k, k)
    tp = np.diag(matrix).copy()
    return tp, matrix.sum(axis=0) - tp, matrix.sum(axis=1) - tp


def accuracy(y_true, y_pred) -> float:
    """The share of samples whose predicted label equals the true one.

    Parameters
    ----------
    y_true, y_pred : array-like
        One label per sample (class indices or names, the same kind on both sides).

    Returns
    -------
    float
        A number in [0, 1].
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim != 1 or y_true.shape != y_pred.shape or len(y_true) == 0:
        raise InvalidInputError(
            f"accuracy: y_true and y_pred must be equal-length 1-D, got {y_true.shape}, {y_pred.shape}."
        )
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred, n_classes: int | None = None) -> np.ndarray:
    """Counts of (true class, predicted class) pairs.

    Parameters
    ----------
    y_true, y_pred : array-like of int
        Class indices, one per sample.
    n_classes : int, optional
        Number of classes ``k`` (default: the largest index + 1).

    Returns
    -------
    numpy.ndarray
        ``(k, k)`` int64; row ``i``, column ``j`` counts the samples of class ``i``
        predicted as ``j``.
    """
    y_true, y_pred, k = _pair(y_true, y_pred, n_classes, "confusion_matrix")
    return np.bincount(y_true * k + y_pred, minlength=k * k).reshape(k, k).astype(np.int64)


def _f1_recall(y_true, y_pred, n_classes, caller):
    y_true, y_pred, k = _pair(y_true, y_pred, n_classes, caller)
    tp, fp, fn = _counts(y_true, y_pred, k)
    present = (tp + fn) > 0
    f1 = 2 * tp / np.maximum(2 * tp + fp + fn, 1)
    recall = tp / np.maximum(tp + fn, 1)
    return f1, recall, present, (tp, fp, fn)


def uf1(y_true, y_pred, n_classes: int | None = None) -> float:
    """Unweighted F1 (macro-F1): the mean over classes of ``F1_c = 2 TP_c / (2 TP_c + FP_c + FN_c)``.

    Classes that never occur in ``y_true`` are left out of the mean; a class that
    occurs but is never predicted counts with F1 = 0.

    Parameters
    ----------
    y_true, y_pred : array-like of int
        Class indices, one per sample.
    n_classes : int, optional
        Number of classes (default: the largest index + 1).

    Returns
    -------
    float
        A number in [0, 1].
    """
    f1, _, present, _ = _f1_recall(y_true, y_pred, n_classes, "uf1")
    return float(f1[present].mean())


def uar(y_true, y_pred, n_classes: int | None = None) -> float:
    """Unweighted average recall (balanced accuracy): the mean over classes of ``TP_c / N_c``.

    ``N_c`` is the number of samples of class ``c``; classes without samples are left out.

    Parameters
    ----------
    y_true, y_pred : array-like of int
        Class indices, one per sample.
    n_classes : int, optional
        Number of classes (default: the largest index + 1).

    Returns
    -------
    float
        A number in [0, 1]; chance level is ``1 / (number of classes present)``.
    """
    _, recall, present, _ = _f1_recall(y_true, y_pred, n_classes, "uar")
    return float(recall[present].mean())


def per_class_report(y_true, y_pred, labels):
    """Precision, recall, F1 and support (number of true samples) of every class, as a table.

    A class that is never predicted has precision 0; one without samples has recall
    and F1 0 (and support 0).

    Parameters
    ----------
    y_true, y_pred : array-like of int
        Class indices, one per sample.
    labels : sequence
        The class names, in index order (they name the rows).

    Returns
    -------
    pandas.DataFrame
        Columns ``precision``, ``recall``, ``f1``, ``support``, one row per class.
    """
    import pandas as pd

    labels = list(labels)
    y_true, y_pred, k = _pair(y_true, y_pred, len(labels), "per_class_report")
    tp, fp, fn = _counts(y_true, y_pred, k)
    return pd.DataFrame({
        "precision": tp / np.maximum(tp + fp, 1),
        "recall": tp / np.maximum(tp + fn, 1),
        "f1": 2 * tp / np.maximum(2 * tp + fp + fn, 1),
        "support": tp + fn,
    }, index=labels)


def megc_scores(y_true, y_pred, n_classes: int | None = None) -> dict:
    """UF1 and UAR as the MEGC challenges define them, plus accuracy and per-class counts.

    Predictions of all folds are pooled first, so the counts of each class are summed
    over folds: TP_c, FP_c and FN_c.  Then UF1 is :func:`uf1` and UAR is :func:`uar`
    of the pooled predictions.

    Parameters
    ----------
    y_true, y_pred : array-like of int
        Class indices, one per sample (all folds together).
    n_classes : int, optional
        Number of classes (default: the largest index + 1).

    Returns
    -------
    dict
        ``UF1``, ``UAR``, ``accuracy`` (floats) and ``TP``, ``FP``, ``FN`` (one count per class).
    """
    f1, recall, present, (tp, fp, fn) = _f1_recall(y_true, y_pred, n_classes, "megc_scores")
    return {"UF1": float(f1[present].mean()), "UAR": float(recall[present].mean()),
            "accuracy": accuracy(np.asarray(y_true), np.asarray(y_pred)), "TP": tp, "FP": fp, "FN": fn}


def scores(y_true, y_pred, labels) -> dict:
    """Every metric of this module at once (what :func:`fercourse.models.evaluate` reports).

    Parameters
    ----------
    y_true, y_pred : array-like of int
        Class indices, one per sample.
    labels : sequence
        The class names, in index order.

    Returns
    -------
    dict
        ``accuracy``, ``uf1``, ``uar`` (floats), ``confusion`` (``(k, k)`` counts) and
        ``per_class`` (the table of :func:`per_class_report`).
    """
    labels = list(labels)
    k = len(labels)
    y_true, y_pred, _ = _pair(y_true, y_pred, k, "scores")
    return {
        "accuracy": accuracy(y_true, y_pred),
        "uf1": uf1(y_true, y_pred, k),
        "uar": uar(y_true, y_pred, k),
        "confusion": confusion_matrix(y_true, y_pred, k),
        "per_class": per_class_report(y_true, y_pred, labels),
    }


# ------------------------------------------------------------ confidence intervals

#: How many (resample, group) counts :func:`bootstrap_interval` holds in memory at once.
_BOOTSTRAP_BLOCK = 1_000_000


def _resample_counts(rng: np.random.Generator, n_groups: int, n_boot: int):
    """Blocks of ``(b, n_groups)`` counts: how often each group is drawn in each resample."""
    block = max(1, _BOOTSTRAP_BLOCK // n_groups)
    for start in range(0, n_boot, block):
        b = min(block, n_boot - start)
        draws = rng.integers(0, n_groups, size=(b, n_groups)) + (np.arange(b) * n_groups)[:, None]
        yield np.bincount(draws.ravel(), minlength=b * n_groups).reshape(b, n_groups)


def _class_scores(confusion: np.ndarray, metric) -> np.ndarray:
    """UF1 or UAR of a stack of ``(b, k, k)`` confusion matrices, classes absent from the truth left out."""
    tp = np.diagonal(confusion, axis1=1, axis2=2)
    true_count, predicted_count = confusion.sum(axis=2), confusion.sum(axis=1)
    present = true_count > 0
    if metric is uf1:
        per_class = 2 * tp / np.maximum(true_count + predicted_count, 1)  # 2 TP + FP + FN = true + predicted
    else:
        per_class = tp / np.maximum(true_count, 1)
    return (per_class * present).sum(axis=1) / present.sum(axis=1)


def _resampled_scores(y_true, y_pred, group, n_groups, metric, counts: np.ndarray) -> np.ndarray:
    """The metric on each resample of one block of group ``counts``."""
    if metric is accuracy:
        right = np.bincount(group, weights=(y_true == y_pred), minlength=n_groups)
        size = np.bincount(group, minlength=n_groups)
        return (counts @ right) / (counts @ size)
    if metric is uf1 or metric is uar:
        t, p, k = _pair(y_true, y_pred, None, "bootstrap_interval")
        per_group = np.bincount((group * k + t) * k + p, minlength=n_groups * k * k).reshape(n_groups, k * k)
        return _class_scores((counts @ per_group).reshape(len(counts), k, k), metric)
    samples = np.arange(len(y_true))
    out = np.empty(len(counts))
    for r, row in enumerate(counts):
        chosen = np.repeat(samples, row[group])  # every sample of a group drawn m times appears m times
        out[r] = metric(y_true[chosen], y_pred[chosen])
    return out


def bootstrap_interval(y_true, y_pred, metric=accuracy, groups=None, n_boot: int = 1000, level: float = 0.95,
                       seed: int | None = 0) -> tuple[float, float, float]:
    """A score with its bootstrap confidence interval: ``(estimate, low, high)``.

    The test set is one sample of the people a model will meet; the interval says how
    much the score would move on another.  Each of ``n_boot`` resamples draws, with
    replacement, as many groups as there are (``groups``: the subject of each sample),
    or as many samples when ``groups`` is ``None``, and scores all predictions of the
    drawn groups (a group drawn twice counts twice).  The interval runs between the
    ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles of those scores (the
    percentile bootstrap; it usually, though not always, contains the estimate).

    Resample subjects when the samples of one person are alike (several clips of one
    face, leave-one-subject-out predictions): resampling samples would treat them as
    independent and give too narrow an interval.  With one group every resample is
    the whole set again, and the interval has no width: one person says nothing about
    how the score varies between people.

    A resample may lack a class, often so when a class comes from few people.
    :func:`uf1` and :func:`uar` then average over the classes present in that
    resample's true labels, as they do for any test set; a resample always holds at
    least one sample, so its score is always defined.  That the mix of classes varies
    from resample to resample is part of the uncertainty the interval shows.

    :func:`accuracy`, :func:`uf1` and :func:`uar` are computed for all resamples at
    once (1000 resamples of a few hundred predictions take milliseconds); any other
    function ``metric(y_true, y_pred) -> float`` is called once per resample.

    Parameters
    ----------
    y_true, y_pred : array-like
        One label per sample (class indices for :func:`uf1` and :func:`uar`).
    metric : callable
        The score, ``metric(y_true, y_pred) -> float``; it must give a finite number on
        any resample.
    groups : array-like, optional
        The group (subject, person) of each sample, any labels; ``None``: resample samples.
    n_boot : int
        Number of resamples (at least 1).
    level : float
        The confidence level, in (0, 1).
    seed : int or None
        Seed of the resampling: the same seed gives the same interval (``None``: a fresh one).

    Returns
    -------
    tuple of float
        ``(estimate, low, high)``: the metric on all samples and the interval's ends.

    Raises
    ------
    InvalidInputError
        If the inputs are empty or of different lengths, ``n_boot < 1``, ``level`` is
        not in (0, 1), the seed is not a non-negative integer, or the metric does not
        give a finite number on a resample.

    Examples
    --------
    Ten people, four predictions each; person ``i`` gets ``i % 5`` of their four right:

    >>> people = np.repeat(np.arange(10), 4)
    >>> y_true = np.zeros(40, int)
    >>> y_pred = np.where(np.tile(np.arange(4), 10) < people % 5, 0, 1)
    >>> estimate, low, high = bootstrap_interval(y_true, y_pred, groups=people, seed=0)
    >>> estimate, bool(low < estimate < high)
    (0.5, True)
    >>> bootstrap_interval(y_true, y_pred, groups=np.zeros(40))  # one person: no spread
    (0.5, 0.5, 0.5)
    """
    if not callable(metric):
        raise InvalidInputError(f"bootstrap_interval: metric must be a function metric(y_true, y_pred), got {metric!r}.")
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim != 1 or y_true.shape != y_pred.shape or len(y_true) == 0:
        raise InvalidInputError(
            f"bootstrap_interval: y_true and y_pred must be equal-length, non-empty 1-D, got {y_true.shape}, {y_pred.shape}."
        )
    n_boot = count(n_boot, "bootstrap_interval: n_boot (the number of resamples)", 1)
    level = number(level, "bootstrap_interval: level (the confidence level)", 0.0, 1.0, low_open=True, high_open=True)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise InvalidInputError(f"bootstrap_interval: seed must be a non-negative integer or None, got {seed!r}.")
    if groups is None:
        group = np.arange(len(y_true))
    else:
        labels = np.asarray(groups)
        if labels.shape != y_true.shape:
            raise InvalidInputError(
                f"bootstrap_interval: groups has shape {labels.shape}; give one group (subject) per sample, {y_true.shape}."
            )
        try:
            _, group = np.unique(labels, return_inverse=True)
        except TypeError:
            raise InvalidInputError("bootstrap_interval: groups must be labels of one kind (all names or all numbers).") from None
        group = group.reshape(-1)
    n_groups = int(group.max()) + 1
    estimate = float(metric(y_true, y_pred))
    rng = np.random.default_rng(seed)
    resampled = np.concatenate([_resampled_scores(y_true, y_pred, group, n_groups, metric, block)
                                for block in _resample_counts(rng, n_groups, n_boot)])
    bad = int(np.count_nonzero(~np.isfinite(resampled)))
    if bad:
        raise InvalidInputError(
            f"bootstrap_interval: the metric gave NaN or infinite values on {bad} of {n_boot} resamples; use a metric "
            "that is defined on any non-empty set of predictions."
        )
    low, high = np.quantile(resampled, [(1 - level) / 2, (1 + level) / 2])
    return estimate, float(low), float(high)


def format_interval(interval, digits: int = 2) -> str:
    """A score and its interval as a table shows them: ``"0.81 (0.70–0.90)"``.

    Parameters
    ----------
    interval : sequence of 3 numbers
        ``(estimate, low, high)``, as :func:`bootstrap_interval` returns.
    digits : int
        Decimals to show.

    Returns
    -------
    str
        The estimate, then the interval's ends in brackets, joined by an en dash.

    Examples
    --------
    >>> format_interval((0.8125, 0.7, 0.9))
    '0.81 (0.70–0.90)'
    """
    try:
        values = [float(v) for v in interval]
    except (TypeError, ValueError):
        values = []
    if len(values) != 3 or not all(np.isfinite(values)):
        raise InvalidInputError(f"format_interval: give (estimate, low, high), three finite numbers, got {interval!r}.")
    digits = count(digits, "format_interval: digits", 0)
    estimate, low, high = values
    return f"{estimate:.{digits}f} ({low:.{digits}f}\u2013{high:.{digits}f})"


# ------------------------------------------------------------ multi-label and intensity


def _paired_values(y_true, y_pred, caller: str) -> tuple[np.ndarray, np.ndarray]:
    """Two float arrays of one shape; pairs where either is NaN (not coded) are dropped later."""
    try:
        a, b = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{caller}: the values must be numbers.") from None
    if a.shape != b.shape:
        raise InvalidInputError(f"{caller}: y_true has shape {a.shape} but y_pred has {b.shape}; give one prediction per value.")
    return a, b


def _known(a: np.ndarray, b: np.ndarray, caller: str) -> tuple[np.ndarray, np.ndarray]:
    a, b = _paired_values(a, b, caller)
    if a.ndim != 1:
        raise InvalidInputError(f"{caller}: give one column of values (1-D), got shape {a.shape}.")
    keep = np.isfinite(a) & np.isfinite(b)
    return a[keep], b[keep]


def label_f1(y_true, y_pred) -> np.ndarray:
    """The F1 score of every label of a multi-label problem: ``2 TP / (2 TP + FP + FN)`` per column.

    Entries that are NaN in ``y_true`` (a frame the dataset did not code for that
    label) are left out of that label's count.  A label with no positive sample in
    ``y_true`` gets NaN: with nothing to find, its F1 says nothing (the mean over
    labels, ``np.nanmean``, then skips it).

    Parameters
    ----------
    y_true : array_like
        ``(N, K)`` (or ``(N,)`` for one label) of 0/1, NaN for unknown.
    y_pred : array_like
        The same shape, 0/1 (anything above 0.5 counts as present).

    Returns
    -------
    numpy.ndarray
        ``(K,)`` F1 scores in [0, 1] or NaN.

    Examples
    --------
    >>> label_f1([[1, 0], [1, 1], [0, 0]], [[1, 1], [0, 1], [0, 0]])
    array([0.66666667, 0.66666667])
    """
    a, b = _paired_values(y_true, y_pred, "label_f1")
    if a.ndim == 1:
        a, b = a[:, None], b[:, None]
    if a.ndim != 2:
        raise InvalidInputError(f"label_f1: give (N, K) arrays of 0/1 labels, got shape {a.shape}.")
    if np.isnan(b).any():
        raise InvalidInputError("label_f1: y_pred contains NaN; every prediction must be 0 or 1.")
    known = np.isfinite(a)
    truth, guess = (np.nan_to_num(a) > 0.5) & known, (b > 0.5) & known
    tp = (truth & guess).sum(0)
    fp = (~truth & guess & known).sum(0)
    fn = (truth & ~guess).sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = 2 * tp / (2 * tp + fp + fn)
    return np.where(truth.sum(0) > 0, f1, np.nan)


def icc(y_true, y_pred) -> float:
    """ICC(3,1), the two-way mixed, consistency, single-rater intraclass correlation.

    The true and predicted intensities are treated as two raters of the same ``n``
    targets: ``(MS_targets - MS_error) / (MS_targets + MS_error)`` from a two-way
    analysis of variance (Shrout and Fleiss, 1979).  1 means the prediction moves
    exactly with the truth (a constant offset does not count against it); 0 or below,
    that it does not follow it at all.  NaN pairs are left out; NaN if fewer than two
    targets remain or nothing varies.

    Parameters
    ----------
    y_true, y_pred : array_like
        ``(n,)`` intensities.

    Returns
    -------
    float

    Examples
    --------
    >>> round(icc([1, 2, 3], [1, 3, 2]), 3)
    0.5
    """
    a, b = _known(y_true, y_pred, "icc")
    n = len(a)
    if n < 2:
        return float("nan")
    y = np.stack([a, b], axis=1)
    grand = y.mean()
    ss_rows = 2 * ((y.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((y.mean(axis=0) - grand) ** 2).sum()
    ss_error = ((y - grand) ** 2).sum() - ss_rows - ss_cols
    ms_rows, ms_error = ss_rows / (n - 1), ss_error / (n - 1)
    if ms_rows + ms_error <= 0:
        return float("nan")
    return float((ms_rows - ms_error) / (ms_rows + ms_error))


def pcc(y_true, y_pred) -> float:
    """Pearson's correlation coefficient of true and predicted values (NaN pairs left out).

    NaN when either side does not vary (a correlation is then undefined).

    Parameters
    ----------
    y_true, y_pred : array_like
        ``(n,)`` values.

    Returns
    -------
    float

    Examples
    --------
    >>> round(pcc([1, 2, 3], [1, 3, 2]), 3)
    0.5
    """
    a, b = _known(y_true, y_pred, "pcc")
    if len(a) < 2 or a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def mae(y_true, y_pred) -> float:
    """The mean absolute error of predicted values (NaN pairs left out; NaN if none remain).

    Parameters
    ----------
    y_true, y_pred : array_like
        ``(n,)`` values.

    Returns
    -------
    float

    Examples
    --------
    >>> round(mae([1, 2, 3], [1, 3, 2]), 3)
    0.667
    """
    a, b = _known(y_true, y_pred, "mae")
    return float(np.abs(a - b).mean()) if len(a) else float("nan")
