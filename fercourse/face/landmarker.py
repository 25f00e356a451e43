"""MediaPipe's Face Landmarker: 478 landmarks, 52 blendshapes and the head pose of every face.

Run from the bundle shipped in :mod:`fercourse.assets`, on still images
(:func:`detect_meshes`, :func:`detect_mesh`) or on the frames of a clip
(:func:`track_meshes`, :class:`FaceLandmarker` in video mode).
"""

from __future__ import annotations

import numpy as np

from fercourse import assets
from fercourse._env import quiet_stderr
from fercourse.checks import positive as _positive
from fercourse.errors import InvalidInputError, NoFaceError
from fercourse.face.images import as_rgb
from fercourse.face.results import FaceMesh
from fercourse.face.shared import Model, mp_image, open_models, shared_instance

__all__ = ["MAX_TIMESTAMP_MS", "FaceLandmarker", "detect_meshes", "detect_mesh", "track_meshes"]


#: The largest frame time, in milliseconds, that video mode takes (about 31,700 years: MediaPipe
#: counts microseconds in 64 bits, and Unix-epoch times in milliseconds stay far below it).
MAX_TIMESTAMP_MS = 10**15


class FaceLandmarker(Model):
    """MediaPipe's Face Landmarker from the shipped model bundle, on images or video frames.

    Parameters
    ----------
    max_faces:
        The most faces to return per image.
    min_detection_confidence:
        Score below which the face detector ignores a candidate face.
    mode:
        ``"image"`` (every call is independent) or ``"video"`` (frames of one
        clip or stream in order: :meth:`detect` then needs ``timestamp_ms``, and
        MediaPipe tracks faces from frame to frame instead of detecting anew).
    """

    MODES = ("image", "video")

    def __init__(self, max_faces: int = 4, min_detection_confidence: float = 0.5, mode: str = "image"):
        if not isinstance(max_faces, int) or max_faces < 1:
            raise InvalidInputError(f"max_faces must be a positive integer, got {max_faces!r}.")
        if not 0.0 <= float(min_detection_confidence) <= 1.0:
            raise InvalidInputError(
                f"min_detection_confidence must lie in [0, 1], got {min_detection_confidence!r}."
            )
        if mode not in self.MODES:
            raise InvalidInputError(f"mode must be 'image' or 'video', got {mode!r}.")
        self.max_faces = max_faces
        self.min_detection_confidence = float(min_detection_confidence)
        self.mode = mode
        self._last_timestamp = -1
        with quiet_stderr():
            from mediapipe.tasks.python import BaseOptions, vision

            running_mode = vision.RunningMode.VIDEO if mode == "video" else vision.RunningMode.IMAGE
            options = vision.FaceLandmarkerOptions(
                base_options=BaseOptions(model_asset_path=str(assets.path("face_landmarker"))),
                running_mode=running_mode,
                num_faces=max_faces,
                min_face_detection_confidence=self.min_detection_confidence,
                output_face_blendshapes=True,
                output_facial_transformation_matrixes=True,
            )
            self._task = vision.FaceLandmarker.create_from_options(options)
            open_models.add(self)
            # The first inference starts MediaPipe's worker threads, which log; do it here.
            # In video mode it uses MediaPipe time 0, and user timestamps are shifted by 1 ms.
            blank = mp_image(np.zeros((64, 64, 3), np.uint8))
            if mode == "video":
                self._task.detect_for_video(blank, 0)
            else:
                self._task.detect(blank)

    def detect(self, image, timestamp_ms: int | None = None) -> list[FaceMesh]:
        """All faces in ``image`` (largest first); an empty list when there is none.

        Parameters
        ----------
        image : array_like or path
            Anything :func:`fercourse.face.as_rgb` accepts.
        timestamp_ms : int, optional
            Video mode only, and required there: the frame's time in the clip, a whole
            number of milliseconds from 0 that grows from call to call.

        Returns
        -------
        list of FaceMesh
            One :class:`~fercourse.face.FaceMesh` per face, at most ``max_faces``.
        """
        rgb = as_rgb(image)
        task = self._model()
        if self.mode == "video":
            if (isinstance(timestamp_ms, bool) or not isinstance(timestamp_ms, (int, np.integer))
                    or not self._last_timestamp < timestamp_ms <= MAX_TIMESTAMP_MS):
                raise InvalidInputError(
                    f"timestamp_ms must be a whole number of milliseconds, at least 0 and larger than the "
                    f"previous frame's ({self._last_timestamp}), at most {MAX_TIMESTAMP_MS:.0e}, got "
                    f"{timestamp_ms!r}; in video mode pass each frame's time, e.g. round(1000 * index / fps), "
                    "or use a new FaceLandmarker for a new clip."
                )
            result = task.detect_for_video(mp_image(rgb), int(timestamp_ms) + 1)
            self._last_timestamp = int(timestamp_ms)  # only once MediaPipe has taken the frame
        else:
            if timestamp_ms is not None:
                raise InvalidInputError(
                    "timestamp_ms is only used in video mode; create FaceLandmarker(mode='video') for clips."
                )
            result = task.detect(mp_image(rgb))
        height, width = rgb.shape[:2]
        scale = np.array([width, height, width], dtype=np.float32)
        faces = []
        for i, points in enumerate(result.face_landmarks):
            xyz = np.array([(p.x, p.y, p.z) for p in points], dtype=np.float32) * scale
            shapes = {c.category_name: float(c.score) for c in result.face_blendshapes[i]}
            matrix = np.array(result.facial_transformation_matrixes[i], dtype=np.float32)
            faces.append(FaceMesh(xyz, shapes, matrix, (height, width)))
        faces.sort(key=lambda f: -f.box[2] * f.box[3])
        return faces


