"""Every model on a set of labelled photos, read the way a live cell reads a frame.

:func:`evaluate` is the one call behind "your own face as a test set": it takes any
number of models (anything :class:`~fercourse.live.Pipeline` takes) and labelled images
(:func:`fercourse.data.own_faces`, or any image :class:`~fercourse.data.Dataset`), finds
the face in each image once, as :func:`fercourse.detect` does (the Face Landmarker on a
still image), lets every model classify it as a pipeline does (the same crop or
features, no smoothing) and returns a :class:`PhotoEvaluation`: a summary row per model, each
face's answers and a confusion matrix per model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fercourse.errors import InvalidInputError
from fercourse.live.classifiers import as_classifier
from fercourse.live.faces import Face
from fercourse.live.pipeline import Pipeline

__all__ = ["NO_FACE", "PhotoEvaluation", "evaluate"]

#: The answer recorded when the pipeline finds no face in an image.
NO_FACE = "(no face)"


@dataclass
class PhotoEvaluation:
    """What :func:`evaluate` found.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per model: ``faces``, ``face found``, ``correct``, ``accuracy``
        (over all images; a missed face counts as wrong), ``balanced accuracy``
        (the mean recall over the expressions present) and ``classes said``.
    answers : pandas.DataFrame
        One row per image (its ``label`` and ``file`` or subject) and one column per
        model with its answer (:data:`NO_FACE` when no face was found).
    confusion : dict of str to pandas.DataFrame
        Per model, counts with the true expressions as rows and the answers as columns.
    description : str
        Which images these were (the dataset's description).
    """

    table: pd.DataFrame
    answers: pd.DataFrame
    confusion: dict
    description: str = ""

    def plot(self, columns: int = 3, size: float = 3.6):
        """The confusion matrices side by side (rows: the true expression, each row normalised).

        Parameters
        ----------
        columns : int
            Matrices per row of the figure.
        size : float
            Inches per matrix.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt

        names = list(self.confusion)
        rows = -(-len(names) // columns)
        width = min(columns, len(names))
        fig, axes = plt.subplots(rows, width, figsize=(size * width, size * rows), squeeze=False)
        for ax, name in zip(axes.ravel(), names):
            counts = self.confusion[name]
            shares = counts.div(counts.sum(axis=1).replace(0, 1), axis=0)
            ax.imshow(shares.to_numpy(), cmap="Blues", vmin=0, vmax=1)
            ax.set_xticks(range(shares.shape[1]), shares.columns, rotation=60, ha="right", fontsize=7)
            ax.set_yticks(range(shares.shape[0]), shares.index, fontsize=7)
            for (i, j), n in np.ndenumerate(counts.to_numpy()):
                if n:
                    ax.text(j, i, str(n), ha="center", va="center", fontsize=7,
                            color="white" if shares.iat[i, j] > 0.5 else "black")
            ax.set_title(name, fontsize=8)
            ax.set_xlabel("answer", fontsize=7)
        for ax in axes.ravel()[len(names):]:
            ax.axis("off")
        fig.tight_layout()
        return fig


def evaluate(models: dict, faces) -> PhotoEvaluation:
    """Read every labelled image with every model, as a live cell would; summarise and count.

    The first face the landmarker finds in an image is the one classified; an image
    without a face counts as wrong for every model (:data:`NO_FACE`).

    Parameters
    ----------
    models : dict
        Name to model: anything :class:`~fercourse.live.Pipeline` takes (``None`` is the
        shipped FER2013 model, a chapter's network, a ``live.FeatureClassifier``, a
        function of a face, or a ready ``Pipeline``).
    faces : fercourse.data.Dataset
        Labelled images, such as :func:`fercourse.data.own_faces`.

    Returns
    -------
    PhotoEvaluation

    Raises
    ------
    InvalidInputError
        If ``models`` is not a non-empty dict or ``faces`` is not an image Dataset.

    Examples
    --------
    >>> from fercourse import data, live
    >>> report = live.evaluate({"shipped": None}, data.own_faces(standins=True))  # doctest: +SKIP
    >>> report.table                                                               # doctest: +SKIP
    """
    from fercourse import face
    from fercourse.dataset import Dataset

    if not isinstance(models, dict) or not models:
        raise InvalidInputError("models must be a non-empty dict of name -> model (None: the shipped model).")
    if not isinstance(faces, Dataset) or faces.kind != "image" or len(faces) == 0:
        raise InvalidInputError("faces must be a non-empty image Dataset, such as fercourse.data.own_faces().")
    classifiers = {name: (model.classifier if isinstance(model, Pipeline) else as_classifier(model))
                   for name, model in models.items()}
    found = []
    for i in range(len(faces)):
        rgb = face.as_rgb(faces.sample(i), name=f"image {i}")
        meshes = face.detect_meshes(rgb)
        found.append(Face(rgb, meshes[0].box, mesh=meshes[0]) if meshes else None)
    truth = faces.table["label"].tolist()
    where = faces.table["file"] if "file" in faces.table else faces.table["subject"]
    answers = pd.DataFrame({"label": truth, "image": where.astype(str).tolist()})
    present = [label for label in faces.labels if label in truth]
    rows, confusion = {}, {}
    for name, classifier in classifiers.items():
        if classifier is None:
            raise InvalidInputError(f"The model {name!r} is a Pipeline without a classifier; give it one.")
        said = []
        for f in found:
            row = classifier.predict_proba([f])[0] if f is not None else None  # sets a function's classes
            said.append(NO_FACE if row is None else list(classifier.classes)[int(np.argmax(row))])
        answers[name] = said
        right = np.array([a == t for a, t in zip(said, truth)])
        recalls = [right[np.array(truth) == label].mean() for label in present]
        rows[name] = {"faces": len(faces), "face found": sum(a != NO_FACE for a in said), "correct": int(right.sum()),
                      "accuracy": float(right.mean()), "balanced accuracy": float(np.mean(recalls)),
                      "classes said": len({a for a in said if a != NO_FACE})}
        columns = [c for c in (*faces.labels, *sorted(set(said) - set(faces.labels) - {NO_FACE}), NO_FACE)
                   if c in said or c in present]
        confusion[name] = (pd.crosstab(pd.Series(truth, name="true"), pd.Series(said, name="answer"))
                           .reindex(index=present, columns=columns, fill_value=0))
    table = pd.DataFrame(rows).T
    for column in ("faces", "face found", "correct", "classes said"):
        table[column] = table[column].astype(int)
    return PhotoEvaluation(table, answers, confusion, getattr(faces, "description", ""))
