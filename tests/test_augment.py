"""fercourse.augment: shapes and dtypes kept, landmarks move exactly with the pixels."""

import numpy as np
import pytest
from skimage.data import astronaut

from fercourse import augment, face
from fercourse import mesh as mesh_module
from fercourse.errors import InvalidInputError

GEOMETRIC = {
    "flip": augment.HorizontalFlip(mirror=False),
    "affine": augment.RandomAffine(degrees=25, scale=(0.8, 1.2), shift=0.1),
    "grid": augment.GridDistortion(steps=4, limit=0.3),
    "barrel/pincushion": augment.OpticalDistortion(limit=0.3),
}
ALL = {**GEOMETRIC, "brightness": augment.BrightnessContrast(0.3, 0.3)}


def _dot(x, y, height=96, width=128, sigma=1.0):
    """A float image with one small Gaussian spot centred on (x, y)."""
    rows, cols = np.mgrid[:height, :width]
    return np.exp(-((cols - x) ** 2 + (rows - y) ** 2) / (2 * sigma**2)).astype(np.float32)


def _centroid(image, near, radius=12):
    x0, y0 = (int(round(v)) for v in near)
    window = image[max(0, y0 - radius) : y0 + radius + 1, max(0, x0 - radius) : x0 + radius + 1]
    rows, cols = np.mgrid[: window.shape[0], : window.shape[1]]
    total = window.sum()
    offset = np.array([max(0, x0 - radius), max(0, y0 - radius)])
    return np.array([(cols * window).sum(), (rows * window).sum()]) / total + offset


@pytest.mark.parametrize("name", GEOMETRIC)
@pytest.mark.parametrize("seed", [3, 4, 10])  # lens k = -0.25, 0.27, 0.27: strong distortions
@pytest.mark.parametrize("spot", [(40.3, 30.7), (101.6, 71.2)])
def test_landmarks_follow_a_bright_spot(name, seed, spot):
    image, points = GEOMETRIC[name](_dot(*spot), np.array([spot]), rng=seed)
    assert image.shape == (96, 128) and image.dtype == np.float32
    assert np.linalg.norm(points[0] - spot) > 0.5  # the spot really moved ...
    # ... and the point with it (a spot straddling a grid line is stretched unevenly, which
    # moves its centroid by up to 0.3 px; elsewhere the error is below 0.1 px)
    assert np.linalg.norm(_centroid(image, points[0]) - points[0]) < 0.4


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize(
    "image",
    [
        np.random.default_rng(0).integers(0, 256, (40, 30, 3), dtype=np.uint8),
        np.random.default_rng(1).integers(0, 256, (40, 30), dtype=np.uint8),
        np.random.default_rng(2).random((40, 30, 1)).astype(np.float32),
        np.random.default_rng(3).random((40, 30, 4)),
    ],
    ids=["rgb-uint8", "grey-uint8", "grey1-float32", "rgba-float64"],
)
def test_shapes_dtypes_and_ranges_are_kept(name, image):
    points = np.random.default_rng(4).uniform(5, 25, (7, 3))
    out, moved = ALL[name](image, points, rng=5)
    assert out.shape == image.shape and out.dtype == image.dtype
    assert moved.shape == (7, 3) and moved.dtype == np.float32
    assert out.min() >= 0 and out.max() <= (255 if image.dtype == np.uint8 else 1)
    assert ALL[name](image, rng=5)[1] is None


def test_depth_follows_scale_and_brightness_leaves_points_alone():
    points = np.array([[10.0, 20.0, 4.0]])
    _, moved = augment.RandomAffine(degrees=0, scale=(2.0, 2.0), shift=0)(np.zeros((50, 50), np.uint8), points)
    assert np.isclose(moved[0, 2], 8.0)
    _, same = augment.BrightnessContrast()(np.zeros((50, 50), np.uint8), points)
    assert np.array_equal(same, points)


def test_brightness_and_contrast_change_the_pixels_as_documented():
    image = np.full((10, 10), 100, np.uint8)
    image[:5] = 50
    brighter, _ = augment.BrightnessContrast(brightness=0.0, contrast=0.5)(image, rng=0)
    assert np.isclose(brighter.mean(), image.mean(), atol=0.5)  # contrast pivots on the mean
    shifted = [augment.BrightnessContrast(brightness=0.2, contrast=0.0)(image, rng=s)[0] for s in range(20)]
    deltas = [float(s.astype(int).mean() - image.mean()) for s in shifted]
    assert max(deltas) > 10 and min(deltas) < -10 and max(map(abs, deltas)) <= 0.2 * 255 + 0.5


