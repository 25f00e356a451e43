"""fercourse.actionunits: the AU table format, the detectors, the per-AU scores and the multi-label CNN."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from fercourse import actionunits, metrics, synth
from fercourse.dataset import Dataset
from fercourse.errors import InvalidInputError


def hand_dataset(**columns) -> Dataset:
    """A four-image dataset whose table holds ``columns`` beside the required ones."""
    table = pd.DataFrame({"label": ["neutral", "action", "action", "action"], "subject": ["s1", "s1", "s2", "s2"],
                          "split": "unassigned", **columns})
    return Dataset("hand", "image", ("neutral", "action"), np.zeros((4, 8, 8), np.uint8), table,
                   {"landmarks": np.zeros((4, 478, 3), np.float32)})


@pytest.fixture(scope="module")
def generated():
    return synth.au_faces(12, size=64, seed=0, split=None)


# ------------------------------------------------------------------ the table format


def test_column_names():
    assert actionunits.column(1) == "AU01" and actionunits.column(45) == "AU45" and actionunits.column(12.0) == "AU12"


def test_coded_aus_are_the_au_columns_with_a_known_value():
    data = hand_dataset(AU01=[np.nan] * 4, AU12=[0.0, 1.0, np.nan, 0.0], AU12_intensity=[0.0, 3.0, np.nan, 1.0],
                        AU4=[1, 1, 1, 1], AU25=[0.0] * 4)
    # AU01 is never coded, AU12_intensity is not an occurrence column, "AU4" is not the AUnn form
    assert actionunits.coded_aus(data) == (12, 25)


def test_from_synthetic_scales_to_five_and_thresholds_at_level_b():
    data = hand_dataset(AU04=[0.1, 0.2, 0.3, 0.4], AU12=[0.0, 0.39, 0.4, 0.8], AU25=[1.0, 0.0, 0.5, 0.2])
    coded = actionunits.from_synthetic(data, aus=(12, 25))
    # AU12: 5 * [0, 0.39, 0.4, 0.8] = [0, 1.95, 2, 4]; present from OCCURRENCE_LEVEL = 2 on: [0, 0, 1, 1]
    assert actionunits.OCCURRENCE_LEVEL == 2.0
    assert coded.table["AU12_intensity"].tolist() == [0.0, 1.95, 2.0, 4.0]
    assert coded.table["AU12"].tolist() == [0.0, 0.0, 1.0, 1.0]
    # AU25: 5 * [1, 0, 0.5, 0.2] = [5, 0, 2.5, 1] -> [1, 0, 1, 0]
    assert coded.table["AU25_intensity"].tolist() == [5.0, 0.0, 2.5, 1.0]
    assert coded.table["AU25"].tolist() == [1.0, 0.0, 1.0, 0.0]
    assert "AU04" not in coded.table  # the generator's other AU columns are dropped
    assert actionunits.coded_aus(coded) == (12, 25)
    assert coded.table["subject"].tolist() == data.table["subject"].tolist()
    assert coded.extras["landmarks"] is data.extras["landmarks"] and coded.samples is data.samples
    assert "AU04" in data.table  # the input is left as it was
    np.testing.assert_array_equal(actionunits.targets(coded, (25, 12)), [[1, 0], [0, 0], [1, 1], [0, 1]])
    np.testing.assert_array_equal(actionunits.targets(coded, (12,), intensity=True)[:, 0], [0, 1.95, 2, 4])
    with pytest.raises(InvalidInputError, match="does not code AU01"):
        actionunits.targets(coded, (1, 12))
    with pytest.raises(InvalidInputError, match="has no column"):
        actionunits.from_synthetic(data, aus=(12, 26))


def test_from_synthetic_on_generated_faces(generated):
    coded = actionunits.from_synthetic(generated)
    assert actionunits.coded_aus(coded) == actionunits.AUS
    assert len(coded) == 12 and coded.labels == ("neutral", "action")
    occurrence = actionunits.targets(coded, actionunits.AUS)
    intensity = actionunits.targets(coded, actionunits.AUS, intensity=True)
    assert occurrence.shape == intensity.shape == (12, len(actionunits.AUS))
    raw = generated.table[[actionunits.column(au) for au in actionunits.AUS]].to_numpy()
    np.testing.assert_allclose(intensity, np.round(5 * raw, 3))
    np.testing.assert_array_equal(occurrence, (intensity >= 2.0).astype(float))
    neutral = (coded.table["label"] == "neutral").to_numpy()
    assert not occurrence[neutral].any() and occurrence[~neutral].any()
    assert np.isin(occurrence, (0, 1)).all() and 0 <= intensity.min() and intensity.max() <= 5
    assert coded.extras["landmarks"].shape == (12, 478, 3)


def test_mapping_table():
    table = actionunits.mapping_table()
    assert list(table.columns) == ["au", "name", "blendshapes", "match"]
    assert table["au"].tolist() == list(actionunits.AUS)
    row = table.set_index("au")
    assert row.loc[23, "blendshapes"] == "-"
    assert row.loc[12, "blendshapes"] == "mouthSmileLeft, mouthSmileRight"
    assert row.loc[12, "name"] == "Lip Corner Puller"
    assert actionunits.mapping_table((16,)).loc[0, "match"] == "not in the table"
    assert len(actionunits.BLENDSHAPE_NAMES) == len(set(actionunits.BLENDSHAPE_NAMES)) == 52
    for au, (names, _) in actionunits.BLENDSHAPES.items():
        assert set(names) <= set(actionunits.BLENDSHAPE_NAMES), au


# ------------------------------------------------------------------ blendshape rules


def blendshape_rows(rng, n, smiling):
    """``(n, 52)`` scores below 0.3, with the two mouthSmile columns at 0.6-0.9 where ``smiling``."""
    rows = rng.uniform(0.0, 0.3, (n, 52))
    left, right = (actionunits.BLENDSHAPE_NAMES.index(name) for name in ("mouthSmileLeft", "mouthSmileRight"))
    rows[smiling, left] = rng.uniform(0.6, 0.9, int(np.sum(smiling)))
    rows[smiling, right] = rng.uniform(0.6, 0.9, int(np.sum(smiling)))
    return rows, (rows[:, left] + rows[:, right]) / 2


def test_blendshape_rules_find_the_threshold_between_the_classes():
    rng = np.random.default_rng(0)
    smiling = np.arange(40) < 20
    rows, score = blendshape_rows(rng, 40, smiling)
    occurrence = np.stack([smiling, rng.random(40) < 0.5], axis=1).astype(float)  # AU12, AU23
    intensity = np.stack([2.0 + 4.0 * score, np.zeros(40)], axis=1)
    rules = actionunits.BlendshapeRules(aus=(12, 23)).fit(rows, occurrence, intensity)
    np.testing.assert_allclose(rules.score(rows)[:, 0], score)
    assert score[~smiling].max() < rules.thresholds_[0] <= score[smiling].min()
    assert rules.thresholds_[1] == np.inf  # AU23 has no blendshape
    np.testing.assert_array_equal(rules.predict(rows), np.stack([smiling, np.zeros(40, bool)], axis=1))
    new_rows, new_score = blendshape_rows(rng, 10, np.arange(10) % 2 == 0)
    assert rules.predict(new_rows)[:, 0].tolist() == [1, 0] * 5
    assert not rules.predict(np.ones((3, 52))).any(axis=0)[1]  # AU23 is never found
    # the line from score to intensity: 2 + 4 * score, cut to 0-5
    np.testing.assert_allclose(rules.lines_[0], [4.0, 2.0])
    np.testing.assert_allclose(rules.predict_intensity(new_rows)[:, 0], np.clip(2.0 + 4.0 * new_score, 0, 5))
    assert rules.predict_intensity(np.ones((1, 52)))[0].tolist() == [5.0, 0.0]  # 2 + 4 = 6, cut to 5


def test_blendshape_rules_without_intensities_and_with_unknown_labels():
    rng = np.random.default_rng(1)
    smiling = np.arange(30) % 3 == 0
    rows, _ = blendshape_rows(rng, 30, smiling)
    occurrence = smiling[:, None].astype(float)
    occurrence[1::5] = np.nan  # not coded
    rules = actionunits.BlendshapeRules(aus=(12,)).fit(rows, occurrence)
    assert rules.predict(rows)[:, 0].tolist() == smiling.astype(int).tolist()
    assert (rules.predict_intensity(rows) == 0).all()  # no line without intensities


@pytest.mark.parametrize("shape", [(5, 51), (52,), (2, 52, 1)])
def test_blendshape_rules_want_52_scores_a_row(shape):
    rules = actionunits.BlendshapeRules(aus=(12,))
    with pytest.raises(InvalidInputError, match=r"need \(N, 52\) blendshape scores"):
        rules.score(np.zeros(shape))
    with pytest.raises(InvalidInputError):
        rules.fit(np.zeros(shape), np.zeros((5, 1)))


# ------------------------------------------------------------------ the learned detector


def separable(n, seed):
    """Features of 6 columns; AU a is column 0 > 0, AU b column 1 + column 2 / 2 > 0, AU c always present."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6))
    occurrence = np.stack([x[:, 0] > 0, x[:, 1] + 0.5 * x[:, 2] > 0, np.ones(n, bool)], axis=1).astype(float)
    intensity = np.clip(np.stack([2.5 + 1.5 * x[:, 0], 2.5 + 1.5 * x[:, 1], np.full(n, 3.0)], axis=1), 0, 5)
    return x, occurrence, intensity


