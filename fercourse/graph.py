"""Face meshes as graphs, and graph neural networks on them (chapter 06).

A face mesh is a graph: its 478 landmarks are the nodes and the sides of
MediaPipe's triangles are the edges.  Every face has the same graph, so a batch
of faces is one shared adjacency matrix plus a stack of node-feature matrices,
which Spektral calls *mixed mode* and trains fast.

From the graph to a trained model:

* :func:`edges` and :func:`adjacency`: the 1,322 tessellation edges of
  :func:`fercourse.mesh.edges` plus :data:`N_IRIS_EDGES` edges that tie the ten
  iris points to their iris and eyelids (they are not in the tessellation), as a
  sparse symmetric matrix, normalised for graph convolutions;
* :func:`regions` and :func:`pooling_matrix`: the mesh cut into :data:`REGION_ANCHORS`'
  31 named facial regions, for a coarsened graph;
* :func:`synthetic_meshes` (:func:`fercourse.synth.synthetic_meshes`: exact meshes of synthetic people, each with a
  neutral "calibration" mesh of the same person) and :func:`mesh_dataset` (the switch:
  synthetic meshes by default, the landmarker's meshes of real photos in ``real``
  mode, :func:`meshes_from_images`);
* :func:`normalise` and :func:`node_features`: position, size and head rotation
  removed, then each node's place and its displacement from a reference face
  (the canonical neutral face, or the same person's own neutral face);
* :class:`MeshGraphs`: a Spektral dataset of those graphs, for
  :class:`spektral.data.MixedLoader`;
* :func:`build`: three small tf.keras models, ``"gcn"`` (Kipf and Welling's
  ``GCNConv``), ``"gat"`` (``GATConv``, attention over neighbours) and ``"regions"``
  (a graph convolution on the mesh, pooling to the regions, a graph convolution on
  the region graph), each with global max pooling and a linear classifier;
  :func:`fit` trains one with Spektral's loader;
* :class:`MeshClassifier`: a trained model behind the course's ``predict_proba``
  interface (arrays, :class:`fercourse.face.FaceMesh` objects or live faces), with
  :meth:`~MeshClassifier.saliency`; :func:`train_model` (scored with
  :func:`fercourse.models.evaluate`), :func:`class_saliency`, :func:`region_saliency`
  and :func:`plot_saliency`.

TensorFlow is imported the course's way (:func:`fercourse._env.tensorflow`), so
``tf.keras`` is tf-keras 2.x, which Spektral needs.
"""

from __future__ import annotations

import functools
import time
import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp

from fercourse import config, mesh
from fercourse._env import quiet_stderr, tensorflow
from fercourse.errors import InvalidInputError, NoFaceError
from fercourse.models import Registry
from fercourse.synth import synthetic_meshes  # the generator; graph.synthetic_meshes is kept for the notebooks

tf = tensorflow()
with quiet_stderr():
    import spektral
    from spektral.data import Graph, MixedLoader
    from spektral.layers import (
        GATConv,
        GCNConv,
        GlobalAttnSumPool,
        GlobalAvgPool,
        GlobalMaxPool,
    )
    from spektral.utils import gcn_filter

__all__ = [
    "N_NODES",
    "N_MESH_NODES",
    "N_IRIS_EDGES",
    "N_FEATURES",
    "DISPLACEMENT_SCALE",
    "ARCHITECTURES",
    "READOUTS",
    "REGION_ANCHORS",
    "edges",
    "adjacency",
    "regions",
    "region_names",
    "pooling_matrix",
    "region_adjacency",
    "as_meshes",
    "normalise",
    "node_features",
    "synthetic_meshes",
    "meshes_from_images",
    "mesh_dataset",
    "MeshGraphs",
    "graphs",
    "RegionPool",
    "MixedGATConv",
    "MeshGNN",
    "build",
    "count_parameters",
    "fit",
    "train_step",
    "MeshClassifier",
    "train_model",
    "class_saliency",
    "region_saliency",
    "plot_saliency",
    "plot_graph",
]

#: Nodes of the graph: MediaPipe's 468 mesh points and 10 iris points.
N_NODES = mesh.N_LANDMARKS
#: Points of the tessellation (the iris points 468-477 are not in it).
N_MESH_NODES = mesh.N_MESH_POINTS
#: Edges added for the irises: per eye, centre to the 4 rim points, the rim's 4-cycle,
#: and each rim point to its nearest eyelid point.
N_IRIS_EDGES = 2 * (4 + 4 + 4)
#: Node features: normalised x, y, z and the displacement (x, y, z) from a reference face.
N_FEATURES = 6
#: Displacements are small next to positions; they are multiplied by this factor
#: (so they are in tenths of the eye distance) to give the network comparable scales.
DISPLACEMENT_SCALE = 10.0


def _mesh_gnn(kind: str, **options):
    return MeshGNN(kind, **options)


