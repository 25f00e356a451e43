"""Plots shared by the chapters: images with face meshes, probability bars."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection

from fercourse.errors import InvalidInputError

__all__ = ["show_image", "show_mesh", "plot_probabilities"]


def _axes(ax, figsize):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def show_image(image, ax=None, title: str | None = None, figsize=(5, 5)):
    """Show an image without axes ticks; grey images are drawn in grey."""
    from fercourse.face import as_rgb

    ax = _axes(ax, figsize)
    array = np.asarray(image)
    if array.ndim == 2:
        ax.imshow(array, cmap="gray", vmin=0, vmax=255 if array.dtype == np.uint8 else 1)
    else:
        ax.imshow(as_rgb(image))
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def show_mesh(image, faces, ax=None, box: bool = True, zoom: bool = False, figsize=(6, 6), title=None):
    """Draw the tessellation of each face mesh (one or a list of :class:`FaceMesh`) over ``image``.

    ``zoom=True`` limits the view to the faces, so the mesh is readable on a large photo.
    """
    from fercourse.face import FaceMesh, mesh_edges

    faces = [faces] if isinstance(faces, FaceMesh) else list(faces)
    ax = show_image(image, ax=ax, figsize=figsize, title=title)
    edges = mesh_edges()
    for face in faces:
        xy = face.landmarks[:, :2]
        ax.add_collection(LineCollection(xy[edges], colors="#00e5ff", linewidths=0.35, alpha=0.9))
        ax.scatter(xy[:, 0], xy[:, 1], s=0.6, c="#ffea00", linewidths=0)
        if box:
            x, y, w, h = face.box
            ax.add_patch(plt.Rectangle((x, y), w, h, fill=False, ec="#ff4081", lw=1.2))
    if zoom and faces:
        allxy = np.concatenate([f.landmarks[:, :2] for f in faces])
        (x0, y0), (x1, y1) = allxy.min(axis=0), allxy.max(axis=0)
        pad = 0.15 * max(x1 - x0, y1 - y0)
        ax.set_xlim(x0 - pad, x1 + pad)
        ax.set_ylim(y1 + pad, y0 - pad)
    return ax


def plot_probabilities(probabilities, labels, ax=None, title: str | None = None, figsize=(6, 3)):
    """Horizontal bar chart of one probability vector, the top class highlighted."""
    probs = np.asarray(probabilities, dtype=float).reshape(-1)
    if len(probs) != len(labels):
        raise InvalidInputError(f"{len(probs)} probabilities but {len(labels)} labels; they must match.")
    ax = _axes(ax, figsize)
    colours = ["#1565c0" if i == probs.argmax() else "#90a4ae" for i in range(len(probs))]
    y = np.arange(len(probs))
    ax.barh(y, probs, color=colours)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("probability")
    for yi, p in zip(y, probs):
        inside = p > 0.85  # no room to the right of the bar: write inside it, in white
        ax.text(p - 0.01 if inside else p + 0.01, yi, f"{p:.3f}", va="center", fontsize=8,
                ha="right" if inside else "left", color="white" if inside else "black")
    if title:
        ax.set_title(title)
    return ax