def test_au_detector_learns_separable_aus():
    x, y, level = separable(300, 0)
    detector = actionunits.AUDetector(aus=(1, 2, 12), C=10.0, alpha=1.0).fit(x, y, level)
    x_new, y_new, level_new = separable(200, 1)
    found = detector.predict(x_new)
    assert found.shape == (200, 3) and found.dtype == np.int64
    assert (found[:, :2] == y_new[:, :2]).mean(axis=0).min() > 0.9
    assert (found[:, 2] == 1).all()  # a column with one class only answers that class
    proba = detector.predict_proba(x_new)
    assert ((proba >= 0) & (proba <= 1)).all() and (proba[:, 2] == 1).all()
    assert not np.allclose(proba.sum(axis=1), 1)  # one independent probability per AU
    strength = detector.predict_intensity(x_new)
    assert strength.shape == (200, 3) and strength.min() >= 0 and strength.max() <= 5
    assert metrics.pcc(level_new[:, 0], strength[:, 0]) > 0.9 and metrics.mae(level_new[:, 2], strength[:, 2]) < 1e-6


def test_au_detector_leaves_unknown_labels_out_of_that_au_only():
    from sklearn.linear_model import LogisticRegression

    x, y, _ = separable(200, 2)
    partial = y.copy()
    partial[:60, 1] = np.nan
    full = actionunits.AUDetector(aus=(1, 2, 12)).fit(x, y)
    gaps = actionunits.AUDetector(aus=(1, 2, 12)).fit(x, partial)
    # AU1's model is the same as with every label known
    np.testing.assert_allclose(gaps.occurrence_[0].coef_, full.occurrence_[0].coef_)
    # AU2's model is fitted on the 140 rows whose AU2 is known
    alone = LogisticRegression(C=0.1, class_weight="balanced", max_iter=2000)
    alone.fit(gaps.scaler_.transform(x[60:]), y[60:, 1].astype(int))
    np.testing.assert_allclose(gaps.occurrence_[1].coef_, alone.coef_, rtol=1e-6)
    assert (gaps.predict(x)[:, 1] == y[:, 1]).mean() > 0.9


