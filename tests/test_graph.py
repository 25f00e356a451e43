"""Face meshes as graphs and the Spektral networks of chapter 06."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from fercourse import face, graph, models, synth
from fercourse import mesh as mesh_module
from fercourse.errors import InvalidInputError, NoFaceError
from fercourse.graph import models as graph_models

tf = graph_models.tf


@pytest.fixture(scope="module")
def meshes():
    return synth.synthetic_meshes(140, seed=3, n_subjects=10)


def test_adjacency_is_the_tessellation_plus_iris_edges():
    a = graph.adjacency(normalised=False)
    assert a.shape == (478, 478) and sp.issparse(a)
    assert abs(a - a.T).max() == 0, "an undirected graph has a symmetric adjacency"
    assert a.diagonal().sum() == 0
    edges = graph.edges()
    mesh = {tuple(e) for e in mesh_module.edges().tolist()}
    assert len(mesh) == 1322  # MediaPipe's 2,556 listed triangle sides, each inner edge once
    assert mesh <= {tuple(e) for e in edges.tolist()}
    extra = [e for e in edges.tolist() if tuple(e) not in mesh]
    # The ten iris points are not in the tessellation: 12 added edges per iris, each touching it.
    assert len(extra) == graph.N_IRIS_EDGES == 24
    assert all(max(e) >= 468 for e in extra)
    assert len(edges) == 1322 + 24 and a.nnz == 2 * len(edges)
    degree = np.asarray(a.sum(axis=1)).ravel()
    assert degree.min() >= 3, "no node may be isolated"
    assert connected_components(a, directed=False)[0] == 1


def test_normalised_adjacency_is_the_gcn_filter():
    a = graph.adjacency(normalised=False).toarray().astype(np.float64) + np.eye(478)
    d = 1 / np.sqrt(a.sum(axis=1))
    expected = d[:, None] * a * d[None, :]
    got = graph.adjacency()
    assert sp.issparse(got)
    assert np.allclose(got.toarray(), expected, atol=1e-6)
    assert np.isclose(np.linalg.eigvalsh(got.toarray()).max(), 1.0, atol=1e-4)


def test_regions_cover_the_face_symmetrically():
    names, region = graph.region_names(), graph.regions()
    assert len(names) == len(set(names)) == 31
    assert region.shape == (478,) and set(region.tolist()) == set(range(31))
    mirror = mesh_module.mirror_indices()
    swap = {n: n.replace("right", "@").replace("left", "right").replace("@", "left") for n in names}
    mismatched = [i for i in range(478) if names[region[mirror[i]]] != swap[names[region[i]]]]
    assert len(mismatched) <= 4  # ties on the midline aside, a mirrored node lies in the mirrored region
    assert names[region[468]] == "right iris" and names[region[473]] == "left iris"
    pool = graph.pooling_matrix()
    assert pool.shape == (31, 478) and np.allclose(pool.sum(axis=1), 1.0)
    coarse = graph.region_adjacency(normalised=False)
    assert coarse.shape == (31, 31) and np.array_equal(coarse, coarse.T)
    assert connected_components(coarse, directed=False)[0] == 1


def test_region_pooling_shapes_and_values():
    x = np.random.default_rng(0).normal(size=(2, 478, 5)).astype(np.float32)
    pooled = graph.RegionPool()(tf.constant(x)).numpy()
    assert pooled.shape == (2, 31, 5)
    k = graph.region_names().index("right mouth corner")
    assert np.allclose(pooled[:, k], x[:, graph.regions() == k].mean(axis=1), atol=1e-5)


@pytest.mark.parametrize("name", graph.ARCHITECTURES)
def test_models_give_one_logit_per_class(name):
    model = graph.build(name, n_classes=5)
    x = graph.node_features(synth.synthetic_meshes(3, seed=1, n_subjects=3, split=(0.0, 0.0)).samples)
    assert x.shape == (3, 478, graph.N_FEATURES)
    out = model(x).numpy()
    assert out.shape == (3, 5)
    a = graph_models._sparse_tensor(graph.adjacency())
    assert np.allclose(model((tf.constant(x), a)).numpy(), out, atol=1e-5)
    assert 500 < graph.count_parameters(model) < 5000


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_sparse_gat_matches_spektral_dense_gat():
    layer = graph.MixedGATConv(4, attn_heads=2)
    x = tf.random.stateless_normal((2, 478, 6), seed=(1, 2))
    a = graph_models._sparse_tensor(graph.adjacency())
    sparse_out = layer([x, a])
    dense_out = graph_models.GATConv.call(layer, [x, tf.sparse.to_dense(a)])
    assert sparse_out.shape == (2, 478, 8)
    assert np.allclose(sparse_out.numpy(), dense_out.numpy(), atol=1e-5)


@pytest.mark.parametrize("name", graph.ARCHITECTURES)
def test_one_training_step_lowers_the_loss_on_a_fixed_batch(name, meshes):
    x = graph.node_features(meshes.samples[:32])
    before, after = graph.train_step(graph.build(name), x, meshes.y()[:32], lr=1e-2)
    assert after < before


def test_normalise_removes_position_size_and_head_rotation(meshes):
    points = meshes.samples[0].astype(np.float64)
    turn = np.deg2rad(25)
    rotation = np.array([[np.cos(turn), 0, np.sin(turn)], [0, 1, 0], [-np.sin(turn), 0, np.cos(turn)]])
    moved = 3.5 * points @ rotation.T + np.array([100.0, -20.0, 4.0])
    a, b = graph.normalise(points), graph.normalise(moved)
    assert a.shape == (1, 478, 3)
    assert np.abs(a - b).max() < 1e-4
    features = graph.node_features(points, neutral=points)
    assert np.allclose(features[..., 3:], 0.0, atol=1e-5), "a face is not displaced from itself"


def test_standardised_features_are_z_scores_of_the_training_faces(meshes):
    train = meshes.split("train").samples
    stats = graph.shape_statistics(train)
    normalised = graph.normalise(train).astype(np.float64)
    assert stats.count == len(train) and stats.mean.shape == stats.spread.shape == (478, 3)
    assert np.allclose(stats.mean, normalised.mean(axis=0), atol=1e-6)
    assert stats.spread.min() >= graph.MIN_SPREAD
    z = graph.node_features(train, statistics=stats)[..., 3:].astype(np.float64)
    varies = normalised.std(axis=0) > graph.MIN_SPREAD
    assert np.abs(z.mean(axis=0)).max() < 1e-3  # each node and axis: mean 0 over the training faces
    assert np.allclose(z.std(axis=0)[varies], 1.0, atol=1e-3)  # and standard deviation 1 where it varies
    # the mean face itself (normalised again, which moves it a little) stands almost where the mean is
    assert np.abs(graph.node_features(stats.mean, statistics=stats)[..., 3:]).max() < 0.05
    # with the person's own neutral face, the displacement from it is standardised the same way
    own = graph.node_features(train[:3], neutral=train[3], statistics=stats)[..., 3:]
    expected = (graph.normalise(train[:3]) - graph.normalise(train[3])) / stats.spread
    assert np.allclose(own, expected, atol=1e-4)


def test_shape_statistics_refuse_one_mesh_and_node_features_a_wrong_object(meshes):
    with pytest.raises(InvalidInputError, match="at least 2 meshes"):
        graph.shape_statistics(meshes.samples[0])
    with pytest.raises(InvalidInputError, match="ShapeStatistics"):
        graph.node_features(meshes.samples[:2], statistics=(np.zeros((478, 3)), np.ones((478, 3))))


def test_a_trained_model_keeps_and_applies_its_training_statistics(meshes):
    classifier, _ = graph.train_model("gcn", meshes, epochs=1, channels=4, layers=1, standardise=True)
    train, test = meshes.split("train").samples, meshes.split("test").samples[:5]
    expected = graph.shape_statistics(train)
    assert np.array_equal(classifier.statistics.mean, expected.mean)
    assert np.array_equal(classifier.features(test), graph.node_features(test, statistics=expected))
    plain, _ = graph.train_model("gcn", meshes, epochs=1, channels=4, layers=1)
    assert plain.statistics is None
    assert np.array_equal(plain.features(test), graph.node_features(test))


class _FaceWithoutMesh:
    landmarks = None


@pytest.mark.parametrize(
    "bad",
    [[], np.zeros((0, 478, 3)), np.zeros((468, 3)), np.zeros((2, 478, 4)), np.full((478, 3), np.nan),
     np.zeros((478, 3)), "mesh.csv"],
    ids=["empty list", "empty array", "468 points", "4 coordinates", "nan", "collapsed", "a string"],
)
def test_empty_or_malformed_meshes_are_refused(bad):
    with pytest.raises(InvalidInputError):
        graph.node_features(bad)


def test_a_face_without_landmarks_says_so():
    with pytest.raises(NoFaceError, match="landmarker"):
        graph.node_features([_FaceWithoutMesh()])


def test_synthetic_meshes_keep_subjects_apart(meshes):
    from fercourse.data import check_no_leak

    assert meshes.samples.shape == (140, 478, 3)
    check_no_leak(meshes.table)
    assert set(meshes.table["split"]) == {"train", "val", "test"}
    for rows in meshes.table.groupby("subject").groups.values():
        assert np.array_equal(meshes.extras["neutral"][rows[0]], meshes.extras["neutral"][rows[-1]])
    again = synth.synthetic_meshes(140, seed=3, n_subjects=10)
    assert np.array_equal(again.samples, meshes.samples)
    with pytest.raises(InvalidInputError):
        synth.synthetic_meshes(10, labels=("bored",))


def test_loader_fit_classifier_and_saliency(meshes):
    from spektral.data import MixedLoader

    graphs = graph.graphs(meshes, "train", own_neutral=True)
    (x, a), y = next(iter(MixedLoader(graphs, batch_size=8, shuffle=False)))
    assert x.shape == (8, 478, 6) and tuple(a.shape) == (478, 478) and y.shape == (8,)
    classifier, history = graph.train_model("gcn", meshes, epochs=2, own_neutral=True)
    assert len(history["loss"]) == 2 and history["seconds"] > 0
    test = meshes.split("test")
    with pytest.raises(InvalidInputError, match="neutral"):
        classifier.predict_proba(test.samples)
    result = models.evaluate(classifier, test)
    assert result["probabilities"].shape == (len(test), 7)
    assert np.allclose(result["probabilities"].sum(axis=1), 1.0, atol=1e-5)
    assert 0.0 <= result["uf1"] <= 1.0 and result["predict_ms"] > 0
    saliency = classifier.saliency(test.samples[:3], target="happy", neutral=test.extras["neutral"][:3])
    assert saliency.shape == (3, 478) and (saliency >= 0).all() and saliency.max() > 0
    maps = graph.class_saliency(classifier, test)
    assert maps.shape == (7, 478) and np.allclose(maps.max(axis=1), 1.0)
    table = graph.region_saliency(maps, classifier.classes)
    assert table.shape == (7, 3)
    # a class missing from a small test split: its row is NaN, shown as such, the others unchanged
    no_happy = test.subset(test.table["label"].to_numpy() != "happy")
    partial = graph.class_saliency(classifier, no_happy)
    happy = classifier.classes.index("happy")
    assert np.isnan(partial[happy]).all() and not np.isnan(np.delete(partial, happy, axis=0)).any()
    assert graph.region_saliency(partial, classifier.classes).loc["happy", "1."] == "(no mesh of this class)"
    graph.plot_saliency(partial, list(classifier.classes))
    import matplotlib.pyplot as plt

    plt.close("all")


def test_a_real_landmarker_mesh_goes_through_the_same_model():
    from skimage.data import astronaut

    mesh = face.detect_mesh(astronaut())
    classifier = graph.MeshClassifier(graph.build("regions"), ("a", "b", "c", "d", "e", "f", "g"))
    probabilities = classifier.predict_proba(mesh)
    assert probabilities.shape == (1, 7) and np.isclose(probabilities.sum(), 1.0)
    assert np.array_equal(classifier.predict([mesh, mesh.landmarks]), np.repeat(classifier.predict(mesh), 2))


def test_meshes_from_images_is_the_real_mode_path():
    from fercourse import synth

    photos = synth.faces(3, size=128, color=True, framing="portrait", seed=4, split=None)
    found = graph.meshes_from_images(photos, size=128)
    assert found.samples.shape[1:] == (478, 3) and 1 <= len(found) <= 3
    assert "neutral" not in found.extras
    with pytest.raises(InvalidInputError, match="neutral"):
        graph.graphs(found, own_neutral=True)
    assert graph.mesh_dataset(20, seed=0).name == "synthetic meshes"  # the embedded default
