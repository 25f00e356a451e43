"""The model contract, the one evaluate, the registries and the seeding rules of every chapter."""

import random
import re

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from fercourse import cnn, config, features, live, metrics, models, temporal
from fercourse.data import Dataset
from fercourse.emotions import FER2013_LABELS
from fercourse.errors import InvalidInputError


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def tiny_net(n_classes=7):
    with config.scoped_global_seed(0):
        return cnn.build("simple", n_classes=n_classes, input_size=32, width=4).eval()


def toy_dataset(n=24, labels=("sad", "happy", "angry"), seed=0):
    rng = np.random.default_rng(seed)
    names = [labels[i % len(labels)] for i in range(n)]
    table = pd.DataFrame({"label": names, "subject": [f"S{i % 4}" for i in range(n)],
                          "split": ["train" if i % 4 else "test" for i in range(n)]})
    images = rng.integers(0, 256, (n, 32, 32)).astype(np.uint8)
    return Dataset("toy", "image", labels, images, table)


# --------------------------------------------------------------------------- the contract


def conforms(model) -> bool:
    if not isinstance(model, models.Classifier):
        return False
    return len(model.classes) > 0


def test_every_chapter_classifier_conforms():
    net = tiny_net()
    torch_fer = cnn.TorchFER(net)
    assert conforms(torch_fer)
    pretrained = object.__new__(cnn.PretrainedFER)  # the class without loading the network
    assert isinstance(pretrained, models.Classifier)
    assert conforms(live.CropClassifier(torch_fer, size=32))
    x, y = np.random.default_rng(0).normal(size=(12, 3)), np.array(["a", "b", "c"] * 4)
    assert conforms(live.FeatureClassifier(LogisticRegression().fit(x, y), lambda f: f))
    assert isinstance(live.as_classifier(lambda face: {"a": 1.0}), models.Classifier)
    assert conforms(models.classifier_of(net))
    assert conforms(models.classifier_of(features.OrdinalLogistic(classes=("a", "b", "c")).fit(x, y)))
    assert not isinstance(net, models.Classifier)  # a bare network is wrapped, not a classifier itself


def test_predict_returns_an_array_of_class_names():
    faces = np.random.default_rng(1).integers(0, 256, (3, 32, 32)).astype(np.uint8)
    predicted = cnn.TorchFER(tiny_net()).predict(faces)
    assert isinstance(predicted, np.ndarray) and predicted.shape == (3,)
    assert set(predicted.tolist()) <= set(FER2013_LABELS)
    clips = np.random.default_rng(2).integers(0, 256, (4, 4, 16, 16)).astype(np.uint8)
    network = temporal.build("c3d", n_classes=3, input_size=16).eval()
    wrapped = models.classifier_of(network, classes=("negative", "positive", "surprise"))
    assert wrapped.predict(clips).shape == (4,) and wrapped.predict_proba(clips).shape == (4, 3)


def test_adversarial_target_conforms():
    pytest.importorskip("foolbox")
    from fercourse import adversarial

    target = adversarial.wrap(tiny_net(3), classes=("a", "b", "c"))
    assert conforms(target)
    faces = np.random.default_rng(3).random((2, 32, 32)).astype(np.float32)
    assert isinstance(target.predict(faces), np.ndarray)


# --------------------------------------------------------------------------- evaluate


def test_evaluate_gives_an_interval_that_resamples_people():
    data = toy_dataset(n=48)
    flat = (data.X().reshape(len(data), -1).astype(float), data.y())
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=50)).fit(flat[0][:24], flat[1][:24])
    people = data.table["subject"].to_numpy()
    result = models.evaluate(model, flat, groups=people)
    predicted = np.array([list(result["classes"]).index(p) for p in result["predicted"]])
    expected = metrics.bootstrap_interval(flat[1], predicted, groups=people)
    assert result["interval"] == pytest.approx(expected[1:]) and result["accuracy"] == pytest.approx(expected[0])
    assert result["interval"][0] < result["interval"][1]  # four people who differ: the interval has width
    assert models.evaluate(model, flat)["interval"] is None
    by_column = models.evaluate(tiny_net(3), data, groups="subject")
    assert by_column["interval"][0] <= by_column["accuracy"] <= by_column["interval"][1]
    with pytest.raises(InvalidInputError, match="one per sample"):
        models.evaluate(model, flat, groups=people[:5])
    with pytest.raises(InvalidInputError, match="only a Dataset"):
        models.evaluate(model, flat, groups="subject")
    with pytest.raises(InvalidInputError, match="no column 'person'"):
        models.evaluate(tiny_net(3), data, groups="person")


