"""Cross-validation of clip classifiers over leave-one-subject-out or random folds."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from fercourse import config
from fercourse.errors import InvalidInputError
from fercourse.temporal.models import build

__all__ = ["random_folds", "cross_validate", "torch_fit_predict"]


def random_folds(n: int, k: int, seed: int = 0, y=None):
    """``k`` random folds over ``n`` samples, stratified by ``y`` when given, as
    ``(name, train_index, test_index)`` like :func:`fercourse.data.loso_folds`.

    They ignore who is who, so one person's clips land on both sides: the leaky
    protocol that leave-one-subject-out replaces.  When the rarest class has fewer
    than ``k`` samples (a small real dataset), stratifying is impossible: the folds are
    then plain random ones, with a warning.

    Parameters
    ----------
    n : int
        Number of samples.
    k : int
        Number of folds.
    seed : int
        Seed of the shuffle.
    y : array-like, optional
        Class of each sample, to stratify by.

    Yields
    ------
    tuple
        ``(name, train_index, test_index)``: ``"fold 1"``, ... and two index arrays.
    """
    from sklearn.model_selection import KFold, StratifiedKFold

    if y is not None:
        rarest = int(np.unique(np.asarray(y), return_counts=True)[1].min())
        if rarest < k:
            warnings.warn(f"random_folds: the rarest class has {rarest} sample(s), fewer than the {k} folds, so the "
                          "folds cannot be stratified; they are plain random folds.", stacklevel=2)
            y = None

    splitter = StratifiedKFold(k, shuffle=True, random_state=seed) if y is not None else KFold(k, shuffle=True, random_state=seed)
    for i, (train_index, test_index) in enumerate(splitter.split(np.zeros(n), y)):
        yield f"fold {i + 1}", train_index, test_index


def cross_validate(fit_predict: Callable, y, folds: Iterable) -> tuple[np.ndarray, pd.DataFrame]:
    """Run ``fit_predict(train_index, test_index) -> predicted labels`` on every fold.

    ``folds`` yields ``(name, train_index, test_index)`` (:func:`fercourse.data.loso_folds`
    or :func:`random_folds`).  Returns the pooled predictions (one per sample) and a
    table with one row per fold (test clips, correct).  Score the pooled predictions with
    :func:`fercourse.metrics.megc_scores`, as MEGC does.

    Parameters
    ----------
    fit_predict : callable
        Trains on ``train_index`` and returns one predicted class index per ``test_index``.
    y : array-like
        The true class index of every sample.
    folds : iterable of tuple
        ``(name, train_index, test_index)`` per fold; every sample must be tested once.

    Returns
    -------
    predicted : numpy.ndarray
        ``(len(y),)`` int64: each sample's prediction from the fold that tested it.
    table : pandas.DataFrame
        One row per fold, indexed by its name.

    Examples
    --------
    >>> y = np.array([0, 0, 1, 1, 1, 1])
    >>> def always_one(train_index, test_index):
    ...     return np.ones(len(test_index), dtype=int)
    >>> predicted, table = cross_validate(always_one, y, random_folds(len(y), 2, y=y))
    >>> predicted.tolist(), int(table["correct"].sum())
    ([1, 1, 1, 1, 1, 1], 4)
    """
    y = np.asarray(y)
    predicted = np.full(len(y), -1, dtype=np.int64)
    rows = []
    for name, train_index, test_index in folds:
        guess = np.asarray(fit_predict(np.asarray(train_index), np.asarray(test_index)))
        if guess.shape != (len(test_index),):
            raise InvalidInputError(f"fit_predict gave {guess.shape} predictions for {len(test_index)} test samples.")
        predicted[test_index] = guess
        rows.append({"fold": name, "test clips": len(test_index), "correct": int((guess == y[test_index]).sum())})
    if (predicted < 0).any():
        raise InvalidInputError("cross_validate: the folds left some samples without a prediction.")
    return predicted, pd.DataFrame(rows).set_index("fold")


def _take(inputs, index):
    if isinstance(inputs, dict):
        return {k: np.asarray(v)[index] for k, v in inputs.items()}
    return np.asarray(inputs)[index]


def torch_fit_predict(name: str, inputs, y, n_classes: int, epochs: int, seed: int = 0, **options) -> Callable:
    """A ``fit_predict`` for :func:`cross_validate` that trains a fresh :func:`build` model per fold.

    Training uses :func:`fercourse.train.fit`.  The checkpoint is chosen on every
    fourth training clip (never the test fold), so the test subject stays unseen;
    ``options`` go to ``fit`` (``lr=``, ``batch_size=``) or, prefixed ``model_``, to the model.

    Parameters
    ----------
    name : str
        The network, one of :data:`MODELS`.
    inputs : numpy.ndarray or dict of str to numpy.ndarray
        The model's inputs for all samples (windows, a dict of region windows, or flow maps).
    y : array-like
        The class index of every sample.
    n_classes : int
        Classes to tell apart.
    epochs : int
        Training epochs per fold.
    seed : int
        Seed of every fold's initial weights and training.
    **options
        Passed on to :func:`fercourse.train.fit`, or to the model when prefixed ``model_``.

    Returns
    -------
    callable
        ``fit_predict(train_index, test_index)``; its ``timing["seconds"]`` adds up the training time.
    """

    from fercourse import train

    y = np.asarray(y)
    model_options = {k[len("model_"):]: v for k, v in options.items() if k.startswith("model_")}
    fit_options = {k: v for k, v in options.items() if not k.startswith("model_")}
    first = next(iter(inputs.values())) if isinstance(inputs, dict) else inputs
    size = int(np.asarray(first).shape[-1])
    timing = {"seconds": 0.0}

    def fit_predict(train_index, test_index):
        # PyTorch draws the initial weights and the dropout masks from its global generator:
        # seeded for this fold only, the caller's random numbers are left where they were.
        with config.scoped_global_seed(seed):
            model = build(name, n_classes=n_classes, input_size=size, **model_options)
            check = train_index[::4]
            history = train.fit(model, (_take(inputs, train_index), y[train_index]), (_take(inputs, check), y[check]),
                                epochs=epochs, seed=seed, progress=False, **fit_options)
        timing["seconds"] += history["seconds"]
        return train.predict_proba(model, _take(inputs, test_index)).argmax(axis=1)

    fit_predict.timing = timing
    return fit_predict
