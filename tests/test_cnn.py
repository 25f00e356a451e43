"""The shipped FER2013 model behind the course's predict interface."""

import numpy as np
import pytest
from skimage.data import astronaut

from fercourse import cnn, face
from fercourse.emotions import FER2013_LABELS
from fercourse.errors import InvalidInputError


@pytest.fixture(scope="module")
def model():
    return cnn.PretrainedFER()


def test_model_is_the_published_mini_xception(model):
    assert model.model.count_params() == 58_423
    assert tuple(model.model.input_shape) == (None, 64, 64, 1)
    assert model.classes == FER2013_LABELS


def test_astronaut_reads_happy(model):
    image = astronaut()
    crop = face.crop_square(image, face.detect_mesh(image).box, size=64)
    probabilities = model.predict_proba(crop)
    assert probabilities.shape == (1, 7)
    assert model.predict(crop) == ["happy"]
    assert probabilities[0, FER2013_LABELS.index("happy")] > 0.9


def test_batches_lists_and_colour_crops_agree(model):
    rng = np.random.default_rng(0)
    grey = rng.integers(0, 256, (3, 48, 48), dtype=np.uint8)
    batch = model.predict_proba(grey)
    assert batch.shape == (3, 7)
    assert np.allclose(batch.sum(axis=1), 1.0, atol=1e-5)
    assert np.allclose(model.predict_proba(list(grey)), batch, atol=1e-6)
    colour = np.repeat(grey[0][:, :, None], 3, axis=2)
    assert np.allclose(model.predict_proba(colour), batch[:1], atol=1e-6)


@pytest.mark.parametrize("bad", [[], np.zeros((0, 64, 64), np.uint8), "not an image.png"])
def test_bad_inputs_are_refused(model, bad):
    with pytest.raises(InvalidInputError):
        model.predict_proba(bad)
