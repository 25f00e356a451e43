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