def test_flip_renumbers_the_mesh_like_a_real_mirror_image():
    image = astronaut()
    (mesh,) = face.detect_meshes(image)
    flipped, predicted = augment.HorizontalFlip()(image, mesh.landmarks)
    assert np.array_equal(flipped, image[:, ::-1])
    (seen,) = face.detect_meshes(flipped)
    assert np.abs(predicted[:, :2] - seen.landmarks[:, :2]).mean() < 1.0
    # The subject's left-eye points of the flipped image come from the right eye of the original.
    left = mesh_module.REGIONS["left_eye"]
    assert np.allclose(predicted[left, 0], image.shape[1] - 1 - mesh.landmarks[mesh_module.mirror_indices()[left], 0])
    twice = augment.HorizontalFlip()(flipped, predicted)[1]
    assert np.allclose(twice, mesh.landmarks)
    points68 = augment.HorizontalFlip()(image, mesh.landmarks_68)[1]
    assert np.allclose(points68, predicted[mesh_module.LANDMARKS_68])


def test_flip_needs_to_know_how_unknown_point_sets_swap():
    image = np.zeros((10, 10), np.uint8)
    with pytest.raises(InvalidInputError, match="does not know which of 5 landmarks"):
        augment.HorizontalFlip()(image, np.zeros((5, 2)))
    _, points = augment.HorizontalFlip(mirror=[1, 0])(image, [[1.0, 2.0], [3.0, 4.0]])
    assert np.array_equal(points, [[6.0, 4.0], [8.0, 2.0]])
    with pytest.raises(InvalidInputError, match="permutation"):
        augment.HorizontalFlip(mirror=[0, 0])(image, [[1.0, 2.0], [3.0, 4.0]])


def _pipeline(seed):
    return augment.Compose(
        [
            augment.RandomApply(augment.HorizontalFlip(), p=0.5),
            augment.RandomApply(augment.GridDistortion(), p=0.5),
            augment.OpticalDistortion(),
            augment.RandomAffine(),
            augment.BrightnessContrast(),
        ],
        seed=seed,
    )


def test_seeded_pipelines_repeat_and_differ_by_seed():
    image = astronaut()[::4, ::4]
    points = np.random.default_rng(0).uniform(10, 100, (478, 3))
    pipelines = [_pipeline(seed) for seed in (7, 7, 8)]
    runs = [[pipeline(image, points) for _ in range(3)] for pipeline in pipelines]
    for (a, pa), (b, pb) in zip(runs[0], runs[1]):
        assert np.array_equal(a, b) and np.array_equal(pa, pb)
    assert not np.array_equal(runs[0][0][0], runs[2][0][0])
    assert not np.array_equal(runs[0][0][0], runs[0][1][0])  # successive calls draw anew
    never = augment.RandomApply(augment.HorizontalFlip(), p=0.0)(image, points)
    assert np.array_equal(never[0], image) and np.allclose(never[1], points)


def test_pipeline_runs_inside_torch_and_tf_data():
    import torch

    from fercourse import _env

    pipeline = _pipeline(0)
    images = np.random.default_rng(0).integers(0, 256, (4, 24, 24, 3), dtype=np.uint8)

    class Faces(torch.utils.data.Dataset):
        def __len__(self):
            return len(images)

        def __getitem__(self, i):
            return torch.from_numpy(pipeline(images[i])[0])

    batch = next(iter(torch.utils.data.DataLoader(Faces(), batch_size=4)))
    assert batch.shape == (4, 24, 24, 3) and batch.dtype == torch.uint8

    tf = _env.tensorflow()
    dataset = tf.data.Dataset.from_tensor_slices(images).map(
        lambda x: tf.numpy_function(lambda a: pipeline(a)[0], [x], tf.uint8)
    )
    out = next(iter(dataset.batch(4))).numpy()
    assert out.shape == (4, 24, 24, 3) and out.dtype == np.uint8


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: augment.RandomAffine()(np.zeros((4, 4), np.int16)), "dtype int16"),
        (lambda: augment.RandomAffine()(np.zeros((0, 4), np.uint8)), "image is empty"),
        (lambda: augment.RandomAffine()(np.zeros((4, 4), np.uint8), np.zeros((3, 4))), "landmarks has shape"),
        (lambda: augment.RandomAffine()(np.zeros((4, 4), np.uint8), [[np.nan, 1.0]]), "non-finite"),
        (lambda: augment.RandomAffine(scale=(1.2, 0.8)), "scale must be"),
        (lambda: augment.RandomAffine(degrees=-1), "degrees must lie"),
        (lambda: augment.OpticalDistortion(limit=0.5), "limit must lie"),
        (lambda: augment.GridDistortion(steps=0), "steps must be"),
        (lambda: augment.RandomApply(augment.HorizontalFlip(), p=2), "p must be"),
        (lambda: augment.Compose([augment.HorizontalFlip(), "flip"]), "transforms must be"),
    ],
)
def test_bad_augmentation_inputs_are_refused_with_the_reason(call, message):
    with pytest.raises(InvalidInputError, match=message):
        call()
