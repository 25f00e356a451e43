"""Face boxes from three detectors behind one interface, and how to score them.

:class:`FaceDetector` and :func:`detect_faces` run OpenCV's Haar cascade, MediaPipe's
BlazeFace or the landmarker; :func:`detection_testset` and :func:`evaluate_detectors`
measure their precision, recall and speed on faces with known boxes.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pandas as pd

from fercourse._env import quiet_stderr
from fercourse.checks import grey as _grey
from fercourse.errors import AssetError, InvalidInputError
from fercourse.face.images import as_rgb
from fercourse.face.landmarker import FaceLandmarker
from fercourse.face.landmarks import eye_centers
from fercourse.face.results import Detection, landmark_box
from fercourse.assets import bundle_member
from fercourse.face.shared import Model, mp_image, open_models, shared_instance
from fercourse.matching import match_boxes

__all__ = [
    "DETECTION_METHODS", "FaceDetector", "detect_faces", "side_by_side", "detection_testset", "evaluate_detectors",
]

#: The detectors :class:`FaceDetector` and :func:`detect_faces` run (the first is the default).
DETECTION_METHODS = ("blazeface", "haar", "landmarker")


def _mesh_keypoints(landmarks: np.ndarray) -> np.ndarray:
    xy = landmarks[:, :2]
    others = [xy[1], (xy[13] + xy[14]) / 2.0, xy[234], xy[454]]
    return np.vstack([eye_centers(xy), others]).astype(np.float32)


class FaceDetector(Model):
    """Face boxes from one of three detectors, behind one interface.

    Parameters
    ----------
    method:
        ``"blazeface"``: MediaPipe's BlazeFace short-range detector from the
        shipped bundle: fast, with scores and six keypoints; it sees the image
        at 128 x 128 pixels, so faces under about a seventh of the longer side
        can be missed.  ``"haar"``: OpenCV's frontal-face Haar cascade (classic
        Viola-Jones): frontal faces only, no score, slow.  ``"landmarker"``:
        the boxes of the Face Landmarker's meshes: most precise.
    min_score:
        BlazeFace confidence below which a face is dropped (the landmarker runs
        BlazeFace inside and uses it too; the Haar cascade asks for 5
        overlapping hits instead).
    max_faces:
        The most faces to return (the largest).
    """

    def __init__(self, method: str = "blazeface", min_score: float = 0.5, max_faces: int = 4):
        import cv2

        if method not in DETECTION_METHODS:
            raise InvalidInputError(f"method must be one of {', '.join(map(repr, DETECTION_METHODS))}, got {method!r}.")
        if not isinstance(max_faces, int) or max_faces < 1:
            raise InvalidInputError(f"max_faces must be a positive integer, got {max_faces!r}.")
        if not 0.0 <= float(min_score) <= 1.0:
            raise InvalidInputError(f"min_score must lie in [0, 1], got {min_score!r}.")
        self.method, self.min_score, self.max_faces = method, float(min_score), max_faces
        self._task = None
        if method == "haar":
            self._task = cv2.CascadeClassifier(
                str(Path(cv2.data.haarcascades) / "haarcascade_frontalface_default.xml")
            )
            if self._task.empty():
                raise AssetError(
                    "OpenCV's haarcascade_frontalface_default.xml could not be loaded; "
                    "reinstall opencv-contrib-python."
                )
        elif method == "landmarker":
            self._task = FaceLandmarker(max_faces, self.min_score)
        else:
            with quiet_stderr():
                from mediapipe.tasks.python import BaseOptions, vision

                options = vision.FaceDetectorOptions(
                    base_options=BaseOptions(model_asset_buffer=bundle_member("face_detector.tflite")),
                    min_detection_confidence=self.min_score,
                )
                self._task = vision.FaceDetector.create_from_options(options)
                open_models.add(self)
                self._task.detect(mp_image(np.zeros((64, 64, 3), np.uint8)))  # start-up logs, quietly

    def detect(self, image) -> list[Detection]:
        """All faces in ``image``, largest first; an empty list when there is none.

        Parameters
        ----------
        image : array_like or path
            Anything :func:`fercourse.face.as_rgb` accepts.

        Returns
        -------
        list of Detection
            At most ``max_faces`` :class:`~fercourse.face.Detection` objects.
        """
        rgb = as_rgb(image)
        self._model()  # a clear error once closed
        if self.method == "haar":
            found = self._haar(rgb)
        elif self.method == "landmarker":
            found = [Detection(m.box, None, _mesh_keypoints(m.landmarks), "landmarker") for m in self._task.detect(rgb)]
        else:
            found = self._blazeface(rgb)
        found.sort(key=lambda d: -d.box[2] * d.box[3])
        return found[: self.max_faces]

    def _haar(self, rgb: np.ndarray) -> list[Detection]:
        import cv2

        gray = cv2.equalizeHist(_grey(rgb))
        boxes = self._task.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5)
        return [Detection(tuple(int(v) for v in box), None, None, "haar") for box in boxes]

    def _blazeface(self, rgb: np.ndarray) -> list[Detection]:
        height, width = rgb.shape[:2]
        found = []
        for d in self._task.detect(mp_image(rgb)).detections:
            b = d.bounding_box
            keypoints = np.array([(k.x * width, k.y * height) for k in d.keypoints], dtype=np.float32)
            box = (int(b.origin_x), int(b.origin_y), int(b.width), int(b.height))
            found.append(Detection(box, float(d.categories[0].score), keypoints, "blazeface"))
        return found


def detect_faces(image, method: str = "blazeface", min_score: float = 0.5, max_faces: int = 4) -> list[Detection]:
    """Boxes of all faces in ``image``, largest first (shared detectors are reused).

    Parameters
    ----------
    image : array_like or path
        Anything :func:`fercourse.face.as_rgb` accepts.
    method : str
        ``"blazeface"``, ``"haar"`` or ``"landmarker"`` (see :class:`FaceDetector`).
    min_score : float
        BlazeFace confidence in [0, 1] below which a face is dropped.
    max_faces : int
        The most faces to return.

    Returns
    -------
    list of Detection
        One :class:`~fercourse.face.Detection` per face; empty when there is none.
    """
    return shared_instance(FaceDetector, method, float(min_score), max_faces).detect(image)


def side_by_side(images, landmarks=None):
    """Join images of equal height left to right, shifting each face's landmarks with its image.

    Parameters
    ----------
    images : sequence of images
        Images of equal height, anything :func:`fercourse.face.as_rgb` accepts.
    landmarks : sequence of array_like, optional
        One ``(N, 2|3)`` array per image, in that image's pixels.

    Returns
    -------
    numpy.ndarray or tuple
        The joined RGB image; with ``landmarks``, the pair (joined image, list of the
        landmark arrays shifted into it, float32).
    """
    pictures = [as_rgb(image, name=f"image {i}") for i, image in enumerate(images)]
    if not pictures:
        raise InvalidInputError("images is empty; give at least one image.")
    if len({p.shape[0] for p in pictures}) > 1:
        raise InvalidInputError(
            f"The images have heights {[p.shape[0] for p in pictures]}; side_by_side needs equal heights "
            "(resize them first)."
        )
    joined = np.ascontiguousarray(np.concatenate(pictures, axis=1))
    if landmarks is None:
        return joined
    if len(landmarks) != len(pictures):
        raise InvalidInputError(f"{len(landmarks)} sets of landmarks for {len(pictures)} images; give one per image.")
    offsets = np.cumsum([0] + [p.shape[1] for p in pictures[:-1]])
    moved = []
    for points, dx in zip(landmarks, offsets):
        points = np.array(points, dtype=np.float32)
        points[:, 0] += dx
        moved.append(points)
    return joined, moved


def detection_testset(faces, landmarks, pairs: int = 0, empty=()):
    """Images and their true face boxes for scoring detectors: single faces, pairs, and no faces.

    The last ``2 * pairs`` faces are joined two by two (:func:`side_by_side`), so
    that some images hold two faces; ``empty`` adds images without a face.

    Parameters
    ----------
    faces : sequence of images
        Images of one face each, all the same height.
    landmarks : sequence of array_like
        Their exact landmarks, e.g. from :func:`fercourse.synth.faces`.
    pairs : int
        How many two-face images to make, from 0 to ``len(faces) // 2``.
    empty : sequence of images
        Images without a face, added as they are.

    Returns
    -------
    images : list of numpy.ndarray
        The RGB images.
    boxes : list of list
        Per image, the true boxes (:func:`fercourse.face.landmark_box` of each
        face's landmarks); empty for an image without a face.
    """
    faces, landmarks = list(faces), list(landmarks)
    if len(faces) != len(landmarks):
        raise InvalidInputError(f"{len(faces)} faces but {len(landmarks)} sets of landmarks; give one per face.")
    if not isinstance(pairs, (int, np.integer)) or not 0 <= 2 * pairs <= len(faces):
        raise InvalidInputError(f"pairs must be a whole number from 0 to {len(faces) // 2}, got {pairs!r}.")
    split = len(faces) - 2 * int(pairs)
    images = [as_rgb(f) for f in faces[:split]]
    boxes = [[landmark_box(p)] for p in landmarks[:split]]
    for k in range(split, len(faces), 2):
        joined, moved = side_by_side(faces[k : k + 2], landmarks[k : k + 2])
        images.append(joined)
        boxes.append([landmark_box(p) for p in moved])
    for image in empty:
        images.append(as_rgb(image))
        boxes.append([])
    return images, boxes


def evaluate_detectors(images, boxes, methods=DETECTION_METHODS, threshold: float = 0.5):
    """Score face detectors on images with known face boxes: precision, recall and speed.

    Every detector of ``methods`` (see :func:`detect_faces`) runs on every image; its
    boxes are paired with the true ones by :func:`fercourse.matching.match_boxes`.
    Precision is hits over detections, recall hits over true faces.  The time is the
    mean wall-clock time per image, after one untimed call that loads the model.

    Parameters
    ----------
    images, boxes : sequence
        As :func:`detection_testset` returns them: images, and per image a list
        (maybe empty) of true boxes.
    methods : sequence of str
        The detectors to score (by default all of :data:`DETECTION_METHODS`).
    threshold : float
        The intersection over union a detected box needs with a true box to count as a hit.

    Returns
    -------
    pandas.DataFrame
        One row per method: ``images``, ``faces``, ``detections``, ``hits``,
        ``precision``, ``recall``, ``ms per image``.
    """
    images, boxes = list(images), list(boxes)
    if not images or len(images) != len(boxes):
        raise InvalidInputError(f"{len(images)} images and {len(boxes)} box lists; give one list (maybe empty) per image.")
    rows = {}
    for method in methods:
        detect_faces(images[0], method=method)  # load the model outside the timing
        hits = found = 0
        seconds = 0.0
        for image, true in zip(images, boxes):
            start = time.perf_counter()
            detections = detect_faces(image, method=method)
            seconds += time.perf_counter() - start
            found += len(detections)
            hits += len(match_boxes([d.box for d in detections], true, threshold))
        faces = sum(len(b) for b in boxes)
        rows[method] = {
            "images": len(images), "faces": faces, "detections": found, "hits": hits,
            "precision": hits / found if found else math.nan, "recall": hits / faces if faces else math.nan,
            "ms per image": 1000.0 * seconds / len(images),
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "method"
    return table