#: The three graph networks of :func:`build` by name (a :class:`fercourse.models.Registry`;
#: each builder makes a :class:`MeshGNN` of that kind).
ARCHITECTURES = Registry("graph network",
                         {kind: functools.partial(_mesh_gnn, kind) for kind in ("gcn", "gat", "regions")})

#: Global pooling layers (graph to one vector) that :class:`MeshGNN` can end with.
READOUTS = {"attention": GlobalAttnSumPool, "mean": GlobalAvgPool, "max": GlobalMaxPool}

#: One landmark per facial region; every other node joins the region whose anchor
#: is nearest along the mesh (geodesic distance on the canonical face).  Left and
#: right are the subject's; the left-side anchors are the mirror images of the right.
REGION_ANCHORS = {
    "forehead": 151,
    "glabella": 9,
    "nose bridge": 6,
    "nose tip": 4,
    "upper lip": 0,
    "lower lip": 17,
    "chin": 152,
    "right temple": 127,
    "right forehead": 67,
    "right inner brow": 107,
    "right outer brow": 70,
    "right upper lid": 159,
    "right lower lid": 145,
    "right iris": 468,
    "right cheek": 50,
    "right upper cheek": 118,
    "right nose wing": 98,
    "right mouth corner": 61,
    "right jaw": 172,
}


# ------------------------------------------------------------------------ graph


def _canonical() -> np.ndarray:
    from fercourse import synth

    return synth.neutral_mesh()


@functools.cache
def edges() -> np.ndarray:
    """All undirected edges of the face graph, ``(1346, 2)``, each ``(i, j)`` with ``i < j``, sorted.

    The 1,322 distinct edges of MediaPipe's tessellation (:func:`fercourse.mesh.edges`;
    MediaPipe lists them as 2,556 triangle sides, inner edges twice) cover the 468 mesh
    points.  The ten iris points are not in the tessellation; without more edges they
    would be isolated nodes that no message reaches.  Each iris gets 12 edges: its centre
    to its four rim points, the rim as a ring, and each rim point to the nearest point of
    its eye's contour, so the iris exchanges information with the eyelids.
    """
    points = _canonical()
    extra = []
    for side, centre in mesh.IRIS_CENTERS.items():
        rim = [centre + k for k in range(1, 5)]
        extra += [(centre, r) for r in rim]
        extra += [(rim[k], rim[(k + 1) % 4]) for k in range(4)]
        contour = np.asarray(mesh.REGIONS[f"{side}_eye"])
        for r in rim:
            nearest = contour[np.linalg.norm(points[contour] - points[r], axis=1).argmin()]
            extra.append((int(nearest), r))
    pairs = {tuple(map(int, e)) for e in mesh.edges()} | {tuple(sorted(e)) for e in extra}
    out = np.array(sorted(pairs), dtype=np.int64)
    out.flags.writeable = False
    return out


def adjacency(normalised: bool = True) -> sp.csr_matrix:
    """The ``478 x 478`` sparse, symmetric adjacency matrix of the face graph (float32).

    ``normalised=False``: 1 where two nodes share an edge, 0 elsewhere (no self-loops).
    ``normalised=True``: the graph-convolution filter of Kipf and Welling,
    ``D^-1/2 (A + I) D^-1/2`` with ``D`` the degrees of ``A + I`` (Spektral's ``gcn_filter``).
    """
    e = edges()
    rows, cols = np.r_[e[:, 0], e[:, 1]], np.r_[e[:, 1], e[:, 0]]
    a = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(N_NODES, N_NODES))
    return gcn_filter(a).astype(np.float32) if normalised else a


@functools.cache
def _regions() -> np.ndarray:
    from scipy.sparse.csgraph import dijkstra

    points = _canonical()
    e = edges()
    lengths = np.linalg.norm(points[e[:, 0]] - points[e[:, 1]], axis=1)
    graph = sp.csr_matrix((np.r_[lengths, lengths], (np.r_[e[:, 0], e[:, 1]], np.r_[e[:, 1], e[:, 0]])),
                          shape=(N_NODES, N_NODES))
    mirror = mesh.mirror_indices()
    anchors = [int(mirror[i]) if name.startswith("left") else int(i) for name, i in _anchor_items()]
    distance = dijkstra(graph, directed=False, indices=anchors)
    out = distance.argmin(axis=0).astype(np.int64)
    out.flags.writeable = False
    return out


def _anchor_items() -> list[tuple[str, int]]:
    items = []
    for name, index in REGION_ANCHORS.items():
        items.append((name, index))
        if name.startswith("right "):
            items.append(("left " + name[len("right "):], index))
    return items


def region_names() -> list[str]:
    """The 31 region names, in region-index order (midline regions, then right/left pairs)."""
    return [name for name, _ in _anchor_items()]


def regions() -> np.ndarray:
    """The region index (into :func:`region_names`) of each of the 478 nodes."""
    return _regions()


def pooling_matrix() -> np.ndarray:
    """``(31, 478)`` float32: row ``r`` averages the nodes of region ``r`` (each row sums to 1)."""
    member = np.eye(len(region_names()), dtype=np.float32)[regions()].T
    return member / member.sum(axis=1, keepdims=True)


