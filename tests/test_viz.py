"""fercourse.viz: the shared plots draw what they claim."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402

from fercourse import face, synth, viz  # noqa: E402
from fercourse import mesh as mesh_module  # noqa: E402
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
    points = np.random.default_rng(0).uniform(10, 90, (mesh_module.N_LANDMARKS, 3)).astype(np.float32)
    mesh = face.FaceMesh(points, image_size=(100, 100))
    ax = viz.show_mesh(np.zeros((100, 100, 3), np.uint8), mesh, zoom=True)
    lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(lines) == 1 and len(lines[0].get_segments()) == len(mesh_module.edges()) == 1322
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


def test_expression_faces_scale_prototypes_on_one_face():
    labels, images, points = synth.expression_faces(["happy", "contempt"], intensities=(0.0, 1.0), size=48)
    assert labels == ["happy", "contempt"]
    assert images.shape == (2, 2, 48, 48, 3) and images.dtype == np.uint8 and points.shape == (2, 2, 478, 3)
    assert np.array_equal(images[0, 0], images[1, 0])  # intensity 0: the same face at rest in every row
    assert not np.array_equal(images[0, 1], images[0, 0])
    # contempt is one-sided: the person's right lip corner (landmark 61, image left) moves, the left (291) hardly
    moved = np.linalg.norm(points[1, 1, :, :2] - points[1, 0, :, :2], axis=1)
    assert moved[61] > 5 * moved[291]
    with pytest.raises(InvalidInputError, match="No prototype"):
        synth.expression_faces(["joy"])
    with pytest.raises(InvalidInputError, match="intensities"):
        synth.expression_faces(["happy"], intensities=(1.5,))


def test_expression_grid_labels_rows_and_columns():
    fig = viz.expression_grid({"left contempt": {"L12": 0.6, "L14": 0.7}}, intensities=(0.5, 1.0), size=32)
    axes = np.array(fig.axes).reshape(1, 2)
    assert axes[0, 0].get_ylabel() == "left contempt\nL12+L14"
    assert [ax.get_title() for ax in axes[0]] == ["0.50", "1.00"]
    assert viz.expression_grid(["happy"], intensities=(1.0,), size=32).axes[0].get_ylabel() == "happy\n6+12"
    plt.close("all")


def test_expression_grid_transposed_puts_expressions_in_columns():
    fig = viz.expression_grid({"AU12": {12: 1.0}, "AU26": {26: 1.0}}, intensities=(0.5, 1.0), size=32, transpose=True)
    axes = np.array(fig.axes).reshape(2, 2)
    assert [ax.get_title() for ax in axes[0]] == ["AU12\n12", "AU26\n26"]
    assert [ax.get_ylabel() for ax in axes[:, 0]] == ["0.50", "1.00"]
    plt.close("all")


# ------------------------------------------------------ preprocessing plots (chapter 03)


def _mesh_points():
    """The canonical face with its irises, scaled into a 200 x 200 image."""
    from fercourse import synth

    points = synth.canonical_mesh()[:, :2]
    return (points - points.min(axis=0)) / np.ptp(points, axis=0).max() * 150 + 25


def test_show_regions_colours_every_region_and_greys_the_rest():
    xy = _mesh_points()
    ax = viz.show_regions(np.zeros((200, 200, 3), np.uint8), xy)
    assert len(ax.collections) == len(mesh_module.REGIONS) + 1
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [n.replace("_", " ") for n in mesh_module.REGIONS]
    sizes = {c.get_label(): len(c.get_offsets()) for c in ax.collections}
    assert sizes["left eye"] == len(mesh_module.REGIONS["left_eye"])
    ax = viz.show_regions(np.zeros((200, 200, 3), np.uint8), xy, regions=["mouth"], legend=False)
    assert len(ax.collections) == 2 and ax.get_legend() is None
    with pytest.raises(InvalidInputError, match="Unknown regions"):
        viz.show_regions(np.zeros((200, 200, 3), np.uint8), xy, regions=["ears"])
    plt.close("all")


def test_show_landmarks_numbers_the_points():
    points = np.array([[10.0, 10.0], [20.0, 30.0], [40.0, 15.0]])
    ax = viz.show_landmarks(np.zeros((50, 50), np.uint8), points, numbers=True)
    assert [t.get_text() for t in ax.texts] == ["0", "1", "2"]
    assert len(viz.show_landmarks(np.zeros((50, 50), np.uint8), points).texts) == 0
    plt.close("all")


def test_show_detections_draws_every_box_and_lists_every_detector():
    found = {
        "a": [face.Detection((10, 10, 20, 20), 0.9, np.zeros((6, 2), np.float32), "blazeface")],
        "b": [(50, 50, 10, 10), (5, 5, 5, 5)],
        "c": [],
    }
    ax = viz.show_detections(np.zeros((100, 100, 3), np.uint8), found, truth=[(12, 12, 18, 18)], zoom=0.1)
    assert len(ax.patches) == 4  # three detections and one true box
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b", "c", "truth"]
    assert ax.get_xlim()[0] < 5 and ax.get_xlim()[1] > 60
    plt.close("all")


def test_show_eye_line_writes_the_angle():
    ax = viz.show_eye_line(np.zeros((100, 100), np.uint8), [[30.0, 50.0], [70.0, 50.0]])
    assert [t.get_text() for t in ax.texts] == ["+0.0\N{DEGREE SIGN}"]
    ax = viz.show_eye_line(np.zeros((100, 100), np.uint8), [[30.0, 40.0], [70.0, 80.0]], zoom=None)
    assert [t.get_text() for t in ax.texts] == ["+45.0\N{DEGREE SIGN}"]
    plt.close("all")


def test_show_crop_geometry_draws_the_crop_of_crop_by_eyes():
    eyes = [[40.0, 60.0], [80.0, 60.0]]
    ax = viz.show_crop_geometry(np.zeros((200, 200), np.uint8), eyes)
    (polygon,) = [p for p in ax.patches if isinstance(p, plt.Polygon)]
    assert np.allclose(polygon.get_xy()[:4], face.crop_corners(eyes))
    assert {"d", "2.1 d", "3.2 d", "1.07 d"} <= {t.get_text() for t in ax.texts}
    plt.close("all")


def test_confusion_plot_normalises_rows_and_labels_axes():
    ax = viz.plot_confusion(np.array([[3, 1], [0, 4]]), ["happy", "sad"], title="t")
    assert [t.get_text() for t in ax.texts] == ["0.75", "0.25", "0.00", "1.00"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["happy", "sad"]
    plt.close("all")