def test_evaluate_gives_the_same_keys_for_every_kind_of_model():
    data = toy_dataset()
    test = data.split("test")
    svm = make_pipeline(StandardScaler(), SVC())
    flat = (data.X().reshape(len(data), -1), data.y())
    results = [
        models.evaluate(tiny_net(3), data, split="test"),  # a network: class names from the Dataset
        models.evaluate(cnn.TorchFER(tiny_net(3), classes=data.labels), (test.X(), test.y())),
        models.evaluate(svm, (test.X().reshape(len(test), -1), test.y()), fit=flat, name="svm"),
        models.evaluate(make_pipeline(StandardScaler(), LogisticRegression()).fit(*flat), flat),
    ]
    for result in results:
        assert tuple(result) == models.RESULT_KEYS
        assert 0 <= result["accuracy"] <= 1 and 0 <= result["uf1"] <= 1 and 0 <= result["uar"] <= 1
        assert result["confusion"].sum() == result["n"] and result["per_class"]["support"].sum() == result["n"]
        assert len(result["predicted"]) == result["n"] and result["predict_ms"] >= 0
    network, wrapped, svm_result, logistic = results
    assert network["classes"] == data.labels and network["n"] == len(test) and network["fit_s"] is None
    assert set(network["predicted"].tolist()) <= set(data.labels)
    assert network["probabilities"].shape == (len(test), 3)
    assert np.allclose(network["probabilities"], wrapped["probabilities"], atol=1e-5)  # same weights, same faces
    assert network["accuracy"] == wrapped["accuracy"] and network["uf1"] == wrapped["uf1"]
    assert svm_result["name"] == "svm" and svm_result["fit_s"] > 0 and svm_result["probabilities"] is None
    assert hasattr(svm_result["model"], "classes_")  # the fitted copy
    assert not hasattr(svm, "classes_")  # the model passed in stays untouched
    assert logistic["probabilities"].shape == (len(data), 3)
    truth = data.y()
    assert logistic["uf1"] == pytest.approx(metrics.uf1(truth, np.asarray(logistic["predicted"], dtype=int), 3))


def test_evaluate_matches_names_not_positions():
    # the model's classes are the Dataset's labels in another order: scores must not change
    data = toy_dataset()
    net = tiny_net(3)
    straight = models.evaluate(net, data, classes=data.labels)
    p = straight["probabilities"]

    class Reordered(models.ClassifierBase):
        classes = tuple(reversed(data.labels))

        def predict_proba(self, x):
            return p[:, ::-1]

    turned = models.evaluate(Reordered(), data)
    assert turned["accuracy"] == straight["accuracy"] and turned["uf1"] == pytest.approx(straight["uf1"])
    assert np.array_equal(turned["predicted"], straight["predicted"])


def test_evaluate_refuses_what_it_cannot_score():
    data = toy_dataset()
    with pytest.raises(InvalidInputError, match="not among the model's classes"):
        models.evaluate(cnn.TorchFER(tiny_net(3), classes=("x", "y", "z")), data)
    with pytest.raises(InvalidInputError, match="own .classes"):
        models.evaluate(cnn.TorchFER(tiny_net(3)), data, classes=("a", "b", "c"))
    with pytest.raises(InvalidInputError, match="not fitted"):
        models.evaluate(LogisticRegression(), (np.zeros((2, 2)), [0, 1]))
    with pytest.raises(InvalidInputError, match="Dataset or an"):
        models.evaluate(tiny_net(3), np.zeros((2, 32, 32)))
    with pytest.raises(InvalidInputError, match="not a model"):
        models.evaluate(object(), (np.zeros((2, 2)), [0, 1]))


