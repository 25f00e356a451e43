"""Plots shared by the chapters: images, meshes, probabilities, sample grids, clips and timelines."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection

from fercourse.errors import InvalidInputError

__all__ = ["show_image", "show_mesh", "plot_probabilities", "sample_grid", "class_counts", "filmstrip", "timeline"]


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


def sample_grid(images, labels, classes=None, per_class: int = 8, title: str | None = None, size: float = 1.1):
    """One row per class with the first ``per_class`` images of that class; returns the figure."""
    labels = np.asarray(labels)
    classes = list(classes) if classes is not None else list(dict.fromkeys(labels.tolist()))
    fig, axes = plt.subplots(len(classes), per_class, figsize=(per_class * size, len(classes) * size),
                             squeeze=False)
    for row, name in enumerate(classes):
        index = np.flatnonzero(labels == name)[:per_class]
        for col in range(per_class):
            ax = axes[row, col]
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if col < len(index):
                image = np.asarray(images[index[col]])
                ax.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=255)
        axes[row, 0].set_ylabel(name, rotation=0, ha="right", va="center")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def class_counts(counts, ax=None, title: str | None = None, figsize=(6, 3)):
    """Bar chart of samples per class (a dict or pandas Series), with the counts written on the bars."""
    import pandas as pd

    counts = pd.Series(counts)
    ax = _axes(ax, figsize)
    bars = ax.bar(counts.index.astype(str), counts.to_numpy(), color="#1565c0")
    ax.bar_label(bars, labels=[f"{int(v):,}" for v in counts.to_numpy()], fontsize=8)
    ax.set_ylabel("samples")
    ax.margins(y=0.15)
    if title:
        ax.set_title(title)
    return ax


def filmstrip(frames, indices=None, marks: dict | None = None, fps: float | None = None, size: float = 1.2):
    """Frames of a clip side by side; ``marks`` (name -> frame index) label chosen frames.

    ``indices`` picks the frames to show (default: 10 evenly spaced plus the marked ones).
    """
    frames = np.asarray(frames)
    marks = marks or {}
    if indices is None:
        indices = np.linspace(0, len(frames) - 1, 10).round().astype(int).tolist()
        indices = sorted(set(indices) | {int(v) for v in marks.values() if 0 <= v < len(frames)})
    fig, axes = plt.subplots(1, len(indices), figsize=(len(indices) * size, size * 1.35), squeeze=False)
    names = {}
    for name, value in marks.items():
        names.setdefault(int(value), []).append(name)
    for ax, i in zip(axes[0], indices):
        image = frames[i]
        ax.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=255)
        ax.set_xticks([])
        ax.set_yticks([])
        stamp = f"{i / fps:.2f} s" if fps else f"frame {i}"
        ax.set_title(stamp + ("\n" + ", ".join(names[i]) if i in names else ""), fontsize=7,
                     color="#c62828" if i in names else "black")
    fig.tight_layout()
    return fig


def timeline(tracks: dict, fps: float, intervals: dict | None = None, ax=None, title: str | None = None,
             figsize=(8, 2.8)):
    """Curves over time (name -> per-frame values) with shaded intervals (name -> (start, end) frames)."""
    ax = _axes(ax, figsize)
    for name, values in tracks.items():
        values = np.asarray(values, dtype=float)
        ax.plot(np.arange(len(values)) / fps, values, label=name, lw=1.4)
    colours = ["#ffcc80", "#a5d6a7", "#90caf9", "#ce93d8"]
    for k, (name, (start, end)) in enumerate((intervals or {}).items()):
        ax.axvspan(start / fps, end / fps, color=colours[k % len(colours)], alpha=0.5, label=name, lw=0)
    ax.set_xlabel("time (s)")
    ax.legend(fontsize=7, loc="upper right", ncol=2)
    if title:
        ax.set_title(title)
    return ax
