"""The face graph: its nodes and edges, its adjacency matrix, and the mesh cut into facial regions."""

from __future__ import annotations

import functools

import numpy as np
import scipy.sparse as sp

from fercourse import mesh
from fercourse._env import quiet_stderr, tensorflow

# Spektral needs TensorFlow set up the course's way first (fercourse._env: tf.keras is tf-keras 2.x).
tensorflow()
with quiet_stderr():
    from spektral.utils import gcn_filter

__all__ = [
    "N_NODES",
    "N_MESH_NODES",
    "N_IRIS_EDGES",
    "REGION_ANCHORS",
    "edges",
    "adjacency",
    "regions",
    "region_names",
    "pooling_matrix",
    "region_adjacency",
]

#: Nodes of the graph: MediaPipe's 468 mesh points and 10 iris points.
N_NODES = mesh.N_LANDMARKS
#: Points of the tessellation (the iris points 468-477 are not in it).
N_MESH_NODES = mesh.N_MESH_POINTS
#: Edges added for the irises: per eye, centre to the 4 rim points, the rim's 4-cycle,
#: and each rim point to its nearest eyelid point.
N_IRIS_EDGES = 2 * (4 + 4 + 4)

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


def canonical_points() -> np.ndarray:
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

    Returns
    -------
    numpy.ndarray
        ``(1346, 2)`` int64 node pairs (read-only).

    Examples
    --------
    >>> e = edges()
    >>> e.shape, int((e.max(axis=1) >= N_MESH_NODES).sum())  # the iris edges
    ((1346, 2), 24)
    """
    points = canonical_points()
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

    Parameters
    ----------
    normalised : bool
        Return the graph-convolution filter rather than the plain 0/1 matrix.

    Returns
    -------
    scipy.sparse.csr_matrix
        ``(478, 478)`` float32.

    Examples
    --------
    >>> a = adjacency(normalised=False)
    >>> a.shape, a.nnz  # each edge is stored both ways
    ((478, 478), 2692)
    """
    e = edges()
    rows, cols = np.r_[e[:, 0], e[:, 1]], np.r_[e[:, 1], e[:, 0]]
    a = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(N_NODES, N_NODES))
    return gcn_filter(a).astype(np.float32) if normalised else a


@functools.cache
def _regions() -> np.ndarray:
    from scipy.sparse.csgraph import dijkstra

    points = canonical_points()
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
    """The 31 region names, in region-index order (midline regions, then right/left pairs).

    Returns
    -------
    list of str
        Region ``r``'s name at index ``r``.

    Examples
    --------
    >>> names = region_names()
    >>> len(names), names[:3], names[7:9]
    (31, ['forehead', 'glabella', 'nose bridge'], ['right temple', 'left temple'])
    """
    return [name for name, _ in _anchor_items()]


def regions() -> np.ndarray:
    """The region index (into :func:`region_names`) of each of the 478 nodes.

    Every node joins the region whose anchor (:data:`REGION_ANCHORS`) is nearest along
    the canonical face's mesh.

    Returns
    -------
    numpy.ndarray
        ``(478,)`` int64 region indices (read-only).

    Examples
    --------
    >>> region_names()[regions()[468]]  # the right iris's centre
    'right iris'
    """
    return _regions()


def pooling_matrix() -> np.ndarray:
    """The matrix that averages the node features of each region.

    Returns
    -------
    numpy.ndarray
        ``(31, 478)`` float32: row ``r`` averages the nodes of region ``r`` (each row sums to 1).
    """
    member = np.eye(len(region_names()), dtype=np.float32)[regions()].T
    return member / member.sum(axis=1, keepdims=True)


def region_adjacency(normalised: bool = True) -> np.ndarray:
    """The adjacency of the region graph: two regions touch when a mesh edge joins them.

    Parameters
    ----------
    normalised : bool
        Return the graph-convolution filter ``D^-1/2 (A + I) D^-1/2`` rather than the 0/1 matrix.

    Returns
    -------
    numpy.ndarray
        ``(31, 31)`` float32, symmetric.
    """

    member = sp.csr_matrix(np.eye(len(region_names()), dtype=np.float32)[regions()])
    touching = (member.T @ adjacency(normalised=False) @ member).toarray() > 0
    np.fill_diagonal(touching, False)
    a = touching.astype(np.float32)
    return gcn_filter(a).astype(np.float32) if normalised else a
