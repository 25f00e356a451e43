"""Chapter 08: foolbox wrappers, attacks, transfer, adversarial training and privacy cloaks."""

import numpy as np
import pytest
import torch

from fercourse import adversarial as adv
from fercourse import cnn, config, synth, train
from fercourse.errors import InvalidInputError

PGD_EPSILON = 12 / 255  # the budget at which PGD must fool the small model (it resists 8/255 on about a quarter of faces)
CLASSES = ("happy", "surprise", "neutral")  # a small three-class task, learnt in seconds


@pytest.fixture(scope="module")
def faces():
    data = synth.faces(300, size=48, seed=3, labels=CLASSES)
    return train.arrays(data, "train"), train.arrays(data, "test")


@pytest.fixture(scope="module")
def small_model(faces):
    (x, y), (x_test, y_test) = faces
    config.seed_everything(0)
    model = cnn.build("simple", n_classes=len(CLASSES), width=8)
    train.fit(model, (x, y), (x_test, y_test), epochs=8, lr=5e-3, batch_size=16, augment=False, progress=False)
    return model.eval()


@pytest.fixture(scope="module")
def target(small_model):
    return adv.wrap(small_model, name="small", classes=CLASSES)


@pytest.fixture(scope="module")
def pretrained():
    return cnn.PretrainedFER()


@pytest.fixture(scope="module")
def test_faces(faces, target):
    (_, _), (x, y) = faces
    return x[:30], y[:30]


def test_pgd_fools_the_small_model_at_the_stated_budget(target, test_faces):
    x, y = test_faces
    result = adv.run_attack(target, x, y, "pgd_linf", epsilons=[0.0, PGD_EPSILON], steps=10)
    correct = result.clean_correct
    assert correct.sum() >= 10, "the small model should read enough faces correctly to be worth attacking"
    assert result.success[1][correct].mean() >= 0.9
    assert result.robust_accuracy()[0] == pytest.approx(correct.mean())  # budget 0: clean accuracy
    assert result.robust_accuracy()[1] <= 0.1 * result.robust_accuracy()[0] + 1e-9


@pytest.mark.parametrize("attack, epsilons", [
    ("fgsm", [2 / 255, 8 / 255]),
    ("pgd_linf", [1 / 255, 4 / 255]),
    ("pgd_l2", [0.25, 1.0]),
    ("deepfool", [0.25, 1.0]),
])
def test_adversarials_respect_bounds_and_budget(target, test_faces, attack, epsilons):
    x, y = test_faces
    result = adv.run_attack(target, x[:12], y[:12], attack, epsilons=epsilons)
    assert result.adversarial.shape == (len(epsilons), 12, 48, 48)
    assert result.adversarial.min() >= 0.0 and result.adversarial.max() <= 1.0
    delta = (result.adversarial - result.clean[None]).reshape(len(epsilons), 12, -1)
    size = np.abs(delta).max(axis=2) if result.norm == "linf" else np.sqrt((delta.astype(np.float64) ** 2).sum(axis=2))
    assert np.all(size <= np.asarray(epsilons)[:, None] + 1e-5)
    # success means the model really misreads the returned faces
    predicted = target.predict_proba(result.adversarial.reshape(-1, 48, 48)).argmax(1).reshape(len(epsilons), 12)
    assert np.array_equal(result.success, predicted != result.labels[None])


def test_attacks_repeat_exactly_with_a_seed(target, test_faces):
    x, y = test_faces
    first = adv.run_attack(target, x[:8], y[:8], "pgd_linf", epsilons=[2 / 255], steps=3, seed=5)
    again = adv.run_attack(target, x[:8], y[:8], "pgd_linf", epsilons=[2 / 255], steps=3, seed=5)
    assert np.array_equal(first.adversarial, again.adversarial)


def test_minimal_attacks_report_perturbation_norms(target, test_faces):
    x, y = test_faces
    result = adv.run_attack(target, x[:10], y[:10], "deepfool")
    norms = result.perturbations()
    assert len(norms) == result.clean_correct.sum()
    found = norms["l2"].notna()
    assert found.sum() >= 0.8 * len(norms)
    assert (norms.loc[found, "l2"] > 0).all() and (norms.loc[found, "linf"] <= norms.loc[found, "l2"] + 1e-9).all()
    assert result.summary()["found"] == f"{found.sum()}/{len(norms)}"


def test_torch_wrapper_agrees_with_the_raw_model(small_model, target, test_faces):
    x, _ = test_faces
    with torch.no_grad():
        raw = torch.softmax(small_model(torch.from_numpy(x[:, None].astype(np.float32) / 255)), 1).numpy()
    assert np.allclose(target.predict_proba(x), raw, atol=1e-6)
    assert np.allclose(target.predict_proba(x), cnn.TorchFER(small_model, CLASSES).predict_proba(x), atol=1e-6)
    gradient = target.gradient(x[:4], [0, 1, 2, 0])
    inputs = torch.from_numpy(x[:4, None].astype(np.float32) / 255).requires_grad_()
    torch.nn.functional.cross_entropy(small_model(inputs), torch.tensor([0, 1, 2, 0]), reduction="sum").backward()
    assert np.allclose(gradient, inputs.grad[:, 0].numpy(), atol=1e-6)