def test_au_detector_with_an_au_never_coded_answers_absent():
    x, y, _ = separable(50, 3)
    y[:, 2] = np.nan
    detector = actionunits.AUDetector(aus=(1, 2, 12)).fit(x, y)
    assert (detector.predict(x)[:, 2] == 0).all() and (detector.predict_proba(x)[:, 2] == 0).all()


def test_au_detector_refuses_bad_input():
    x, y, _ = separable(40, 4)
    detector = actionunits.AUDetector(aus=(1, 2, 12)).fit(x, y)
    with pytest.raises(InvalidInputError, match="fit it with intensity="):
        detector.predict_intensity(x)
    with pytest.raises(InvalidInputError, match=r"expected \(N, 6\) features as in fit, got \(40, 5\)"):
        detector.predict(x[:, :5])
    with pytest.raises(InvalidInputError, match=r"expected \(N, 6\)"):
        detector.predict_proba(x[0])
    holes = x.copy()
    holes[3, 2] = np.nan
    with pytest.raises(InvalidInputError, match="NaN or infinite"):
        actionunits.AUDetector(aus=(1, 2, 12)).fit(holes, y)
    with pytest.raises(InvalidInputError, match="NaN or infinite"):
        detector.predict(holes)
    with pytest.raises(InvalidInputError, match="3 target columns for 2 AUs"):
        actionunits.AUDetector(aus=(1, 2)).fit(x, y)
    with pytest.raises(InvalidInputError, match=r"need \(N, D\) features and \(N, K\) targets"):
        actionunits.AUDetector(aus=(1, 2, 12)).fit(x, y[:30])


