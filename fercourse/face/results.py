"""What the face finders return: :class:`FaceMesh` (with its :class:`HeadPose`) and :class:`Detection`.

Plain data classes, shared by the landmarker (:mod:`fercourse.face.landmarker`), the
detectors (:mod:`fercourse.face.detection`) and everything that reads eye positions
(:func:`fercourse.face.eye_centers`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from fercourse.errors import InvalidInputError
from fercourse.mesh import LANDMARKS_68

__all__ = ["landmark_box", "HeadPose", "FaceMesh", "KEYPOINT_NAMES", "Detection"]


def landmark_box(points) -> tuple[int, int, int, int]:
    """Tight box ``(x, y, width, height)`` in whole pixels around ``(N, 2|3)`` points.

    The box of a :class:`FaceMesh` (:attr:`FaceMesh.box`); on a generator's exact
    landmarks it is the ground-truth face box against which detectors are scored.

    Parameters
    ----------
    points : array_like
        ``(N, 2)`` or ``(N, 3)`` finite points in pixels (only x and y count).

    Returns
    -------
    tuple of int
        ``(x, y, width, height)``: the lowest x and y rounded down, the highest rounded up.

    Examples
    --------
    >>> landmark_box([[10.2, 20.7], [30.5, 25.0]])
    (10, 20, 21, 5)
    """
    xy = np.asarray(points, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] not in (2, 3) or len(xy) == 0 or not np.all(np.isfinite(xy)):
        raise InvalidInputError(f"points has shape {xy.shape} (or non-finite values); expected finite (N, 2) or (N, 3).")
    x0, y0 = np.floor(xy[:, :2].min(axis=0)).astype(int)
    x1, y1 = np.ceil(xy[:, :2].max(axis=0)).astype(int)
    return int(x0), int(y0), int(x1 - x0), int(y1 - y0)


class HeadPose(NamedTuple):
    """Head rotation in degrees, from the facial transformation matrix.

    ``yaw`` > 0: the face turns towards the image's right (the subject turns to
    their own left in an unmirrored photo).  ``pitch`` > 0: the face looks up.
    ``roll`` > 0: the head tilts counter-clockwise as seen in the image (the
    sense of a positive angle in ``cv2.getRotationMatrix2D``).  The three angles
    are those of ``R = Ry(yaw) . Rx(-pitch) . Rz(roll)`` in MediaPipe's camera
    space (x right, y up, z towards the viewer).
    """

    yaw: float
    pitch: float
    roll: float


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
        return landmark_box(self.landmarks)

    @property
    def normalized(self) -> np.ndarray:
        """Landmarks in MediaPipe's normalised form: x / width, y / height, z / width."""
        height, width = self.image_size
        return self.landmarks / np.array([width, height, width], dtype=np.float32)

    @property
    def landmarks_68(self) -> np.ndarray:
        """The ``(68, 3)`` points of the iBUG/dlib convention (see :data:`LANDMARKS_68`)."""
        return self.landmarks[LANDMARKS_68]

    @property
    def pose(self) -> HeadPose:
        """Yaw, pitch and roll in degrees (conventions in :class:`HeadPose`)."""
        if self.transform is None:
            raise InvalidInputError(
                "This FaceMesh has no transformation matrix, so its head pose is unknown; "
                "use a mesh from detect_meshes() or FaceLandmarker."
            )
        r = np.asarray(self.transform, dtype=np.float64)[:3, :3]
        r = r / np.linalg.norm(r, axis=0)  # drop any scale
        yaw = math.atan2(r[0, 2], r[2, 2])
        pitch = math.asin(float(np.clip(r[1, 2], -1.0, 1.0)))
        roll = math.atan2(r[1, 0], r[1, 1])
        return HeadPose(*(math.degrees(a) for a in (yaw, pitch, roll)))

    def blendshape_vector(self) -> np.ndarray:
        """The 52 blendshape scores as a float array, in MediaPipe's order."""
        return np.array(list(self.blendshapes.values()), dtype=np.float32)


#: What each detector's six keypoints are, in order (left/right: the subject's).
KEYPOINT_NAMES = ("right_eye", "left_eye", "nose_tip", "mouth_center", "right_ear", "left_ear")


@dataclass(frozen=True)
class Detection:
    """One face found by :func:`detect_faces`.

    Attributes
    ----------
    box:
        ``(x, y, width, height)`` in whole pixels; it may reach past the image border.
    score:
        BlazeFace's confidence in [0, 1]; ``None`` for the Haar cascade and the
        landmarker, which give no calibrated score.
    keypoints:
        ``(6, 2)`` pixel positions named by :data:`KEYPOINT_NAMES`, or ``None``
        (Haar).  The landmarker's are taken from its mesh: eye-contour centres,
        nose tip (1), mid-lips (13, 14), the cheek points by the ears (234, 454).
    method:
        The detector that found it.
    """

    box: tuple[int, int, int, int]
    score: float | None
    keypoints: np.ndarray | None
    method: str
