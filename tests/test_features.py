"""Chapter 04's features and models: shapes, invariances, known values, blink counting."""

import numpy as np
import pytest
from scipy.optimize import check_grad
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from fercourse import FERCourseError, models, synth
from fercourse import features as F
from fercourse.errors import InvalidInputError
from fercourse.mesh import LEFT_EYE_RING, RIGHT_EYE_RING


@pytest.fixture(scope="module")
def faces():
    return synth.faces(28, size=48, seed=3, split=None)


@pytest.fixture(scope="module")
def mesh():
    return synth.render(synth.face_mesh(), size=96)[1][:, :2].astype(np.float64)


def test_hog_shape_and_known_values():
    images = np.zeros((3, 48, 48), np.uint8)
    out = F.HOGFeatures().fit_transform(images)
    assert out.shape == (3, 5 * 5 * 4 * 9)
    assert np.allclose(out, 0.0)  # a flat image has no gradients
    stripes = np.zeros((1, 48, 48))
    stripes[:, :, ::4] = 1.0  # vertical edges only: all energy in the horizontal-gradient bin
    hist = F.HOGFeatures(cell=8, block=1).fit_transform(stripes).reshape(-1, 9)
    assert np.all(hist.argmax(axis=1) == 0)


def test_hog_accepts_flat_rows_and_rejects_bad_input(faces):
    flat = faces.samples.reshape(len(faces), -1)
    assert np.allclose(F.HOGFeatures().transform(flat), F.HOGFeatures().transform(faces.samples))
    with pytest.raises(InvalidInputError, match="not a square image"):
        F.HOGFeatures().transform(np.zeros((2, 50)))
    with pytest.raises(InvalidInputError, match="smaller than one HOG block"):
        F.HOGFeatures().transform(np.zeros((2, 8, 8)))


def test_sliding_hog_shapes(faces):
    concat = F.SlidingHOG(window=24, stride=12, cell=6).fit_transform(faces.samples[:2])
    assert concat.shape == (2, 9 * 16 * 9)  # 3 x 3 windows, 4 x 4 cells each, 9 orientations
    pooled = F.SlidingHOG(pool="max").fit_transform(faces.samples[:2])
    assert pooled.shape == (2, 16 * 9)
    assert np.allclose(pooled, concat.reshape(2, 9, -1).max(axis=1))
    with pytest.raises(FERCourseError, match="pool"):
        F.SlidingHOG(pool="median").transform(faces.samples[:1])


def test_geometry_shape_and_invariance(mesh):
    geometry = F.LandmarkGeometry()
    base = geometry.fit_transform(mesh[None])
    assert base.shape == (1, 478 + len(F.PAIRS) + len(F.ANGLES)) == (1, len(geometry.feature_names()))
    angle = np.deg2rad(17)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    moved = 2.5 * mesh @ rotation.T + np.array([31.0, -7.0])
    assert np.allclose(geometry.transform(moved[None]), base, atol=1e-6)
    assert base[0, F.ANCHOR] == 0.0  # the anchor's distance to itself


def test_geometry_known_values():
    points = np.zeros((478, 2))
    for index in (33, 133, 159, 145):  # right eye contour around (0, 0)
        points[index] = (0.0, 0.0)
    points[list(LEFT_EYE_RING)] = (10.0, 0.0)  # left eye centre 10 px away: inter-ocular distance 10
    points[list(RIGHT_EYE_RING)] = (0.0, 0.0)
    points[F.ANCHOR] = (5.0, 5.0)
    points[61], points[291] = (0.0, 20.0), (8.0, 20.0)
    names = F.LandmarkGeometry().feature_names()
    values = F.LandmarkGeometry().fit_transform(points[None])[0]
    assert values[names.index("mouth_width")] == pytest.approx(0.8)
    assert values[61] == pytest.approx(np.hypot(5, 15) / 10)


def test_geometry_rejects_bad_landmarks():
    with pytest.raises(InvalidInputError, match="478"):
        F.LandmarkGeometry().fit(np.zeros((2, 68, 2)))
    with pytest.raises(InvalidInputError, match="coincide"):
        F.LandmarkGeometry().fit(np.zeros((1, 478, 2)))
    with pytest.raises(InvalidInputError, match="anchor"):
        F.LandmarkGeometry(anchor=478).fit(np.ones((1, 478, 2)))


