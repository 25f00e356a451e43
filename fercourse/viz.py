"""Plots shared by the chapters: images, meshes, probabilities, sample grids, clips and timelines."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection

from fercourse import mesh
from fercourse.checks import pixel_values
from fercourse.errors import InvalidInputError
from fercourse.synth import GRID_INTENSITIES, expression_faces, expression_patterns

__all__ = ["show_image", "show_mesh", "plot_probabilities", "sample_grid", "class_counts", "filmstrip", "timeline"]


def _axes(ax, figsize):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def show_image(image, ax=None, title: str | None = None, figsize=(5, 5)):
    """Show an image without axes ticks; grey images are drawn in grey.

    Parameters
    ----------
    image : array_like or str
        A grey ``(H, W)`` image (``uint8`` or floats in [0, 1]), or a colour image or
        image file that :func:`fercourse.face.as_rgb` reads.
    ax : matplotlib.axes.Axes or None
        Where to draw (default: a new figure).
    title : str or None
        Title above the image.
    figsize : tuple of float
        Size of the new figure, in inches.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    from fercourse.face import as_rgb

    array = np.asarray(image)
    if array.ndim == 2:
        array = pixel_values(array, "image")  # uint8 0..255 or floats in [0, 1]: the grey scale is drawn to match
    ax = _axes(ax, figsize)
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

    Parameters
    ----------
    image : array_like or str
        The picture, as :func:`show_image` takes it.
    faces : FaceMesh or list of FaceMesh
        The meshes to draw.
    ax : matplotlib.axes.Axes or None
        Where to draw (default: a new figure).
    box : bool
        Also draw each face's box.
    zoom : bool
        Limit the view to the faces plus a margin.
    figsize : tuple of float
        Size of the new figure, in inches.
    title : str or None
        Title above the image.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    from fercourse.face import FaceMesh

    faces = [faces] if isinstance(faces, FaceMesh) else list(faces)
    ax = show_image(image, ax=ax, figsize=figsize, title=title)
    edges = mesh.edges()
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
    """Horizontal bar chart of one probability vector, the top class highlighted.

    Parameters
    ----------
    probabilities : array_like
        One probability per class (flattened).
    labels : sequence of str
        The class names, in the same order.
    ax : matplotlib.axes.Axes or None
        Where to draw (default: a new figure).
    title : str or None
        Title above the chart.
    figsize : tuple of float
        Size of the new figure, in inches.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    InvalidInputError
        If the number of probabilities and labels differ.
    """
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
    """One row per class with the first ``per_class`` images of that class; returns the figure.

    Parameters
    ----------
    images : sequence of numpy.ndarray
        The images, ``uint8`` grey or RGB.
    labels : array_like
        One label per image.
    classes : sequence or None
        The rows, in order (default: the labels in order of first appearance).
    per_class : int
        Images per row; a class with fewer leaves cells empty.
    title : str or None
        Title above the grid.
    size : float
        Side of one cell, in inches.

    Returns
    -------
    matplotlib.figure.Figure
        The new figure.
    """
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
    """Bar chart of samples per class (a dict or pandas Series), with the counts written on the bars.

    Parameters
    ----------
    counts : dict or pandas.Series
        Class name -> number of samples.
    ax : matplotlib.axes.Axes or None
        Where to draw (default: a new figure).
    title : str or None
        Title above the chart.
    figsize : tuple of float
        Size of the new figure, in inches.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
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

    Parameters
    ----------
    frames : array_like
        ``(T, H, W)`` or ``(T, H, W, 3)`` ``uint8`` frames.
    indices : sequence of int or None
        The frames to show, in order.
    marks : dict or None
        Name -> frame index; marked frames get the name in a red title.
    fps : float or None
        Frame rate: titles give the time in seconds instead of the frame number.
    size : float
        Width of one frame, in inches.

    Returns
    -------
    matplotlib.figure.Figure
        The new figure.
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
    """Curves over time (name -> per-frame values) with shaded intervals (name -> (start, end) frames).

    Parameters
    ----------
    tracks : dict
        Name -> one value per frame; each becomes a line.
    fps : float
        Frame rate, to turn frame numbers into seconds.
    intervals : dict or None
        Name -> ``(start, end)`` frame numbers, shaded and named in the legend.
    ax : matplotlib.axes.Axes or None
        Where to draw (default: a new figure).
    title : str or None
        Title above the plot.
    figsize : tuple of float
        Size of the new figure, in inches.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
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


