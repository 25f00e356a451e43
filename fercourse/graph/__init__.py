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
* :func:`fercourse.synth.synthetic_meshes` (exact meshes of synthetic people, each with a
  neutral "calibration" mesh of the same person) and :func:`mesh_dataset` (the switch:
  synthetic meshes by default, the landmarker's meshes of real photos in ``real``
  mode, :func:`meshes_from_images`);
* :func:`normalise` and :func:`node_features`: position, size and head rotation
  removed, then each node's place and its displacement from a reference face
  (the canonical neutral face, or the same person's own neutral face), standardised
  with the training faces' :func:`shape_statistics` when a model is trained;
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

The code is split by part: :mod:`~fercourse.graph.structure` (the graph),
:mod:`~fercourse.graph.features`, :mod:`~fercourse.graph.data`,
:mod:`~fercourse.graph.models`, :mod:`~fercourse.graph.classifier` and
:mod:`~fercourse.graph.explanation`; every public name is available here.
"""

from fercourse.graph.structure import (
    N_IRIS_EDGES,
    N_MESH_NODES,
    N_NODES,
    REGION_ANCHORS,
    adjacency,
    edges,
    pooling_matrix,
    region_adjacency,
    region_names,
    regions,
)
from fercourse.graph.features import (
    DISPLACEMENT_SCALE,
    MIN_SPREAD,
    N_FEATURES,
    ShapeStatistics,
    as_meshes,
    node_features,
    normalise,
    shape_statistics,
)
from fercourse.graph.data import MeshGraphs, graphs, mesh_dataset, meshes_from_images
from fercourse.graph.models import (
    ARCHITECTURES,
    READOUTS,
    MeshGNN,
    MixedGATConv,
    RegionPool,
    build,
    count_parameters,
    fit,
    train_step,
)
from fercourse.graph.classifier import MeshClassifier, train_model
from fercourse.graph.explanation import class_saliency, plot_graph, plot_saliency, region_saliency

__all__ = [
    "N_NODES",
    "N_MESH_NODES",
    "N_IRIS_EDGES",
    "N_FEATURES",
    "DISPLACEMENT_SCALE",
    "MIN_SPREAD",
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
    "ShapeStatistics",
    "shape_statistics",
    "node_features",
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