# ------------------------------------------------------------------ calibration


FEATURES = np.array([[1.0, 10.0], [3.0, 20.0], [8.0, 30.0], [100.0, 0.0], [102.0, 4.0]])
PEOPLE = ["a", "a", "a", "b", "b"]


def test_calibrate_subtracts_each_persons_median():
    # a: median (3, 20); b: median of two rows = their mean (101, 2)
    expected = [[-2, -10], [0, 0], [5, 10], [-1, -2], [1, 2]]
    np.testing.assert_allclose(actionunits.calibrate(FEATURES, PEOPLE), expected)


def test_calibrate_subtracts_the_mean_of_the_neutral_rows():
    # a: rows 0 and 1 are neutral, mean (2, 15); b: row 4, (102, 4)
    reference = [True, True, False, False, True]
    expected = [[-1, -5], [1, 5], [6, 15], [-2, -4], [0, 0]]
    np.testing.assert_allclose(actionunits.calibrate(FEATURES, PEOPLE, reference), expected)


def test_calibrate_needs_a_reference_for_every_person():
    with pytest.raises(InvalidInputError, match="person 'b' has no reference"):
        actionunits.calibrate(FEATURES, PEOPLE, [True, False, False, False, False])
    with pytest.raises(InvalidInputError, match="one bool per row"):
        actionunits.calibrate(FEATURES, PEOPLE, [True, True])
    with pytest.raises(InvalidInputError, match="one subject per row"):
        actionunits.calibrate(FEATURES, PEOPLE[:4])


# ------------------------------------------------------------------ scores and co-occurrence


