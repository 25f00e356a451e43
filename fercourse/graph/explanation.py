"""What the graph networks look at: node saliency per class and by region, and drawings of the graph."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fercourse import mesh
from fercourse.errors import InvalidInputError
from fercourse.graph.classifier import MeshClassifier
from fercourse.graph.data import neutral_of
from fercourse.graph.structure import N_MESH_NODES, N_NODES, canonical_points, adjacency, edges, region_names, regions

__all__ = ["class_saliency", "region_saliency", "plot_saliency", "plot_graph"]


def class_saliency(classifier: MeshClassifier, dataset) -> np.ndarray:
    """Mean node saliency per class, ``(n_classes, 478)``, each row scaled to a maximum of 1.

    Row ``k`` averages, over the meshes whose true class is ``k``, the saliency of
    class ``k``'s score.  A class with no mesh in ``dataset`` (a rare class in a small
    test split) gets a row of NaN, which :func:`plot_saliency` and
    :func:`region_saliency` show as such.

    Parameters
    ----------
    classifier : MeshClassifier
        The trained classifier.
    dataset : fercourse.data.Dataset
        Labelled meshes (a test split, say).

    Returns
    -------
    numpy.ndarray
        ``(n_classes, 478)`` mean saliency maps.
    """
    y = dataset.y()
    neutral = neutral_of(dataset, classifier.own_neutral)
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
    """The ``top`` regions with the largest share of each class's saliency, as a table.

    Parameters
    ----------
    saliency : array-like
        ``(len(classes), 478)`` saliency maps, such as :func:`class_saliency` returns.
    classes : sequence of str
        The name of each row.
    top : int
        Regions listed per class.

    Returns
    -------
    pandas.DataFrame
        One row per class, columns ``"1."``, ``"2."``, ...: a region and its share.

    Examples
    --------
    >>> on_the_nose = (regions() == region_names().index("nose tip")).astype(float)
    >>> region_saliency(on_the_nose[None], ["surprise"], top=1).loc["surprise", "1."]
    'nose tip (100%)'
    """
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

    Parameters
    ----------
    saliency : array-like
        ``(K, 478)`` node values; a row of NaN is shown as "no mesh of this class".
    titles : sequence of str
        A title per row.
    columns : int
        Panels per row of the figure.
    size : float
        Width of a panel, in inches.
    cmap : str
        Matplotlib colour map.

    Returns
    -------
    matplotlib.figure.Figure
        The figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.tri import Triangulation

    maps = np.atleast_2d(np.asarray(saliency, dtype=np.float64))
    if maps.shape[1:] != (N_NODES,) or len(maps) != len(titles):
        raise InvalidInputError(f"saliency must be (len(titles), {N_NODES}), got {maps.shape}.")
    points = canonical_points()
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

    Parameters
    ----------
    color_by : {"degree", "region"}
        Colour each node by its number of neighbours or by its region.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.
    size : float
        Width of a new figure, in inches.
    names : bool
        Write the region names.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """

    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    if color_by not in ("degree", "region"):
        raise InvalidInputError(f"color_by must be 'degree' or 'region', got {color_by!r}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(size, size * 1.15))
    xy = canonical_points()[:, :2]
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