def region_adjacency(normalised: bool = True) -> np.ndarray:
    """``(31, 31)`` adjacency of the region graph: two regions touch when a mesh edge joins them."""
    member = sp.csr_matrix(np.eye(len(region_names()), dtype=np.float32)[regions()])
    touching = (member.T @ adjacency(normalised=False) @ member).toarray() > 0
    np.fill_diagonal(touching, False)
    a = touching.astype(np.float32)
    return gcn_filter(a).astype(np.float32) if normalised else a


# --------------------------------------------------------------------- features


def as_meshes(meshes, name: str = "meshes") -> np.ndarray:
    """Meshes as a float64 ``(N, 478, 3)`` array, with a clear error for anything else.

    Accepts a ``(478, 3)`` or ``(N, 478, 3)`` array, a :class:`fercourse.face.FaceMesh`,
    anything with a ``landmarks`` attribute (such as a live face), or a list of these.
    """
    if hasattr(meshes, "landmarks"):
        meshes = [meshes]
    if isinstance(meshes, (list, tuple)):
        if len(meshes) == 0:
            raise InvalidInputError(f"{name} is empty; give at least one face mesh of 478 points.")
        items = []
        for k, item in enumerate(meshes):
            if hasattr(item, "landmarks"):
                if item.landmarks is None:
                    raise NoFaceError(
                        f"{name}[{k}] has no landmarks (no mesh was found for this face); run the landmarker "
                        "(fercourse.face.detect_meshes, or live.Pipeline(detector='landmarker')) first."
                    )
                item = item.landmarks
            items.append(np.asarray(item, dtype=np.float64))
        shapes = {a.shape for a in items}
        if len(shapes) > 1:
            raise InvalidInputError(f"{name} holds meshes of different shapes {sorted(shapes)}; each must be (478, 3).")
        meshes = np.stack(items)
    try:
        points = np.asarray(meshes, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidInputError(f"{name} is not an array of numbers: {error}.") from None
    if points.ndim == 2:
        points = points[None]
    if points.size == 0:
        raise InvalidInputError(f"{name} is empty; give at least one face mesh of 478 points.")
    if points.ndim != 3 or points.shape[1:] != (N_NODES, 3):
        raise InvalidInputError(
            f"{name} has shape {np.shape(meshes)}, but a face mesh is (478, 3) and a batch (N, 478, 3): "
            "MediaPipe's 468 mesh points and 10 iris points, each (x, y, z). For 2-D points, append a "
            "column of zeros as z."
        )
    if not np.isfinite(points).all():
        bad = sorted(set(np.argwhere(~np.isfinite(points))[:, 0].tolist()))
        raise InvalidInputError(f"{name}: mesh(es) {bad[:5]} contain NaN or infinite coordinates.")
    return points


@functools.cache
def _reference() -> np.ndarray:
    return _centre_and_scale(_canonical()[None])[0]


def _centre_and_scale(points: np.ndarray) -> np.ndarray:
    """Centred on the mean point and divided by the 3-D inter-ocular distance (of :mod:`fercourse.mesh`)."""
    distance = mesh.inter_ocular_distance(points, use_z=True)
    return (points - points.mean(axis=1, keepdims=True)) / distance[:, None, None]


def normalise(meshes) -> np.ndarray:
    """Meshes with position, size and head rotation removed: ``(N, 478, 3)`` float32.

    Each mesh is centred on its mean point, divided by the 3-D distance between the
    centres of its eye contours (so the eyes are 1 apart), and rotated onto the canonical neutral face by the
    rotation that fits them best in the least-squares sense (Kabsch's method,
    no reflection).  What is left is the shape of the face: identity and expression.
    """
    points = _centre_and_scale(as_meshes(meshes))
    reference = _reference()
    h = np.einsum("nki,kj->nij", points, reference)  # cross-covariance, (N, 3, 3)
    u, _, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(u @ vt))
    fix = np.ones((len(points), 3))
    fix[:, 2] = d
    rotation = (u * fix[:, None, :]) @ vt  # maps the mesh onto the reference: p @ rotation
    return (points @ rotation).astype(np.float32)


def node_features(meshes, neutral=None) -> np.ndarray:
    """Node features ``(N, 478, 6)``: normalised x, y, z and the displacement from a reference face.

    The reference is the canonical neutral face (``neutral=None``) or the same
    person's own neutral mesh (one ``(478, 3)`` mesh for all, or one per mesh): the
    displacement from one's own neutral face is the expression alone, without the
    shape of the face.  Displacements are multiplied by :data:`DISPLACEMENT_SCALE`.
    """
    points = normalise(meshes)
    if neutral is None:
        reference = _reference()[None].astype(np.float32)
    else:
        reference = normalise(neutral)
        if len(reference) not in (1, len(points)):
            raise InvalidInputError(
                f"neutral holds {len(reference)} meshes for {len(points)} faces; give one neutral mesh for all "
                "or one per face."
            )
    return np.concatenate([points, DISPLACEMENT_SCALE * (points - reference)], axis=-1).astype(np.float32)


