"""Data augmentation for face images and their landmarks (chapter 03).

Every transform is called as ``transform(image, landmarks=None, rng=None)`` and
returns ``(image, landmarks)``: the image keeps its shape and dtype (``uint8``,
or float in [0, 1]; grey ``(H, W)`` or ``(H, W, C)``), and the landmarks
(``(N, 2)`` or ``(N, 3)`` pixels, or ``None``) move exactly as the pixels do.
Everything is NumPy and OpenCV (``cv2.warpAffine`` / ``cv2.remap``), so the
same pipeline serves a PyTorch ``Dataset`` and ``tf.data`` alike, and no second
OpenCV package (as albumentations would pull in) is needed.

``rng`` is a ``numpy.random.Generator``, a seed, or ``None`` (fresh entropy).
:class:`Compose` and :class:`RandomApply` own a seeded generator, so a pipeline
gives the same sequence of augmentations on every run:

>>> pipeline = Compose([RandomApply(HorizontalFlip(), p=0.5),
...                     RandomApply(GridDistortion(), p=0.3),
...                     RandomAffine(degrees=10), BrightnessContrast()], seed=0)
>>> import numpy as np
>>> image, points = np.zeros((48, 48), np.uint8), np.array([[10.0, 20.0], [30.0, 20.0]])
>>> moved_image, moved_points = pipeline(image, points)
>>> moved_image.shape, moved_image.dtype, moved_points.shape
((48, 48), dtype('uint8'), (2, 2))

In a PyTorch ``Dataset``, call the pipeline in ``__getitem__``; with several
``DataLoader`` workers give each its own stream in ``worker_init_fn``
(``pipeline.rng = np.random.default_rng([seed, worker_id])``), or they all draw
the same augmentations.  In ``tf.data``::

    def augment(image):
        return pipeline(image)[0]
    dataset = dataset.map(lambda x, y: (tf.numpy_function(augment, [x], tf.uint8), y))
"""

from __future__ import annotations

import math

import numpy as np

from fercourse.checks import check_image_array, pixel_values
from fercourse.errors import InvalidInputError
from fercourse.face import transform_points
from fercourse.mesh import mirror_indices

__all__ = [
    "Transform",
    "Compose",
    "RandomApply",
    "HorizontalFlip",
    "RandomAffine",
    "GridDistortion",
    "OpticalDistortion",
    "BrightnessContrast",
]


def _check_image(image) -> np.ndarray:
    checked = check_image_array(image, "image")
    if checked.dtype not in (np.uint8, np.float32, np.float64):
        raise InvalidInputError(
            f"image has dtype {image.dtype}; augmentation takes uint8 or float32/float64 in [0, 1] "
            "(convert it with .astype(np.uint8) or .astype(np.float32))."
        )
    pixel_values(checked, "image")  # a float image must lie in [0, 1], or brightness would clip it there
    return image


def _check_landmarks(landmarks) -> np.ndarray | None:
    if landmarks is None:
        return None
    points = np.array(landmarks, dtype=np.float32)  # a copy: transforms edit it in place
    if points.ndim != 2 or points.shape[1] not in (2, 3) or not np.all(np.isfinite(points)):
        raise InvalidInputError(
            f"landmarks has shape {points.shape} (or non-finite values); expected None or finite "
            "(N, 2) or (N, 3) pixel coordinates."
        )
    return points


class Transform:
    """Base class: subclasses implement ``apply(image, points, rng)`` on checked inputs.

    Calling a transform, ``transform(image, landmarks=None, rng=None)``, checks the
    image and the landmarks, runs ``apply`` and gives back ``(image, landmarks)`` with
    the image in its own shape and dtype.

    Raises
    ------
    InvalidInputError
        When called with an image or landmarks that are not valid.
    """

    def __call__(self, image, landmarks=None, rng=None):
        """Apply the transform.

        Parameters
        ----------
        image : numpy.ndarray
            ``(H, W)`` or ``(H, W, C)``, ``uint8`` or float32/float64 in [0, 1].
        landmarks : array_like or None
            ``(N, 2)`` or ``(N, 3)`` finite pixel coordinates (copied, not changed).
        rng : numpy.random.Generator, int or None
            The random source, or a seed (``None``: fresh entropy).

        Returns
        -------
        tuple
            ``(image, landmarks)``; ``landmarks`` is ``None`` when none were given.
        """
        image, points = _check_image(image), _check_landmarks(landmarks)
        out, points = self.apply(image, points, np.random.default_rng(rng))
        return out.reshape(image.shape).astype(image.dtype, copy=False), points

    def apply(self, image: np.ndarray, points: np.ndarray | None, rng: np.random.Generator):
        raise NotImplementedError

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if k != "rng")
        return f"{type(self).__name__}({fields})"