# ------------------------------------------------------- expressions by intensity


def expression_grid(expressions=None, intensities=GRID_INTENSITIES, who=None, look=None, size: int = 96,
                    seed: int = 0, cell: float = 1.2, transpose: bool = False, title: str | None = None):
    """A grid of :func:`expression_faces`: one row per expression, one column per intensity.

    Each expression is labelled with its name and its AUs in FACS notation (``R12`` = the
    person's right side, which is the image's left), each intensity with its value.
    ``transpose=True`` swaps the two: one column per expression.  Returns the figure.

    Parameters
    ----------
    expressions : optional
        The expressions, as :func:`fercourse.synth.expression_patterns` takes them
        (default: all prototypes).
    intensities : array_like
        The intensities, one column (or row) each.
    who, look : optional
        The synthetic person and look, passed to :func:`fercourse.synth.expression_faces`.
    size : int
        Side of each rendered face, in pixels.
    seed : int
        Seed of the face generator.
    cell : float
        Side of one cell, in inches.
    transpose : bool
        One column per expression instead of one row.
    title : str or None
        Title above the grid (default: ``"intensity of the prototype"``).

    Returns
    -------
    matplotlib.figure.Figure
        The new figure.
    """
    patterns = expression_patterns(expressions)
    labels, images, _ = expression_faces(patterns, intensities, who=who, look=look, size=size, seed=seed)
    levels = np.atleast_1d(np.asarray(intensities, dtype=float))
    n_expr, n_levels = images.shape[:2]
    rows, cols = (n_levels, n_expr) if transpose else (n_expr, n_levels)
    extra = (0.5, 0.9) if transpose else (0.9, 0.5)  # inches for the labels (left, top)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * cell + extra[0], rows * cell + extra[1]), squeeze=False)
    for e, label in enumerate(labels):
        name = f"{label}\n{'+'.join(str(au) for au in patterns[label]) or '0'}"
        for k in range(n_levels):
            ax = axes[k, e] if transpose else axes[e, k]
            ax.imshow(images[e, k])
            ax.set_xticks([])
            ax.set_yticks([])
        if transpose:
            axes[0, e].set_title(name, fontsize=8)
        else:
            axes[e, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=8)
    for k, level in enumerate(levels):
        if transpose:
            axes[k, 0].set_ylabel(f"{level:.2f}", rotation=0, ha="right", va="center", fontsize=8)
        else:
            axes[0, k].set_title(f"{level:.2f}", fontsize=8)
    fig.suptitle(title or "intensity of the prototype", fontsize=9)
    fig.tight_layout()
    return fig


__all__ += ["expression_grid"]


# ------------------------------------------------------------ preprocessing (chapter 03)

#: Colours of the facial regions of ``fercourse.mesh.REGIONS`` in the preprocessing plots.
REGION_COLOURS = {
    "right_eye": "#e53935", "left_eye": "#1e88e5", "right_brow": "#fb8c00", "left_brow": "#00acc1",
    "right_iris": "#ffeb3b", "left_iris": "#c0ca33", "nose": "#8e24aa", "mouth": "#d81b60", "face_oval": "#43a047",
}
_METHOD_COLOURS = ["#ff4081", "#00e5ff", "#ffea00", "#76ff03", "#ff9100"]


def _points_xy(points) -> np.ndarray:
    """``(N, 2)`` from a FaceMesh or an ``(N, 2|3)`` array."""
    from fercourse.face import FaceMesh

    xy = np.asarray(points.landmarks if isinstance(points, FaceMesh) else points, dtype=float)
    if xy.ndim != 2 or xy.shape[1] not in (2, 3):
        raise InvalidInputError(f"points has shape {xy.shape}; expected a FaceMesh or (N, 2|3) pixel coordinates.")
    return xy[:, :2]


