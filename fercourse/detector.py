"""One call for the common case: every face in a photo, a folder of photos or a video, read as a table.

:func:`detect` (also reachable as ``fercourse.detect``) finds each face with the shipped
Face Landmarker, cuts the crop that :class:`fercourse.live.Pipeline` cuts (levelled on
the eye line, 48 x 48 grey for the shipped model), reads it with any chapter's model
and returns a :class:`pandas.DataFrame` with one row per face (per frame for a video):

>>> import fercourse, skimage.data
>>> table = fercourse.detect(skimage.data.astronaut())
>>> table[["width", "height", "label"]]
   width  height  label
0     91     107  happy

A photo and a webcam frame of the same face therefore read the same. Keep a
:class:`Detector` to read many inputs without loading the models again, and use
:func:`to_fer` for the ``list[dict]`` shape of the ``fer`` package.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np
import pandas as pd

from fercourse import face, live, mesh, video
from fercourse.errors import InvalidInputError

__all__ = ["VIDEO_SUFFIXES", "Detector", "detect", "to_fer"]

#: File suffixes read as videos (anything else is read as an image).
VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg")

_BOX = ["x", "y", "width", "height"]
_POSE = ["yaw", "pitch", "roll"]


@functools.cache
def _shipped_model():
    """The shipped FER2013 model as a face classifier, loaded once per process (it takes a second)."""
    return live.as_classifier(None)


class Detector:
    """The models behind :func:`detect`, set up once and reused for many inputs.

    The landmarker and the shipped expression model are shared by every detector of the
    process (as :func:`fercourse.face.detect_meshes` shares its landmarker), so a second
    :class:`Detector` or :func:`detect` call loads nothing again.

    Parameters
    ----------
    model:
        The expression model: ``None`` for the shipped FER2013 mini-Xception, or any model a
        chapter trains, in any form :func:`fercourse.live.as_classifier` takes (a ``cnn``
        classifier, a :class:`fercourse.live.FeatureClassifier`, a function
        ``face -> {label: probability}``). ``False`` reads no expression.
    max_faces:
        The most faces read per image or frame (largest first).
    min_confidence:
        The landmarker's face detection threshold.

    Examples
    --------
    >>> import skimage.data
    >>> detector = Detector()
    >>> table = detector.detect([skimage.data.astronaut(), skimage.data.coffee()])
    >>> table["input"].tolist()
    [0]
    >>> table.attrs["without_face"]
    [1]
    """

    def __init__(self, model=None, *, max_faces: int = 4, min_confidence: float = 0.5):
        if not isinstance(max_faces, int) or isinstance(max_faces, bool) or max_faces < 1:
            raise InvalidInputError(f"max_faces must be a positive integer, got {max_faces!r}.")
        self.max_faces, self.min_confidence = max_faces, float(min_confidence)
        self.classifier = None if model is False else _shipped_model() if model is None else live.as_classifier(model)

    @property
    def classes(self) -> tuple[str, ...]:
        """The expression model's class names (empty without a model)."""
        return tuple(getattr(self.classifier, "classes", None) or ())

    def detect(self, source, *, landmarks: bool = False, blendshapes: bool = False,
               every: int = 1) -> pd.DataFrame:
        """Read every face of ``source``; see :func:`detect` for the parameters and the columns."""
        if not isinstance(every, int) or isinstance(every, bool) or every < 1:
            raise InvalidInputError(f"every must be a positive whole number of frames, got {every!r}.")
        rows, without_face = [], []
        for name, item in _inputs(source):
            if isinstance(item, (str, os.PathLike)) and Path(item).suffix.lower() in VIDEO_SUFFIXES:
                found = self._video(name, Path(item), every, landmarks, blendshapes)
            else:
                image = face.load_image(item) if isinstance(item, (str, os.PathLike)) else item
                rgb = face.as_rgb(image, name="image")
                faces = [live.Face(rgb, m.box, mesh=m)
                         for m in face.detect_meshes(rgb, self.max_faces, self.min_confidence)]
                found = self._rows(name, 0, None, faces, landmarks, blendshapes)
            if not found:
                without_face.append(name)
            rows.extend(found)
        # Every row has the same keys, in the order of the columns; a table without rows gets the
        # columns that need no face to name them.
        table = pd.DataFrame(rows) if rows else pd.DataFrame(columns=self._columns(landmarks))
        table.attrs["classes"] = list(self.classes)
        table.attrs["without_face"] = without_face
        return table

    def _video(self, name, path: Path, every: int, landmarks: bool, blendshapes: bool) -> list[dict]:
        # The live pipeline in video mode (the landmarker follows the face from frame to frame),
        # without smoothing, so each row is that frame's own reading.
        fps = video.probe(path).fps
        rows = []
        with live.Pipeline(self.classifier if self.classifier is not None else False, smoothing=0.0,
                           max_faces=self.max_faces) as pipe:
            for index, frame in enumerate(video.frames(path)):
                if index % every:
                    continue
                reading = pipe(frame, timestamp_ms=1000.0 * index / fps)
                rows += self._rows(name, index, index / fps, reading.faces, landmarks, blendshapes, classified=True)
        return rows

    def _rows(self, name, frame: int, time_s, faces, landmarks: bool, blendshapes: bool,
              classified: bool = False) -> list[dict]:
        if self.classifier is not None and faces and not classified:
            proba = np.asarray(self.classifier.predict_proba(faces), dtype=np.float64)
        elif self.classifier is not None and faces:
            proba = np.array([[f.raw_probabilities[c] for c in self.classes] for f in faces])
        rows = []
        for k, f in enumerate(faces):
            row = {"input": name, "frame": frame, "time_s": np.nan if time_s is None else float(time_s), "face": k}
            row.update(zip(_BOX, map(int, f.box)))
            if self.classifier is not None:
                row.update(zip(self.classes, map(float, proba[k])))
                row["label"] = self.classes[int(np.argmax(proba[k]))]
                row["score"] = float(np.max(proba[k]))
            row.update(zip(_POSE, map(float, f.mesh.pose)))
            if blendshapes:
                row.update({key: float(v) for key, v in f.mesh.blendshapes.items()})
            if landmarks:
                points = np.asarray(f.landmarks, dtype=np.float64)
                for axis, values in zip("xyz", points.T):
                    row.update({f"{axis}_{i}": float(v) for i, v in enumerate(values)})
            rows.append(row)
        return rows

    def _columns(self, landmarks: bool) -> list[str]:
        columns = ["input", "frame", "time_s", "face", *_BOX]
        columns += [*self.classes, "label", "score"] if self.classifier is not None else []
        columns += _POSE
        return columns + ([f"{axis}_{i}" for axis in "xyz" for i in range(mesh.N_LANDMARKS)] if landmarks else [])


