"""Honest evaluation: ordinal against multinomial models, and the leak of augmenting before splitting."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from fercourse import models
from fercourse.checks import count, positive
from fercourse.errors import InvalidInputError
from fercourse.features.eyes import OrdinalLogistic
from fercourse.features.inputs import as_images
from fercourse.synth import EYE_LEVELS

__all__ = ["compare_ordinal", "augmented_copies", "leakage_demo"]


def compare_ordinal(X_train, y_train, X_test, y_test, levels=EYE_LEVELS) -> pd.DataFrame:
    """An ordinal and a multinomial logistic model on the same standardised features, side by side.

    Parameters
    ----------
    X_train, y_train : array_like
        Training features ``(N, features)`` and their levels.
    X_test, y_test : array_like
        Test features and their levels.
    levels : sequence of str
        The levels in their order (by default :data:`fercourse.synth.EYE_LEVELS`).

    Returns
    -------
    pandas.DataFrame
        One row per model; the columns ``accuracy``, ``macro_f1``, ``mean level
        error`` (how many levels off an answer is, on average) and ``off by 2+``
        (share of answers two or more levels off).
    """
    from sklearn.linear_model import LogisticRegression

    rank = {name: k for k, name in enumerate(levels)}
    truth = np.array([rank[v] for v in np.asarray(y_test)])
    rows = {}
    for name, model in {
        "ordinal (proportional odds)": make_pipeline(StandardScaler(), OrdinalLogistic(classes=tuple(levels))),
        "multinomial logistic": make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
    }.items():
        result = _fit_and_score(model, X_train, y_train, X_test, y_test, name)
        error = np.abs(np.array([rank[v] for v in result["predicted"]]) - truth)
        rows[name] = {"accuracy": result["accuracy"], "macro_f1": result["uf1"],
                      "mean level error": error.mean(), "off by 2+": (error >= 2).mean()}
    return pd.DataFrame(rows).T


def _fit_and_score(model, X_train, y_train, X_test, y_test, name: str | None = None) -> dict:
    """:func:`fercourse.models.evaluate` of a fresh clone of ``model`` fitted on the training rows."""
    if len(X_train) != len(y_train) or len(X_test) != len(y_test):
        raise InvalidInputError("evaluate: X and y must have the same number of rows, for training and for testing.")
    if len(X_test) == 0 or len(X_train) == 0:
        raise InvalidInputError("evaluate: the training or the test set is empty.")
    return models.evaluate(model, (X_test, y_test), fit=(X_train, y_train), name=name)


def augmented_copies(images, copies: int = 3, noise: float = 0.03, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Each image plus ``copies`` altered copies (mirrored at random, with Gaussian noise).

    Parameters
    ----------
    images : array_like
        Faces, anything :func:`~fercourse.features.as_images` accepts.
    copies : int
        Altered copies per image (0 for none).
    noise : float
        Standard deviation of the noise, in [0, 1] pixel units.
    seed : int
        Seed of the flips and the noise.

    Returns
    -------
    augmented : numpy.ndarray
        ``(N * (copies + 1), H, W)`` ``uint8``: the originals first, then each round of copies.
    source : numpy.ndarray
        ``source[i]`` is the index of the original image that row ``i`` was made from.

    Examples
    --------
    >>> import numpy as np
    >>> augmented, source = augmented_copies(np.zeros((2, 8, 8), np.uint8), copies=1)
    >>> augmented.shape, source.tolist()
    ((4, 8, 8), [0, 1, 0, 1])
    """
    pictures = as_images(images, "images")
    copies = count(copies, "augmented_copies: copies", 0)
    noise = positive(noise, "augmented_copies: noise (the standard deviation, in [0, 1] units)", allow_zero=True)
    rng = np.random.default_rng(seed)
    out, source = [pictures], [np.arange(len(pictures))]
    for _ in range(copies):
        flip = rng.random(len(pictures)) < 0.5
        changed = np.where(flip[:, None, None], pictures[:, :, ::-1], pictures)
        out.append(np.clip(changed + rng.normal(0.0, noise, pictures.shape), 0.0, 1.0))
        source.append(np.arange(len(pictures)))
    return (np.concatenate(out) * 255).round().astype(np.uint8), np.concatenate(source)


def leakage_demo(model, images, labels, splits, copies: int = 3, test_size: float = 0.2, seed: int = 0) -> pd.DataFrame:
    """The same model scored two ways on augmented data.

    * ``leaky``: every image is augmented first, then the pool of originals and
      copies is split at random, so copies of one photo (and the same people) sit on
      both sides of the split;
    * ``honest``: the split is by subject (``splits`` gives ``train``/``test`` per
      image) and only the training images are augmented.

    Parameters
    ----------
    model : sklearn estimator
        The model to score; a fresh copy is fitted for each way.
    images : array_like
        The faces, anything :func:`~fercourse.features.as_images` accepts.
    labels : array_like
        One label per image.
    splits : array_like
        ``"train"`` or ``"test"`` per image (split by subject).
    copies : int
        Altered copies per image (see :func:`augmented_copies`).
    test_size : float
        Share of the pool the leaky way tests on.
    seed : int
        Seed of the copies and of the random split.

    Returns
    -------
    pandas.DataFrame
        One row per way: ``accuracy``, ``macro_f1`` and the share of test images
        with a copy in training.
    """
    from sklearn.model_selection import train_test_split

    labels = np.asarray(labels)
    splits = np.asarray(splits)
    if not (len(labels) == len(splits) == len(images)):
        raise InvalidInputError("leakage_demo: images, labels and splits must have one entry per face.")
    if not {"train", "test"} <= set(splits.tolist()):
        raise InvalidInputError("leakage_demo: splits must contain both 'train' and 'test' rows.")
    augmented, source = augmented_copies(images, copies, seed=seed)
    train, test = train_test_split(np.arange(len(augmented)), test_size=test_size, random_state=seed,
                                   stratify=labels[source])
    leaky = _fit_and_score(model, augmented[train], labels[source][train], augmented[test], labels[source][test], "leaky")
    train_rows = np.flatnonzero(splits == "train")
    test_rows = np.flatnonzero(splits == "test")
    train_aug, train_source = augmented_copies(np.asarray(images)[train_rows], copies, seed=seed)
    honest = _fit_and_score(model, train_aug, labels[train_rows][train_source], np.asarray(images)[test_rows],
                            labels[test_rows], "honest")
    shared = np.isin(source[test], source[train]).mean()
    table = pd.DataFrame([
        {"evaluation": "augment, then split images at random", "accuracy": leaky["accuracy"],
         "macro_f1": leaky["uf1"], "test images with a copy in training": shared},
        {"evaluation": "split by subject, augment training only", "accuracy": honest["accuracy"],
         "macro_f1": honest["uf1"], "test images with a copy in training": 0.0},
    ])
    return table.set_index("evaluation")
