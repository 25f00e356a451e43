"""fercourse.checks: the one image validator and the one grey conversion."""

import cv2
import numpy as np
import pytest

from fercourse import checks, face, features
from fercourse.errors import InvalidInputError

RNG = np.random.default_rng(5)
RGB = RNG.integers(0, 256, (9, 11, 3), dtype=np.uint8)


def test_grey_is_opencvs_luminance_for_one_image_or_a_batch():
    assert np.array_equal(checks.grey(RGB), cv2.cvtColor(RGB, cv2.COLOR_RGB2GRAY))
    batch = np.stack([RGB, RGB[::-1]])
    assert np.array_equal(checks.grey(batch), np.stack([checks.grey(RGB), checks.grey(RGB[::-1])]))
    rgba = np.concatenate([RGB, np.zeros((9, 11, 1), np.uint8)], axis=-1)
    assert np.array_equal(checks.grey(rgba), checks.grey(RGB))  # alpha is ignored


def test_grey_of_floats_uses_the_same_weights():
    pixels = RGB / 255.0
    expected = pixels @ np.array(checks.GREY_WEIGHTS)
    assert np.allclose(checks.grey(pixels), expected)
    assert np.abs(checks.grey(pixels) * 255 - checks.grey(RGB)).max() <= 0.5 + 1e-6


@pytest.mark.parametrize("bad, message", [
    (np.zeros((4, 4), np.uint8), "colour channels last"),
    (np.zeros((4, 4, 2), np.uint8), "colour channels last"),
    (np.full((4, 4, 3), 2.0), "floats from"),
])
def test_grey_refuses_what_is_not_colour_pixels(bad, message):
    with pytest.raises(InvalidInputError, match=message):
        checks.grey(bad)


def test_image_gives_each_layout():
    grey = RGB[..., 0]
    assert checks.image(grey).shape == (9, 11)
    assert checks.image(grey[..., None], layout="rgb").shape == (9, 11, 3)
    assert np.array_equal(checks.image(RGB / 255.0), RGB)
    assert np.array_equal(checks.image(RGB, layout="grey"), checks.grey(RGB))
    assert np.array_equal(checks.image(grey, layout="grey"), grey)
    assert checks.image(RGB[:, ::2]).flags["C_CONTIGUOUS"]
    with pytest.raises(InvalidInputError, match="layout must be one of"):
        checks.image(RGB, layout="bgr")
    with pytest.raises(InvalidInputError, match="has 2 channels"):
        checks.image(np.zeros((4, 4, 2), np.uint8), "face")


def test_face_module_goes_through_the_same_checks():
    assert np.array_equal(face.as_rgb(RGB[..., :1]), np.repeat(RGB[..., :1], 3, axis=2))
    assert np.array_equal(face.to_gray(RGB), checks.grey(RGB))
    assert np.array_equal(face.convert_color(RGB, "gray"), checks.grey(RGB))
    with pytest.raises(InvalidInputError, match="float image with values in"):
        face.as_rgb(RGB * 1.0)


def test_features_turn_colour_faces_grey_by_luminance():
    faces = np.stack([RGB[:9, :9], RGB[:9, 2:]])
    assert np.allclose(features.as_images(faces), checks.grey(faces) / 255.0)


@pytest.mark.parametrize("value, expected", [
    (np.zeros((4, 5)), True), (np.zeros((4, 5, 1)), True), (np.zeros((4, 5, 4)), True),
    (np.zeros((4, 5, 6)), False), (np.zeros((2, 4, 5, 3)), False), ([[0, 1]], False), ("face.png", False),
])
def test_is_image_tells_one_image_from_a_batch(value, expected):
    assert checks.is_image(value) is expected