# ------------------------------------------------------------------------- data


def meshes_from_images(dataset, size: int = 192, progress: bool = False):
    """The landmarker's mesh of every image of an image :class:`~fercourse.data.Dataset`.

    Images smaller than ``size`` pixels are scaled up first (FER2013's 48-pixel faces are
    too small for the landmarker; :func:`fercourse.data.chapters.measure_landmarks`);
    images without a face are left out (their number is printed).  Returns a Dataset
    like :func:`synthetic_meshes`'s, without ``extras["neutral"]``, since real datasets
    do not record each person's neutral face.  :func:`mesh_dataset` does the same with a
    cache in the data directory (:func:`fercourse.data.with_landmarks`).
    """
    from fercourse.data import Dataset
    from fercourse.data.chapters import measure_landmarks

    if len(dataset) == 0:
        raise InvalidInputError("meshes_from_images: the dataset is empty.")
    measured = measure_landmarks(dataset, int(size), progress)
    found = np.flatnonzero(measured["found"])
    if not len(found):
        raise NoFaceError(f"The landmarker found no face in any of the {len(dataset)} images of {dataset.name!r}.")
    if len(found) < len(dataset):
        print(f"{dataset.name}: no face found in {len(dataset) - len(found)} of {len(dataset)} images; left out.")
    points = measured["landmarks"][found].astype(np.float32)
    table = dataset.table.iloc[found].reset_index(drop=True)
    return Dataset(f"{dataset.name} meshes", "image", dataset.labels, points, table, {"landmarks": points})


def mesh_dataset(n: int | None = 1400, seed: int = 0, **options):
    """The chapter's meshes: the one switch between synthetic and real.

    With the embedded data, :func:`synthetic_meshes` (``n``, ``seed`` and ``options``
    are passed on; ``n=None`` gives 7,000).  With real data, the landmarker's meshes
    of the faces :func:`fercourse.data.expressions` loads (FER2013, with its own
    splits; a stratified sample of ``n`` of them with the small budget), measured once
    and cached by :func:`fercourse.data.with_landmarks`; faces without a detected face
    are left out.  Real datasets record no neutral face per person, so there is no
    ``extras["neutral"]`` then.
    """
    if config.use_real_data():
        from fercourse import data

        faces = data.with_landmarks(data.expressions(n, seed=seed))
        points = np.asarray(faces.extras["landmarks"], dtype=np.float32)
        meshes = data.Dataset(f"{faces.name} meshes", "image", faces.labels, points, faces.table,
                              {"landmarks": points})
        meshes.description = data.describe(faces)
        return meshes
    return synthetic_meshes(7000 if n is None else n, seed=seed, **options)


class MeshGraphs(spektral.data.Dataset):
    """A Spektral dataset of face graphs in mixed mode: one shared adjacency ``a``, node features per face.

    ``x``: ``(N, 478, F)`` node features; ``y``: ``(N,)`` class indices.
    """

    def __init__(self, x, y, a=None, **kwargs):
        x = np.asarray(x, dtype=np.float32)
        y = np.asarray(y, dtype=np.int64)
        if x.ndim != 3 or x.shape[1] != N_NODES or len(x) == 0:
            raise InvalidInputError(f"x must be (N, {N_NODES}, F) node features with N >= 1, got {x.shape}.")
        if y.shape != (len(x),):
            raise InvalidInputError(f"y must hold one class index per graph ({len(x)}), got shape {y.shape}.")
        self._x, self._y = x, y
        super().__init__(a=adjacency() if a is None else a, **kwargs)

    @property
    def path(self):  # nothing is downloaded or stored on disk
        return ""

    def read(self):
        return [Graph(x=x, y=y) for x, y in zip(self._x, self._y)]


def graphs(dataset, split: str | None = None, own_neutral: bool = False) -> MeshGraphs:
    """A :class:`MeshGraphs` of a mesh Dataset (or one split of it), with :func:`node_features`.

    ``own_neutral=True`` measures displacements from each person's neutral mesh
    (``extras["neutral"]``, which :func:`synthetic_meshes` records).
    """
    part = dataset.split(split) if split else dataset
    if len(part) == 0:
        raise InvalidInputError(f"The {split or 'whole'} split of {dataset.name!r} holds no meshes.")
    return MeshGraphs(node_features(part.extras["landmarks"], _neutral_of(part, own_neutral)), part.y())


def _neutral_of(dataset, own_neutral: bool):
    if not own_neutral:
        return None
    if "neutral" not in dataset.extras:
        raise InvalidInputError(
            f"{dataset.name!r} records no neutral face per person, so displacements from one's own neutral "
            "face cannot be computed; use own_neutral=False (displacements from the canonical face)."
        )
    return dataset.extras["neutral"]