def test_scores_table():
    truth = np.array([[1, 0], [1, 1], [0, 0], [0, 1], [1, np.nan], [0, 0]])
    guess = np.array([[1, 0], [0, 1], [0, 1], [0, 1], [1, 1], [0, 0]])
    table = actionunits.scores(truth, guess, (6, 12))
    assert list(table.index) == ["AU6", "AU12", "mean"] and list(table.columns) == ["base rate", "F1"]
    # AU6: TP 2, FN 1, FP 0 -> F1 4/5; AU12 (5 coded rows): TP 2, FP 1, FN 0 -> F1 4/5
    np.testing.assert_allclose(table["F1"].iloc[:2], metrics.label_f1(truth, guess))
    np.testing.assert_allclose(table["F1"].iloc[:2], [4 / 5, 4 / 5])
    np.testing.assert_allclose(table["base rate"].iloc[:2], [3 / 6, 2 / 5])
    np.testing.assert_allclose(table.loc["mean"], table.iloc[:2].mean())

    level_true = np.array([[3, 0], [2, 4], [0, 0], [1, 2], [4, 3], [0, 1]], float)
    level_guess = level_true + np.array([[1, 0], [0, 1], [0, 0], [1, 0], [-1, 0], [0, 0]])
    full = actionunits.scores(truth, guess, (6, 12), level_true, level_guess)
    assert list(full.columns) == ["base rate", "F1", "ICC", "PCC", "MAE"]
    for k in range(2):
        assert full["ICC"].iloc[k] == pytest.approx(metrics.icc(level_true[:, k], level_guess[:, k]))
        assert full["PCC"].iloc[k] == pytest.approx(metrics.pcc(level_true[:, k], level_guess[:, k]))
    np.testing.assert_allclose(full["MAE"].iloc[:2], [3 / 6, 1 / 6])
    np.testing.assert_allclose(full.loc["mean"], full.iloc[:2].mean())


def test_scores_mean_skips_an_au_that_never_occurs():
    table = actionunits.scores([[1, 0], [0, 0]], [[1, 1], [0, 0]], (1, 2))
    assert np.isnan(table.loc["AU2", "F1"]) and table.loc["mean", "F1"] == 1.0


def test_cooccurrence_hand_example():
    y = np.array([[1, 1, 0],
                  [1, 0, 0],
                  [1, 1, 1],
                  [0, 1, 1],
                  [0, 0, 0]], float)
    table = actionunits.cooccurrence(y, (1, 2, 4))
    assert list(table.index) == list(table.columns) == ["AU1", "AU2", "AU4"]
    # AU1 in rows 0-2: AU2 in 2 of them, AU4 in 1; AU2 in rows 0, 2, 3: AU1 in 2, AU4 in 2;
    # AU4 in rows 2, 3: AU1 in 1, AU2 in both
    expected = [[1, 2 / 3, 1 / 3],
                [2 / 3, 1, 2 / 3],
                [1 / 2, 1, 1]]
    np.testing.assert_allclose(table.to_numpy(), expected)

    # a sixth row with AU2 not coded: it counts only for pairs of AUs it codes
    with_gap = np.vstack([y, [1, np.nan, 1]])
    table = actionunits.cooccurrence(with_gap, (1, 2, 4))
    # AU1 now in rows 0-2 and 5: AU2 known in 3 of them (2 present), AU4 in 2 of 4;
    # AU2's row is unchanged; AU4 in rows 2, 3 and 5: AU1 in 2 of 3, AU2 known in 2 (both present)
    expected = [[1, 2 / 3, 2 / 4],
                [2 / 3, 1, 2 / 3],
                [2 / 3, 1, 1]]
    np.testing.assert_allclose(table.to_numpy(), expected)


def test_cooccurrence_of_an_au_that_never_occurs_is_nan():
    table = actionunits.cooccurrence([[1, 0], [1, 0]], (1, 2))
    assert table.loc["AU1"].tolist() == [1.0, 0.0] and table.loc["AU2"].isna().all()


# ------------------------------------------------------------------ AUs to emotions


def test_emotions_from_aus_follows_the_prototypes():
    aus = actionunits.AUS

    def row(*present):
        return [au in present for au in aus]

    detected = np.array([row(6, 12), row(1, 2, 5, 26), row(), row(25, 45), row(12)], float)
    assert actionunits.emotions_from_aus(detected, aus).tolist() == ["happy", "surprise", "neutral", "neutral", "happy"]
    # a detector of AU6 and AU12 only chooses among the expressions it can see (happy)
    assert actionunits.emotions_from_aus(np.array([[1, 1], [0, 0]]), aus=(6, 12)).tolist() == ["happy", "neutral"]
    with pytest.raises(InvalidInputError, match="none of the prototype AUs of"):
        actionunits.emotions_from_aus(np.array([[1]]), aus=(45,))  # no expression at all
    with pytest.raises(InvalidInputError, match=r"need \(N, 16\) detections, got shape \(5, 15\)"):
        actionunits.emotions_from_aus(detected[:, 1:], aus)
    with pytest.raises(InvalidInputError, match="none of the prototype AUs of \\['surprise'\\]"):
        actionunits.emotions_from_aus(np.array([[1, 1]]), aus=(6, 12), emotions=("happy", "surprise"))


