"""The chapter's mesh datasets (synthetic or measured on real photos) and their Spektral form."""

from __future__ import annotations

import numpy as np

from fercourse import config
from fercourse._env import quiet_stderr, tensorflow
from fercourse.errors import InvalidInputError, NoFaceError
from fercourse.graph.features import node_features
from fercourse.graph.structure import N_NODES, adjacency
from fercourse.synth import synthetic_meshes

# Spektral needs TensorFlow set up the course's way first (fercourse._env: tf.keras is tf-keras 2.x).
tensorflow()
with quiet_stderr():
    import spektral
    from spektral.data import Graph

__all__ = ["meshes_from_images", "mesh_dataset", "MeshGraphs", "graphs"]


def meshes_from_images(dataset, size: int = 192, progress: bool = False):
    """The landmarker's mesh of every image of an image :class:`~fercourse.data.Dataset`.

    Images smaller than ``size`` pixels are scaled up first (FER2013's 48-pixel faces are
    too small for the landmarker; :func:`fercourse.data.chapters.measure_landmarks`);
    images without a face are left out (their number is printed).  Returns a Dataset
    like :func:`~fercourse.synth.synthetic_meshes`'s, without ``extras["neutral"]``,
    since real datasets do not record each person's neutral face.  :func:`mesh_dataset`
    does the same with a cache in the data directory (:func:`fercourse.data.with_landmarks`).

    Parameters
    ----------
    dataset : fercourse.data.Dataset
        An image dataset.
    size : int
        Smaller images are scaled up to this side before the landmarker reads them.
    progress : bool
        Show a progress bar.

    Returns
    -------
    fercourse.data.Dataset
        The meshes (``samples`` and ``extras["landmarks"]``, ``(N, 478, 3)`` float32) of
        the images with a face, with their rows of the table.
    """
    from fercourse.dataset import Dataset
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

    With the embedded data, :func:`~fercourse.synth.synthetic_meshes` (``n``, ``seed``
    and ``options`` are passed on; ``n=None`` gives 7,000).  With real data, the
    landmarker's meshes of the faces :func:`fercourse.data.expressions` loads (FER2013,
    with its own splits; a stratified sample of ``n`` of them with the small budget),
    measured once and cached by :func:`fercourse.data.with_landmarks`; faces without a
    detected face are left out.  Real datasets record no neutral face per person, so
    there is no ``extras["neutral"]`` then.

    Parameters
    ----------
    n : int or None
        How many meshes (``None``: the synthetic default of 7,000, or all real faces).
    seed : int
        Seed of the synthetic people, or of the real sample.
    **options
        Passed on to :func:`~fercourse.synth.synthetic_meshes` (synthetic data only).

    Returns
    -------
    fercourse.data.Dataset
        A mesh dataset: ``extras["landmarks"]`` ``(N, 478, 3)``, and ``extras["neutral"]``
        for synthetic meshes.
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

    Parameters
    ----------
    x : array-like
        ``(N, 478, F)`` node features (:func:`node_features`), ``N >= 1``.
    y : array-like
        ``(N,)`` class indices.
    a : scipy.sparse matrix, optional
        The shared adjacency; the face graph's normalised :func:`adjacency` by default.
    **kwargs
        Passed on to :class:`spektral.data.Dataset`.
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


def graphs(dataset, split: str | None = None, own_neutral: bool = False, statistics=None) -> MeshGraphs:
    """A :class:`MeshGraphs` of a mesh Dataset (or one split of it), with :func:`node_features`.

    ``own_neutral=True`` measures displacements from each person's neutral mesh
    (``extras["neutral"]``, which :func:`~fercourse.synth.synthetic_meshes` records);
    ``statistics`` standardises them (:func:`~fercourse.graph.shape_statistics`).

    Parameters
    ----------
    dataset : fercourse.data.Dataset
        A mesh dataset (``extras["landmarks"]``).
    split : str, optional
        ``"train"``, ``"val"`` or ``"test"``; ``None`` takes the whole dataset.
    own_neutral : bool
        Measure displacements from each person's own neutral mesh, not the canonical face.
    statistics : ShapeStatistics, optional
        Passed on to :func:`node_features`.

    Returns
    -------
    MeshGraphs
        One graph per mesh, labelled with its class index.
    """

    part = dataset.split(split) if split else dataset
    if len(part) == 0:
        raise InvalidInputError(f"The {split or 'whole'} split of {dataset.name!r} holds no meshes.")
    return MeshGraphs(node_features(part.extras["landmarks"], neutral_of(part, own_neutral), statistics), part.y())


def neutral_of(dataset, own_neutral: bool):
    if not own_neutral:
        return None
    if "neutral" not in dataset.extras:
        raise InvalidInputError(
            f"{dataset.name!r} records no neutral face per person, so displacements from one's own neutral "
            "face cannot be computed; use own_neutral=False (displacements from the canonical face)."
        )
    return dataset.extras["neutral"]
