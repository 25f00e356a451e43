"""How real the synthetic faces look to models trained only on real faces.

:func:`measure_realism` runs the two shipped real models on colour faces from
:func:`fercourse.synth.faces`: MediaPipe's face landmarker (does it find the face,
and how far are its 478 points from the generator's ground truth?) and the FER2013
mini-Xception (does it read the intended expression?).

This module sits above both the generator (:mod:`fercourse.synth`) and the models
(:mod:`fercourse.face`, :mod:`fercourse.cnn`), so the generator itself needs no model.
Chapter 02 measures 70 faces; ``benchmarks/synth_realism.py`` measures 350 and the
generator's speed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fercourse import cnn, face, mesh
from fercourse.emotions import FER2013_LABELS
from fercourse.errors import InvalidInputError

__all__ = ["Realism", "measure_realism"]


@dataclass
class Realism:
    """What the shipped real models make of a set of synthetic faces (see :func:`measure_realism`)."""

    images: int
    found: int  # images in which the landmarker found a face
    landmark_errors: np.ndarray  # per found image: mean landmark distance / inter-ocular distance
    confusion: object  # pandas DataFrame: intended expression (rows) x FER2013 model's reading (columns)

    @property
    def recall(self):
        """Share of each intended expression that the FER2013 model read as intended."""
        return self.confusion.to_numpy().diagonal() / self.confusion.sum(axis=1)

    @property
    def balanced_accuracy(self) -> float:
        return float(self.recall.mean())

    def summary(self) -> str:
        return (
            f"landmarker: face found in {self.found}/{self.images} images ({self.found / self.images:.1%}); "
            f"landmark error mean {self.landmark_errors.mean():.3f}, median {np.median(self.landmark_errors):.3f} "
            f"inter-ocular distances\nFER2013 model: balanced accuracy {self.balanced_accuracy:.3f} "
            f"(chance {1 / len(self.confusion):.3f}); recall " + ", ".join(f"{k} {v:.2f}" for k, v in self.recall.items())
        )


def measure_realism(data) -> Realism:
    """Run the two shipped real models on synthetic colour faces from :func:`fercourse.synth.faces`.

    The landmarker must find each face and put its 478 points near the ground truth
    (error in inter-ocular distances, :func:`fercourse.mesh.inter_ocular_distance`).  The
    FER2013 model reads each face from a 64x64 grey square crop around the
    ground-truth landmark box with a 10 % margin, as the course crops real photos.

    Parameters
    ----------
    data : fercourse.data.Dataset
        Colour faces with their ground-truth landmarks (``extras["landmarks"]``), as
        ``synth.faces(..., color=True)`` makes them.

    Returns
    -------
    Realism
        Faces found, landmark errors and the FER2013 model's confusion table.
    """
    truth = data.extras.get("landmarks")
    if truth is None or data.samples.ndim != 4:
        raise InvalidInputError("measure_realism needs colour faces from synth.faces(..., color=True).")
    errors, crops = [], []
    with face.FaceLandmarker(max_faces=1) as landmarker:
        for image, points in zip(data.samples, truth):
            meshes = landmarker.detect(image)
            if meshes:
                inter_ocular = mesh.inter_ocular_distance(points)
                errors.append(np.linalg.norm(meshes[0].landmarks[:, :2] - points[:, :2], axis=1).mean() / inter_ocular)
            crops.append(face.crop_square(image, face.FaceMesh(points, image_size=image.shape[:2]).box, size=64))
    predicted = cnn.PretrainedFER().predict(crops)
    labels = [label for label in FER2013_LABELS if label in set(data.table["label"])]
    confusion = pd.crosstab(pd.Categorical(data.table["label"], labels), pd.Categorical(predicted, FER2013_LABELS),
                            dropna=False, rownames=["intended"], colnames=["FER2013 model says"])
    return Realism(len(data), len(errors), np.array(errors), confusion)
