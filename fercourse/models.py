"""What every model of the course has in common: one contract, one evaluation, one registry style.

* :class:`Classifier`: the contract.  A classifier has ``classes`` (its label names,
  in the order of its probability columns), ``predict_proba(x)`` (an ``(n, n_classes)``
  array) and ``predict(x)`` (an array of ``n`` labels taken from ``classes``).  What
  ``x`` is depends on the chapter: face crops (:class:`fercourse.cnn.PretrainedFER`,
  :class:`~fercourse.cnn.TorchFER`), meshes (:class:`fercourse.graph.MeshClassifier`),
  grey faces in [0, 1] (:class:`fercourse.adversarial.Target`) or live faces
  (:mod:`fercourse.live`'s classifiers).  :class:`ClassifierBase` gives ``predict``
  from ``predict_proba``.
* :func:`classifier_of`: any model of the course as a :class:`Classifier`: the
  classifiers above as they are, a PyTorch network of :mod:`fercourse.cnn` or
  :mod:`fercourse.temporal` (:class:`NetworkClassifier`), a fitted scikit-learn
  estimator or pipeline of :mod:`fercourse.features` (:class:`EstimatorClassifier`).
* :func:`evaluate`: accuracy, UF1, UAR, the confusion matrix and a per-class table
  (:mod:`fercourse.metrics`) of any of them on a :class:`fercourse.data.Dataset` or an
  ``(inputs, labels)`` pair, always with the same result keys.
* :class:`Registry`: builders by name.  :func:`fercourse.cnn.build`,
  :func:`fercourse.graph.build` and :func:`fercourse.temporal.build` each look their
  name up in one (:data:`fercourse.cnn.ARCHITECTURES`, :data:`fercourse.graph.ARCHITECTURES`,
  :data:`fercourse.temporal.MODELS`), so an unknown name gives the same error everywhere.
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from fercourse.errors import InvalidInputError

__all__ = [
    "Classifier",
    "ClassifierBase",
    "NetworkClassifier",
    "EstimatorClassifier",
    "classifier_of",
    "evaluate",
    "RESULT_KEYS",
    "Registry",
]


@runtime_checkable
class Classifier(Protocol):
    """The course's classifier contract (checked with ``isinstance(model, Classifier)``).

    Attributes
    ----------
    classes : sequence
        The label names, in the order of the columns of ``predict_proba``.
    """

    classes: Sequence

    def predict_proba(self, x) -> np.ndarray:
        """Class probabilities, shape ``(n, len(classes))``, each row summing to 1."""
        ...

    def predict(self, x) -> np.ndarray:
        """The most likely label of each of the ``n`` inputs, an array of values from ``classes``."""
        ...


class ClassifierBase:
    """``predict`` from ``predict_proba``: subclasses set ``classes`` and write ``predict_proba``."""

    classes: Sequence = ()

    def predict_proba(self, x) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def predict(self, x) -> np.ndarray:
        """The most likely label of each input (an array of values from ``classes``)."""
        best = np.asarray(self.predict_proba(x)).argmax(axis=1)  # first: some classifiers learn their classes here
        return np.asarray(self.classes)[best]


def _is_torch_module(model) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(model, torch.nn.Module)


class NetworkClassifier(ClassifierBase):
    """A PyTorch network of the course (:mod:`fercourse.cnn`, :mod:`fercourse.temporal`) as a :class:`Classifier`.

    ``predict_proba(x)`` is :func:`fercourse.train.predict_proba`: ``x`` is what the
    network trains on (grey images, ``(images, features)`` for a hybrid network,
    clips or region crops for the clip networks).

    Parameters
    ----------
    network : torch.nn.Module
        A network that returns one logit per class.
    classes : sequence, optional
        Names of its classes (default: ``0 .. n_classes-1``).
    batch_size : int
        Inputs per forward pass.
    """

    def __init__(self, network, classes=None, batch_size: int = 256):
        if not _is_torch_module(network):
            raise InvalidInputError(f"NetworkClassifier wraps a torch.nn.Module, got {type(network).__name__}.")
        n_classes = getattr(network, "n_classes", None)
        if classes is None and n_classes is None:
            raise InvalidInputError(
                f"{type(network).__name__} does not say how many classes it has (no n_classes): pass classes=."
            )
        self.network = network
        self.classes = tuple(classes) if classes is not None else tuple(range(int(n_classes)))
        if n_classes is not None and len(self.classes) != int(n_classes):
            raise InvalidInputError(f"classes names {len(self.classes)} classes but the network has {n_classes}.")
        self.batch_size = int(batch_size)

    def predict_proba(self, x) -> np.ndarray:
        from fercourse.train import predict_proba

        return predict_proba(self.network, x, batch_size=self.batch_size)


class EstimatorClassifier(ClassifierBase):
    """A fitted scikit-learn estimator or pipeline as a :class:`Classifier`.

    ``classes`` is the estimator's own ``classes_``; ``predict`` is the estimator's own
    (which may differ from the most probable class, as for an SVM with Platt scaling);
    ``predict_proba`` is the estimator's, or 1 for the predicted class when it has none
    (an SVM made without ``probability=True``).

    Parameters
    ----------
    estimator : object
        A fitted estimator with ``classes_`` and ``predict``.
    """

    def __init__(self, estimator):
        if not hasattr(estimator, "predict"):
            raise InvalidInputError(f"EstimatorClassifier needs an estimator with predict, got {type(estimator).__name__}.")
        if not hasattr(estimator, "classes_"):
            raise InvalidInputError(f"The {type(estimator).__name__} is not fitted (it has no classes_); fit it first.")
        self.estimator = estimator
        self.classes = tuple(np.asarray(estimator.classes_).tolist())

    @property
    def has_proba(self) -> bool:
        """Whether the estimator gives probabilities of its own."""
        return hasattr(self.estimator, "predict_proba")

    def predict(self, x) -> np.ndarray:
        return np.asarray(self.estimator.predict(x))

    def predict_proba(self, x) -> np.ndarray:
        if self.has_proba:
            return np.asarray(self.estimator.predict_proba(x))
        return np.eye(len(self.classes))[_index_of(self.predict(x), self.classes, "predict")]


def classifier_of(model, classes=None):
    """Any model of the course as a :class:`Classifier`.

    Parameters
    ----------
    model : object
        A :class:`Classifier` (returned as it is), a PyTorch network (wrapped in a
        :class:`NetworkClassifier`) or a fitted scikit-learn estimator (wrapped in an
        :class:`EstimatorClassifier`).
    classes : sequence, optional
        Class names for a network (its own have none).

    Returns
    -------
    Classifier
    """
    if _is_torch_module(model):
        return NetworkClassifier(model, classes)
    if classes is not None:
        raise InvalidInputError(
            f"classes= names the classes of a PyTorch network; a {type(model).__name__} has its own .classes."
        )
    if isinstance(model, Classifier):
        return model
    if hasattr(model, "classes_") and hasattr(model, "predict"):
        return EstimatorClassifier(model)
    if hasattr(model, "predict") and hasattr(model, "fit") and hasattr(model, "get_params"):
        raise InvalidInputError(f"The {type(model).__name__} is not fitted (it has no classes_); fit it first, or pass fit=.")
    raise InvalidInputError(
        f"{type(model).__name__} is not a model of the course: expected an object with .classes, .predict_proba "
        "and .predict, a PyTorch network, or a fitted scikit-learn estimator."
    )


# ---------------------------------------------------------------------------------- evaluation

#: The keys of every :func:`evaluate` result.
RESULT_KEYS = ("name", "n", "classes", "accuracy", "interval", "uf1", "uar", "confusion", "per_class", "predicted",
               "probabilities", "predict_ms", "fit_s", "model")


def _index_of(values, classes, what: str, names=None) -> np.ndarray:
    """Positions in ``classes`` of ``values`` (labels of ``classes``, or indices into them).

    ``names`` (a Dataset's label names) turns indices into names first: a model whose
    classes are names is then scored by name (in whatever order it keeps them), and a
    name it does not know is an error, not a position.
    """
    values = np.asarray(values)
    order = np.asarray(classes, dtype=object).tolist()
    lookup = {c: i for i, c in enumerate(order)}
    is_index = np.issubdtype(values.dtype, np.integer) and len(values) > 0 and values.min() >= 0
    by_name = names is not None and all(isinstance(c, str) for c in order)
    if by_name and is_index and values.max() < len(names):
        values = np.asarray(names, dtype=object)[values]
    found = [lookup.get(v) for v in values.tolist()]
    if None not in found:
        return np.array(found, dtype=np.int64)
    if not by_name and is_index and values.max() < len(classes):
        return values.astype(np.int64)
    unknown = sorted({str(v) for v, f in zip(values.tolist(), found) if f is None})
    raise InvalidInputError(
        f"evaluate: {what} {unknown[:5]} are not among the model's classes {list(classes)}"
        + ("." if by_name else " (nor indices into them).")
    )


def _inputs_and_labels(model, data, split):
    """``(inputs, labels, label names or None)`` from a Dataset (optionally one split) or an (inputs, labels) pair."""
    from fercourse.dataset import Dataset

    if isinstance(data, Dataset):
        part = data.split(split) if split else data
        if len(part) == 0:
            raise InvalidInputError(f"evaluate: the {split or 'whole'} split of {data.name!r} holds no samples.")
        inputs = model.dataset_inputs(part) if hasattr(model, "dataset_inputs") else part.X()
        return inputs, part.y(), part.labels
    if split is not None:
        raise InvalidInputError("evaluate: split= picks a part of a Dataset; an (inputs, labels) pair has none.")
    if isinstance(data, (tuple, list)) and len(data) == 2:
        labels = np.asarray(data[1])
        if labels.ndim != 1 or len(labels) == 0:
            raise InvalidInputError(f"evaluate: labels must be a non-empty 1-D array, got shape {labels.shape}.")
        return data[0], labels, None
    raise InvalidInputError("evaluate: data must be a fercourse Dataset or an (inputs, labels) pair.")


def _fitted(model, fit):
    """A fresh clone of a scikit-learn ``model`` fitted on ``fit``, and the seconds it took."""
    from sklearn.base import clone

    try:
        estimator = clone(model)
    except TypeError:
        raise InvalidInputError(
            f"evaluate: fit= trains a fresh copy of a scikit-learn model; train a {type(model).__name__} first "
            "(train.fit, graph.train_model) and evaluate it without fit=."
        ) from None
    from fercourse.dataset import Dataset

    if isinstance(fit, Dataset):
        part = fit.split("train")
        X, y = part.X(), part.y()
    elif isinstance(fit, (tuple, list)) and len(fit) == 2:
        X, y = fit
    else:
        raise InvalidInputError("evaluate: fit= must be a Dataset or an (inputs, labels) pair.")
    if len(X) != len(y) or len(y) == 0:
        raise InvalidInputError("evaluate: the training inputs and labels must be non-empty and of the same length.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        estimator.fit(X, y)
        return estimator, time.perf_counter() - start


def evaluate(model, data, *, split: str | None = None, classes=None, name: str | None = None, fit=None,
             groups=None) -> dict:
    """Score a model on labelled data: the same measures and the same result keys for every chapter.

    Parameters
    ----------
    model : object
        Anything :func:`classifier_of` takes: a :class:`Classifier` (``cnn.PretrainedFER``,
        ``cnn.TorchFER``, ``graph.MeshClassifier``, ``adversarial.Target``, ...), a PyTorch
        network, or a scikit-learn estimator (fitted, or given ``fit=``).
    data : Dataset or tuple
        A :class:`fercourse.data.Dataset` (a model with a ``dataset_inputs(dataset)``
        method picks its own inputs from it, such as the meshes and neutral faces of a
        mesh dataset; others get ``dataset.X()``), or an ``(inputs, labels)`` pair.
        Labels are class indices or names; a Dataset's indices are matched to the
        model's classes by name.
    split : str, optional
        Evaluate on this split of a Dataset only (``"test"``).
    classes : sequence, optional
        Names of a PyTorch network's classes (default: the Dataset's labels, else indices).
    name : str, optional
        The name in the result (default: the model's ``name``, or its type).
    fit : Dataset or tuple, optional
        For a scikit-learn model: fit a fresh copy (``sklearn.base.clone``) on these
        ``(inputs, labels)`` first (a Dataset: its train split) and report the time.
    groups : array-like or str, optional
        The person of each test sample (or, for a Dataset, the name of a table column
        such as ``"subject"``): the accuracy then gets a 95 % bootstrap interval that
        resamples people (:func:`fercourse.metrics.bootstrap_interval`, 1,000 resamples,
        seed 0).  A test set of a few people gives a wide one.

    Returns
    -------
    dict
        With the keys of :data:`RESULT_KEYS`: ``name``; ``n`` (samples); ``classes``;
        ``accuracy``, ``uf1`` (macro-F1) and ``uar`` (balanced accuracy), see
        :mod:`fercourse.metrics`; ``interval`` (the accuracy's ``(low, high)`` bootstrap
        interval over ``groups``, ``None`` without them); ``confusion`` (``(k, k)`` counts, rows = true class,
        in the order of ``classes``); ``per_class`` (precision, recall, F1, support);
        ``predicted`` (the predicted labels, values of ``classes``); ``probabilities``
        (``(n, k)``, ``None`` for a scikit-learn model without ``predict_proba``);
        ``predict_ms`` (milliseconds per sample to predict, the first call's set-up
        included); ``fit_s`` (seconds to fit, ``None`` without ``fit=``) and ``model``
        (the classifier that was scored, the fitted copy with ``fit=``).
    """
    from fercourse import metrics

    fit_s = None
    if fit is not None:
        model, fit_s = _fitted(model, fit)
    inputs, y, names = _inputs_and_labels(model, data, split)
    if classes is None and names is not None and _is_torch_module(model):
        classes = names
    classifier = classifier_of(model, classes)
    labels = tuple(classifier.classes)
    if len(labels) < 1:
        raise InvalidInputError(f"evaluate: {type(model).__name__} has no classes.")
    truth = _index_of(y, labels, "labels", names)
    start = time.perf_counter()
    if isinstance(classifier, EstimatorClassifier):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            predicted = _index_of(classifier.predict(inputs), labels, "predictions")
            predict_s = time.perf_counter() - start
            probabilities = classifier.predict_proba(inputs) if classifier.has_proba else None
    else:
        probabilities = np.asarray(classifier.predict_proba(inputs))
        predict_s = time.perf_counter() - start
        if probabilities.ndim != 2 or probabilities.shape[1] != len(labels):
            raise InvalidInputError(
                f"evaluate: predict_proba gave shape {probabilities.shape}; expected (n, {len(labels)}), one column "
                f"per class of {list(labels)}."
            )
        predicted = probabilities.argmax(axis=1)
    if len(predicted) != len(truth):
        raise InvalidInputError(f"evaluate: {len(predicted)} predictions for {len(truth)} labels.")
    interval = None
    if groups is not None:
        people = _groups_of(groups, data, split, len(truth))
        interval = metrics.bootstrap_interval(truth, predicted, groups=people)[1:]
    result = {
        "name": name or getattr(model, "name", None) or type(model).__name__,
        "n": len(truth),
        "classes": labels,
        **metrics.scores(truth, predicted, labels),
        "interval": interval,
        "predicted": np.asarray(labels)[predicted],
        "probabilities": probabilities,
        "predict_ms": 1000 * predict_s / len(truth),
        "fit_s": fit_s,
        "model": model if fit is not None else classifier,
    }
    return {key: result[key] for key in RESULT_KEYS}


def _groups_of(groups, data, split, n: int) -> np.ndarray:
    """The person of each evaluated sample: an array, or a column of a Dataset's table."""
    from fercourse.dataset import Dataset

    if isinstance(groups, str):
        if not isinstance(data, Dataset):
            raise InvalidInputError(
                f"evaluate: groups={groups!r} names a table column, which only a Dataset has; pass one group "
                "per test sample instead."
            )
        part = data.split(split) if split else data
        if groups not in part.table:
            raise InvalidInputError(f"evaluate: the table has no column {groups!r} (it has {list(part.table.columns)}).")
        groups = part.table[groups]
    people = np.asarray(groups)
    if people.ndim != 1 or len(people) != n:
        raise InvalidInputError(f"evaluate: groups holds {people.shape} values for {n} test samples; give one per sample.")
    return people


# ---------------------------------------------------------------------------------- registries


class Registry(dict):
    """Model builders by name, for one kind of model: ``registry.build(name, **options)``.

    A plain dict of ``name -> builder`` (iterating gives the names), whose lookups of
    an unknown name raise :class:`~fercourse.errors.InvalidInputError` saying
    ``build: unknown <kind> '<name>'; choose one of ...``, the same for every chapter.

    Parameters
    ----------
    kind : str
        What the builders make (``"architecture"``, ``"graph network"``, ``"model"``), for the error.
    builders : dict
        ``name -> callable(**options)`` returning a new model.
    """

    def __init__(self, kind: str, builders: dict[str, Callable] | None = None):
        super().__init__(builders or {})
        self.kind = kind

    def __missing__(self, name):
        raise InvalidInputError(f"build: unknown {self.kind} {name!r}; choose one of {', '.join(self)}.")

    def builder(self, name) -> Callable:
        """The builder registered as ``name`` (an unknown name raises the registry's error).

        Parameters
        ----------
        name : str
            A registered name.

        Returns
        -------
        callable
        """
        if not isinstance(name, str) or name not in self:
            return self.__missing__(name)
        return self[name]

    def build(self, name: str, /, **options):
        """A new model: ``self.builder(name)(**options)``.

        Parameters
        ----------
        name : str
            A registered name.
        **options
            Passed to the builder.

        Returns
        -------
        object
            The new model.
        """
        return self.builder(name)(**options)
