"""Training discipline of chapter 05: fit, checkpoints, evaluation, calibration."""

import numpy as np
import pytest
import torch

from fercourse import cnn, config, models, train
from fercourse.errors import InvalidInputError


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny networks train ten times faster on one thread than with OpenMP threads fighting for a busy CPU."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def tiny_set(n=32, seed=0):
    """Four classes that differ in where a bright square sits: easy to over-fit (32 x 32 keeps it fast)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 4
    x = rng.integers(0, 60, (n, 32, 32)).astype(np.uint8)
    for i, label in enumerate(y):
        r, c = divmod(int(label), 2)
        x[i, 2 + 16 * r : 14 + 16 * r, 2 + 16 * c : 14 + 16 * c] = 230
    return x, y


def test_a_tiny_run_overfits_32_faces():
    config.seed_everything(0)
    x, y = tiny_set()
    net = cnn.build("simple", n_classes=4, input_size=32, width=8)
    history = train.fit(net, (x, y), (x, y), epochs=25, batch_size=16, lr=1e-2, augment=False, patience=25,
                        progress=False)
    result = models.evaluate(net, (x, y))
    assert result["accuracy"] >= 0.95
    assert set(history) >= {"loss", "val_loss", "accuracy", "val_accuracy", "lr", "best_epoch", "seconds"}
    assert result["confusion"].sum() == 32


def test_training_is_deterministic():
    x, y = tiny_set(16)
    runs = []
    for _ in range(2):
        config.seed_everything(1)
        net = cnn.build("simple", n_classes=4, input_size=32, width=8)
        runs.append(train.fit(net, (x, y), (x, y), epochs=2, batch_size=8, progress=False)["loss"])
    assert runs[0] == runs[1]


def test_hybrid_model_trains_on_images_and_features():
    config.seed_everything(0)
    x, y = tiny_set(8)
    features = cnn.hybrid_features(x, np.random.default_rng(0).random((8, 478, 2)) * 32)
    net = cnn.build("hybrid", n_classes=4, input_size=32, width=8)
    train.fit(net, ((x, features), y), ((x, features), y), epochs=1, batch_size=4, progress=False)
    assert train.predict_proba(net, (x, features)).shape == (8, 4)
    with pytest.raises(InvalidInputError):
        train.fit(net, (x, y), (x, y), epochs=1, progress=False)


def test_checkpoint_round_trip(tmp_path):
    config.seed_everything(0)
    net = cnn.build("mini_xception")
    path = train.save_checkpoint(net, tmp_path / "model.pt")
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]  # no temporary file left behind
    assert isinstance(torch.load(path, weights_only=True), dict)
    other = train.load_checkpoint(cnn.build("mini_xception"), path)
    for a, b in zip(net.state_dict().values(), other.state_dict().values()):
        assert torch.equal(a, b)
    with pytest.raises(InvalidInputError):
        train.load_checkpoint(cnn.build("simple"), path)
    with pytest.raises(InvalidInputError):
        train.load_checkpoint(net, tmp_path / "missing.pt")


def test_fit_writes_the_best_checkpoint(tmp_path):
    config.seed_everything(0)
    x, y = tiny_set(8)
    history = train.fit(cnn.build("simple", n_classes=4, input_size=32, width=8), (x, y), (x, y), epochs=2, checkpoint=tmp_path / "best.pt",
                        progress=False)
    assert history["checkpoint"] == str(tmp_path / "best.pt") and (tmp_path / "best.pt").is_file()


def test_class_weights_favour_rare_classes():
    weights = train.class_weights([0, 0, 0, 1], 3)
    assert weights[1] > weights[0] and weights[2] == 0


def test_calibration_of_a_perfectly_calibrated_toy():
    p = np.array([[0.8, 0.2]] * 10)
    y = np.array([0] * 8 + [1] * 2)
    result = train.calibration(p, y, bins=5)
    assert result["ece"] == pytest.approx(0.0, abs=1e-9)
    assert result["count"].sum() == 10


@pytest.mark.parametrize("bad", [np.zeros((2, 48, 48, 3), np.uint8), np.zeros((0,)), "faces.png"])
def test_bad_images_are_refused(bad):
    with pytest.raises(InvalidInputError):
        train.as_tensor(bad)


def test_bad_labels_and_epochs_are_refused():
    x, y = tiny_set(8)
    net = cnn.build("simple", n_classes=4, input_size=32, width=8)
    with pytest.raises(InvalidInputError):
        train.fit(net, (x, y + 10), (x, y), epochs=1, progress=False)
    with pytest.raises(InvalidInputError):
        train.fit(net, (x, y), (x, y), epochs=0, progress=False)


def test_multi_label_targets_must_be_zeros_and_ones_of_the_right_shape():
    x, _ = tiny_set(8)
    y = np.tile([[1, 0, 1], [0, 1, 0]], (4, 1))
    net = cnn.build("simple", n_classes=3, input_size=32, width=8)
    for bad in (y * 2, np.where(y == 1, 0.5, 0.0), np.where(y == 1, np.nan, 0.0)):
        with pytest.raises(InvalidInputError, match=r"multi-label targets must be an \(N, 3\) array of 0 and 1"):
            train.fit(net, (x, bad), (x, y), epochs=1, progress=False)
    with pytest.raises(InvalidInputError, match=r"one row per image \(8\), got shape \(6, 3\)"):
        train.fit(net, (x, y[:6]), (x, y), epochs=1, progress=False)
    with pytest.raises(InvalidInputError, match=r"got shape \(8, 2\)"):
        train.fit(net, (x, y), (x, y[:, :2]), epochs=1, progress=False)  # validation with fewer labels
    with pytest.raises(InvalidInputError, match="0 and 1"):
        train.fit(net, (x, y), (x, y + 1), epochs=1, progress=False)
    four_outputs = cnn.build("simple", n_classes=4, input_size=32, width=8)
    with pytest.raises(InvalidInputError, match=r"an \(N, 4\) array .* got shape \(8, 3\)"):
        train.fit(four_outputs, (x, y), (x, y), epochs=1, progress=False)  # one column per output


def test_multi_label_fit_trains_one_sigmoid_per_label():
    config.seed_everything(0)
    x, classes = tiny_set(16)
    y = np.stack([classes % 2 == 0, classes >= 2, classes == 3], axis=1).astype(int)
    net = cnn.build("simple", n_classes=3, input_size=32, width=8)
    history = train.fit(net, (x, y), (x, y), epochs=2, batch_size=8, progress=False)
    assert net.multilabel and len(history["val_accuracy"]) == 2 and 0 <= history["val_accuracy"][-1] <= 1
    p = train.predict_proba(net, x)
    assert p.shape == (16, 3) and ((p >= 0) & (p <= 1)).all() and not np.allclose(p.sum(axis=1), 1)
