"""Optical flow between two frames, its strain, and the onset-to-apex flow of every clip."""

from __future__ import annotations

import functools

import numpy as np

from fercourse.errors import InvalidInputError
from fercourse.temporal.clips import clip_landmarks

__all__ = ["optical_flow", "optical_strain", "flow_inputs"]


@functools.cache
def _tvl1():
    import cv2

    if not hasattr(cv2, "optflow"):
        raise InvalidInputError("TV-L1 optical flow needs opencv-contrib-python (cv2.optflow); use method='farneback'.")
    return cv2.optflow.DualTVL1OpticalFlow_create()


def optical_flow(first, second, method: str = "tvl1") -> np.ndarray:
    """Dense optical flow from ``first`` to ``second``: ``(H, W, 2)`` float32 (dx, dy) in pixels.

    ``"tvl1"``: TV-L1 (Zach, Pock and Bischof), the usual choice for micro-expressions
    (OpenCV contrib); ``"farneback"``: Farneback's polynomial expansion, faster.

    Parameters
    ----------
    first, second : numpy.ndarray
        Two frames of the same size, grey or RGB (they are converted to grey).
    method : {"tvl1", "farneback"}
        The flow algorithm.

    Returns
    -------
    numpy.ndarray
        ``(H, W, 2)`` float32: how far each pixel of ``first`` moved, across and down.
    """
    import cv2

    from fercourse import face

    a, b = face.to_gray(first, "first"), face.to_gray(second, "second")
    if a.shape != b.shape:
        raise InvalidInputError(f"optical_flow: the two frames differ in size ({a.shape} and {b.shape}).")
    if method == "tvl1":
        return _tvl1().calc(a, b, None)
    if method == "farneback":
        return cv2.calcOpticalFlowFarneback(a, b, None, 0.5, 2, 9, 3, 5, 1.1, 0)
    raise InvalidInputError(f"optical_flow: method must be 'tvl1' or 'farneback', got {method!r}.")


def optical_strain(flow) -> np.ndarray:
    """Magnitude of the optical strain of a flow field: how much the skin stretches or shears.

    The strain tensor is ``e = (grad u + grad u^T) / 2`` of the flow ``u``; its
    magnitude is ``sqrt(e_xx^2 + e_yy^2 + 2 e_xy^2)``.  A face that only moves as a
    whole has no strain; a muscle that pulls the skin has.

    Parameters
    ----------
    flow : numpy.ndarray
        ``(H, W, 2)`` flow field, as :func:`optical_flow` returns.

    Returns
    -------
    numpy.ndarray
        ``(H, W)`` strain magnitudes.

    Examples
    --------
    A flow that stretches the image sideways by a tenth of a pixel per column:

    >>> stretch = np.zeros((4, 5, 2), np.float32)
    >>> stretch[..., 0] = 0.1 * np.arange(5)
    >>> round(float(optical_strain(stretch).mean()), 3)
    0.1
    >>> float(optical_strain(np.ones((4, 5, 2))).max())  # a shift of the whole image
    0.0
    """
    flow = np.asarray(flow, dtype=np.float32)
    if flow.ndim != 3 or flow.shape[2] != 2:
        raise InvalidInputError(f"optical_strain: flow must be (H, W, 2), got {flow.shape}.")
    du_dy, du_dx = np.gradient(flow[..., 0])
    dv_dy, dv_dx = np.gradient(flow[..., 1])
    shear = 0.5 * (du_dy + dv_dx)
    return np.sqrt(du_dx**2 + dv_dy**2 + 2 * shear**2)


def flow_inputs(dataset, size: int = 28, method: str = "tvl1", margin: float = 0.15) -> np.ndarray:
    """Onset-to-apex motion of every clip: ``(N, 3, size, size)`` float32 channels
    horizontal flow, vertical flow and optical strain, on the face crop.

    This is the input of OFF-ApexNet (the two flow channels) and STSTNet (all three).
    A clip without an annotated event uses its first and middle frames.

    Parameters
    ----------
    dataset : fercourse.data.Dataset
        A video dataset with ``onset`` and ``apex`` columns.
    size : int
        Side of the square face crop, in pixels.
    method : {"tvl1", "farneback"}
        The flow algorithm of :func:`optical_flow`.
    margin : float
        Extra room around the face box, as a fraction of its side.

    Returns
    -------
    numpy.ndarray
        ``(N, 3, size, size)`` float32, one flow-and-strain map per clip.
    """

    from fercourse import face

    out = []
    for i, row in dataset.table.iterrows():
        clip = dataset.sample(i)
        onset, apex = int(row["onset"]), int(row["apex"])
        if onset < 0 or apex <= onset:
            onset, apex = 0, len(clip) // 2
        box = face.landmark_box(clip_landmarks(dataset, i)[:, :, :2].mean(axis=0))
        pair = [face.crop_square(clip[k], box, size=size, margin=margin) for k in (onset, apex)]
        flow = optical_flow(*pair, method=method)
        out.append(np.concatenate([flow.transpose(2, 0, 1), optical_strain(flow)[None]]))
    return np.stack(out).astype(np.float32)
