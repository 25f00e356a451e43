"""fercourse.viz: the shared plots draw what they claim."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402

from fercourse import face, viz  # noqa: E402
from fercourse.errors import InvalidInputError  # noqa: E402


def test_probability_bars_highlight_the_top_class():
    ax = viz.plot_probabilities([0.1, 0.7, 0.2], ["a", "b", "c"])
    bars = ax.patches
    assert [round(b.get_width(), 3) for b in bars] == [0.1, 0.7, 0.2]
    assert bars[1].get_facecolor() != bars[0].get_facecolor()
    plt.close("all")


def test_probability_and_label_counts_must_match():
    with pytest.raises(InvalidInputError, match="3 probabilities but 2 labels"):
        viz.plot_probabilities([0.1, 0.7, 0.2], ["a", "b"])


def test_mesh_overlay_draws_every_edge():
    points = np.random.default_rng(0).uniform(10, 90, (face.N_LANDMARKS, 3)).astype(np.float32)
    mesh = face.FaceMesh(points, image_size=(100, 100))
    ax = viz.show_mesh(np.zeros((100, 100, 3), np.uint8), mesh, zoom=True)
    lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(lines) == 1 and len(lines[0].get_segments()) == len(face.mesh_edges()) == 1322
    plt.close("all")


def test_sample_grid_has_a_row_per_class_and_labels_rows():
    images = np.zeros((6, 8, 8), np.uint8)
    fig = viz.sample_grid(images, ["a", "b", "a", "b", "c", "a"], per_class=3)
    axes = np.array(fig.axes).reshape(3, 3)
    assert [ax.get_ylabel() for ax in axes[:, 0]] == ["a", "b", "c"]
    assert len(axes[2, 1].images) == 0 and len(axes[0, 2].images) == 1  # class c has one image, a has three
    plt.close("all")


def test_class_counts_writes_the_numbers():
    ax = viz.class_counts({"happy": 8989, "disgust": 547})
    assert [t.get_text() for t in ax.texts] == ["8,989", "547"]
    plt.close("all")


def test_filmstrip_marks_frames_and_timeline_shades_intervals():
    frames = np.zeros((30, 8, 8), np.uint8)
    fig = viz.filmstrip(frames, marks={"apex": 13}, fps=30)
    titles = [ax.get_title() for ax in fig.axes]
    assert any("apex" in t and "0.43 s" in t for t in titles)
    ax = viz.timeline({"AU12": np.linspace(0, 1, 30)}, fps=30, intervals={"event": (5, 20)})
    assert len(ax.lines) == 1 and len(ax.patches) == 1
    plt.close("all")