class Compose(Transform):
    """Apply ``transforms`` in order, all drawing from ``self.rng``, seeded with ``seed``.

    A ``rng`` passed to a call is used instead (so a Compose nests in another).

    Parameters
    ----------
    transforms : iterable of callable
        Each called as ``transform(image, landmarks, rng)``.
    seed : int or None
        Seed of ``self.rng`` (``None``: fresh entropy).

    Attributes
    ----------
    rng : numpy.random.Generator
        The generator calls draw from; replace it to give a worker its own stream.

    Raises
    ------
    InvalidInputError
        If an item of ``transforms`` is not callable.
    """

    def __init__(self, transforms, seed: int | None = None):
        self.transforms = list(transforms)
        bad = [t for t in self.transforms if not callable(t)]
        if bad:
            raise InvalidInputError(f"transforms must be callables taking (image, landmarks, rng); got {bad[0]!r}.")
        self.seed = seed
        self.rng = np.random.default_rng(seed)

    def __call__(self, image, landmarks=None, rng=None):
        rng = self.rng if rng is None else np.random.default_rng(rng)
        for transform in self.transforms:
            image, landmarks = transform(image, landmarks, rng)
        return image, landmarks


class RandomApply(Transform):
    """Apply ``transform`` with probability ``p``, drawing from ``self.rng`` (seeded with ``seed``)
    unless a call passes its own ``rng``.

    When the transform is skipped the inputs come back checked but unchanged.

    Parameters
    ----------
    transform : callable
        Called as ``transform(image, landmarks, rng)``.
    p : float
        Probability in [0, 1] of applying it.
    seed : int or None
        Seed of ``self.rng`` (``None``: fresh entropy).

    Attributes
    ----------
    rng : numpy.random.Generator
        The generator calls draw from.

    Raises
    ------
    InvalidInputError
        If ``transform`` is not callable or ``p`` is not in [0, 1].
    """

    def __init__(self, transform, p: float = 0.5, seed: int | None = None):
        if not callable(transform):
            raise InvalidInputError(f"transform must be a callable taking (image, landmarks, rng); got {transform!r}.")
        if not 0.0 <= float(p) <= 1.0:
            raise InvalidInputError(f"p must be a probability in [0, 1], got {p!r}.")
        self.transform, self.p, self.seed = transform, float(p), seed
        self.rng = np.random.default_rng(seed)

    def __call__(self, image, landmarks=None, rng=None):
        rng = self.rng if rng is None else np.random.default_rng(rng)
        if rng.random() < self.p:
            return self.transform(image, landmarks, rng)
        return _check_image(image), _check_landmarks(landmarks)


class HorizontalFlip(Transform):
    """Mirror left to right; landmarks are mirrored and renumbered.

    After the flip the subject's left eye sits where the right eye was, so the
    points are permuted by :func:`fercourse.mesh.mirror_indices` (478, 468 or 68
    points) to keep every index's meaning.  For other point sets pass
    ``mirror`` (a permutation of ``range(N)``), or ``mirror=False`` to keep the order.

    Parameters
    ----------
    mirror : sequence of int, False or None
        The renumbering of the points (``None``: chosen by their number).

    Raises
    ------
    InvalidInputError
        When called with landmarks that ``mirror`` does not fit, or with ``mirror=None``
        and a number of points other than 478, 468 or 68.
    """

    def __init__(self, mirror=None):
        self.mirror = mirror

    def apply(self, image, points, rng):
        out = np.ascontiguousarray(image[:, ::-1])
        if points is None:
            return out, None
        points[:, 0] = image.shape[1] - 1 - points[:, 0]
        if self.mirror is False:
            return out, points
        if self.mirror is not None:
            order = np.asarray(self.mirror)
            if sorted(order.tolist()) != list(range(len(points))):
                raise InvalidInputError(f"mirror must be a permutation of range({len(points)}), got {self.mirror!r}.")
        elif len(points) in (478, 468, 68):
            order = mirror_indices(len(points))
        else:
            raise InvalidInputError(
                f"HorizontalFlip does not know which of {len(points)} landmarks swap sides (it knows 478, 468 "
                "and 68); pass mirror=<permutation>, or mirror=False to only flip the coordinates."
            )
        return out, points[order]