def _inputs(source):
    """``(name, item)`` for each input: one image array, one path, or a list of either."""
    if isinstance(source, np.ndarray) or isinstance(source, (str, os.PathLike)):
        source = [source]
    elif not isinstance(source, (list, tuple)):
        raise InvalidInputError(
            f"detect reads an image array, an image or video path, or a list of them; got {type(source).__name__}."
        )
    if not source:
        raise InvalidInputError("detect was given an empty list; pass at least one image or path.")
    for k, item in enumerate(source):
        if isinstance(item, (str, os.PathLike)):
            yield str(item), item
        elif isinstance(item, np.ndarray):
            yield k, item
        else:
            raise InvalidInputError(
                f"Input {k} is a {type(item).__name__}; detect reads image arrays and image or video paths."
            )


def detect(source, model=None, *, landmarks: bool = False, blendshapes: bool = False, max_faces: int = 4,
           min_confidence: float = 0.5, every: int = 1) -> pd.DataFrame:
    """Every face in an image, image file, video file or list of them, as one table.

    Parameters
    ----------
    source:
        An RGB (or grey) image array, an image path (PNG, JPEG, BMP, TIFF), a video path
        (suffix in :data:`VIDEO_SUFFIXES`), or a list of them.
    model:
        The expression model (see :class:`Detector`): the shipped FER2013 model by default.
    landmarks:
        Add the 478 landmarks in pixels as columns ``x_0 ... x_477, y_0 ..., z_0 ...``.
    blendshapes:
        Add the 52 blendshape scores, one column each by MediaPipe's name.
    max_faces, min_confidence:
        As for :class:`Detector`.
    every:
        For videos, read every ``every``-th frame.

    Returns
    -------
    pandas.DataFrame
        One row per face (per frame for videos): ``input`` (the path, or the position in
        the list for arrays), ``frame`` and ``time_s`` (0 and NaN for images), ``face``
        (0 for the largest), the box ``x, y, width, height`` in pixels, one probability
        column per class of the model, ``label`` and ``score`` (the most likely class and
        its probability), the head pose ``yaw, pitch, roll`` in degrees, and the optional
        columns. ``table.attrs["without_face"]`` lists the inputs where no face was found
        (they have no row); ``table.attrs["classes"]`` names the model's classes.

    Examples
    --------
    >>> import skimage.data
    >>> table = detect(skimage.data.astronaut(), blendshapes=True)
    >>> print(table.loc[0, "label"], f'{table.loc[0, "mouthSmileLeft"]:.1f}')
    happy 0.9
    """
    detector = Detector(model, max_faces=max_faces, min_confidence=min_confidence)
    return detector.detect(source, landmarks=landmarks, blendshapes=blendshapes, every=every)


def to_fer(table: pd.DataFrame) -> list[dict]:
    """A :func:`detect` table in the ``fer`` package's shape: ``[{"box": [x, y, w, h], "emotions": {...}}]``.

    Parameters
    ----------
    table:
        What :func:`detect` returned for one image (rows of other inputs are refused).

    Returns
    -------
    list of dict
        One dict per face, largest first, with the box in pixels and the probability of each class.

    Examples
    --------
    >>> import skimage.data
    >>> faces = to_fer(detect(skimage.data.astronaut()))
    >>> faces[0]["box"], max(faces[0]["emotions"], key=faces[0]["emotions"].get)
    ([180, 71, 91, 107], 'happy')
    """
    classes = table.attrs.get("classes") or []
    if not classes or not set(classes) <= set(table.columns):
        raise InvalidInputError("to_fer needs a table from detect with an expression model (its class columns are missing).")
    if table[["input", "frame"]].drop_duplicates().shape[0] > 1:
        raise InvalidInputError("to_fer takes the table of one image; select one input and frame first.")
    return [
        {"box": [int(row[c]) for c in _BOX], "emotions": {c: round(float(row[c]), 4) for c in classes}}
        for _, row in table.iterrows()
    ]
