"""The graph networks (tf.keras and Spektral), their registry, and training."""

from __future__ import annotations

import functools
import time
import warnings

import numpy as np
import scipy.sparse as sp

from fercourse import config
from fercourse._env import quiet_stderr, tensorflow
from fercourse.errors import InvalidInputError
from fercourse.graph.data import MeshGraphs
from fercourse.graph.features import N_FEATURES
from fercourse.graph.structure import N_NODES, adjacency, pooling_matrix, region_adjacency
from fercourse.models import Registry

tf = tensorflow()  # the course's way: tf.keras is tf-keras 2.x, which Spektral needs
with quiet_stderr():
    import spektral
    from spektral.data import MixedLoader
    from spektral.layers import (
        GATConv,
        GCNConv,
        GlobalAttnSumPool,
        GlobalAvgPool,
        GlobalMaxPool,
    )

_keras = tf.keras

__all__ = [
    "ARCHITECTURES",
    "READOUTS",
    "RegionPool",
    "MixedGATConv",
    "MeshGNN",
    "build",
    "count_parameters",
    "fit",
    "train_step",
]


class RegionPool(_keras.layers.Layer):
    """Average the node features of each region: ``(B, 478, F)`` to ``(B, R, F)`` with a fixed matrix.

    Parameters
    ----------
    matrix : array-like, optional
        ``(R, 478)`` pooling weights; :func:`pooling_matrix` (the 31 regions) by default.
    **kwargs
        Passed on to the Keras ``Layer``.
    """

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

    Parameters
    ----------
    kind : {"gcn", "gat", "regions"}
        The architecture, one of :data:`ARCHITECTURES`.
    n_classes : int
        Classes to tell apart (at least 2).
    channels : int
        Features per node after each graph layer.
    layers : int
        Graph layers on the mesh (``"regions"``: one fewer, then one on the region graph).
    heads : int
        Attention heads of the GAT (``channels`` must be a multiple of it).
    readout : str
        The global pooling, one of :data:`READOUTS`.
    **kwargs
        Passed on to the Keras ``Model``.
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


def _mesh_gnn(kind: str, **options):
    return MeshGNN(kind, **options)


#: The three graph networks of :func:`build` by name (a :class:`fercourse.models.Registry`;
#: each builder makes a :class:`MeshGNN` of that kind).
ARCHITECTURES = Registry("graph network",
                         {kind: functools.partial(_mesh_gnn, kind) for kind in ("gcn", "gat", "regions")})

#: Global pooling layers (graph to one vector) that :class:`MeshGNN` can end with.
READOUTS = {"attention": GlobalAttnSumPool, "mean": GlobalAvgPool, "max": GlobalMaxPool}


def build(name: str = "gcn", n_classes: int = 7, n_features: int = N_FEATURES, channels: int | None = None,
          layers: int = 2, seed: int = 0, **options) -> MeshGNN:
    """A new, built :class:`MeshGNN`: ``"gcn"``, ``"gat"`` or ``"regions"``, weights drawn with ``seed``.

    ``channels`` defaults to 32, and to 16 (two attention heads of 8) for the GAT, whose
    attention over every edge costs several times a graph convolution.  Keras and
    Spektral layers draw their initial weights from the global generators, so they are
    built inside :func:`fercourse.config.scoped_global_seed`: the same ``seed`` gives the
    same weights, and the caller's random state is left as it was.

    Parameters
    ----------
    name : {"gcn", "gat", "regions"}
        The architecture, one of :data:`ARCHITECTURES`.
    n_classes : int
        Classes to tell apart.
    n_features : int
        Features per node of the inputs.
    channels : int, optional
        Features per node after each graph layer.
    layers : int
        Graph layers.
    seed : int
        Seed of the initial weights.
    **options
        Passed on to :class:`MeshGNN` (``heads=``, ``readout=``).

    Returns
    -------
    MeshGNN
        The untrained network, its weights made.

    Examples
    --------
    >>> model = build("gcn", n_classes=3, channels=4, layers=1)
    >>> tuple(model(np.zeros((2, N_NODES, N_FEATURES), np.float32)).shape), count_parameters(model)
    ((2, 3), 43)
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
    """Trainable weights of a tf.keras model.

    Parameters
    ----------
    model : tf.keras.Model
        A built model.

    Returns
    -------
    int
        The number of trainable weights.
    """
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

    Parameters
    ----------
    model : MeshGNN
        The network to train (in place).
    train, val : MeshGraphs
        Training graphs, and the graphs that choose the epoch kept.
    epochs : int
        The most epochs to train.
    batch_size : int
        Graphs per batch.
    lr : float
        Adam's learning rate.
    patience : int
        Epochs without a better validation loss before training stops.
    seed : int
        Seed of the shuffling and of anything else random in training.

    Returns
    -------
    dict
        The training history, as described above.
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
    """One gradient step on a fixed batch; returns the loss before and after it (for tests and exercises).

    Parameters
    ----------
    model : MeshGNN
        The network (compiled again with Adam and ``lr``).
    x : array-like
        ``(B, 478, F)`` node features.
    y : array-like
        ``(B,)`` class indices.
    lr : float
        Adam's learning rate.

    Returns
    -------
    tuple of float
        The batch's loss before and after the step.
    """

    _compile(model, lr)
    x = tf.convert_to_tensor(np.asarray(x, np.float32))
    y = np.asarray(y, np.int64)
    before = float(model.evaluate(x, y, verbose=0, batch_size=len(y))[0])
    model.train_on_batch(x, y)
    after = float(model.evaluate(x, y, verbose=0, batch_size=len(y))[0])
    return before, after