# ----------------------------------------------------------------------- models

_keras = tf.keras


class RegionPool(_keras.layers.Layer):
    """Average the node features of each region: ``(B, 478, F)`` to ``(B, R, F)`` with a fixed matrix."""

    def __init__(self, matrix=None, **kwargs):
        super().__init__(**kwargs)
        self.matrix = tf.constant(pooling_matrix() if matrix is None else np.asarray(matrix, np.float32))

    def call(self, x):
        return tf.einsum("rn,bnf->brf", self.matrix, x)


class MixedGATConv(GATConv):
    """Spektral's ``GATConv`` for a batch of graphs that share one sparse adjacency (mixed mode).

    ``GATConv`` turns a sparse adjacency into a dense one in mixed mode and computes
    a ``(B, N, heads, N)`` attention tensor, about 30 MB per head for 32 faces, almost
    all of it for node pairs that are not neighbours.  This layer keeps GATConv's
    weights and arithmetic (scores ``LeakyReLU(a_self . W x_i + a_neigh . W x_j)``,
    a softmax over each node's neighbours and itself, a weighted sum of ``W x_j``)
    but computes them on the edge list only, for all graphs of the batch at once.
    """

    def call(self, inputs, mask=None):
        x, a = inputs
        if not (isinstance(a, tf.SparseTensor) and len(x.shape) == 3):
            return super().call(inputs, mask=mask)
        n = tf.shape(x)[1]
        indices = a.indices
        if self.add_self_loops:
            indices = spektral.layers.ops.add_self_loops_indices(indices, tf.cast(n, indices.dtype))
        targets, sources = indices[:, 1], indices[:, 0]
        h = tf.einsum("bnf,fhc->nbhc", x, self.kernel)  # node-major: (N, B, heads, channels)
        score_self = tf.einsum("nbhc,cho->nbh", h, self.attn_kernel_self)
        score_neigh = tf.einsum("nbhc,cho->nbh", h, self.attn_kernel_neighs)
        score = tf.nn.leaky_relu(tf.gather(score_self, targets) + tf.gather(score_neigh, sources), alpha=0.2)
        peak = tf.stop_gradient(tf.math.unsorted_segment_max(score, targets, n))  # softmax is shift-invariant
        score = tf.exp(score - tf.gather(peak, targets))
        coef = score / tf.gather(tf.math.unsorted_segment_sum(score, targets, n), targets)  # (E, B, heads)
        coef = self.dropout(coef)
        out = tf.math.unsorted_segment_sum(coef[..., None] * tf.gather(h, sources), targets, n)
        out = tf.transpose(out, (1, 0, 2, 3))  # (B, N, heads, channels)
        if self.concat_heads:
            out = tf.reshape(out, tf.concat([tf.shape(out)[:2], [self.attn_heads * self.channels]], axis=0))
        else:
            out = tf.reduce_mean(out, axis=2)
        if self.use_bias:
            out += self.bias
        return self.activation(out)


def _sparse_tensor(matrix: sp.spmatrix):
    coo = matrix.tocoo()
    indices = np.stack([coo.row, coo.col], axis=1).astype(np.int64)
    return tf.sparse.reorder(tf.SparseTensor(indices, coo.data.astype(np.float32), coo.shape))