def _range(value, name: str, upper: float = math.inf) -> float:
    value = float(value)
    if not 0.0 <= value < upper:
        raise InvalidInputError(f"{name} must lie in [0, {upper:g}), got {value!r}.")
    return value


class RandomAffine(Transform):
    """Random rotation (up to ``degrees`` either way), ``scale`` in a range and a shift.

    The rotation and scaling are about the image centre; the shift is up to
    ``shift`` of the width and height either way.  Borders are reflected.

    Parameters
    ----------
    degrees : float
        Largest rotation, in [0, 180).
    scale : tuple of float
        ``(low, high)`` range of the scale factor, ``0 < low <= high``.
    shift : float
        Largest shift as a fraction of width and height, in [0, 1).

    Raises
    ------
    InvalidInputError
        If a value is out of its range.
    """

    def __init__(self, degrees: float = 10.0, scale=(0.9, 1.1), shift: float = 0.05):
        self.degrees, self.shift = _range(degrees, "degrees", 180.0), _range(shift, "shift", 1.0)
        try:
            low, high = (float(s) for s in scale)
        except (TypeError, ValueError):
            low = high = math.nan
        if not 0.0 < low <= high:
            raise InvalidInputError(f"scale must be (low, high) with 0 < low <= high, got {scale!r}.")
        self.scale = (low, high)

    def apply(self, image, points, rng):
        import cv2

        height, width = image.shape[:2]
        angle = rng.uniform(-self.degrees, self.degrees)
        matrix = cv2.getRotationMatrix2D(((width - 1) / 2.0, (height - 1) / 2.0), angle, rng.uniform(*self.scale))
        matrix[:, 2] += rng.uniform(-self.shift, self.shift, 2) * (width, height)
        out = cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
        return out, None if points is None else transform_points(points, matrix)


class _Remap(Transform):
    """A distortion given as a sampling map plus the exact forward map of points."""

    def maps(self, height: int, width: int, rng):
        """``(map_x, map_y, forward)``: output pixel (u, v) shows input (map_x[v, u], map_y[v, u]);
        ``forward`` takes ``(N, 2)`` input points to output points."""
        raise NotImplementedError

    def apply(self, image, points, rng):
        import cv2

        map_x, map_y, forward = self.maps(*image.shape[:2], rng)
        out = cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
        if points is not None:
            points[:, :2] = forward(points[:, :2])
        return out, points


class GridDistortion(_Remap):
    """Stretch and squeeze the image along a grid of ``steps`` x ``steps`` cells.

    Each column band and each row band is scaled by a random factor in
    ``[1 - limit, 1 + limit]``, the total size kept.  The map is piecewise
    linear and separable, so landmarks follow exactly (by inverting it per axis).

    Parameters
    ----------
    steps : int
        Number of bands along each axis, at least 1.
    limit : float
        Largest relative change of a band's size, in [0, 1).

    Raises
    ------
    InvalidInputError
        If ``steps`` is not a positive integer or ``limit`` is out of range.
    """

    def __init__(self, steps: int = 5, limit: float = 0.3):
        if not isinstance(steps, int) or steps < 1:
            raise InvalidInputError(f"steps must be a positive integer, got {steps!r}.")
        self.steps, self.limit = steps, _range(limit, "limit", 1.0)

    def _axis(self, length: int, rng):
        """Knots of one axis: where each grid line is in the output and in the input."""
        output = np.linspace(0.0, length - 1.0, self.steps + 1)
        widths = np.diff(output) * rng.uniform(1.0 - self.limit, 1.0 + self.limit, self.steps)
        source = np.concatenate([[0.0], np.cumsum(widths)]) * (length - 1.0) / widths.sum()
        return output, source

    def maps(self, height, width, rng):
        (out_x, src_x), (out_y, src_y) = self._axis(width, rng), self._axis(height, rng)
        columns = np.interp(np.arange(width), out_x, src_x)
        rows = np.interp(np.arange(height), out_y, src_y)
        map_x, map_y = (a.astype(np.float32) for a in np.meshgrid(columns, rows))

        def forward(xy):
            return np.stack([_interp_linear(xy[:, 0], src_x, out_x), _interp_linear(xy[:, 1], src_y, out_y)], axis=1)

        return map_x, map_y, forward