# --------------------------------------------------------------------------- registries


@pytest.mark.parametrize("build, kind", [(cnn.build, "architecture"), (temporal.build, "model")])
def test_an_unknown_name_gives_one_error_shape(build, kind):
    with pytest.raises(InvalidInputError, match=re.escape(f"build: unknown {kind} 'resnet'; choose one of ")):
        build("resnet")
    with pytest.raises(InvalidInputError, match="build: unknown"):
        build(["simple"])


def test_registries_are_dicts_of_builders():
    for registry in (cnn.ARCHITECTURES, temporal.MODELS):
        assert isinstance(registry, models.Registry) and isinstance(registry, dict)
    assert list(cnn.ARCHITECTURES) == list(cnn.PARAMETERS)
    registry = models.Registry("toy", {"one": lambda **options: ("one", options)})
    assert registry.build("one", size=2) == ("one", {"size": 2}) and "two" not in registry
    assert registry.get("two") is None
    with pytest.raises(InvalidInputError, match="build: unknown toy 'two'; choose one of one."):
        registry["two"]


# --------------------------------------------------------------------------- seeds


def global_states():
    return random.getstate(), np.random.get_state()[1].copy(), torch.get_rng_state().clone()


def same_states(a, b) -> bool:
    return a[0] == b[0] and np.array_equal(a[1], b[1]) and torch.equal(a[2], b[2])


def test_scoped_global_seed_repeats_and_restores():
    config.seed_everything(5)
    random.random()
    before = global_states()
    draws = []
    for _ in range(2):
        with config.scoped_global_seed(3):
            draws.append((random.random(), np.random.random(), float(torch.rand(1))))
        assert same_states(before, global_states())
    assert draws[0] == draws[1]
    config.seed_everything(3)
    assert draws[0] == (random.random(), np.random.random(), float(torch.rand(1)))
    with pytest.raises(InvalidInputError):
        with config.scoped_global_seed(-1):
            pass


def test_fitting_leaves_the_global_generators_alone_and_repeats():
    rng = np.random.default_rng(0)
    clips, y = rng.integers(0, 256, (8, 4, 16, 16)).astype(np.uint8), np.array([0, 1] * 4)
    images = rng.integers(0, 256, (10, 16, 16)).astype(np.uint8)
    config.seed_everything(0)
    before = global_states()
    runner = temporal.torch_fit_predict("c3d", clips, y, 2, epochs=1, seed=4, batch_size=4)
    first = runner(np.arange(6), np.arange(6, 8))
    codes = features.AutoEncoderCodes(code=2, hidden=4, epochs=1, seed=4).fit(images).losses_
    assert same_states(before, global_states())
    assert np.array_equal(first, runner(np.arange(6), np.arange(6, 8)))
    assert codes == features.AutoEncoderCodes(code=2, hidden=4, epochs=1, seed=4).fit(images).losses_


def test_graph_networks_seed_locally():
    graph = pytest.importorskip("fercourse.graph")
    from tensorflow.python.eager import context

    tf_before = context.context()._seed, getattr(context.context(), "_rng", None)
    before = global_states()
    a, b, c = graph.build("gcn", channels=4, layers=1, seed=1), graph.build("gcn", channels=4, layers=1, seed=1), \
        graph.build("gcn", channels=4, layers=1, seed=2)
    assert same_states(before, global_states())
    assert (context.context()._seed, getattr(context.context(), "_rng", None)) == tf_before
    assert all(np.array_equal(u, v) for u, v in zip(a.get_weights(), b.get_weights()))
    assert not all(np.array_equal(u, v) for u, v in zip(a.get_weights(), c.get_weights()))
    assert conforms(graph.MeshClassifier(a, FER2013_LABELS))
    with pytest.raises(InvalidInputError, match=re.escape("build: unknown graph network 'resnet'; choose one of ")):
        graph.build("resnet")
