"""Gabor filter banks: the face's local energy at several scales and orientations, pooled cell by cell.

A Gabor filter is a plane wave under a Gaussian window: it answers strongly where the
image holds stripes of its own wavelength and direction (an eyebrow, a wrinkle, the
edge of the lips).  Lyons, Akamatsu, Kamachi and Gyoba (1998) coded the JAFFE faces
with the magnitudes of such filters at several scales and orientations, read at points
spread over the face; :class:`GaborFeatures` pools them over a grid of cells instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from fercourse.checks import count, number, positive
from fercourse.errors import InvalidInputError
from fercourse.features.cells import as_grid, cell_map
from fercourse.features.inputs import as_images

__all__ = ["gabor_kernels", "GaborFeatures"]

_CHUNK_BYTES = 32 * 2**20  # filter responses held at once while transforming


def _sigma(wavelength: float, bandwidth: float) -> float:
    """Width of the Gaussian window that gives a half-response bandwidth of ``bandwidth`` octaves."""
    return wavelength / np.pi * np.sqrt(np.log(2) / 2) * (2**bandwidth + 1) / (2**bandwidth - 1)


def _check(scales, orientations, wavelength, step, bandwidth) -> tuple[int, int, float, float, float]:
    return (count(scales, "scales"), count(orientations, "orientations"),
            number(wavelength, "wavelength", 2.0),  # shorter waves than 2 pixels cannot be represented
            number(step, "step", 1.0, low_open=True), positive(bandwidth, "bandwidth"))


def _scale_kernels(wavelength: float, orientations: int, bandwidth: float) -> np.ndarray:
    """The ``(orientations, K, K)`` kernels of one wavelength, cut at three sigmas of their window."""
    sigma = _sigma(wavelength, bandwidth)
    half = int(np.ceil(3 * sigma))
    y, x = np.mgrid[-half : half + 1, -half : half + 1].astype(np.float64)
    window = np.exp(-(x**2 + y**2) / (2 * sigma**2))
    window[x**2 + y**2 > (3 * sigma) ** 2] = 0.0
    window /= window.sum()
    kernels = np.empty((orientations, 2 * half + 1, 2 * half + 1), dtype=np.complex128)
    for o in range(orientations):
        angle = o * np.pi / orientations
        wave = np.exp(2j * np.pi * (x * np.cos(angle) + y * np.sin(angle)) / wavelength)
        kernels[o] = window * (wave - (window * wave).sum())  # minus the window's mean of the wave
    return kernels


def gabor_kernels(scales: int = 5, orientations: int = 8, wavelength: float = 4.0, step: float = 2**0.5,
                  bandwidth: float = 1.0) -> np.ndarray:
    """A bank of complex Gabor kernels, all on one square grid of pixels.

    Kernel ``[s, o]`` has the wavelength ``wavelength * step**s`` pixels and its wave
    runs at the angle ``o * pi / orientations`` from the image's x axis (0: the
    intensity changes from left to right, so it answers vertical stripes; pi/2:
    horizontal stripes; angles turn clockwise on the screen, since rows run down).  Its
    window is a round Gaussian, as wide as a half-response bandwidth of ``bandwidth``
    octaves asks (sigma of about 0.56 wavelengths for one octave), cut at three sigmas.
    Each kernel has zero mean, so a flat image gives no response, and its window sums to
    1, so a grating of contrast ``a`` at the kernel's wavelength and angle gives a
    response of magnitude about ``a / 2`` at every scale.

    Parameters
    ----------
    scales : int
        Number of wavelengths.
    orientations : int
        Number of angles, evenly spread over 180 degrees.
    wavelength : float
        The shortest wavelength, in pixels (at least 2).
    step : float
        Ratio between successive wavelengths (the square root of 2: half an octave).
    bandwidth : float
        Frequency bandwidth of each filter, in octaves.

    Returns
    -------
    numpy.ndarray
        ``(scales, orientations, K, K)`` complex128, ``K`` odd and set by the widest window
        (the narrower kernels are padded with zeros).

    Examples
    --------
    >>> gabor_kernels().shape  # wavelengths 4 to 16 pixels
    (5, 8, 55, 55)
    """
    scales, orientations, wavelength, step, bandwidth = _check(scales, orientations, wavelength, step, bandwidth)
    bank = [_scale_kernels(wavelength * step**s, orientations, bandwidth) for s in range(scales)]
    size = bank[-1].shape[-1]
    kernels = np.zeros((scales, orientations, size, size), dtype=np.complex128)
    for s, kernels_s in enumerate(bank):
        cut = (size - kernels_s.shape[-1]) // 2
        kernels[s, :, cut : size - cut, cut : size - cut] = kernels_s
    return kernels


@dataclass(frozen=True)
class _Plan:
    """How one scale is filtered and pooled for images of one size."""

    pad: int  # pixels mirrored onto each edge
    shape: tuple[int, int]  # size of the Fourier transform of the padded image
    spectra: np.ndarray  # (orientations, m, n) complex64: the kept band of each kernel's spectrum
    rows: np.ndarray  # the frequency rows and columns of the full transform that form that band
    columns: np.ndarray
    pool_rows: np.ndarray  # (grid rows, m) and (grid columns, n): energy samples -> cell means
    pool_columns: np.ndarray


def _spacing(wavelength: float, bandwidth: float) -> int:
    """The widest spacing (1, 2 or 4 pixels) of samples that still hold all of a filter's response.

    A response holds only the frequencies its filter passes, up to ``1/wavelength`` plus
    three standard deviations of the window's spectrum; its energy (squared magnitude)
    holds differences of those, up to six standard deviations.  Both below half the
    sampling rate, the coarse samples determine both exactly (Nyquist).
    """
    spread = 3 / (2 * np.pi * _sigma(wavelength, bandwidth))  # cycles per pixel
    top = max(1 / wavelength + spread, 2 * spread)
    return max(d for d in (1, 2, 4) if d == 1 or top < 1 / (2 * d))


def _pooling(side: int, cells: int, pad: int, length: int, spacing: int) -> np.ndarray:
    """``(cells, length // spacing)``: each cell's mean over its pixels of a signal given by periodic samples.

    The samples are taken every ``spacing`` pixels over the ``length`` pixels of the padded
    image; a band-limited periodic signal is their trigonometric interpolant, and averaging
    that over a cell's pixels is a fixed weighted sum of the samples.
    """
    n = length // spacing
    pixels = pad + np.arange(side)  # the image's pixels, in padded coordinates
    if spacing == 1:
        weights = (pixels[:, None] == np.arange(n)[None]).astype(np.float64)
    else:
        t = pixels[:, None] / spacing - np.arange(n)[None]
        weights = np.ones_like(t)
        for k in range(1, (n - 1) // 2 + 1):
            weights += 2 * np.cos(2 * np.pi * k * t / n)
        if n % 2 == 0:
            weights += np.cos(np.pi * t)
        weights /= n
    label = cell_map(side, 1, (cells, 1))[:, 0]
    mean = np.zeros((cells, side))
    mean[label, np.arange(side)] = 1.0
    return ((mean / mean.sum(axis=1, keepdims=True)) @ weights).astype(np.float32)  # as the float32 energies


@lru_cache(maxsize=4)
def _plans(options: tuple, height: int, width: int, grid: tuple[int, int]) -> tuple[_Plan, ...]:
    """One :class:`_Plan` per scale."""
    from scipy import fft

    scales, orientations, wavelength, step, bandwidth = options
    plans = []
    for s in range(scales):
        lam = wavelength * step**s
        kernels = _scale_kernels(lam, orientations, bandwidth)
        half = kernels.shape[-1] // 2
        d = _spacing(lam, bandwidth)
        pad = -(-half // d) * d
        shape = tuple(d * -(-fft.next_fast_len(side + 2 * pad) // d) for side in (height, width))
        # The kernel's centre goes to pixel (0, 0), so that each response lands on its own pixel.
        placed = np.zeros((orientations, *shape), dtype=np.complex128)
        placed[:, : 2 * half + 1, : 2 * half + 1] = kernels
        placed = np.roll(placed, (-half, -half), axis=(-2, -1))
        # The band of frequencies that a grid of every d-th pixel can hold, in the full transform's order.
        rows, columns = (np.fft.ifftshift(np.arange(-(n // d // 2), n // d - n // d // 2)) % n for n in shape)
        spectra = (fft.fft2(placed, axes=(-2, -1))[:, rows][:, :, columns] / d**2).astype(np.complex64)
        spectra.flags.writeable = False
        plans.append(_Plan(pad, shape, spectra, rows, columns,
                           _pooling(height, grid[0], pad, shape[0], d), _pooling(width, grid[1], pad, shape[1], d)))
    return tuple(plans)


class GaborFeatures(TransformerMixin, BaseEstimator):
    """Gabor magnitudes of every filter of a bank, pooled in every cell of a grid over the face.

    Each image is filtered with every kernel of :func:`gabor_kernels` (the image is
    mirrored at its edges first, so that the frame does not read as an edge).  The
    magnitude of a complex response measures how much of the filter's stripes the image
    holds there, whatever their phase; each cell of ``grid`` keeps the root mean square
    of the magnitudes over its pixels (the square root of the cell's mean Gabor energy).
    With 48x48 faces, 5 scales, 8 orientations and a 6x6 grid this gives
    5 x 8 x 36 = 1,440 numbers per face, ordered by scale, then orientation, then cell
    (row by row).  They grow with the image's contrast: standardise them (the pipelines
    do) before a classifier.

    Speed: the filtering runs in the Fourier domain, all orientations and many images at
    once.  The longer waves are computed only every 2 or 4 pixels, which loses nothing:
    their responses and energies hold no frequencies that such samples cannot carry, so
    the cell means of the energy follow from the samples exactly (up to the tails of the
    Gaussian windows, about 0.1% of the largest value).

    Parameters
    ----------
    scales : int
        Number of wavelengths.
    orientations : int
        Number of angles over 180 degrees.
    wavelength : float
        The shortest wavelength, in pixels.
    step : float
        Ratio between successive wavelengths.
    bandwidth : float
        Frequency bandwidth of each filter, in octaves.
    grid : int or tuple of int
        Cells down and across the face.

    Examples
    --------
    >>> GaborFeatures().fit_transform(np.zeros((2, 48, 48))).shape
    (2, 1440)
    """

    def __init__(self, scales: int = 5, orientations: int = 8, wavelength: float = 4.0, step: float = 2**0.5,
                 bandwidth: float = 1.0, grid=(6, 6)):
        self.scales = scales
        self.orientations = orientations
        self.wavelength = wavelength
        self.step = step
        self.bandwidth = bandwidth
        self.grid = grid

    def fit(self, X, y=None):
        self._options(as_images(X).shape[1:])
        return self

    def _options(self, shape: tuple[int, int]) -> tuple:
        options = _check(self.scales, self.orientations, self.wavelength, self.step, self.bandwidth)
        gy, gx = as_grid(self.grid)
        if gy > shape[0] or gx > shape[1]:
            raise InvalidInputError(
                f"A {gy}x{gx} grid has more cells than the {shape[0]}x{shape[1]} images have pixels; use a coarser grid."
            )
        return options

    def transform(self, X):
        from scipy import fft

        images = as_images(X)
        n, h, w = images.shape
        grid = as_grid(self.grid)
        plans = _plans(self._options((h, w)), h, w, grid)
        orientations = len(plans[0].spectra)
        energy = np.empty((n, len(plans), orientations, grid[0], grid[1]), dtype=np.float64)
        for s, plan in enumerate(plans):
            chunk = max(1, _CHUNK_BYTES // (orientations * plan.spectra[0].size * 8))
            for start in range(0, n, chunk):
                batch = images[start : start + chunk]
                # The kernels ignore the mean grey level; removing it keeps float32 rounding off the responses.
                batch = (batch - batch.mean(axis=(1, 2), keepdims=True)).astype(np.float32)
                # Mirror the edges as far as the kernels reach (repeatedly, for a small image).
                padded = np.pad(batch, ((0, 0), (plan.pad, plan.pad), (plan.pad, plan.pad)), mode="symmetric")
                spectrum = fft.fft2(padded, s=plan.shape, axes=(-2, -1))[:, plan.rows][:, :, plan.columns]
                responses = fft.ifft2(spectrum[:, None] * plan.spectra, axes=(-2, -1))
                power = responses.real**2 + responses.imag**2
                energy[start : start + chunk, s] = plan.pool_rows @ power @ plan.pool_columns.T
        return np.sqrt(np.maximum(energy, 0.0)).reshape(n, -1)
