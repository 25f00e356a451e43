"""Faces in images: input checking, the 478-point MediaPipe face mesh, face crops.

The landmarker is MediaPipe's Face Landmarker (Tasks API), run from the model
bundle shipped in :mod:`fercourse.assets`.  For every face it gives 478 3-D
landmarks, 52 blendshape scores and a 4x4 facial transformation matrix.

>>> from skimage.data import astronaut
>>> faces = detect_meshes(astronaut())      # doctest: +SKIP
>>> faces[0].landmarks.shape                # doctest: +SKIP
(478, 3)
"""

from __future__ import annotations

import atexit
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fercourse import assets
from fercourse._env import quiet_stderr
from fercourse.errors import InvalidInputError, NoFaceError

__all__ = [
    "N_LANDMARKS",
    "FaceMesh",
    "FaceLandmarker",
    "as_rgb",
    "to_gray",
    "load_image",
    "detect_meshes",
    "detect_mesh",
    "mesh_edges",
    "crop_square",
]

N_LANDMARKS = 478


# --------------------------------------------------------------------------- images


def load_image(file: str | os.PathLike) -> np.ndarray:
    """Read an image file as an RGB ``uint8`` array, with a clear error if it cannot be read."""
    import cv2

    file = Path(file)
    if not file.is_file():
        raise InvalidInputError(f"Image file {file} does not exist; check the path.")
    data = np.fromfile(file, dtype=np.uint8)
    if data.size == 0:
        raise InvalidInputError(f"Image file {file} is empty (0 bytes); use another file.")
    image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if image is None:
        raise InvalidInputError(
            f"Image file {file} could not be decoded; it is not a readable PNG, JPEG, BMP or TIFF "
            "(it may be truncated or another kind of file)."
        )
    if image.ndim == 3 and image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2RGB)
    elif image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    return as_rgb(image, name=str(file))


def as_rgb(image, name: str = "image") -> np.ndarray:
    """Return ``image`` as a contiguous ``(H, W, 3)`` RGB ``uint8`` array.

    Accepts a file path, a grey ``(H, W)`` or ``(H, W, 1)`` array, RGB ``(H, W, 3)``
    or RGBA ``(H, W, 4)`` (alpha dropped); ``uint8`` values, or floats in [0, 1].
    Anything else raises :class:`InvalidInputError` naming the problem.
    """
    if isinstance(image, (str, os.PathLike)):
        return load_image(image)
    if not isinstance(image, np.ndarray):
        raise InvalidInputError(
            f"{name} must be a NumPy array or an image file path, got {type(image).__name__}."
        )
    if image.size == 0:
        raise InvalidInputError(f"{name} is empty (shape {image.shape}); give an image with pixels.")
    if image.ndim == 2:
        image = image[:, :, None]
    if image.ndim != 3:
        raise InvalidInputError(
            f"{name} has shape {image.shape}; expected (height, width) or (height, width, channels)."
        )
    channels = image.shape[2]
    if channels not in (1, 3, 4):
        raise InvalidInputError(
            f"{name} has {channels} channels; expected 1 (grey), 3 (RGB) or 4 (RGBA)."
        )
    if image.dtype == np.uint8:
        out = image
    elif np.issubdtype(image.dtype, np.floating):
        if not np.all(np.isfinite(image)):
            raise InvalidInputError(f"{name} contains NaN or infinite values.")
        low, high = float(image.min()), float(image.max())
        if low < 0.0 or high > 1.0:
            raise InvalidInputError(
                f"{name} is a float image with values in [{low:.3g}, {high:.3g}]; float images must lie "
                "in [0, 1] (or pass uint8 values 0..255)."
            )
        out = np.round(image * 255.0).astype(np.uint8)
    elif np.issubdtype(image.dtype, np.integer) or image.dtype == bool:
        low, high = int(image.min()), int(image.max())
        if low < 0 or high > 255:
            raise InvalidInputError(
                f"{name} has integer values in [{low}, {high}]; expected 0..255 (convert it to uint8)."
            )
        out = image.astype(np.uint8)
    else:
        raise InvalidInputError(f"{name} has dtype {image.dtype}; expected uint8 or float in [0, 1].")
    if channels == 1:
        out = np.repeat(out, 3, axis=2)
    elif channels == 4:
        out = out[:, :, :3]
    return np.ascontiguousarray(out)


