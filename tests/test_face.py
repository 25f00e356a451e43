"""fercourse.face: image checks, the 478-point mesh on a real photo, crops."""

import numpy as np
import pytest
from skimage.data import astronaut, coffee

from fercourse import face, matching
from fercourse import mesh as mesh_module
from fercourse.errors import InvalidInputError, NoFaceError


@pytest.fixture(scope="module")
def astronaut_mesh():
    faces = face.detect_meshes(astronaut())
    assert len(faces) == 1
    return faces[0]


def test_astronaut_has_one_face_with_full_mesh(astronaut_mesh):
    mesh = astronaut_mesh
    assert mesh.landmarks.shape == (mesh_module.N_LANDMARKS, 3)
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
    edges = mesh_module.edges()
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


# --------------------------------------------------------------- preprocessing


def _rotated(image, degrees):
    import cv2

    matrix = cv2.getRotationMatrix2D((image.shape[1] / 2.0, image.shape[0] / 2.0), degrees, 1.0)
    return cv2.warpAffine(image, matrix, image.shape[1::-1], borderMode=cv2.BORDER_REPLICATE)


def _eye_line_degrees(mesh_or_points):
    right, left = face.eye_centers(mesh_or_points)
    return float(np.degrees(np.arctan2(left[1] - right[1], left[0] - right[0])))


def _iou(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0, min(ay + ah, by + bh) - max(ay, by))
    return w * h / (aw * ah + bw * bh - w * h)