def _interp_linear(x, xp, fp):
    """``np.interp`` that continues the end segments' slopes beyond the knots."""
    inside = np.interp(x, xp, fp)
    low, high = x < xp[0], x > xp[-1]
    inside[low] = fp[0] + (x[low] - xp[0]) * (fp[1] - fp[0]) / (xp[1] - xp[0])
    inside[high] = fp[-1] + (x[high] - xp[-1]) * (fp[-1] - fp[-2]) / (xp[-1] - xp[-2])
    return inside


class OpticalDistortion(_Remap):
    """Lens distortion about the image centre: barrel (k > 0) or pincushion (k < 0).

    With ``k`` drawn from ``[-limit, limit]``, the output point at normalised
    radius ``r`` (1 = half the image diagonal) shows the input at radius
    ``r * (1 + k r^2)``.  Landmarks follow by solving that cubic for ``r``
    (Newton's method), so ``limit`` must stay below 1/3 (a one-to-one map).

    Parameters
    ----------
    limit : float
        Largest ``|k|``, in [0, 1/3).

    Raises
    ------
    InvalidInputError
        If ``limit`` is out of range.
    """

    def __init__(self, limit: float = 0.2):
        self.limit = _range(limit, "limit", 1.0 / 3.0)

    def maps(self, height, width, rng):
        k = rng.uniform(-self.limit, self.limit)
        centre = np.array([(width - 1) / 2.0, (height - 1) / 2.0])
        unit = math.hypot(*centre) or 1.0
        grid = np.stack(np.meshgrid(np.arange(width), np.arange(height)), axis=-1) - centre
        radius2 = (grid**2).sum(axis=-1, keepdims=True) / unit**2
        source = centre + grid * (1.0 + k * radius2)

        def forward(xy):
            offset = (xy - centre) / unit
            r_in = np.linalg.norm(offset, axis=1)
            r = r_in.copy()
            for _ in range(30):  # solve r (1 + k r^2) = r_in
                r -= (r * (1.0 + k * r * r) - r_in) / (1.0 + 3.0 * k * r * r)
            ratio = np.divide(r, r_in, out=np.ones_like(r), where=r_in > 0)
            return centre + offset * ratio[:, None] * unit

        return source[..., 0].astype(np.float32), source[..., 1].astype(np.float32), forward


class BrightnessContrast(Transform):
    """Random contrast (about the image mean) and brightness; landmarks unchanged.

    The contrast factor is drawn from ``[1 - contrast, 1 + contrast]``, the
    brightness shift from ``[-brightness, brightness]`` of the full range.
    Results are clipped to 0..255 for ``uint8`` and to [0, 1] for floats.

    Parameters
    ----------
    brightness : float
        Largest brightness shift as a fraction of the full range, in [0, 1).
    contrast : float
        Largest relative contrast change, in [0, 1).

    Raises
    ------
    InvalidInputError
        If a value is out of its range.
    """

    def __init__(self, brightness: float = 0.2, contrast: float = 0.2):
        self.brightness, self.contrast = _range(brightness, "brightness", 1.0), _range(contrast, "contrast", 1.0)

    def apply(self, image, points, rng):
        full = 255.0 if image.dtype == np.uint8 else 1.0
        factor = rng.uniform(1.0 - self.contrast, 1.0 + self.contrast)
        shift = rng.uniform(-self.brightness, self.brightness) * full
        values = image.astype(np.float32)
        values = (values - values.mean()) * factor + values.mean() + shift
        values = np.clip(values, 0.0, full)
        return (np.round(values) if image.dtype == np.uint8 else values), points
