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
    assert model.predict(crop).tolist() == ["happy"]
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


# --- The PyTorch architectures of chapter 05 -------------------------------------------

import torch  # noqa: E402

from fercourse import config  # noqa: E402


@pytest.mark.parametrize("name", sorted(cnn.ARCHITECTURES))
def test_every_architecture_has_the_documented_size_and_output(name):
    net = cnn.build(name).eval()
    assert cnn.count_parameters(net) == cnn.PARAMETERS[name]
    x = torch.rand(3, 1, 48, 48)
    with torch.no_grad():
        out = net(x, torch.rand(3, cnn.hybrid_feature_size(48))) if name == "hybrid" else net(x)
    assert out.shape == (3, 7)


@pytest.mark.parametrize("name", ["simple", "mini_xception", "mobilenet_v2", "inception"])
def test_other_sizes_and_class_counts(name):
    net = cnn.build(name, n_classes=3, input_size=64).eval()
    with torch.no_grad():
        assert net(torch.rand(2, 1, 64, 64)).shape == (2, 3)


def test_mobilenet_width_multiplier_scales_the_network():
    assert cnn.count_parameters(cnn.build("mobilenet_v2", width=1.0)) > 4 * cnn.count_parameters(cnn.build("mobilenet_v2"))


def test_keras_simple_cnn_matches_the_pytorch_one():
    model = cnn.keras_simple_cnn()
    assert cnn.count_parameters(model) == cnn.PARAMETERS["simple"]
    assert tuple(model.output_shape) == (None, 7)


@pytest.mark.parametrize("kwargs", [{"name": "resnet"}, {"name": "simple", "n_classes": 1}, {"name": "simple", "input_size": 8}])
def test_build_refuses_bad_arguments(kwargs):
    with pytest.raises(InvalidInputError):
        cnn.build(**kwargs)


def test_hybrid_features_shape_and_errors():
    images = np.random.default_rng(0).integers(0, 256, (2, 48, 48), dtype=np.uint8)
    points = np.random.default_rng(1).random((2, 478, 3)) * 48
    features = cnn.hybrid_features(images, points)
    assert features.shape == (2, cnn.hybrid_feature_size(48)) and features.dtype == np.float32
    with pytest.raises(InvalidInputError):
        cnn.hybrid_features(images, points[:1])


def test_grad_cam_shape_and_range():
    config.seed_everything(0)
    net = cnn.build("simple")
    maps = cnn.grad_cam(net, np.random.default_rng(0).random((2, 48, 48)).astype(np.float32), target=3)
    assert maps.shape == (2, 48, 48) and maps.dtype == np.float32
    assert maps.min() >= 0.0 and maps.max() <= 1.0


def test_keras_grad_cam_on_the_shipped_model(model):
    image = astronaut()
    crop = face.crop_square(image, face.detect_mesh(image).box, size=64)
    maps = model.grad_cam(crop)
    assert maps.shape == (1, 64, 64)
    assert 0.0 <= maps.min() and maps.max() == pytest.approx(1.0)


def test_torch_wrapper_has_the_pretrained_interface():
    config.seed_everything(0)
    wrapped = cnn.TorchFER(cnn.build("simple"))
    faces = np.random.default_rng(0).integers(0, 256, (4, 64, 64, 3), dtype=np.uint8)  # resized to 48, made grey
    probabilities = wrapped.predict_proba(faces)
    assert probabilities.shape == (4, 7) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)
    assert all(label in FER2013_LABELS for label in wrapped.predict(faces))
    with pytest.raises(InvalidInputError):
        cnn.TorchFER(cnn.build("hybrid"))


# --- Transfer learning: the shipped network with its last layer retrained ---------------------


@pytest.fixture(scope="module")
def rendered():
    from fercourse import synth

    faces = synth.faces(140, size=48, seed=4)
    return faces.samples, faces.y()


def test_features_are_what_the_last_layer_reads(model, rendered):
    images, _ = rendered
    maps = model.features(images[:5])
    assert maps.shape == (5, 4, 4, 128) and maps.dtype == np.float32
    # The shipped last layer applied to these maps gives the shipped probabilities.
    logits = model.head()(maps).numpy().mean(axis=(1, 2))
    softmax = np.exp(logits - logits.max(1, keepdims=True))
    assert np.allclose(softmax / softmax.sum(1, keepdims=True), model.predict_proba(images[:5]), atol=1e-5)


def test_fine_tuned_starts_as_the_shipped_model(model, rendered):
    images, _ = rendered
    tuned = cnn.FineTunedFER(model)
    assert np.allclose(tuned.predict_proba(images[:20]), model.predict_proba(images[:20]), atol=1e-5)
    assert tuned.moved() == 0.0
    crop = face.crop_square(astronaut(), face.detect_mesh(astronaut()).box, size=64)
    assert tuned.predict(crop).tolist() == ["happy"]


def test_fine_tuning_fits_new_faces_and_the_pull_holds_it_back(model, rendered):
    images, y = rendered
    train, test = slice(0, 100), slice(100, None)
    shipped = float(np.mean(model.predict_proba(images[test]).argmax(1) == y[test]))
    free = cnn.FineTunedFER(model).fit(images[train], y[train], pull=0.0, steps=200)
    held = cnn.FineTunedFER(model).fit(images[train], y[train], pull=1.0, steps=200)
    assert free.history["loss"][-1] < free.history["loss"][0]
    assert free.history["train accuracy"] > 0.9
    assert float(np.mean(free.predict_proba(images[test]).argmax(1) == y[test])) > shipped + 0.2
    assert held.moved() < free.moved() / 3  # the pull keeps the layer near FER2013's weights
    # The same data and settings give the same layer: nothing in a run is random.
    again = cnn.FineTunedFER(model).fit(images[train], y[train], pull=0.0, steps=200)
    assert np.array_equal(again.layer.weight.detach().numpy(), free.layer.weight.detach().numpy())


@pytest.mark.parametrize("labels, kwargs, message", [
    ([0, 1, 7], {}, "class index"),
    ([0.5, 1, 2], {}, "class index"),
    ([0, 1], {}, "per face"),
    ([0, 1, 2], {"pull": -1}, "pull"),
    ([0, 1, 2], {"steps": 0}, "steps"),
    ([0, 1, 2], {"lr": 0}, "lr"),
])
def test_fine_tuning_refuses_bad_labels_and_settings(model, rendered, labels, kwargs, message):
    images, _ = rendered
    with pytest.raises(InvalidInputError, match=message):
        cnn.FineTunedFER(model).fit(images[:3], labels, **kwargs)


def test_fine_tuned_needs_the_shipped_network():
    with pytest.raises(InvalidInputError, match="PretrainedFER"):
        cnn.FineTunedFER(object())