def test_keras_wrapper_agrees_with_the_raw_model(pretrained):
    from fercourse._env import tensorflow

    tf = tensorflow()
    faces = np.random.default_rng(0).integers(0, 256, (6, 64, 64), dtype=np.uint8)
    at_64 = adv.wrap_keras(pretrained, size=64)
    assert np.allclose(at_64.predict_proba(faces), pretrained.predict_proba(faces), atol=1e-5)
    at_48 = adv.wrap(pretrained)
    small = faces[:, ::4, ::4].repeat(3, axis=1).repeat(3, axis=2)[:, :48, :48]
    x = small.astype(np.float32) / 255
    raw = pretrained.model(tf.image.resize(x[..., None], (64, 64)) * 2 - 1, training=False).numpy()
    assert np.allclose(at_48.predict_proba(small), raw, atol=1e-5)


def test_keras_gradients_and_attacks_run(pretrained):
    from skimage.data import astronaut

    from fercourse import face

    photo = astronaut()
    crop = face.crop_square(photo, face.detect_mesh(photo).box, size=48)
    target = adv.wrap(pretrained)
    assert target.predict([crop]).tolist() == ["happy"]
    gradient = target.gradient(crop, ["happy"])
    assert np.all(np.isfinite(gradient)) and np.abs(gradient).max() > 0
    result = adv.run_attack(target, crop, ["happy"], "pgd_linf", epsilons=[8 / 255])
    assert result.success.all(), "8/255 of PGD should change the shipped model's reading of the astronaut"


def test_transfer_matrix_has_a_row_per_source(target, test_faces):
    x, y = test_faces
    config.seed_everything(1)
    other = adv.wrap(cnn.build("simple", n_classes=3, width=8).eval(), name="untrained", classes=CLASSES)
    matrix = adv.transfer_matrix({"small": target}, {"small": target, "untrained": other}, x[:16], y[:16], steps=5)
    assert list(matrix.index) == ["clean", "crafted on small"]
    assert list(matrix.columns) == ["on small", "on untrained"]
    assert matrix.loc["crafted on small", "on small"] < matrix.loc["clean", "on small"]
    assert ((matrix >= 0) & (matrix <= 1)).all().all()


def test_pgd_perturbation_plugs_into_fit(faces):
    (x, y), _ = faces
    perturb = adv.pgd_perturbation(epsilon=4 / 255, steps=2)
    config.seed_everything(0)
    model = cnn.build("simple", n_classes=3, width=8).train()
    images = train.as_tensor(x[:16])
    out = perturb(model, images, torch.as_tensor(np.array(y[:16])))
    assert model.training, "the perturbation must give the model back in training mode"
    assert out.shape == images.shape and float((out - images).abs().max()) <= 4 / 255 + 1e-6
    history = train.fit(model, (x[:64], y[:64]), (x[64:96], y[64:96]), epochs=1, perturb=perturb, progress=False)
    assert len(history["loss"]) == 1 and np.isfinite(history["loss"][0])


def test_cloak_stays_within_its_budget_in_whole_grey_levels(target, test_faces):
    x, _ = test_faces
    cloak = adv.make_cloak(x[:16], [target], epsilon=4 / 255, steps=3)
    levels = np.abs(cloak.cloaked - cloak.original) * 255
    assert levels.max() <= 4 + 1e-4 and np.allclose(levels, np.round(levels), atol=1e-4)
    assert levels.max() >= 3  # it did move the pixels
    assert cloak.psnr().min() >= 20 * np.log10(255 / 4) - 1e-6  # 36.1 dB guaranteed by the budget
    assert np.all((cloak.ssim() > 0) & (cloak.ssim() <= 1))


def test_cloak_fools_the_model_it_was_made_on(target, test_faces):
    x, y = test_faces
    cloak = adv.make_cloak(x, [target], labels=y, epsilon=PGD_EPSILON, steps=10)
    report = adv.cloak_report(cloak, {"small": target}, y)
    assert report.loc["small", "success"] >= 0.9
    assert bool(report.loc["small", "crafted on it"])
    neutral = adv.make_cloak(x[:16], [target], goal="neutral", epsilon=16 / 255, steps=10)
    before = np.mean(np.array(target.predict(x[:16])) == "neutral")
    after = np.mean(np.array(target.predict(neutral.cloaked)) == "neutral")
    assert after >= before + 0.25


def test_bad_inputs_get_clear_errors(target, test_faces):
    x, y = test_faces
    with pytest.raises(InvalidInputError, match="resize"):
        target.predict_proba(np.zeros((2, 64, 64), np.uint8))
    with pytest.raises(InvalidInputError, match=r"\[0, 1\]"):
        target.predict_proba(np.full((1, 48, 48), 2.0, np.float32))
    with pytest.raises(InvalidInputError, match="unknown attack"):
        adv.run_attack(target, x[:2], y[:2], "magic")
    with pytest.raises(InvalidInputError, match="labels"):
        adv.run_attack(target, x[:2], y[:3], "fgsm")
    with pytest.raises(InvalidInputError, match="goal"):
        adv.make_cloak(x[:2], [target], goal="sleepy")
    with pytest.raises(InvalidInputError, match="Target"):
        adv.make_cloak(x[:2], ["not a model"])
    with pytest.raises(InvalidInputError):
        adv.wrap("not a model")