def test_pack_and_combined_model(faces):
    packed = F.pack(faces.samples, faces.extras["landmarks"])
    assert packed.shape == (len(faces), 48 * 48 + 478 * 2)
    assert packed[:, : 48 * 48].max() <= 1.0
    model = F.combined_svm(48, n_components=5).fit(packed, faces.y())
    assert model.predict(packed[:3]).shape == (3,)
    with pytest.raises(InvalidInputError, match="one per face"):
        F.pack(faces.samples[:3], faces.extras["landmarks"][:2])


def test_pipelines_fit_and_predict(faces):
    y = faces.y()
    for model, X in [
        (F.hog_svm("linear"), faces.samples),
        (F.hog_svm("rbf", sliding=True, pool="mean"), faces.samples),
        (F.landmark_svm(n_components=10), faces.extras["landmarks"]),
        (F.lgbm_pixels(n_estimators=5), faces.samples),
    ]:
        assert model.fit(X, y).predict(X[:4]).shape == (4,)
    with pytest.raises(InvalidInputError, match="kernel"):
        F.hog_svm("poly")


def test_autoencoder_codes_shape_and_learning(faces):
    coder = F.AutoEncoderCodes(code=8, hidden=32, epochs=15, seed=0).fit(faces.samples)
    assert coder.transform(faces.samples[:5]).shape == (5, 8)
    assert coder.reconstruct(faces.samples[:2]).shape == (2, 48, 48)
    assert coder.losses_[-1] < coder.losses_[0]
    again = F.AutoEncoderCodes(code=8, hidden=32, epochs=15, seed=0).fit(faces.samples)
    assert np.allclose(coder.transform(faces.samples[:3]), again.transform(faces.samples[:3]))


def test_eye_aspect_ratio_known_value():
    points = np.ones((478, 2))
    for side in ("right", "left"):
        p1, p2, p3, p4, p5, p6 = F.EAR_POINTS[side]
        for index, xy in zip((p1, p2, p3, p4, p5, p6), [(0, 0), (1, -0.5), (3, -0.5), (4, 0), (3, 0.5), (1, 0.5)]):
            points[index] = xy
    assert F.eye_aspect_ratio(points)[0] == pytest.approx(0.25)  # (1 + 1) / (2 * 4)
    assert F.eye_aspect_ratio(points * 3 + 10, eye="left")[0] == pytest.approx(0.25)
    with pytest.raises(InvalidInputError, match="eye"):
        F.eye_aspect_ratio(points, eye="middle")


def test_eye_aspect_ratio_drops_when_eyes_close():
    open_eyes = synth.render(synth.face_mesh(), size=96)[1]
    shut = synth.render(synth.face_mesh(aus={43: 1.0}), size=96)[1]
    wide = synth.render(synth.face_mesh(aus={5: 1.0}), size=96)[1]
    ear = F.eye_aspect_ratio(np.stack([shut, open_eyes, wide]))
    assert ear[0] < 0.1 < ear[1] < ear[2]


def test_detect_blinks_on_a_track():
    track = np.full(60, 0.3)
    track[10:14] = 0.05  # a blink of four frames
    track[30] = 0.05  # one frame: too short, noise
    track[40:43] = [0.05, 0.22, 0.05]  # dips back up, but not above the reopening threshold
    assert F.detect_blinks(track, min_frames=2) == [(10, 13), (40, 42)]
    assert len(F.detect_blinks(track, min_frames=1)) == 3
    with pytest.raises(InvalidInputError):
        F.detect_blinks([], min_frames=1)
    with pytest.raises(InvalidInputError, match="close"):
        F.detect_blinks(track, close=0.9, reopen=0.5)


def test_blink_counting_on_a_clip_with_known_blinks():
    clip = synth.clips(1, fps=30, seconds=6, size=32, seed=2, blink_rate=0.6, labels=("happy",), kind="macro")
    truth = F.truth_blinks(clip.extras["eye_closure"][0])
    assert len(truth) == clip.table["blinks"][0] >= 2
    found = F.detect_blinks(F.eye_aspect_ratio(clip.extras["landmarks"][0]))
    score = F.score_blinks(found, truth)
    assert len(found) == len(truth) and score["precision"] == score["recall"] == 1.0


def test_score_blinks():
    truth = [(10, 13), (40, 42)]
    assert F.score_blinks([(11, 12), (50, 52), (41, 41)], truth) == {
        "true": 2, "found": 3, "matched": 2, "precision": 2 / 3, "recall": 1.0}
    assert F.score_blinks([], [])["precision"] == 1.0