class MeshGNN(_keras.Model):
    """A graph network that labels face meshes; built by :func:`build`.

    Called on ``(x, a)`` (what Spektral's loaders give) or on ``x`` alone
    (``(B, 478, F)`` node features), in which case the face graph's own adjacency
    is used.  Returns one logit per class.
    """

    def __init__(self, kind: str = "gcn", n_classes: int = 7, channels: int = 32, layers: int = 2,
                 heads: int = 2, readout: str = "max", **kwargs):
        super().__init__(**kwargs)
        ARCHITECTURES.builder(kind)  # an unknown kind raises the registry's error
        if int(layers) < 1 or int(channels) < 1 or int(n_classes) < 2:
            raise InvalidInputError("layers and channels must be at least 1, and n_classes at least 2.")
        if kind == "gat" and channels % heads:
            raise InvalidInputError(f"channels ({channels}) must be a multiple of heads ({heads}) for the GAT.")
        self.kind = kind
        self.a = _sparse_tensor(adjacency())
        if kind == "gcn":
            self.convs = [GCNConv(channels, activation="relu") for _ in range(layers)]
        elif kind == "gat":
            self.convs = [MixedGATConv(channels // heads, attn_heads=heads, dropout_rate=0.0, activation="elu")
                          for _ in range(layers)]
        else:  # mesh convolutions, pool to regions, convolutions on the region graph
            self.convs = [GCNConv(channels, activation="relu") for _ in range(max(1, layers - 1))]
            self.pool = RegionPool()
            self.region_a = tf.constant(region_adjacency())
            self.region_convs = [GCNConv(channels, activation="relu")]
        if readout not in READOUTS:
            raise InvalidInputError(f"Unknown readout {readout!r}; choose one of {', '.join(READOUTS)}.")
        self.readout = READOUTS[readout]()
        self.classify = _keras.layers.Dense(n_classes)

    def call(self, inputs, training=False):
        x, a = inputs if isinstance(inputs, (tuple, list)) else (inputs, self.a)
        for conv in self.convs:
            x = conv([x, a])
        if self.kind == "regions":
            x = self.pool(x)
            for conv in self.region_convs:
                x = conv([x, self.region_a])
        return self.classify(self.readout(x))


def build(name: str = "gcn", n_classes: int = 7, n_features: int = N_FEATURES, channels: int | None = None,
          layers: int = 2, seed: int = 0, **options) -> MeshGNN:
    """A new, built :class:`MeshGNN`: ``"gcn"``, ``"gat"`` or ``"regions"``, weights drawn with ``seed``.

    ``channels`` defaults to 32, and to 16 (two attention heads of 8) for the GAT, whose
    attention over every edge costs several times a graph convolution.  Keras and
    Spektral layers draw their initial weights from the global generators, so they are
    built inside :func:`fercourse.config.scoped_global_seed`: the same ``seed`` gives the
    same weights, and the caller's random state is left as it was.
    """
    builder = ARCHITECTURES.builder(name)
    if channels is None:
        channels = 16 if name == "gat" else 32
    with config.scoped_global_seed(int(seed)), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # tf-keras warns that layers share an initialiser; seeded, they may
        model = builder(n_classes=n_classes, channels=channels, layers=layers, **options)
        model(tf.zeros((1, N_NODES, int(n_features))))
    return model


def count_parameters(model) -> int:
    """Trainable weights of a tf.keras model."""
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


def _compile(model, lr: float) -> None:
    model.compile(optimizer=_keras.optimizers.Adam(lr),
                  loss=_keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])


def fit(model, train: MeshGraphs, val: MeshGraphs, epochs: int = 10, batch_size: int = 32, lr: float = 1e-2,
        patience: int = 4, seed: int = 0) -> dict:
    """Train with Spektral's :class:`~spektral.data.MixedLoader` and ``model.fit``; keep the best epoch.

    The validation loss picks the epoch whose weights are kept (early stopping after
    ``patience`` epochs without improvement).  The loader shuffles with NumPy's global
    generator and Keras uses TensorFlow's global seed, so training runs inside
    :func:`fercourse.config.scoped_global_seed` with ``seed``: a run repeats exactly,
    and the caller's random state is left as it was.
    Returns the per-epoch ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``,
    the ``best_epoch`` and the training time in ``seconds``.
    """
    if int(epochs) < 1:
        raise InvalidInputError(f"epochs must be at least 1, got {epochs!r}.")
    with config.scoped_global_seed(seed):
        return _fit(model, train, val, epochs, batch_size, lr, patience)


def _fit(model, train, val, epochs, batch_size, lr, patience) -> dict:
    _compile(model, lr)
    loader = MixedLoader(train, batch_size=batch_size, shuffle=True)
    checker = MixedLoader(val, batch_size=batch_size, shuffle=False)
    stop = _keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
    start = time.perf_counter()
    with warnings.catch_warnings():  # Spektral warns that it shuffles a Dataset, which is what it should do
        warnings.simplefilter("ignore", UserWarning)
        history = model.fit(loader.load(), steps_per_epoch=loader.steps_per_epoch, epochs=int(epochs),
                            validation_data=checker.load(), validation_steps=checker.steps_per_epoch,
                            callbacks=[stop], verbose=0)
    seconds = time.perf_counter() - start
    out = {key: [float(v) for v in values] for key, values in history.history.items()}
    out["best_epoch"] = int(np.argmin(out["val_loss"])) + 1
    out["seconds"] = seconds
    return out


def train_step(model, x, y, lr: float = 1e-2) -> tuple[float, float]:
    """One gradient step on a fixed batch; returns the loss before and after it (for tests and exercises)."""
    _compile(model, lr)
    x = tf.convert_to_tensor(np.asarray(x, np.float32))
    y = np.asarray(y, np.int64)
    before = float(model.evaluate(x, y, verbose=0, batch_size=len(y))[0])
    model.train_on_batch(x, y)
    after = float(model.evaluate(x, y, verbose=0, batch_size=len(y))[0])
    return before, after


# ------------------------------------------------------------------- classifier