@pytest.fixture(scope="module")
def three_faces():
    """Astronaut faces in a 2 x 2 grid of 230 x 220 tiles: scale 0.7 top left, 1.0 top right,
    0.85 bottom left, the fourth tile grey."""
    import cv2

    tile = astronaut()[30:250, 110:340]
    tiles = []
    for scale in (0.7, 1.0, 0.85, 0.0):
        canvas = np.full_like(tile, 128)
        if scale:
            small = cv2.resize(tile, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            y0, x0 = (tile.shape[0] - small.shape[0]) // 2, (tile.shape[1] - small.shape[1]) // 2
            canvas[y0 : y0 + small.shape[0], x0 : x0 + small.shape[1]] = small
        tiles.append(canvas)
    return np.vstack([np.hstack(tiles[:2]), np.hstack(tiles[2:])])


def _tiles(boxes):
    """Which tile (column, row) of the three_faces grid each box's centre is in."""
    return [(int((x + w / 2) // 230), int((y + h / 2) // 220)) for x, y, w, h in boxes]


LARGEST_FIRST = [(1, 0), (0, 1), (0, 0)]


def test_subject_left_is_image_right_on_a_frontal_photo(astronaut_mesh):
    points = astronaut_mesh.landmarks
    right_eye, left_eye = face.eye_centers(astronaut_mesh)
    assert right_eye[0] < left_eye[0]
    for side in ("eye", "brow", "iris"):
        assert points[mesh_module.REGIONS[f"right_{side}"], 0].max() < points[mesh_module.REGIONS[f"left_{side}"], 0].min()
    assert 468 in mesh_module.REGIONS["right_iris"] and 473 in mesh_module.REGIONS["left_iris"]
    assert set(mesh_module.REGIONS) == {
        "left_eye", "right_eye", "left_brow", "right_brow", "nose", "mouth", "face_oval", "left_iris", "right_iris"
    }


def test_mirror_permutation_swaps_sides_and_is_its_own_inverse():
    mirror = mesh_module.mirror_indices()
    assert mirror.shape == (478,) and np.array_equal(mirror[mirror], np.arange(478))
    for part in ("eye", "brow", "iris"):
        assert set(mirror[mesh_module.REGIONS[f"left_{part}"]]) == set(mesh_module.REGIONS[f"right_{part}"].tolist())
    for part in ("nose", "mouth", "face_oval"):
        assert set(mirror[mesh_module.REGIONS[part]]) == set(mesh_module.REGIONS[part].tolist())
    canonical = mesh_module.canonical_mesh()
    assert canonical.shape == (468, 3) and canonical.dtype == np.float32
    assert canonical[263, 0] > canonical[33, 0] and canonical[152, 1] > canonical[10, 1]  # FaceMesh axes
    assert canonical[1, 2] < canonical[234, 2]  # the nose tip is nearer the camera than the cheek
    assert np.allclose(canonical[mirror[:468]] * [-1, 1, 1], canonical, atol=1e-4)
    assert np.array_equal(mesh_module.mirror_indices(468), mirror[:468])


def test_68_point_mapping_follows_the_ibug_layout(astronaut_mesh):
    assert mesh_module.LANDMARKS_68.shape == (68,) and len(set(mesh_module.LANDMARKS_68.tolist())) == 68
    mirror = mesh_module.mirror_indices(68)
    assert np.array_equal(mirror[mirror], np.arange(68))
    ibug_pairs = {
        0: 16, 4: 12, 8: 8, 17: 26, 21: 22, 30: 30, 31: 35, 36: 45,
        39: 42, 37: 44, 41: 46, 48: 54, 51: 51, 57: 57, 60: 64, 62: 62,
    }
    assert all(mirror[a] == b for a, b in ibug_pairs.items())
    p = astronaut_mesh.landmarks_68
    assert p.shape == (68, 3)
    assert p[8, 1] == p[:17, 1].max()  # the chin is the jaw's lowest point
    assert p[36:42, 0].max() < p[42:48, 0].min()  # the subject's right eye on the image's left
    assert p[17:27, 1].max() < p[36:48, 1].min() and p[48:68, 1].min() > p[27:36, 1].max()


def test_head_pose_of_the_astronaut(astronaut_mesh):
    yaw, pitch, roll = astronaut_mesh.pose
    assert abs(yaw) < 10 and abs(roll) < 8 and -30 < pitch < 5
    assert abs(roll + _eye_line_degrees(astronaut_mesh)) < 3  # y is down in the image, up in the pose
    with pytest.raises(InvalidInputError, match="no transformation matrix"):
        _ = face.FaceMesh(astronaut_mesh.landmarks).pose


@pytest.mark.parametrize("degrees", [15, -20])
def test_alignment_levels_a_rotated_face(astronaut_mesh, degrees):
    rotated = _rotated(astronaut(), degrees)
    mesh = face.detect_mesh(rotated)
    assert abs(mesh.pose.roll - astronaut_mesh.pose.roll - degrees) < 3  # counter-clockwise is positive
    aligned, matrix = face.align(rotated, mesh)
    assert aligned.shape == rotated.shape and matrix.shape == (2, 3)
    again = face.detect_mesh(aligned)
    assert abs(_eye_line_degrees(again)) < 1.0
    moved = face.transform_points(mesh.landmarks, matrix)
    assert np.abs(moved[:, :2] - again.landmarks[:, :2]).mean() < 2.0


def test_crop_by_eyes_places_the_eyes_where_documented(astronaut_mesh):
    rotated = _rotated(astronaut(), 15)
    mesh = face.detect_mesh(rotated)
    crop, matrix = face.crop_by_eyes(rotated, mesh, size=(84, 128))
    assert crop.shape == (128, 84, 3) and crop.dtype == np.uint8
    eyes = face.transform_points(face.eye_centers(mesh), matrix)
    assert np.allclose(eyes.mean(axis=0), [42, 128 / 3], atol=0.01)  # centred, a third down
    assert abs(eyes[0, 1] - eyes[1, 1]) < 0.01  # level
    distance = np.linalg.norm(eyes[1] - eyes[0])
    assert abs(distance - 84 / 2.1) < 0.01 and abs(distance - 128 / 3.2) < 0.01
    native, _ = face.crop_by_eyes(face.to_gray(rotated), mesh, x_factor=2.0, y_factor=2.0)
    d = np.linalg.norm(np.diff(face.eye_centers(mesh), axis=0))
    assert native.ndim == 2 and native.shape == (round(2 * d), round(2 * d))


def test_get_faces_returns_aligned_crops_containing_both_eyes(astronaut_mesh):
    (found,) = face.get_faces(astronaut(), size=48)
    assert isinstance(found, face.FaceCrop)
    assert found.image.shape == (48, 48, 3) and found.image.dtype == np.uint8
    assert found.box == astronaut_mesh.box
    for name in ("left_eye", "right_eye"):
        xy = found.landmarks[mesh_module.REGIONS[name], :2]
        assert np.all((xy > 0) & (xy < 48))
    gray = face.get_faces(astronaut(), size=(40, 60), gray=True, equalization="clahe", sigma=0.8)[0].image
    assert gray.shape == (60, 40) and gray.dtype == np.uint8


def test_expression_crop_is_the_crop_of_the_live_pipeline(astronaut_mesh):
    from fercourse import live

    image, m = astronaut(), astronaut_mesh
    expected = live.Face(image, m.box, mesh=m).crop()
    assert expected.shape == (48, 48) and expected.dtype == np.uint8
    assert np.array_equal(face.expression_crop(image, m.landmarks, m.box), expected)
    assert np.array_equal(face.expression_crop(image, m), expected)  # a FaceMesh gives its landmarks
    colour = live.Face(image, m.box, mesh=m).crop(size=64, gray=False)
    assert np.array_equal(face.expression_crop(image, m, size=64, gray=False), colour)
    # Cut from the region around the crop, it is the crop of the whole photo.
    assert np.abs(face.expression_crop(image, m).astype(int)
                  - face.convert_color(face.crop_by_eyes(image, m, size=48)[0]).astype(int)).max() <= 1
    # Without eye positions: the square around the box.
    assert np.array_equal(face.expression_crop(image, box=m.box), live.Face(image, m.box).crop())
    assert np.array_equal(face.expression_crop(image, box=m.box), face.crop_square(image, m.box, 48))
    with pytest.raises(InvalidInputError, match="eye positions"):
        face.expression_crop(image)
    with pytest.raises(InvalidInputError, match="eyes has shape"):
        face.expression_crop(image, np.zeros(4))

def test_get_faces_on_no_face_and_three_faces(three_faces):
    assert face.get_faces(coffee()) == []
    found = face.get_faces(three_faces, size=32)
    assert len(found) == 3 and all(f.image.shape == (32, 32, 3) for f in found)
    assert _tiles(f.box for f in found) == LARGEST_FIRST
    with pytest.raises(NoFaceError, match="3 faces were found"):
        face.detect_mesh(three_faces)


@pytest.mark.parametrize("method", face.DETECTION_METHODS)
def test_every_detector_finds_the_astronaut(astronaut_mesh, three_faces, method):
    (found,) = face.detect_faces(astronaut(), method=method)
    assert found.method == method
    assert _iou(found.box, astronaut_mesh.box) > 0.5
    if method == "haar":
        assert found.keypoints is None and found.score is None
    else:
        assert found.keypoints.shape == (len(face.KEYPOINT_NAMES), 2)
        assert np.abs(found.keypoints[:2] - face.eye_centers(astronaut_mesh)).max() < 8
    if method == "blazeface":
        assert 0.5 < found.score <= 1.0
    assert face.detect_faces(coffee(), method=method) == []
    boxes = [d.box for d in face.detect_faces(three_faces, method=method)]
    assert _tiles(boxes) == LARGEST_FIRST


def test_alignment_from_detector_keypoints():
    detection = face.detect_faces(_rotated(astronaut(), -20))[0]
    aligned, _ = face.align(_rotated(astronaut(), -20), detection)
    assert abs(_eye_line_degrees(face.detect_mesh(aligned))) < 3  # BlazeFace's eyes are coarser
    with pytest.raises(InvalidInputError, match="no eye keypoints"):
        face.align(astronaut(), face.detect_faces(astronaut(), method="haar")[0])


def test_landmarker_in_video_mode(astronaut_mesh):
    with face.FaceLandmarker(mode="video") as landmarker:
        for i, degrees in enumerate([0, 2, 4]):
            (mesh,) = landmarker.detect(_rotated(astronaut(), degrees), timestamp_ms=33 * i)
        assert abs(mesh.pose.roll - astronaut_mesh.pose.roll - 4) < 2
        with pytest.raises(InvalidInputError, match="larger than the previous"):
            landmarker.detect(astronaut(), timestamp_ms=66)
        with pytest.raises(InvalidInputError, match="timestamp_ms"):
            landmarker.detect(astronaut())
    with pytest.raises(InvalidInputError, match="only used in video mode"):
        face.FaceLandmarker().detect(astronaut(), timestamp_ms=0)
    with pytest.raises(InvalidInputError, match="mode"):
        face.FaceLandmarker(mode="stream")


def test_region_crops_are_fixed_per_clip(astronaut_mesh):
    image = astronaut()
    single = face.region_crops(image, astronaut_mesh, size=32)
    assert list(single) == list(mesh_module.CROP_REGIONS)
    assert all(c.shape == (32, 32) and c.dtype == np.uint8 for c in single.values())
    boxes = face.region_boxes(astronaut_mesh)
    for name in ("left_eye", "right_eye"):
        x, y, w, h = boxes[name]
        eye = astronaut_mesh.landmarks[mesh_module.REGIONS[name], :2]
        assert np.all((eye >= [x, y]) & (eye <= [x + w, y + h]))
    assert boxes["right_eye"][0] < boxes["left_eye"][0]
    # A clip: the face moves 6 px right in the last frame; the boxes come from the mean landmarks.
    shifted = np.roll(image, 6, axis=1)
    moved = astronaut_mesh.landmarks + [6, 0, 0]
    clip = face.region_crops([image, image, shifted], [astronaut_mesh, astronaut_mesh, moved], size=32, gray=False)
    assert all(c.shape == (3, 32, 32, 3) for c in clip.values())
    assert np.array_equal(clip["mouth"][0], clip["mouth"][1])
    assert not np.array_equal(clip["mouth"][0], clip["mouth"][2])  # same box, so the movement shows
    assert np.allclose(face.region_boxes([astronaut_mesh, moved])["nose"][0], boxes["nose"][0] + 3)
    with pytest.raises(InvalidInputError, match="2 sets of landmarks for 3 frames"):
        face.region_crops([image] * 3, [astronaut_mesh] * 2)
    with pytest.raises(InvalidInputError, match="meshes has shape"):
        face.region_crops(image, np.zeros((10, 2)))


def test_normalisation_functions_compose():
    rng = np.random.default_rng(0)
    dull = rng.integers(100, 140, (40, 50), dtype=np.uint8)
    for method in ("hist", "clahe"):
        spread = face.equalize(dull, method)
        assert spread.shape == dull.shape and np.ptp(spread) > 2 * np.ptp(dull)
    colour = face.equalize(np.dstack([dull, dull, dull // 2]), "hist")
    assert colour.shape == (40, 50, 3)
    assert face.smooth(dull, 2.0).std() < dull.std()
    assert face.resize(dull, 20).shape == (20, 20) and face.resize(dull, (100, 30)).shape == (30, 100)
    assert face.convert_color(dull, "rgb").shape == (40, 50, 3)
    assert face.convert_color(astronaut(), "gray").shape == (512, 512)
    assert np.array_equal(face.convert_color(astronaut(), "bgr")[..., ::-1], astronaut())
    pipeline = face.resize(face.equalize(face.smooth(face.convert_color(astronaut(), "gray"), 1.0)), 48)
    assert pipeline.shape == (48, 48) and pipeline.dtype == np.uint8


def test_transform_points_moves_and_scales():
    matrix = np.array([[2.0, 0.0, 1.0], [0.0, 2.0, -1.0]])
    out = face.transform_points([[1.0, 2.0, 3.0]], matrix)
    assert np.allclose(out, [[3.0, 3.0, 6.0]])
    with pytest.raises(InvalidInputError, match="points has shape"):
        face.transform_points(np.zeros(3), matrix)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: face.detect_faces(np.zeros((0, 0, 3), np.uint8)), "image is empty"),
        (lambda: face.get_faces(np.zeros((8, 8, 3), np.complex64)), "dtype complex64"),
        (lambda: face.detect_faces(np.array([["a"]])), "dtype <U1"),
        (lambda: face.detect_faces(astronaut(), method="dlib"), "method must be one of"),
        (lambda: face.FaceDetector(min_score=2), "min_score must lie in"),
        (lambda: face.align(astronaut(), np.zeros((5, 2))), "eyes has shape"),
        (lambda: face.align(astronaut(), np.zeros((2, 2))), "coincide"),
        (lambda: face.crop_by_eyes(astronaut(), [[0, 0], [10, 0]], size=(0, 5)), "size must be"),
        (lambda: face.crop_by_eyes(astronaut(), [[0, 0], [10, 0]], x_factor=-1), "x_factor must be"),
        (lambda: face.get_faces(astronaut(), equalization="gamma"), "equalization must be"),
        (lambda: face.equalize(astronaut(), "gamma"), "method must be 'hist' or 'clahe'"),
        (lambda: face.smooth(astronaut(), 0), "sigma must be a positive"),
        (lambda: face.convert_color(astronaut(), "xyz"), "to must be one of"),
        (lambda: mesh_module.mirror_indices(100), "n_points must be"),
    ],
)
def test_bad_preprocessing_inputs_are_refused_with_the_reason(call, message):
    with pytest.raises(InvalidInputError, match=message):
        call()


# ------------------------------------------------- evaluation helpers (chapter 03)


def test_landmark_box_is_the_mesh_box(astronaut_mesh):
    assert face.landmark_box(astronaut_mesh.landmarks) == astronaut_mesh.box
    assert face.landmark_box([[1.2, 2.5], [10.0, 7.1]]) == (1, 2, 9, 6)
    with pytest.raises(InvalidInputError, match="points has shape"):
        face.landmark_box(np.zeros((0, 2)))


def test_box_iou_and_one_to_one_matching():
    assert matching.box_iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert matching.box_iou((0, 0, 10, 10), (20, 20, 5, 5)) == 0.0
    assert matching.box_iou((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(50 / 150)
    truth = [(0, 0, 10, 10), (100, 0, 10, 10)]
    predicted = [(101, 1, 10, 10), (1, 0, 10, 10), (0, 1, 10, 10), (50, 50, 5, 5)]
    pairs = matching.match_boxes(predicted, truth)
    assert [(i, j) for i, j, _ in pairs] == [(0, 1), (1, 0)]  # each true box used once, best overlap first
    assert matching.match_boxes(predicted, truth, threshold=0.99) == []
    assert matching.match_boxes([], truth) == [] and matching.match_boxes(predicted, []) == []
    with pytest.raises(InvalidInputError, match="has no area"):
        matching.box_iou((0, 0, 0, 10), (0, 0, 1, 1))
    with pytest.raises(InvalidInputError, match="threshold"):
        matching.match_boxes(predicted, truth, threshold=0)


def test_side_by_side_and_detection_testset(astronaut_mesh):
    image = astronaut()
    joined, (left, right) = face.side_by_side([image, image], [astronaut_mesh.landmarks] * 2)
    assert joined.shape == (512, 1024, 3)
    assert np.allclose(right[:, 0] - left[:, 0], 512) and np.allclose(right[:, 1:], left[:, 1:])
    with pytest.raises(InvalidInputError, match="equal heights"):
        face.side_by_side([image, image[:100]])
    images, boxes = face.detection_testset([image] * 3, [astronaut_mesh.landmarks] * 3, pairs=1, empty=[coffee()])
    assert [im.shape[1] for im in images] == [512, 1024, 600]
    x, y, w, h = astronaut_mesh.box
    assert boxes == [[(x, y, w, h)], [(x, y, w, h), (x + 512, y, w, h)], []]
    with pytest.raises(InvalidInputError, match="pairs must be"):
        face.detection_testset([image], [astronaut_mesh.landmarks], pairs=1)


def test_evaluate_detectors_counts_hits_misses_and_false_alarms(astronaut_mesh, three_faces):
    images = [astronaut(), coffee(), three_faces]
    truth = [[astronaut_mesh.box], [], [d.box for d in face.detect_faces(three_faces, method="landmarker")]]
    table = face.evaluate_detectors(images, truth, methods=("landmarker",))
    row = table.loc["landmarker"]
    assert list(table.columns) == ["images", "faces", "detections", "hits", "precision", "recall", "ms per image"]
    assert (row.images, row.faces, row.detections, row.hits) == (3, 4, 4, 4)
    assert row.precision == row.recall == 1.0 and row["ms per image"] > 0
    shifted = [[(x + 400, y, w, h) for x, y, w, h in boxes] for boxes in truth]  # nothing overlaps any more
    row = face.evaluate_detectors(images, shifted, methods=("landmarker",)).loc["landmarker"]
    assert row.hits == 0 and row.precision == 0.0 and row.recall == 0.0


def test_landmark_distances_are_in_inter_ocular_distances(astronaut_mesh):
    truth = astronaut_mesh.landmarks
    iod = np.linalg.norm(np.diff(face.eye_centers(truth), axis=0))
    moved = truth + np.array([0.1 * iod, 0.0, 5.0])  # z is ignored
    distances = face.landmark_distances(moved, truth)
    assert distances.shape == (478,) and np.allclose(distances, 0.1, atol=1e-5)
    both = face.landmark_distances([moved, truth], np.stack([truth, truth]))
    assert both.shape == (2, 478) and np.allclose(both[1], 0.0)
    table = face.region_errors(both)
    assert list(table.columns) == ["all", *mesh_module.REGIONS] and len(table) == 2
    assert np.allclose(table.iloc[0], 0.1, atol=1e-5) and np.allclose(table.iloc[1], 0.0)
    with pytest.raises(InvalidInputError, match="must match"):
        face.landmark_distances(truth, np.stack([truth, truth]))
    with pytest.raises(InvalidInputError, match="truth has shape"):
        face.landmark_distances(truth, np.zeros((68, 2)))


def test_rotate_and_eye_line_angle_agree(astronaut_mesh):
    before = face.eye_line_angle(astronaut_mesh)
    assert abs(before + astronaut_mesh.pose.roll) < 3  # roll is about minus the eye-line angle
    assert face.eye_line_angle([[0, 0], [10, 10]]) == pytest.approx(45.0)  # falls to the right: clockwise
    rotated, matrix = face.rotate(astronaut(), 15)
    assert rotated.shape == (512, 512, 3)
    moved = face.transform_points(astronaut_mesh.landmarks, matrix)
    assert face.eye_line_angle(moved) == pytest.approx(before - 15, abs=1e-4)  # counter-clockwise
    assert abs(face.eye_line_angle(face.detect_mesh(rotated)) - (before - 15)) < 1.5
    with pytest.raises(InvalidInputError, match="degrees must be"):
        face.rotate(astronaut(), float("nan"))


def test_crop_corners_are_the_corners_of_the_crop(astronaut_mesh):
    tilted, _ = face.rotate(astronaut(), 20)
    mesh = face.detect_mesh(tilted)
    for rotate in (True, False):
        crop, matrix = face.crop_by_eyes(tilted, mesh, rotate=rotate)
        corners = face.transform_points(face.crop_corners(mesh, rotate=rotate), matrix)
        h, w = crop.shape[:2]
        assert np.allclose(corners, [[0, 0], [w, 0], [w, h], [0, h]], atol=0.6)  # crop sizes are rounded
    d = np.linalg.norm(np.diff(face.eye_centers(mesh), axis=0))
    corners = face.crop_corners(mesh, x_factor=2.0, y_factor=3.0)
    assert np.linalg.norm(corners[1] - corners[0]) == pytest.approx(2.0 * d)
    assert np.linalg.norm(corners[3] - corners[0]) == pytest.approx(3.0 * d)


def test_track_meshes_follows_a_clip_and_marks_empty_frames(astronaut_mesh):
    frames = [face.rotate(astronaut(), degrees)[0] for degrees in (0, 3, 6)] + [np.zeros((512, 512, 3), np.uint8)]
    tracked = face.track_meshes(frames, fps=30)
    assert len(tracked) == 4 and tracked[-1] is None
    rolls = [m.pose.roll - astronaut_mesh.pose.roll for m in tracked[:3]]
    assert np.allclose(rolls, [0, 3, 6], atol=2)
    with pytest.raises(InvalidInputError, match="fps"):
        face.track_meshes(frames, fps=0)
    with pytest.raises(InvalidInputError, match="empty clip"):
        face.track_meshes([])
