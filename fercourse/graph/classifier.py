"""A trained graph network behind the course's classifier interface, and training one."""

from __future__ import annotations

import numpy as np

from fercourse._env import tensorflow
from fercourse.errors import InvalidInputError
from fercourse.graph.data import neutral_of, graphs
from fercourse.graph.features import ShapeStatistics, as_meshes, node_features, shape_statistics
from fercourse.graph.models import build, fit

tf = tensorflow()

__all__ = ["MeshClassifier", "train_model"]


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

    Parameters
    ----------
    model : MeshGNN
        A trained network.
    classes : sequence of str
        The class names, in the order of the model's outputs.
    own_neutral : bool
        Whether the model was trained on displacements from each person's own neutral face.
    batch_size : int
        Meshes per forward pass.
    statistics : ShapeStatistics, optional
        The training meshes' :func:`shape_statistics`, when the model was trained on
        standardised displacements (:func:`train_model` records them).

    Examples
    --------
    An untrained network already gives probabilities of the right shape:

    >>> from fercourse import synth
    >>> classifier = MeshClassifier(build("gcn", n_classes=2, channels=4, layers=1), ["happy", "sad"])
    >>> probabilities = classifier.predict_proba(synth.neutral_mesh())
    >>> probabilities.shape, round(float(probabilities.sum()), 6)
    ((1, 2), 1.0)
    """

    def __init__(self, model, classes, own_neutral: bool = False, batch_size: int = 256,
                 statistics: ShapeStatistics | None = None):
        self.model = model
        self.classes = tuple(classes)
        self.own_neutral = bool(own_neutral)
        self.batch_size = int(batch_size)
        self.statistics = statistics
        self.neutral = None
        self._gradient = None
        self._forward = tf.function(lambda x: tf.nn.softmax(model(x, training=False)), reduce_retracing=True)

    def calibrate(self, neutral) -> MeshClassifier:
        """Record the user's neutral mesh (for models trained with ``own_neutral=True``).

        Parameters
        ----------
        neutral : array-like or FaceMesh
            The neutral mesh (the first one, if several are given).

        Returns
        -------
        MeshClassifier
            The classifier itself.
        """
        self.neutral = as_meshes(neutral, "neutral")[:1]
        return self

    def dataset_inputs(self, dataset):
        """What ``predict_proba`` reads from a mesh Dataset: the Dataset itself (see :func:`fercourse.models.evaluate`).

        Parameters
        ----------
        dataset : fercourse.data.Dataset
            A mesh dataset.

        Returns
        -------
        fercourse.data.Dataset
            ``dataset``, unchanged.
        """

        return dataset

    def features(self, meshes, neutral=None) -> np.ndarray:
        """The node features the model reads for these meshes (or for a mesh Dataset).

        Parameters
        ----------
        meshes : array-like, FaceMesh, list or fercourse.data.Dataset
            Meshes in any form :func:`as_meshes` accepts, or a mesh Dataset.
        neutral : array-like, optional
            The person's neutral mesh (one for all, or one per mesh); used only by models
            trained with ``own_neutral=True``, which fall back on :meth:`calibrate`'s.

        Returns
        -------
        numpy.ndarray
            ``(N, 478, 6)`` float32 node features.
        """
        from fercourse.dataset import Dataset

        if isinstance(meshes, Dataset):
            if neutral is None:
                neutral = neutral_of(meshes, self.own_neutral)
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
        return node_features(meshes, neutral, self.statistics)

    def predict_proba(self, meshes, neutral=None) -> np.ndarray:
        """The probability of each class for each mesh.

        Parameters
        ----------
        meshes : array-like, FaceMesh, list or fercourse.data.Dataset
            As for :meth:`features`.
        neutral : array-like, optional
            As for :meth:`features`.

        Returns
        -------
        numpy.ndarray
            ``(N, n_classes)`` float64, each row summing to 1.
        """
        x = self.features(meshes, neutral)
        out = [self._forward(x[i : i + self.batch_size]).numpy() for i in range(0, len(x), self.batch_size)]
        return np.concatenate(out).astype(np.float64)

    def predict(self, meshes, neutral=None) -> np.ndarray:
        """The most likely label of each mesh.

        Parameters
        ----------
        meshes : array-like, FaceMesh, list or fercourse.data.Dataset
            As for :meth:`features`.
        neutral : array-like, optional
            As for :meth:`features`.

        Returns
        -------
        numpy.ndarray
            ``(N,)`` class names from ``classes``.
        """
        return np.asarray(self.classes)[self.predict_proba(meshes, neutral).argmax(axis=1)]

    def saliency(self, meshes, target=None, neutral=None) -> np.ndarray:
        """Node saliency ``(N, 478)``: the size of the gradient of the class score (logit) w.r.t. each node's features.

        ``target``: a class name or index for all meshes, one per mesh, or ``None`` for
        the predicted class.  The gradient is taken inside a ``tf.function``.

        Parameters
        ----------
        meshes : array-like, FaceMesh, list or fercourse.data.Dataset
            As for :meth:`features`.
        target : str, int, sequence or None
            The class whose score is explained.
        neutral : array-like, optional
            As for :meth:`features`.

        Returns
        -------
        numpy.ndarray
            ``(N, 478)``: the gradient's length at each node.
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
                batch_size: int = 32, lr: float = 1e-2, standardise: bool = False,
                **model_options) -> tuple[MeshClassifier, dict]:
    """Build and :func:`fit` one network on the train split of a mesh Dataset (val split for early stopping).

    ``standardise=True`` standardises the displacements with the :func:`shape_statistics`
    of the train split, which the classifier keeps and applies to every mesh it reads;
    by default they are displacements from the canonical face, times
    :data:`DISPLACEMENT_SCALE`.

    Parameters
    ----------
    name : {"gcn", "gat", "regions"}
        The architecture, one of :data:`ARCHITECTURES`.
    dataset : fercourse.data.Dataset
        A mesh dataset with train and val splits.
    epochs : int
        The most epochs to train.
    own_neutral : bool
        Use displacements from each person's own neutral mesh (``extras["neutral"]``).
    seed : int
        Seed of the initial weights and of training.
    batch_size : int
        Graphs per batch.
    lr : float
        Adam's learning rate.
    standardise : bool
        Standardise the displacements with the train split's statistics.
    **model_options
        Passed on to :func:`build` (``channels=``, ``layers=``, ...).

    Returns
    -------
    classifier : MeshClassifier
        The trained network, ready for ``predict_proba``.
    history : dict
        What :func:`fit` returns.
    """

    statistics = shape_statistics(dataset.split("train").extras["landmarks"]) if standardise else None
    train_graphs = graphs(dataset, "train", own_neutral, statistics)
    val_graphs = graphs(dataset, "val", own_neutral, statistics)
    model = build(name, n_classes=len(dataset.labels), seed=seed, **model_options)
    history = fit(model, train_graphs, val_graphs, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed)
    return MeshClassifier(model, dataset.labels, own_neutral=own_neutral, statistics=statistics), history
