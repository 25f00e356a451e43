"""fercourse.face: image checks, the 478-point mesh on a real photo, crops."""

import numpy as np
import pytest
from skimage.data import astronaut, coffee

from fercourse import face
from fercourse.errors import InvalidInputError, NoFaceError


@pytest.fixture(scope="module")
def astronaut_mesh():
    faces = face.detect_meshes(astronaut())
    assert len(faces) == 1
    return faces[0]


def test_astronaut_has_one_face_with_full_mesh(astronaut_mesh):
    mesh = astronaut_mesh
    assert mesh.landmarks.shape == (face.N_LANDMARKS, 3)
    assert len(mesh.blendshapes) == 52
    assert mesh.transform.shape == (4, 4)
    x, y, w, h = mesh.box
    # The face is in the upper middle of the 512 x 512 portrait.
    assert 150 < x < 220 and 40 < y < 110 and 70 < w < 130 and 80 < h < 140
    assert np.allclose(mesh.normalized[:, :2] * 512, mesh.landmarks[:, :2])


def test_smile_blendshapes_are_high_on_the_smiling_astronaut(astronaut_mesh):
    shapes = astronaut_mesh.blendshapes
    assert shapes["mouthSmileLeft"] > 0.5 and shapes["mouthSmileRight"] > 0.5
    assert shapes["mouthFrownLeft"] < 0.05
    assert astronaut_mesh.blendshape_vector().shape == (52,)


def test_no_face_in_a_coffee_cup():
    assert face.detect_meshes(coffee()) == []
    with pytest.raises(NoFaceError, match="No face was found"):
        face.detect_mesh(coffee())


def test_two_faces_when_one_is_expected():
    image = astronaut()[:300, 100:300]
    pair = np.ascontiguousarray(np.concatenate([image, image], axis=1))
    assert len(face.detect_meshes(pair)) == 2
    with pytest.raises(NoFaceError, match="2 faces were found"):
        face.detect_mesh(pair)


def test_mesh_edges_are_the_distinct_tessellation_edges():
    from mediapipe.tasks.python import vision

    listed = vision.FaceLandmarksConnections.FACE_LANDMARKS_TESSELATION
    assert len(listed) == 2556  # 852 triangles, three sides each
    edges = face.mesh_edges()
    assert edges.shape == (1322, 2)
    assert np.all(edges[:, 0] < edges[:, 1])
    assert len(np.unique(edges)) == 468  # the iris points 468-477 are not meshed
    assert {tuple(sorted((c.start, c.end))) for c in listed} == set(map(tuple, edges.tolist()))


@pytest.mark.parametrize(
    "image, shape",
    [
        (np.zeros((10, 12), np.uint8), (10, 12, 3)),
        (np.zeros((10, 12, 1), np.uint8), (10, 12, 3)),
        (np.zeros((10, 12, 4), np.uint8), (10, 12, 3)),
        (np.ones((10, 12, 3), np.float32), (10, 12, 3)),
    ],
)
def test_as_rgb_accepts_the_usual_layouts(image, shape):
    out = face.as_rgb(image)
    assert out.shape == shape and out.dtype == np.uint8


def test_float_images_are_scaled_to_bytes():
    assert face.as_rgb(np.full((2, 2), 1.0))[0, 0, 0] == 255


@pytest.mark.parametrize(
    "image, message",
    [
        (np.zeros((0, 5, 3), np.uint8), "is empty"),
        (np.zeros((5, 5, 2), np.uint8), "has 2 channels"),
        (np.zeros((2, 5, 5, 3), np.uint8), "expected \\(height, width\\)"),
        (np.full((5, 5), 2.0), "must lie in \\[0, 1\\]"),
        (np.full((5, 5), np.nan), "NaN"),
        (np.full((5, 5), 300, np.int32), "expected 0..255"),
        ([[0, 1], [1, 0]], "must be a NumPy array"),
    ],
)
def test_bad_images_are_refused_with_the_reason(image, message):
    with pytest.raises(InvalidInputError, match=message):
        face.as_rgb(image)


def test_image_files_missing_empty_or_garbage(tmp_path):
    with pytest.raises(InvalidInputError, match="does not exist"):
        face.load_image(tmp_path / "nope.png")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(InvalidInputError, match="is empty"):
        face.load_image(empty)
    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(b"this is not a picture" * 10)
    with pytest.raises(InvalidInputError, match="could not be decoded"):
        face.load_image(garbage)


def test_image_file_round_trip_keeps_colours(tmp_path):
    import cv2

    image = astronaut()
    file = tmp_path / "astronaut.png"
    cv2.imwrite(str(file), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    assert np.array_equal(face.load_image(file), image)
    assert face.as_rgb(str(file)).shape == image.shape


def test_crop_square_shapes_and_padding():
    image = np.zeros((100, 100, 3), np.uint8)
    image[40:60, 40:60] = 255
    centre = face.crop_square(image, (40, 40, 20, 20), size=20, margin=0.0)
    assert centre.shape == (20, 20) and centre.min() == 255
    corner = face.crop_square(image, (-10, -10, 30, 30), size=32, margin=0.5, gray=False)
    assert corner.shape == (32, 32, 3)


@pytest.mark.parametrize("box", [(0, 0, 0, 10), (1, 2, 3), "abc"])
def test_crop_square_refuses_bad_boxes(box):
    with pytest.raises(InvalidInputError, match="box"):
        face.crop_square(np.zeros((10, 10), np.uint8), box)


def test_landmarker_arguments_are_checked():
    with pytest.raises(InvalidInputError, match="max_faces"):
        face.FaceLandmarker(max_faces=0)
    with pytest.raises(InvalidInputError, match="min_detection_confidence"):
        face.FaceLandmarker(min_detection_confidence=1.5)