def to_gray(image, name: str = "image") -> np.ndarray:
    """Return an ``(H, W)`` ``uint8`` grey version of any image :func:`as_rgb` accepts."""
    import cv2

    return cv2.cvtColor(as_rgb(image, name=name), cv2.COLOR_RGB2GRAY)


# ----------------------------------------------------------------------- face mesh


@dataclass
class FaceMesh:
    """One face found by the landmarker.

    Attributes
    ----------
    landmarks:
        ``(478, 3)`` float array in pixels: x to the right, y down, z (depth,
        relative to the head centre, smaller is closer to the camera) on the
        same scale as x.
    blendshapes:
        The 52 blendshape scores in [0, 1], by name (``'mouthSmileLeft'``, ...),
        in MediaPipe's order.
    transform:
        The 4x4 facial transformation matrix (canonical face to camera space).
    image_size:
        ``(height, width)`` of the image the face was found in.
    """

    landmarks: np.ndarray
    blendshapes: dict[str, float] = field(default_factory=dict)
    transform: np.ndarray | None = None
    image_size: tuple[int, int] = (0, 0)

    @property
    def box(self) -> tuple[int, int, int, int]:
        """Tight box around the landmarks, ``(x, y, width, height)`` in whole pixels."""
        x0, y0 = np.floor(self.landmarks[:, :2].min(axis=0)).astype(int)
        x1, y1 = np.ceil(self.landmarks[:, :2].max(axis=0)).astype(int)
        return int(x0), int(y0), int(x1 - x0), int(y1 - y0)

    @property
    def normalized(self) -> np.ndarray:
        """Landmarks in MediaPipe's normalised form: x / width, y / height, z / width."""
        height, width = self.image_size
        return self.landmarks / np.array([width, height, width], dtype=np.float32)

    def blendshape_vector(self) -> np.ndarray:
        """The 52 blendshape scores as a float array, in MediaPipe's order."""
        return np.array(list(self.blendshapes.values()), dtype=np.float32)


class FaceLandmarker:
    """MediaPipe's Face Landmarker on still images, from the shipped model bundle.

    Parameters
    ----------
    max_faces:
        The most faces to return per image.
    min_detection_confidence:
        Score below which the face detector ignores a candidate face.
    """

    def __init__(self, max_faces: int = 4, min_detection_confidence: float = 0.5):
        if not isinstance(max_faces, int) or max_faces < 1:
            raise InvalidInputError(f"max_faces must be a positive integer, got {max_faces!r}.")
        if not 0.0 <= float(min_detection_confidence) <= 1.0:
            raise InvalidInputError(
                f"min_detection_confidence must lie in [0, 1], got {min_detection_confidence!r}."
            )
        self.max_faces = max_faces
        self.min_detection_confidence = float(min_detection_confidence)
        with quiet_stderr():
            import mediapipe as mp
            from mediapipe.tasks.python import BaseOptions, vision

            options = vision.FaceLandmarkerOptions(
                base_options=BaseOptions(model_asset_path=str(assets.path("face_landmarker"))),
                running_mode=vision.RunningMode.IMAGE,
                num_faces=max_faces,
                min_face_detection_confidence=self.min_detection_confidence,
                output_face_blendshapes=True,
                output_facial_transformation_matrixes=True,
            )
            self._mp = mp
            self._task = vision.FaceLandmarker.create_from_options(options)
            # The first inference starts MediaPipe's worker threads, which log; do it here.
            self._task.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=np.zeros((64, 64, 3), np.uint8)))

    def detect(self, image) -> list[FaceMesh]:
        """All faces in ``image`` (largest first); an empty list when there is none."""
        rgb = as_rgb(image)
        height, width = rgb.shape[:2]
        result = self._task.detect(self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb))
        scale = np.array([width, height, width], dtype=np.float32)
        faces = []
        for i, points in enumerate(result.face_landmarks):
            xyz = np.array([(p.x, p.y, p.z) for p in points], dtype=np.float32) * scale
            shapes = {c.category_name: float(c.score) for c in result.face_blendshapes[i]}
            matrix = np.array(result.facial_transformation_matrixes[i], dtype=np.float32)
            faces.append(FaceMesh(xyz, shapes, matrix, (height, width)))
        faces.sort(key=lambda f: -f.box[2] * f.box[3])
        return faces

    def close(self) -> None:
        """Release MediaPipe's resources (also done at interpreter exit)."""
        task, self._task = getattr(self, "_task", None), None
        if task is not None:
            task.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