class MeshClassifier:
    """A trained :class:`MeshGNN` behind the course's classifier interface.

    ``predict_proba(meshes)`` takes raw meshes in any of the forms of
    :func:`as_meshes` (arrays, :class:`fercourse.face.FaceMesh` objects, live faces),
    computes their :func:`node_features` and returns ``(N, n_classes)`` probabilities,
    so it works directly in :class:`fercourse.live.Pipeline`.  A model trained with
    ``own_neutral=True`` needs each person's neutral mesh: pass ``neutral=`` or
    record it once with :meth:`calibrate`.  A mesh :class:`fercourse.data.Dataset` works
    as input too (its ``extras["landmarks"]``, and its ``extras["neutral"]`` when the
    model needs them), which is how :func:`fercourse.models.evaluate` scores it.
    """

    def __init__(self, model, classes, own_neutral: bool = False, batch_size: int = 256):
        self.model = model
        self.classes = tuple(classes)
        self.own_neutral = bool(own_neutral)
        self.batch_size = int(batch_size)
        self.neutral = None
        self._gradient = None
        self._forward = tf.function(lambda x: tf.nn.softmax(model(x, training=False)), reduce_retracing=True)

    def calibrate(self, neutral) -> MeshClassifier:
        """Record the user's neutral mesh (for models trained with ``own_neutral=True``)."""
        self.neutral = as_meshes(neutral, "neutral")[:1]
        return self

    def dataset_inputs(self, dataset):
        """What ``predict_proba`` reads from a mesh Dataset: the Dataset itself (see :func:`fercourse.models.evaluate`)."""
        return dataset

    def features(self, meshes, neutral=None) -> np.ndarray:
        """The node features the model reads for these meshes (or for a mesh Dataset)."""
        from fercourse.data import Dataset

        if isinstance(meshes, Dataset):
            if neutral is None:
                neutral = _neutral_of(meshes, self.own_neutral)
            meshes = meshes.extras["landmarks"]
        if self.own_neutral:
            neutral = self.neutral if neutral is None else neutral
            if neutral is None:
                raise InvalidInputError(
                    "This model reads displacements from the person's own neutral face: pass neutral= "
                    "or call calibrate(neutral_mesh) first."
                )
        else:
            neutral = None
        return node_features(meshes, neutral)

    def predict_proba(self, meshes, neutral=None) -> np.ndarray:
        x = self.features(meshes, neutral)
        out = [self._forward(x[i : i + self.batch_size]).numpy() for i in range(0, len(x), self.batch_size)]
        return np.concatenate(out).astype(np.float64)

    def predict(self, meshes, neutral=None) -> np.ndarray:
        """The most likely label of each mesh (an array of names from ``classes``)."""
        return np.asarray(self.classes)[self.predict_proba(meshes, neutral).argmax(axis=1)]

    def saliency(self, meshes, target=None, neutral=None) -> np.ndarray:
        """Node saliency ``(N, 478)``: the size of the gradient of the class score (logit) w.r.t. each node's features.

        ``target``: a class name or index for all meshes, one per mesh, or ``None`` for
        the predicted class.  The gradient is taken inside a ``tf.function``.
        """
        x = tf.convert_to_tensor(self.features(meshes, neutral))
        if target is None:
            k = self.predict_proba(meshes, neutral).argmax(axis=1)
        else:
            names = [target] if isinstance(target, (str, int, np.integer)) else list(target)
            k = np.array([self.classes.index(t) if isinstance(t, str) else int(t) for t in names])
            if len(k) == 1:
                k = np.repeat(k, len(x))
            if len(k) != len(x) or k.min() < 0 or k.max() >= len(self.classes):
                raise InvalidInputError(f"target must name one of {list(self.classes)}, once or once per mesh.")
        if self._gradient is None:
            model = self.model

            @tf.function(reduce_retracing=True)
            def gradient(features, classes):
                with tf.GradientTape() as tape:
                    tape.watch(features)
                    score = tf.reduce_sum(tf.gather(model(features, training=False), classes, batch_dims=1))
                return tape.gradient(score, features)

            self._gradient = gradient
        grads = self._gradient(x, tf.constant(k, tf.int32)).numpy()
        return np.linalg.norm(grads, axis=-1)


def train_model(name: str, dataset, epochs: int = 10, own_neutral: bool = False, seed: int = 0,
                batch_size: int = 32, lr: float = 1e-2, **model_options) -> tuple[MeshClassifier, dict]:
    """Build and :func:`fit` one network on the train split of a mesh Dataset (val split for early stopping)."""
    train_graphs = graphs(dataset, "train", own_neutral)
    val_graphs = graphs(dataset, "val", own_neutral)
    model = build(name, n_classes=len(dataset.labels), seed=seed, **model_options)
    history = fit(model, train_graphs, val_graphs, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed)
    return MeshClassifier(model, dataset.labels, own_neutral=own_neutral), history


# ------------------------------------------------------------------ explanation


def class_saliency(classifier: MeshClassifier, dataset) -> np.ndarray:
    """Mean node saliency per class, ``(n_classes, 478)``, each row scaled to a maximum of 1.

    Row ``k`` averages, over the meshes whose true class is ``k``, the saliency of
    class ``k``'s score.  A class with no mesh in ``dataset`` (a rare class in a small
    test split) gets a row of NaN, which :func:`plot_saliency` and
    :func:`region_saliency` show as such.
    """
    y = dataset.y()
    neutral = _neutral_of(dataset, classifier.own_neutral)
    maps = classifier.saliency(dataset.extras["landmarks"], target=y, neutral=neutral)
    rows = []
    if not len(y):
        raise InvalidInputError("class_saliency: the dataset holds no meshes.")
    for k in range(len(classifier.classes)):
        if not np.any(y == k):
            rows.append(np.full(maps.shape[1], np.nan))
            continue
        mean = maps[y == k].mean(axis=0)
        rows.append(mean / max(mean.max(), 1e-12))
    return np.stack(rows)