def _zoom_to(ax, xy, pad: float = 0.15):
    """Limit the view to the points' box plus ``pad`` of its longer side."""
    (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
    margin = pad * max(x1 - x0, y1 - y0)
    ax.set_xlim(x0 - margin, x1 + margin)
    ax.set_ylim(y1 + margin, y0 - margin)


def show_regions(image, landmarks, ax=None, regions=None, zoom: bool = True, legend: bool = True, size: float = 6.0,
                 title: str | None = None, figsize=(5, 5)):
    """The 478 landmarks over ``image``, coloured by facial region (``fercourse.mesh.REGIONS``).

    ``landmarks``: a FaceMesh or ``(478, 2|3)`` points.  Points in no region are
    drawn small and grey; ``regions`` picks the regions to colour (default all).
    Left and right are the subject's, as in the region names.

    Parameters
    ----------
    image : array_like or str
        The picture, as :func:`show_image` takes it.
    landmarks : FaceMesh or array_like
        The points.
    ax : matplotlib.axes.Axes or None
        Where to draw (default: a new figure).
    regions : sequence of str or None
        Keys of ``fercourse.mesh.REGIONS`` to colour.
    zoom : bool
        Limit the view to the points plus a margin.
    legend : bool
        Name the regions in a legend beside the image.
    size : float
        Marker size of the coloured points.
    title : str or None
        Title above the image.
    figsize : tuple of float
        Size of the new figure, in inches.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    InvalidInputError
        If a region name is unknown or the points do not have shape ``(N, 2|3)``.
    """
    xy = _points_xy(landmarks)
    ax = show_image(image, ax=ax, title=title, figsize=figsize)
    names = list(mesh.REGIONS) if regions is None else list(regions)
    unknown = [n for n in names if n not in mesh.REGIONS]
    if unknown:
        raise InvalidInputError(f"Unknown regions {unknown}; choose from {', '.join(mesh.REGIONS)}.")
    coloured = np.zeros(len(xy), dtype=bool)
    for name in names:
        index = mesh.REGIONS[name]
        index = index[index < len(xy)]
        coloured[index] = True
        ax.scatter(xy[index, 0], xy[index, 1], s=size, c=REGION_COLOURS[name], label=name.replace("_", " "),
                   linewidths=0)
    ax.scatter(xy[~coloured, 0], xy[~coloured, 1], s=size / 4, c="#bdbdbd", linewidths=0, alpha=0.7)
    if legend:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), markerscale=2, frameon=False)
    if zoom:
        _zoom_to(ax, xy)
    return ax


def show_landmarks(image, points, ax=None, numbers: bool = False, zoom: bool = True, color: str = "#ffea00",
                   size: float = 10.0, title: str | None = None, figsize=(5, 5)):
    """Points over ``image`` (a FaceMesh or ``(N, 2|3)``), numbered from 0 with ``numbers=True``.

    Parameters
    ----------
    image : array_like or str
        The picture, as :func:`show_image` takes it.
    points : FaceMesh or array_like
        The points.
    ax : matplotlib.axes.Axes or None
        Where to draw (default: a new figure).
    numbers : bool
        Write each point's index beside it.
    zoom : bool
        Limit the view to the points plus a margin.
    color : str
        Colour of the dots.
    size : float
        Marker size.
    title : str or None
        Title above the image.
    figsize : tuple of float
        Size of the new figure, in inches.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    InvalidInputError
        If the points do not have shape ``(N, 2|3)``.
    """
    xy = _points_xy(points)
    ax = show_image(image, ax=ax, title=title, figsize=figsize)
    ax.scatter(xy[:, 0], xy[:, 1], s=size, c=color, edgecolors="black", linewidths=0.3)
    if numbers:
        for k, (x, y) in enumerate(xy):
            ax.annotate(str(k), (x, y), xytext=(2, 2), textcoords="offset points", fontsize=6, color="white")
    if zoom:
        _zoom_to(ax, xy)
    return ax