_default_landmarkers: dict[tuple[int, float], FaceLandmarker] = {}


def _close_default_landmarkers() -> None:
    for landmarker in _default_landmarkers.values():
        landmarker.close()
    _default_landmarkers.clear()


atexit.register(_close_default_landmarkers)


def detect_meshes(image, max_faces: int = 4, min_detection_confidence: float = 0.5) -> list[FaceMesh]:
    """Face meshes of all faces in ``image``, largest first (a shared landmarker is reused)."""
    key = (max_faces, float(min_detection_confidence))
    if key not in _default_landmarkers:
        _default_landmarkers[key] = FaceLandmarker(max_faces, min_detection_confidence)
    return _default_landmarkers[key].detect(image)


def detect_mesh(image) -> FaceMesh:
    """The mesh of the one face in ``image``; :class:`NoFaceError` if there is none or several."""
    faces = detect_meshes(image)
    if not faces:
        raise NoFaceError("No face was found in the image; use a photo with one clearly visible, frontal face.")
    if len(faces) > 1:
        raise NoFaceError(
            f"{len(faces)} faces were found where one was expected; crop the image to one face "
            "or use detect_meshes() to get them all."
        )
    return faces[0]



def mesh_edges() -> np.ndarray:
    """The distinct undirected edges of MediaPipe's face-mesh tessellation, ``(1322, 2)``.

    MediaPipe lists the tessellation as 2,556 connections: the three sides of each
    of its 852 triangles, so every inner edge appears twice.  Without the repeats
    there are 1,322 edges over the 468 face points; the 10 iris points (468-477)
    are not part of the tessellation.  Each row is ``(i, j)`` with ``i < j``, sorted.
    """
    with quiet_stderr():
        from mediapipe.tasks.python import vision

    pairs = {tuple(sorted((c.start, c.end))) for c in vision.FaceLandmarksConnections.FACE_LANDMARKS_TESSELATION}
    return np.array(sorted(pairs), dtype=np.int64)


# ---------------------------------------------------------------------------- crops


def crop_square(image, box, size: int = 64, margin: float = 0.1, gray: bool = True) -> np.ndarray:
    """A square crop centred on ``box`` = ``(x, y, w, h)``, resized to ``size`` x ``size``.

    The side is the box's longer side plus ``margin`` of it on every side; parts
    outside the image are filled by repeating the border pixels.  Returns
    ``(size, size)`` grey or ``(size, size, 3)`` RGB ``uint8``.
    """
    import cv2

    rgb = as_rgb(image)
    try:
        x, y, w, h = (float(v) for v in box)
    except (TypeError, ValueError):
        raise InvalidInputError(f"box must be four numbers (x, y, width, height), got {box!r}.") from None
    if w <= 0 or h <= 0:
        raise InvalidInputError(f"box {box!r} has no area; width and height must be positive.")
    if not isinstance(size, (int, np.integer)) or size < 8:
        raise InvalidInputError(f"size must be an integer of at least 8 pixels, got {size!r}.")
    if margin < 0:
        raise InvalidInputError(f"margin must be zero or positive, got {margin!r}.")
    side = max(w, h) * (1.0 + 2.0 * margin)
    cx, cy = x + w / 2.0, y + h / 2.0
    x0, y0 = int(round(cx - side / 2.0)), int(round(cy - side / 2.0))
    s = max(int(round(side)), 1)
    pad = max(0, -x0, -y0, x0 + s - rgb.shape[1], y0 + s - rgb.shape[0])
    if pad:
        rgb = cv2.copyMakeBorder(rgb, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    patch = rgb[y0 + pad : y0 + pad + s, x0 + pad : x0 + pad + s]
    patch = cv2.resize(patch, (int(size), int(size)), interpolation=cv2.INTER_AREA if s > size else cv2.INTER_LINEAR)
    return cv2.cvtColor(patch, cv2.COLOR_RGB2GRAY) if gray else patch