def test_eye_states_and_openness_features():
    eyes = synth.eye_state_faces(8, seed=1, size=64)
    assert eyes.samples.shape == (8, 64, 64, 3) and set(eyes.table["label"]) == set(synth.EYE_LEVELS)
    table = F.eye_openness_features(eyes.samples, eyes.extras["landmarks"])
    assert list(table.columns) == ["ear", "width_height", "sclera", "sclera_area"] and len(table) == 8
    assert table["sclera"].between(0, 1).all()
    by_level = table.groupby(eyes.table["level"].to_numpy())["ear"].mean()
    assert by_level.is_monotonic_increasing
    with pytest.raises(InvalidInputError, match="colour"):
        F.eye_openness_features(eyes.samples[..., 0], eyes.extras["landmarks"])


def test_ordinal_logistic_gradient_and_order():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 2))
    score = 2.0 * x[:, 0] + rng.logistic(size=300) * 0.3
    y = np.digitize(score, [-1.5, 0.0, 1.5])
    names = np.array(synth.EYE_LEVELS)[y]
    model = F.OrdinalLogistic(alpha=0.1, classes=synth.EYE_LEVELS).fit(x, names)
    assert np.all(np.diff(model.thresholds_) > 0)
    assert model.coef_[0] > 1.0 and abs(model.coef_[1]) < 0.5
    assert model.score(x, names) > 0.7  # the noise alone caps it near 0.8
    proba = model.predict_proba(x[:5])
    assert proba.shape == (5, 4) and np.allclose(proba.sum(axis=1), 1.0)
    with pytest.raises(InvalidInputError, match="not among"):
        F.OrdinalLogistic(classes=("a", "b")).fit(x, names)
    # the analytic gradient of the fitting loss matches finite differences
    pipe = make_pipeline(StandardScaler(), F.OrdinalLogistic(classes=synth.EYE_LEVELS)).fit(x, names)
    assert pipe.predict(x[:3]).shape == (3,)


def test_ordinal_logistic_gradient_matches_finite_differences(monkeypatch):
    import scipy.optimize

    captured = {}
    real = scipy.optimize.minimize

    def spy(fun, x0, **kwargs):
        captured["fun"], captured["x0"] = fun, x0
        return real(fun, x0, **kwargs)

    monkeypatch.setattr(scipy.optimize, "minimize", spy)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 3))
    y = rng.integers(0, 4, 40)
    F.OrdinalLogistic(alpha=0.5).fit(x, y)
    point = rng.normal(size=captured["x0"].shape) * 0.3
    error = check_grad(lambda p: captured["fun"](p)[0], lambda p: captured["fun"](p)[1], point)
    assert error < 1e-4


def test_evaluate_and_leakage_demo(faces):
    result = models.evaluate(F.hog_svm(), (faces.samples[20:], faces.y()[20:]),
                             fit=(faces.samples[:20], faces.y()[:20]), name="hog")
    assert {"accuracy", "uf1", "fit_s", "predict_ms"} <= set(result) and 0 <= result["accuracy"] <= 1
    augmented, source = F.augmented_copies(faces.samples[:4], copies=2)
    assert augmented.shape == (12, 48, 48) and augmented.dtype == np.uint8
    assert np.array_equal(augmented[:4], faces.samples[:4]) and list(source) == [0, 1, 2, 3] * 3
    splits = np.where(np.arange(len(faces)) < 20, "train", "test")
    table = F.leakage_demo(F.hog_svm(), faces.samples, faces.y(), splits, copies=1)
    assert table.shape == (2, 3) and table.iloc[1, 2] == 0.0
    with pytest.raises(InvalidInputError, match="both"):
        F.leakage_demo(F.hog_svm(), faces.samples, faces.y(), ["train"] * len(faces))


def test_compare_ordinal_table():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(120, 2))
    y = np.array(synth.EYE_LEVELS)[np.digitize(x[:, 0], [-0.7, 0.0, 0.7])]
    table = F.compare_ordinal(x[:80], y[:80], x[80:], y[80:])
    assert list(table.columns) == ["accuracy", "macro_f1", "mean level error", "off by 2+"]
    assert len(table) == 2 and (table["accuracy"] > 0.8).all()