def detect_meshes(image, max_faces: int = 4, min_detection_confidence: float = 0.5) -> list[FaceMesh]:
    """Face meshes of all faces in ``image``, largest first (a shared landmarker is reused).

    Parameters
    ----------
    image : array_like or path
        Anything :func:`fercourse.face.as_rgb` accepts.
    max_faces : int
        The most faces to return.
    min_detection_confidence : float
        Score in [0, 1] below which a candidate face is ignored.

    Returns
    -------
    list of FaceMesh
        One :class:`~fercourse.face.FaceMesh` per face; empty when there is none.
    """
    return shared_instance(FaceLandmarker, max_faces, float(min_detection_confidence)).detect(image)


def detect_mesh(image) -> FaceMesh:
    """The mesh of the one face in ``image``.

    Parameters
    ----------
    image : array_like or path
        Anything :func:`fercourse.face.as_rgb` accepts.

    Returns
    -------
    FaceMesh
        The face's 478 landmarks, blendshapes and transformation matrix.

    Raises
    ------
    NoFaceError
        If the image holds no face, or more than one.
    """
    faces = detect_meshes(image)
    if not faces:
        raise NoFaceError("No face was found in the image; use a photo with one clearly visible, frontal face.")
    if len(faces) > 1:
        raise NoFaceError(
            f"{len(faces)} faces were found where one was expected; crop the image to one face "
            "or use detect_meshes() to get them all."
        )
    return faces[0]


def track_meshes(frames, fps: float = 30.0) -> list[FaceMesh | None]:
    """The largest face's mesh in every frame of a clip, ``None`` where no face was found.

    Runs a fresh :class:`FaceLandmarker` in video mode (frame ``i`` at ``1000 * i / fps``
    ms), which follows the face from frame to frame instead of searching anew:
    faster and steadier than :func:`detect_meshes` on every frame.

    Parameters
    ----------
    frames : sequence of images or numpy.ndarray
        A list of images or a ``(T, H, W[, C])`` array, in order.
    fps : float
        The clip's frame rate, which sets the frames' times.

    Returns
    -------
    list of FaceMesh or None
        One entry per frame.
    """
    fps = _positive(fps, "fps")
    frames = list(frames)
    if not frames:
        raise InvalidInputError("frames is an empty clip; give at least one frame.")
    with FaceLandmarker(max_faces=1, mode="video") as landmarker:
        found = [landmarker.detect(frame, timestamp_ms=round(1000 * i / fps)) for i, frame in enumerate(frames)]
    return [meshes[0] if meshes else None for meshes in found]