def show_detections(image, detections, truth=None, ax=None, title: str | None = None, figsize=(5, 5),
                    legend: bool = True, zoom: float | None = None):
    """Face boxes over ``image``: ``detections`` is a list of Detections or boxes, or a dict label -> list.

    Each label gets its own colour (listed in the legend even when it found
    nothing); keypoints, when a detection has them, are dots.  ``truth`` (a
    list of ``(x, y, w, h)`` boxes) is drawn dashed in white.  ``zoom``: limit
    the view to the boxes plus that fraction of their extent on every side.

    Parameters
    ----------
    image : array_like or str
        The picture, as :func:`show_image` takes it.
    detections : list or dict
        Detections or ``(x, y, w, h)`` boxes, or label -> such a list.
    truth : list or None
        True boxes.
    ax : matplotlib.axes.Axes or None
        Where to draw (default: a new figure).
    title : str or None
        Title above the image.
    figsize : tuple of float
        Size of the new figure, in inches.
    legend : bool
        Name the labels in a legend beside the image.
    zoom : float or None
        Margin around the boxes, as a fraction of their extent (``None``: whole image).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    from matplotlib.patches import Patch

    from fercourse.face import Detection

    ax = show_image(image, ax=ax, title=title, figsize=figsize)
    groups = detections if isinstance(detections, dict) else {"detected": detections}
    handles, corners = [], []
    for k, (label, found) in enumerate(groups.items()):
        colour = _METHOD_COLOURS[k % len(_METHOD_COLOURS)]
        handles.append(Patch(fill=False, ec=colour, lw=1.6, label=label))
        for item in found:
            box = item.box if isinstance(item, Detection) else item
            x, y, w, h = (float(v) for v in box)
            corners += [(x, y), (x + w, y + h)]
            ax.add_patch(plt.Rectangle((x, y), w, h, fill=False, ec=colour, lw=1.6))
            if isinstance(item, Detection) and item.keypoints is not None:
                ax.scatter(item.keypoints[:, 0], item.keypoints[:, 1], s=9, c=colour, linewidths=0)
    for box in truth or []:
        x, y, w, h = (float(v) for v in box)
        corners += [(x, y), (x + w, y + h)]
        ax.add_patch(plt.Rectangle((x, y), w, h, fill=False, ec="white", lw=1.0, ls="--"))
    if truth:
        handles.append(Patch(fill=False, ec="white", lw=1.0, ls="--", label="truth"))
    if legend:
        ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), facecolor="#757575",
                  edgecolor="none", labelcolor="white", framealpha=1.0)
    if zoom is not None and corners:
        _zoom_to(ax, np.array(corners), pad=zoom)
    return ax


def show_eye_line(image, eyes, ax=None, zoom: float | None = 3.0, title: str | None = None, figsize=(4, 4)):
    """The two eye centres, the eye line through them, a level reference line and the angle between them.

    ``eyes``: anything :func:`fercourse.face.eye_centers` accepts.  ``zoom``: show
    a window ``zoom`` eye distances wide around the eyes (``None``: the whole image).

    Parameters
    ----------
    image : array_like or str
        The picture, as :func:`show_image` takes it.
    eyes : object
        The eye centres, or what they are measured from.
    ax : matplotlib.axes.Axes or None
        Where to draw (default: a new figure).
    zoom : float or None
        Width of the view in eye distances.
    title : str or None
        Title above the image.
    figsize : tuple of float
        Size of the new figure, in inches.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    from fercourse import face

    right, left = face.eye_centers(eyes)
    angle = round(face.eye_line_angle([right, left]), 1) + 0.0  # + 0.0 turns -0.0 into 0.0
    ax = show_image(image, ax=ax, title=title, figsize=figsize)
    middle, distance = (right + left) / 2.0, float(np.linalg.norm(left - right))
    reach = 0.75 * distance
    ax.plot([middle[0] - reach, middle[0] + reach], [middle[1], middle[1]], ls="--", c="white", lw=1.0)
    direction = (left - right) / distance
    ends = np.array([middle - reach * direction, middle + reach * direction])
    ax.plot(ends[:, 0], ends[:, 1], c="#ff4081", lw=1.8)
    ax.scatter([right[0], left[0]], [right[1], left[1]], s=25, c="#ffea00", edgecolors="black", linewidths=0.5,
               zorder=3)
    ax.text(middle[0], middle[1] - 0.35 * distance, f"{angle:+.1f}\N{DEGREE SIGN}", color="white", ha="center",
            fontsize=9, bbox={"fc": "black", "alpha": 0.5, "lw": 0})
    if zoom:
        half = zoom * distance / 2.0
        ax.set_xlim(middle[0] - half, middle[0] + half)
        ax.set_ylim(middle[1] + 1.3 * half, middle[1] - 0.7 * half)
    return ax


