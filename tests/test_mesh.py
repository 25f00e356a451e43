"""fercourse.mesh: the 478-point mesh's numbering, index sets, mirroring and the one inter-ocular distance."""

import itertools
import subprocess
import sys

import numpy as np
import pytest

from fercourse import mesh
from fercourse.errors import InvalidInputError


def _face(right=(10.0, 20.0), left=(70.0, 20.0), radius=4.0, n_points=mesh.N_LANDMARKS, dims=2):
    """Landmarks whose eye contours are circles around known centres (everything else at the origin)."""
    points = np.zeros((n_points, dims))
    for ring, centre in ((mesh.RIGHT_EYE_RING, right), (mesh.LEFT_EYE_RING, left)):
        angle = 2 * np.pi * np.arange(len(ring)) / len(ring)
        points[list(ring), :2] = np.asarray(centre) + radius * np.c_[np.cos(angle), np.sin(angle)]
    return points


def test_the_module_loads_without_heavy_packages():
    code = (
        "import sys, fercourse.mesh; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('mediapipe', 'cv2', 'torch', 'tensorflow', 'pandas') or m in ('fercourse.face', 'fercourse.synth')))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_sizes_and_iris_indices():
    assert mesh.N_LANDMARKS == 478 and mesh.N_MESH_POINTS == 468
    assert mesh.RIGHT_IRIS == tuple(range(468, 473)) and mesh.LEFT_IRIS == tuple(range(473, 478))
    assert mesh.IRIS_CENTERS == {"right": 468, "left": 473}
    assert len(mesh.RIGHT_EYE_RING) == len(set(mesh.RIGHT_EYE_RING)) == 16
    assert len(mesh.LEFT_EYE_RING) == len(set(mesh.LEFT_EYE_RING)) == 16
    assert mesh.RIGHT_EYE_RING[0] == 33 and mesh.LEFT_EYE_RING[0] == 263  # the outer corners


def test_inter_ocular_distance_of_known_eye_centres():
    points = _face()
    assert mesh.inter_ocular_distance(points) == pytest.approx(60.0)
    assert isinstance(mesh.inter_ocular_distance(points), float)
    assert np.allclose(mesh.eye_centers(points), [[10.0, 20.0], [70.0, 20.0]])  # right eye first
    assert mesh.inter_ocular_distance(points[: mesh.N_MESH_POINTS]) == pytest.approx(60.0)  # without irises
    tilted = _face(right=(0.0, 0.0), left=(30.0, 40.0))
    assert mesh.inter_ocular_distance(tilted) == pytest.approx(50.0)


def test_inter_ocular_distance_in_2d_and_3d():
    points = _face(dims=3)
    points[list(mesh.LEFT_EYE_RING), 2] = 80.0  # the left eye 80 further from the camera
    assert mesh.inter_ocular_distance(points) == pytest.approx(60.0)  # image plane by default
    assert mesh.inter_ocular_distance(points, use_z=True) == pytest.approx(100.0)
    assert mesh.eye_centers(points).shape == (2, 2)
    assert np.allclose(mesh.eye_centers(points, use_z=True), [[10.0, 20.0, 0.0], [70.0, 20.0, 80.0]])


def test_inter_ocular_distance_of_a_batch():
    batch = np.stack([_face(), 2 * _face(), _face(left=(10.0, 50.0))])
    distances = mesh.inter_ocular_distance(batch)
    assert distances.shape == (3,) and np.allclose(distances, [60.0, 120.0, 30.0])
    assert mesh.eye_centers(batch).shape == (3, 2, 2)
    assert mesh.inter_ocular_distance(batch[:1]).shape == (1,)


def test_inter_ocular_distance_of_the_68_point_layout():
    points = np.zeros((68, 2))
    points[mesh.RIGHT_EYE_68] = (0.0, 0.0)
    points[mesh.LEFT_EYE_68] = (5.0, 12.0)
    assert mesh.inter_ocular_distance(points) == pytest.approx(13.0)
    full = _face()
    assert mesh.eye_centers(full[mesh.LANDMARKS_68]).shape == (2, 2)


def test_an_object_with_landmarks_counts_as_one_face():
    class Face:
        landmarks = _face(dims=3)

    assert mesh.inter_ocular_distance(Face()) == pytest.approx(60.0)


def test_the_eye_distance_is_the_same_in_face_and_mesh():
    from fercourse import face

    points = _face(right=(12.0, 31.0), left=(66.0, 22.0))
    assert np.allclose(face.eye_centers(points), mesh.eye_centers(points))


@pytest.mark.parametrize(
    "bad",
    [np.zeros((477, 2)), np.zeros((478, 4)), np.zeros(478), np.zeros((2, 2, 478, 2)), "landmarks.csv", [[1, 2], [3]]],
    ids=["477 points", "4 coordinates", "1-d", "4-d", "a string", "ragged"],
)
def test_a_wrong_shape_is_refused_clearly(bad):
    with pytest.raises(InvalidInputError, match="landmarks"):
        mesh.inter_ocular_distance(bad)


def test_coinciding_eyes_are_refused_and_nan_gives_nan():
    with pytest.raises(InvalidInputError, match="coincide in this face"):
        mesh.inter_ocular_distance(np.zeros((478, 2)))
    with pytest.raises(InvalidInputError, match=r"coincide in face\(s\) \[1\]"):
        mesh.inter_ocular_distance(np.stack([_face(), np.zeros((478, 2))]))
    points = _face()
    points[33, 0] = np.nan
    assert np.isnan(mesh.inter_ocular_distance(points))


@pytest.mark.parametrize("n_points", [478, 468, 68])
def test_mirror_indices_are_a_permutation_that_is_its_own_inverse(n_points):
    perm = mesh.mirror_indices(n_points)
    assert perm.shape == (n_points,) and sorted(perm.tolist()) == list(range(n_points))
    assert np.array_equal(perm[perm], np.arange(n_points))
    assert not perm.flags.writeable


def test_mirror_indices_swap_the_eyes_and_irises():
    perm = mesh.mirror_indices()
    assert set(perm[list(mesh.RIGHT_EYE_RING)].tolist()) == set(mesh.LEFT_EYE_RING)
    assert perm[mesh.IRIS_CENTERS["right"]] == mesh.IRIS_CENTERS["left"]
    assert np.array_equal(mesh.mirror_indices(468), perm[:468])
    with pytest.raises(InvalidInputError, match="n_points must be"):
        mesh.mirror_indices(100)


@pytest.mark.parametrize("n_points", [478, 468, 68])
def test_mirroring_twice_is_the_identity(n_points):
    points = np.random.default_rng(0).uniform(0, 200, (2, n_points, 3))
    once = mesh.mirror(points, width=200)
    assert once.shape == points.shape and not np.allclose(once, points)
    assert np.allclose(mesh.mirror(once, width=200), points)
    assert np.allclose(mesh.mirror(mesh.mirror(points[0], 200), 200), points[0])


def test_mirror_moves_the_right_eye_to_the_left_eye():
    points = _face(right=(40.0, 20.0), left=(90.0, 25.0))
    mirrored = mesh.mirror(points, width=121)  # x -> 120 - x
    assert np.allclose(mesh.eye_centers(mirrored), [[30.0, 25.0], [80.0, 20.0]])
    assert mesh.inter_ocular_distance(mirrored) == pytest.approx(mesh.inter_ocular_distance(points))
    with pytest.raises(InvalidInputError, match="width must be a positive number"):
        mesh.mirror(points, width=0)


def test_regions_are_disjoint_index_sets_of_known_sizes():
    regions = mesh.REGIONS
    sizes = {"left_eye": 16, "right_eye": 16, "left_brow": 10, "right_brow": 10, "nose": 24, "mouth": 40,
             "face_oval": 36, "left_iris": 5, "right_iris": 5}
    assert {name: len(index) for name, index in regions.items()} == sizes
    for a, b in itertools.combinations(regions, 2):
        assert not set(regions[a].tolist()) & set(regions[b].tolist()), (a, b)
    for index in regions.values():
        assert index.dtype == np.int64 and not index.flags.writeable
        assert np.all(np.diff(index) > 0) and 0 <= index.min() and index.max() < mesh.N_LANDMARKS
    assert regions["right_eye"].tolist() == sorted(mesh.RIGHT_EYE_RING)
    assert regions["left_eye"].tolist() == sorted(mesh.LEFT_EYE_RING)
    assert regions["right_iris"].tolist() == list(mesh.RIGHT_IRIS)
    assert regions["left_iris"].tolist() == list(mesh.LEFT_IRIS)
    assert "REGIONS" in dir(mesh)


def test_regions_mirror_onto_each_other():
    perm = mesh.mirror_indices()
    for part in ("eye", "brow", "iris"):
        assert set(perm[mesh.REGIONS[f"left_{part}"]].tolist()) == set(mesh.REGIONS[f"right_{part}"].tolist())
    for part in ("nose", "mouth", "face_oval"):
        assert set(perm[mesh.REGIONS[part]].tolist()) == set(mesh.REGIONS[part].tolist())


def test_crop_points_name_regions():
    assert tuple(mesh.CROP_POINTS) == mesh.CROP_REGIONS
    assert all(r in mesh.REGIONS for names in mesh.CROP_POINTS.values() for r in names)


def test_landmarks_68_shape_range_and_eyes():
    index = mesh.LANDMARKS_68
    assert index.shape == (68,) and index.dtype == np.int64 and not index.flags.writeable
    assert len(set(index.tolist())) == 68 and index.min() >= 0 and index.max() < mesh.N_MESH_POINTS
    assert set(index[mesh.RIGHT_EYE_68].tolist()) <= set(mesh.RIGHT_EYE_RING)
    assert set(index[mesh.LEFT_EYE_68].tolist()) <= set(mesh.LEFT_EYE_RING)
    assert mesh.RIGHT_EYE_68 == slice(36, 42) and mesh.LEFT_EYE_68 == slice(42, 48)


def test_edges_are_the_sides_of_the_triangles():
    edges, triangles = mesh.edges(), mesh.triangles()
    assert edges.shape == (1322, 2) and triangles.shape == (852, 3)
    assert np.all(edges[:, 0] < edges[:, 1]) and len(np.unique(edges)) == mesh.N_MESH_POINTS
    sides = {tuple(sorted((int(t[i]), int(t[(i + 1) % 3])))) for t in triangles for i in range(3)}
    assert sides == set(map(tuple, edges.tolist()))
    assert not edges.flags.writeable and not triangles.flags.writeable


def test_canonical_mesh_is_symmetric_in_image_axes():
    canonical = mesh.canonical_mesh()
    assert canonical.shape == (468, 3) and canonical.dtype == np.float32 and not canonical.flags.writeable
    assert canonical[263, 0] > canonical[33, 0] and canonical[152, 1] > canonical[10, 1]  # x right, y down
    perm = mesh.mirror_indices(468)
    assert np.allclose(canonical[perm] * [-1, 1, 1], canonical, atol=1e-4)
    assert mesh.inter_ocular_distance(canonical) == pytest.approx(6.32, abs=0.01)  # centimetres


def test_the_mesh_conventions_have_one_home():
    from fercourse import face

    moved = {"REGIONS", "LANDMARKS_68", "CROP_REGIONS", "N_LANDMARKS", "mesh_edges", "canonical_mesh", "mirror_indices"}
    assert not moved & set(face.__all__)
    assert not any(hasattr(face, name) for name in moved)