def region_saliency(saliency, classes, top: int = 3) -> pd.DataFrame:
    """The ``top`` regions with the largest share of each class's saliency, as a table."""
    maps = np.atleast_2d(np.asarray(saliency, dtype=np.float64))
    if maps.shape[1:] != (N_NODES,) or len(maps) != len(classes):
        raise InvalidInputError(f"saliency must be (len(classes), {N_NODES}), got {maps.shape}.")
    member = np.eye(len(region_names()))[regions()]  # (478, R)
    shares = (maps @ member) / maps.sum(axis=1, keepdims=True)
    names = np.array(region_names())
    rows = {}
    for name, share in zip(classes, shares):
        if np.isnan(share).all():
            rows[name] = {f"{i + 1}.": "(no mesh of this class)" for i in range(top)}
            continue
        best = np.argsort(-share)[:top]
        rows[name] = {f"{i + 1}.": f"{names[j]} ({share[j]:.0%})" for i, j in enumerate(best)}
    return pd.DataFrame(rows).T


def plot_saliency(saliency, titles, columns: int = 4, size: float = 2.4, cmap: str = "magma"):
    """Paint node values on the canonical face, one panel per row of ``saliency`` (``(K, 478)``).

    Values are interpolated over the mesh triangles; the irises are drawn as dots.
    """
    import matplotlib.pyplot as plt
    from matplotlib.tri import Triangulation

    maps = np.atleast_2d(np.asarray(saliency, dtype=np.float64))
    if maps.shape[1:] != (N_NODES,) or len(maps) != len(titles):
        raise InvalidInputError(f"saliency must be (len(titles), {N_NODES}), got {maps.shape}.")
    points = _canonical()
    surface = Triangulation(points[:, 0], points[:, 1], mesh.triangles())
    rows = int(np.ceil(len(maps) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(columns * size, rows * size * 1.15), squeeze=False)
    for ax in axes.flat[len(maps):]:
        ax.axis("off")
    for ax, values, title in zip(axes.flat, maps, titles):
        if np.isnan(values).all():
            ax.text(0.5, 0.5, "no mesh of this class", ha="center", va="center", transform=ax.transAxes, fontsize=8)
            ax.set_title(title, fontsize=9)
            ax.axis("off")
            continue
        ax.tripcolor(surface, values, shading="gouraud", cmap=cmap, vmin=0.0, vmax=max(values.max(), 1e-12))
        ax.scatter(points[N_MESH_NODES:, 0], points[N_MESH_NODES:, 1], c=values[N_MESH_NODES:], cmap=cmap,
                   vmin=0.0, vmax=max(values.max(), 1e-12), s=6)
        ax.set_aspect("equal")
        ax.invert_yaxis()
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    return fig


def plot_graph(color_by: str = "degree", ax=None, size: float = 5.0, names: bool = False):
    """Draw the face graph on the canonical face: edges as lines, nodes coloured by ``"degree"`` or ``"region"``.

    Iris edges are drawn in another colour.  ``names=True`` writes each region's
    name at its centre (with ``color_by="region"``).  Returns the axes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    if color_by not in ("degree", "region"):
        raise InvalidInputError(f"color_by must be 'degree' or 'region', got {color_by!r}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(size, size * 1.15))
    xy = _canonical()[:, :2]
    e = edges()
    iris = e.max(axis=1) >= N_MESH_NODES
    ax.add_collection(LineCollection(xy[e[~iris]], colors="0.6", linewidths=0.4))
    ax.add_collection(LineCollection(xy[e[iris]], colors="#1e88e5", linewidths=0.8))
    if color_by == "degree":
        degree = np.asarray(adjacency(normalised=False).sum(axis=1)).ravel()
        dots = ax.scatter(xy[:, 0], xy[:, 1], c=degree, cmap="viridis", s=7, zorder=3)
        plt.colorbar(dots, ax=ax, shrink=0.6, label="degree (neighbours)")
    else:
        palette = np.vstack([plt.get_cmap("tab20").colors, plt.get_cmap("tab20b").colors])
        order = np.random.default_rng(0).permutation(len(palette))[: len(region_names())]
        ax.scatter(xy[:, 0], xy[:, 1], c=palette[order][regions()], s=9, zorder=3)
        if names:
            for k, name in enumerate(region_names()):
                centre = xy[regions() == k].mean(axis=0)
                ax.text(centre[0], centre[1], name, fontsize=5.5, ha="center", va="center", zorder=4,
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75})
    ax.set_aspect("equal")
    ax.invert_yaxis()
    ax.axis("off")
    return ax