# ------------------------------------------------------------------ the live classifier


def fake_face(vector):
    return SimpleNamespace(mesh=SimpleNamespace(blendshape_vector=lambda: vector))


def test_au_classifier_reports_intensities_over_five():
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 1, (80, 52))
    occurrence = np.stack([x[:, 0] > 0.5, x[:, 1] > 0.5], axis=1).astype(float)
    intensity = np.stack([8 * x[:, 0] - 1, 5 * x[:, 1]], axis=1)  # beyond 0-5 at the ends
    detector = actionunits.AUDetector(aus=(4, 12), alpha=0.1).fit(x, occurrence, intensity)
    classifier = actionunits.AUClassifier(detector)
    assert classifier.classes == ("AU4", "AU12")
    faces = [fake_face(row) for row in x[:5]]
    values = classifier.predict_proba(faces)
    np.testing.assert_allclose(values, np.clip(detector.predict_intensity(x[:5]) / 5, 0, 1))
    assert values.shape == (5, 2) and values.min() >= 0 and values.max() <= 1
    assert set(classifier.predict(faces)) <= {"AU4", "AU12"}
    chances = actionunits.AUClassifier(detector, intensity=False).predict_proba(faces)
    np.testing.assert_allclose(chances, detector.predict_proba(x[:5]))
    by_hand = actionunits.AUClassifier(detector, feature=lambda face: face)
    np.testing.assert_allclose(by_hand.predict_proba(list(x[:5])), values)


def test_au_classifier_with_rules_and_a_bad_detector():
    rng = np.random.default_rng(6)
    smiling = np.arange(20) < 10
    rows, _ = blendshape_rows(rng, 20, smiling)
    rules = actionunits.BlendshapeRules(aus=(12,)).fit(rows, smiling[:, None].astype(float))
    found = actionunits.AUClassifier(rules, intensity=False).predict_proba([fake_face(r) for r in rows])
    assert found[:, 0].tolist() == smiling.astype(float).tolist()
    with pytest.raises(InvalidInputError, match="needs a fitted AUDetector or BlendshapeRules"):
        actionunits.AUClassifier(object())


# ------------------------------------------------------------------ the multi-label CNN


def test_the_multi_label_cnn_overfits_32_faces():
    import torch

    from fercourse import config, face, train

    data = synth.au_faces(32, size=64, seed=1, split=None)
    x = np.stack([face.expression_crop(image, points, size=32)
                  for image, points in zip(data.samples, data.extras["landmarks"])])
    aus = (4, 6, 23, 25)
    y = actionunits.targets(actionunits.from_synthetic(data, aus), aus).astype(int)
    assert (0 < y.sum(axis=0)).all() and (y.sum(axis=0) < len(y)).all()  # both classes of every AU
    config.seed_everything(0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny network trains faster on one thread of a busy CPU
    try:
        model = actionunits.au_cnn(len(aus), input_size=32)
        # small batches and a learning rate that stays put: the 32 faces are learnt in about 20 epochs
        train.fit(model, (x, y), (x, y), epochs=30, batch_size=8, augment=False, lr=3e-3, lr_patience=30,
                  progress=False, patience=30)
        p = train.predict_proba(model, x)
    finally:
        torch.set_num_threads(threads)
    assert model.multilabel and p.shape == (32, 4)
    assert ((p >= 0) & (p <= 1)).all()
    assert not np.allclose(p.sum(axis=1), 1)  # a sigmoid per AU, not a softmax
    assert np.nanmean(metrics.label_f1(y, p >= 0.5)) >= 0.9
