"""Classifiers of faces: any chapter's model behind one interface, ``predict_proba(faces)``."""

from __future__ import annotations

import numpy as np

from fercourse.errors import InvalidInputError
from fercourse.models import ClassifierBase

__all__ = ["CropClassifier", "FeatureClassifier", "as_classifier"]


class CropClassifier(ClassifierBase):
    """A crop model (``predict_proba(crops)``, e.g. ``cnn.PretrainedFER``) as a pipeline classifier.

    Each face is cut with :meth:`Face.crop` (``size``, ``gray``) and the crops go
    to ``model.predict_proba`` in one batch.  :class:`Pipeline` wraps the
    course's CNN classifiers (``cnn.PretrainedFER``, ``cnn.TorchFER``) in it
    by itself.

    Parameters
    ----------
    model : object
        Anything with ``predict_proba(crops) -> (n, k)``.
    size : int
        The side of the square crops the model takes, in pixels.
    gray : bool
        Grey crops (``True``) or RGB ones.
    classes : sequence of str, optional
        The class names in the model's column order; by default ``model.classes``.
    """

    def __init__(self, model, size: int = 48, gray: bool = True, classes=None):
        if not hasattr(model, "predict_proba"):
            raise InvalidInputError(f"CropClassifier needs a model with predict_proba(crops), got {type(model).__name__}.")
        self.model, self.size, self.gray = model, int(size), bool(gray)
        self.classes = tuple(classes if classes is not None else getattr(model, "classes", ()))
        if not self.classes:
            raise InvalidInputError("CropClassifier needs class names: the model has no .classes, so pass classes=.")
        # The first call of a traced model builds its graph (half a second): do it now, not on frame one.
        self.model.predict_proba([np.zeros((self.size, self.size) if self.gray else (self.size, self.size, 3), np.uint8)])

    def predict_proba(self, faces) -> np.ndarray:
        """The model's probabilities for each face's crop.

        Parameters
        ----------
        faces : list of Face
            The faces of one frame.

        Returns
        -------
        numpy.ndarray
            ``(len(faces), len(classes))`` probabilities.
        """
        return np.asarray(self.model.predict_proba([f.crop(self.size, self.gray) for f in faces]))


class FeatureClassifier(ClassifierBase):
    """A feature model (scikit-learn style) as a pipeline classifier.

    ``feature(face) -> 1-D array`` makes each face's row, e.g.
    ``lambda f: f.mesh.blendshape_vector()`` for chapter 04's blendshape SVM.
    ``classes`` names the model's classes in the order of ``estimator.classes_``
    (default: those values as text).  A model without ``predict_proba`` (an SVC
    made without ``probability=True``) gives probability 1 to the class it predicts.

    Parameters
    ----------
    estimator : object
        A fitted model with ``predict`` and ``classes_`` (and ideally ``predict_proba``).
    feature : callable
        ``feature(face) -> 1-D array``, one row of the model's input.
    classes : sequence, optional
        Names for ``estimator.classes_``, in the same order.
    """

    def __init__(self, estimator, feature, classes=None):
        if not hasattr(estimator, "predict") or not callable(feature):
            raise InvalidInputError("FeatureClassifier needs a fitted estimator with predict and a callable feature(face).")
        if not hasattr(estimator, "classes_"):
            raise InvalidInputError("The estimator is not fitted (it has no classes_); fit it first.")
        self.estimator, self.feature = estimator, feature
        self.classes = tuple(str(c) for c in (estimator.classes_ if classes is None else classes))
        if len(self.classes) != len(estimator.classes_):
            raise InvalidInputError(
                f"classes names {len(self.classes)} classes but the estimator has {len(estimator.classes_)}."
            )

    def predict_proba(self, faces) -> np.ndarray:
        """The estimator's probabilities for each face's feature row.

        Parameters
        ----------
        faces : list of Face
            The faces of one frame.

        Returns
        -------
        numpy.ndarray
            ``(len(faces), len(classes))`` probabilities (one-hot without ``predict_proba``).
        """
        rows = np.stack([np.asarray(self.feature(f), dtype=np.float64).ravel() for f in faces])
        if hasattr(self.estimator, "predict_proba"):
            return np.asarray(self.estimator.predict_proba(rows))
        index = {value: k for k, value in enumerate(self.estimator.classes_)}
        picked = [index[value] for value in self.estimator.predict(rows)]
        return np.eye(len(self.classes))[picked]


class _CallableClassifier(ClassifierBase):
    """A plain ``face -> {label: probability}`` function as a classifier."""

    def __init__(self, function):
        self.function, self.classes = function, None

    def predict_proba(self, faces) -> np.ndarray:
        rows = []
        for f in faces:
            result = self.function(f)
            if not isinstance(result, dict) or not result:
                raise InvalidInputError(
                    f"The classifier function returned {type(result).__name__}; it must return a non-empty "
                    "dict {label: probability}."
                )
            if self.classes is None:
                self.classes = tuple(str(k) for k in result)
            missing = set(self.classes) - set(map(str, result))
            if missing:
                raise InvalidInputError(f"The classifier function left out the labels {sorted(missing)}; return all of {list(self.classes)}.")
            values = {str(k): float(v) for k, v in result.items()}
            rows.append([values[c] for c in self.classes])
        return np.array(rows, dtype=np.float64)


def as_classifier(classifier):
    """Any model a chapter trains, as a classifier of :class:`Face` objects (what :class:`Pipeline` calls).

    ``None`` gives the shipped FER2013 model; the course's crop models (``cnn``) are wrapped in a
    :class:`CropClassifier` at their input size; an object with ``.classes`` and
    ``.predict_proba(faces)`` is used as it is; a function ``face -> {label: probability}`` is wrapped.

    Parameters
    ----------
    classifier : object, callable or None
        The model, as described above.

    Returns
    -------
    object
        A classifier with ``.classes`` and ``.predict_proba(faces)``.
    """
    from fercourse import cnn

    if classifier is None:
        return CropClassifier(cnn.PretrainedFER())
    if isinstance(classifier, cnn.PretrainedFER):
        return CropClassifier(classifier)
    if isinstance(classifier, cnn.BaseClassifier):  # the course's PyTorch models: crops at their input size
        return CropClassifier(classifier, size=classifier.input_size)
    if hasattr(classifier, "predict_proba") and hasattr(classifier, "classes"):
        return classifier
    if callable(classifier):
        return _CallableClassifier(classifier)
    raise InvalidInputError(
        f"classifier must be None (the shipped FER2013 model), an object with .classes and .predict_proba(faces), "
        f"or a function face -> {{label: probability}}; got {type(classifier).__name__}."
    )
