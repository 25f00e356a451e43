"""Chapter 04's texture features: LBP histograms, Gabor magnitudes, the cell grid they share, their models."""

import numpy as np
import pytest
from scipy.signal import fftconvolve
from skimage.feature import local_binary_pattern

from fercourse import features as F
from fercourse.errors import InvalidInputError


def stripes(n: int, vertical: bool, seed: int, size: int = 48) -> np.ndarray:
    """Noisy sinusoidal stripes of random period, phase and contrast, as uint8 faces."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size]
    out = []
    for _ in range(n):
        period, phase, contrast = rng.uniform(5, 10), rng.uniform(0, 2 * np.pi), rng.uniform(0.15, 0.4)
        wave = np.cos(2 * np.pi * (x if vertical else y) / period + phase)
        image = 0.5 + contrast * wave + rng.normal(0, 0.08, (size, size))
        out.append(np.clip(np.round(image * 255), 0, 255).astype(np.uint8))
    return np.stack(out)


def blocky(seed: int = 0) -> np.ndarray:
    """A 48x48 uint8 image in 0..127 with flat patches (many ties between neighbours) and texture."""
    rng = np.random.default_rng(seed)
    image = np.kron(rng.integers(0, 128, (12, 12)), np.ones((4, 4), int))
    image[24:, :24] = rng.integers(0, 128, (24, 24))
    return image.astype(np.uint8)


# ----------------------------------------------------------------------------- the grid of cells


def test_cell_map_and_histograms():
    assert F.as_grid(3) == (3, 3)
    cells = F.cell_map(5, 7, (2, 3))
    assert cells.shape == (5, 7) and set(np.unique(cells)) == set(range(6))
    assert np.all(np.diff(cells, axis=1) >= 0) and np.all(np.diff(cells, axis=0) >= 0)  # row by row
    codes = np.random.default_rng(0).integers(0, 4, (3, 12, 12))
    hist = F.cell_histograms(codes, bins=4, grid=(2, 2), border=1)
    assert hist.shape == (3, 4, 4) and np.allclose(hist.sum(axis=-1), 1.0)
    # top-left cell of the first map, counted by hand (rows and columns 1..5)
    assert np.allclose(hist[0, 0], np.bincount(codes[0, 1:6, 1:6].ravel(), minlength=4) / 25)
    pooled = F.cell_histograms(codes, bins=4, grid=(2, 2), border=1, pooled=True)
    assert np.allclose(pooled, hist.mean(axis=0))  # equal pixel counts per map: pooling = averaging
    with pytest.raises(InvalidInputError, match="outside 0..3"):
        F.cell_histograms(codes + 1, bins=4, grid=2)
    with pytest.raises(InvalidInputError, match="grid"):
        F.cell_map(4, 4, (2, 0))


def test_cell_means_match_a_plain_loop():
    maps = np.random.default_rng(1).random((2, 3, 13, 10))
    cells = F.cell_map(13, 10, (3, 4))
    expected = np.stack([maps[..., cells == k].mean(axis=-1) for k in range(12)], axis=-1)
    assert np.allclose(F.cell_means(maps, (3, 4)), expected)
    with pytest.raises(InvalidInputError, match="empty cells"):
        F.cell_means(maps, (14, 1))


# ----------------------------------------------------------------------------- LBP


@pytest.mark.parametrize("points, radius", [(8, 1), (8, 2), (16, 2), (6, 1.5)])
@pytest.mark.parametrize("method", F.LBP_METHODS)
def test_lbp_codes_are_scikit_images_away_from_ties(points, radius, method):
    image = np.random.default_rng(points).integers(0, 256, (30, 30)).astype(np.uint8)
    ours = F.lbp_codes(image, points, radius, method)
    reference = local_binary_pattern(image, points, radius, method).astype(int)
    r = int(np.ceil(radius))
    assert np.array_equal(ours[r:-r, r:-r], reference[r:-r, r:-r])
    assert ours.max() < F.lbp_bins(points, method)


def test_lbp_codes_of_known_patterns():
    spot = np.zeros((3, 3))
    spot[1, 1] = 1.0
    assert F.lbp_codes(spot)[1, 1] == 0  # every neighbour darker
    assert F.lbp_codes(1 - spot)[1, 1] == F.lbp_bins(8) - 2  # every neighbour brighter: the all-ones code
    assert F.lbp_codes(np.zeros((3, 3)))[1, 1] == F.lbp_bins(8) - 2  # ties count as brighter
    edge = np.zeros((5, 5))
    edge[:, 2:] = 1.0  # the centre on the bright side: its three neighbours on the left are darker
    # An edge keeps its direction in "nri_uniform" but not in the rotation-invariant "uniform" (five ones).
    assert F.lbp_codes(edge)[2, 2] != F.lbp_codes(edge.T)[2, 2]
    assert F.lbp_codes(edge, method="uniform")[2, 2] == F.lbp_codes(edge.T, method="uniform")[2, 2] == 5
    assert F.lbp_bins(8) == 59 and F.lbp_bins(8, "uniform") == 10


def test_lbp_features_are_normalised_cell_histograms():
    faces = stripes(3, True, seed=0)
    out = F.LBPFeatures().fit_transform(faces)
    assert out.shape == (3, 36 * 59)
    hist = out.reshape(3, 36, 59)
    assert np.all(hist >= 0) and np.allclose(hist.sum(axis=-1), 1.0)
    codes = F.lbp_codes(faces[0] / 255.0)  # the first cell, counted by hand (rows and columns 1..7)
    assert np.allclose(hist[0, 0], np.bincount(codes[1:8, 1:8].ravel(), minlength=59) / 49)
    assert F.LBPFeatures(grid=(7, 6), method="uniform", radius=2).fit_transform(faces).shape == (3, 42 * 10)
    assert np.allclose(F.LBPFeatures().transform(faces.reshape(3, -1)), out)  # flat rows work too


@pytest.mark.parametrize("radius", [1, 2])
def test_lbp_features_ignore_brightness_and_contrast(radius):
    image = blocky()
    lbp = F.LBPFeatures(radius=radius)
    base = lbp.fit_transform(image[None])
    changed = [image + 60, 2 * image + 1, image / 255.0 * 0.3 + 0.5]  # brighter, more contrast, dimmer floats
    for other in changed:
        assert np.array_equal(lbp.transform(np.asarray(other)[None]), base)
    assert not np.allclose(lbp.transform(blocky(seed=1)[None]), base)  # a different texture is told apart


def test_lbp_features_refuse_bad_settings_and_images():
    faces = stripes(2, True, seed=0)
    with pytest.raises(InvalidInputError, match="cells without a pixel"):
        F.LBPFeatures(grid=48).fit(faces)
    with pytest.raises(InvalidInputError, match="method"):
        F.LBPFeatures(method="ror").fit(faces)
    with pytest.raises(InvalidInputError, match="points"):
        F.LBPFeatures(points=0).transform(faces)
    with pytest.raises(InvalidInputError, match="radius"):
        F.LBPFeatures(radius=0).transform(faces)
    with pytest.raises(InvalidInputError, match="not a square image"):
        F.LBPFeatures().transform(np.zeros((2, 50)))
    with pytest.raises(InvalidInputError, match="divide by 255"):
        F.LBPFeatures().transform(np.full((2, 48, 48), 200.0))
    with pytest.raises(InvalidInputError, match="NaN"):
        F.lbp_codes(np.full((8, 8), np.nan))


# ----------------------------------------------------------------------------- Gabor


def test_gabor_kernels_have_zero_mean_and_unit_windows():
    kernels = F.gabor_kernels(scales=3, orientations=4)
    assert kernels.shape[:2] == (3, 4) and kernels.shape[2] == kernels.shape[3] and kernels.shape[2] % 2 == 1
    assert np.allclose(kernels.sum(axis=(-2, -1)), 0.0, atol=1e-12)  # a flat image gives no response
    assert np.allclose(np.abs(kernels).sum(axis=(-2, -1)), 1.0, atol=0.05)  # window of sum 1, wave of modulus ~1


@pytest.mark.parametrize("orientation", range(8))
def test_gabor_response_peaks_at_the_gratings_orientation_and_wavelength(orientation):
    y, x = np.mgrid[0:48, 0:48]
    angle = orientation * np.pi / 8
    grating = 0.5 + 0.4 * np.cos(2 * np.pi * (x * np.cos(angle) + y * np.sin(angle)) / 8.0)  # scale 2: 4 * 2**(2/2)
    response = F.GaborFeatures(grid=1).fit_transform(grating[None]).reshape(5, 8)
    assert np.unravel_index(response.argmax(), response.shape) == (2, orientation)
    assert response[2, orientation] == pytest.approx(0.2, abs=0.03)  # about half the grating's contrast


def test_gabor_features_match_direct_convolution():
    """The fast path (Fourier domain, long waves sampled every 2 or 4 pixels) against plain convolution."""
    kernels = F.gabor_kernels()
    half = kernels.shape[-1] // 2
    rng = np.random.default_rng(2)
    for image, grid in [(rng.random((48, 48)), (6, 6)), (stripes(1, False, seed=3)[0] / 255.0, (6, 6)),
                        (rng.random((20, 23)), (3, 4))]:
        padded = np.pad(image, half, mode="symmetric")
        expected = np.concatenate([
            np.sqrt(F.cell_means(np.abs(fftconvolve(padded, kernel, mode="valid")) ** 2, grid))
            for kernel in kernels.reshape(-1, *kernels.shape[2:])
        ])
        out = F.GaborFeatures(grid=grid).fit_transform(image[None])[0]
        assert out.shape == expected.shape
        assert np.abs(out - expected).max() < 2e-3 * expected.max()


def test_gabor_features_shape_and_bad_input():
    faces = stripes(2, False, seed=0)
    out = F.GaborFeatures().fit_transform(faces)
    assert out.shape == (2, 5 * 8 * 36) and np.all(out >= 0)
    assert np.allclose(F.GaborFeatures().transform(np.full((1, 48, 48), 0.7)), 0.0)  # flat: no response
    assert F.GaborFeatures(scales=2, orientations=4, grid=(3, 2)).fit_transform(faces).shape == (2, 2 * 4 * 6)
    with pytest.raises(InvalidInputError, match="wavelength"):
        F.GaborFeatures(wavelength=1.5).fit(faces)
    with pytest.raises(InvalidInputError, match="step"):
        F.GaborFeatures(step=1.0).fit(faces)
    with pytest.raises(InvalidInputError, match="coarser grid"):
        F.GaborFeatures(grid=(49, 2)).fit(faces)
    with pytest.raises(InvalidInputError, match="orientations"):
        F.GaborFeatures(orientations=0).transform(faces)
    with pytest.raises(InvalidInputError, match="divide by 255"):
        F.GaborFeatures().transform(np.full((2, 48, 48), 200.0))


# ----------------------------------------------------------------------------- models


@pytest.mark.parametrize("make", [
    lambda: F.lbp_svm(),
    lambda: F.lbp_svm("chi2"),
    lambda: F.gabor_svm(),
    lambda: F.gabor_svm("rbf", n_components=5),
])
def test_texture_models_tell_horizontal_from_vertical_stripes(make):
    train = np.concatenate([stripes(12, True, seed=1), stripes(12, False, seed=2)])
    test = np.concatenate([stripes(10, True, seed=3), stripes(10, False, seed=4)])
    labels = np.repeat(["vertical", "horizontal"], [12, 12])
    model = make().fit(train, labels)
    assert model.score(test, np.repeat(["vertical", "horizontal"], [10, 10])) >= 0.95


def test_lbp_svm_refuses_unknown_kernels():
    with pytest.raises(InvalidInputError, match="'linear', 'rbf' or 'chi2'"):
        F.lbp_svm("poly")
    with pytest.raises(InvalidInputError, match="kernel"):
        F.gabor_svm("chi2")