def show_crop_geometry(image, eyes, x_factor: float = 2.1, y_factor: float = 3.2, eye_level: float = 1.0 / 3.0,
                       ax=None, title: str | None = None, figsize=(5, 5)):
    """The region that :func:`fercourse.face.crop_by_eyes` cuts, drawn on ``image`` with its measures.

    The eye distance ``d`` between the eye centres, the crop ``x_factor * d``
    wide and ``y_factor * d`` high, the eye line ``eye_level`` of the height
    from the top; the view is limited to the crop plus a margin.

    Parameters
    ----------
    image : array_like or str
        The picture, as :func:`show_image` takes it.
    eyes : object
        The eye centres, as :func:`fercourse.face.eye_centers` accepts them.
    x_factor : float
        Width of the crop in eye distances.
    y_factor : float
        Height of the crop in eye distances.
    eye_level : float
        Where the eye line lies, as a fraction of the height from the top.
    ax : matplotlib.axes.Axes or None
        Where to draw (default: a new figure).
    title : str or None
        Title above the image.
    figsize : tuple of float
        Size of the new figure, in inches.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    from fercourse import face

    right, left = face.eye_centers(eyes)
    distance = float(np.linalg.norm(left - right))
    tilt = face.eye_line_angle([right, left])
    corners = face.crop_corners([right, left], x_factor, y_factor, eye_level)
    across = (corners[1] - corners[0]) / np.linalg.norm(corners[1] - corners[0])
    down = (corners[3] - corners[0]) / np.linalg.norm(corners[3] - corners[0])
    middle = (right + left) / 2.0
    ax = show_image(image, ax=ax, title=title, figsize=figsize)
    ax.add_patch(plt.Polygon(corners, closed=True, fill=False, ec="#ffea00", lw=1.8))
    ax.plot([right[0], left[0]], [right[1], left[1]], c="#ff4081", lw=1.8, marker="o", ms=4)
    eye_height = eye_level * y_factor * distance
    edge = corners[0] + eye_height * down
    ax.plot([edge[0], middle[0]], [edge[1], middle[1]], c="white", lw=0.9, ls=":")
    style = {"ha": "center", "va": "center", "bbox": {"fc": "black", "alpha": 0.55, "lw": 0}}
    labels = [
        (middle - 0.2 * distance * down, "d", "#ff4081", -tilt),
        ((corners[0] + corners[1]) / 2 + 0.15 * distance * down, f"{x_factor:g} d", "#ffea00", -tilt),
        ((corners[1] + corners[2]) / 2 - 0.15 * distance * across, f"{y_factor:g} d", "#ffea00", 90 - tilt),
        (corners[0] + 0.5 * eye_height * down + 0.15 * distance * across, f"{eye_level * y_factor:.2f} d", "white",
         90 - tilt),
    ]
    for xy, text, colour, rotation in labels:
        ax.text(*xy, text, color=colour, fontsize=9, rotation=rotation, **style)
    _zoom_to(ax, corners, pad=0.08)
    return ax


__all__ += ["REGION_COLOURS", "show_regions", "show_landmarks", "show_detections", "show_eye_line",
            "show_crop_geometry"]


def plot_confusion(confusion, labels, ax=None, title: str | None = None, normalise: bool = True):
    """A confusion matrix (counts, rows = true class) as an image; ``normalise`` scales each row to sum to 1.

    Build the matrix with :func:`fercourse.metrics.confusion_matrix` or take it from
    :func:`fercourse.models.evaluate` (its ``confusion``).

    Parameters
    ----------
    confusion : array_like
        ``(K, K)`` counts, rows the true class and columns the predicted one.
    labels : sequence of str
        The K class names.
    ax : matplotlib.axes.Axes or None
        Where to draw (default: a new figure).
    title : str or None
        Title above the matrix.
    normalise : bool
        Show row fractions (two decimals) instead of counts.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    m = np.asarray(confusion, dtype=np.float64)
    if normalise:
        m = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    ax = ax or plt.subplots(figsize=(4.2, 3.8))[1]
    ax.imshow(m, cmap="Blues", vmin=0, vmax=1 if normalise else None)
    for (i, j), v in np.ndenumerate(m):
        ax.text(j, i, f"{v:.2f}" if normalise else int(v), ha="center", va="center", fontsize=6,
                color="white" if v > 0.5 * m.max() else "black")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set(xlabel="predicted", ylabel="true")
    if title:
        ax.set_title(title, fontsize=9)
    return ax


__all__ += ["plot_confusion"]
