"""The course's classification metrics: hand-computed values and scikit-learn as a cross-check."""

import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.metrics import confusion_matrix as sklearn_confusion

from fercourse import metrics
from fercourse.errors import InvalidInputError

# Three classes, eight samples:
# class 0: TP 3, FP 2, FN 1 -> precision 3/5, recall 3/4, F1 6/9
# class 1: TP 1, FP 1, FN 1 -> precision 1/2, recall 1/2, F1 2/4
# class 2: TP 1, FP 0, FN 1 -> precision 1,   recall 1/2, F1 2/3
Y_TRUE = [0, 0, 0, 0, 1, 1, 2, 2]
Y_PRED = [0, 0, 0, 1, 1, 0, 2, 0]


def test_hand_computed_example():
    assert metrics.accuracy(Y_TRUE, Y_PRED) == pytest.approx(5 / 8)
    assert metrics.uf1(Y_TRUE, Y_PRED) == pytest.approx((6 / 9 + 2 / 4 + 2 / 3) / 3)
    assert metrics.uar(Y_TRUE, Y_PRED) == pytest.approx((3 / 4 + 1 / 2 + 1 / 2) / 3)
    assert metrics.confusion_matrix(Y_TRUE, Y_PRED).tolist() == [[3, 1, 0], [1, 1, 0], [1, 0, 1]]
    report = metrics.per_class_report(Y_TRUE, Y_PRED, ["a", "b", "c"])
    assert list(report.index) == ["a", "b", "c"] and list(report.columns) == ["precision", "recall", "f1", "support"]
    assert np.allclose(report["precision"], [3 / 5, 1 / 2, 1.0])
    assert np.allclose(report["recall"], [3 / 4, 1 / 2, 1 / 2])
    assert np.allclose(report["f1"], [6 / 9, 2 / 4, 2 / 3])
    assert report["support"].tolist() == [4, 2, 2]


def test_megc_scores_pool_counts():
    scores = metrics.megc_scores(Y_TRUE, Y_PRED, 3)
    assert scores["UF1"] == pytest.approx(metrics.uf1(Y_TRUE, Y_PRED))
    assert scores["UAR"] == pytest.approx(metrics.uar(Y_TRUE, Y_PRED))
    assert scores["accuracy"] == pytest.approx(5 / 8)
    assert list(scores["TP"]) == [3, 1, 1] and list(scores["FP"]) == [2, 1, 0] and list(scores["FN"]) == [1, 1, 1]


def test_a_class_never_predicted_scores_zero_and_an_absent_class_is_left_out():
    # class 2 occurs but is never predicted: F1 0 and recall 0, both counted
    y_true, y_pred = [0, 0, 1, 2], [0, 0, 1, 1]
    assert metrics.uf1(y_true, y_pred, 3) == pytest.approx((1 + 2 / 3 + 0) / 3)
    assert metrics.uar(y_true, y_pred, 3) == pytest.approx((1 + 1 + 0) / 3)
    # class 2 never occurs in the truth (nor in the predictions): it says nothing, so it is left out
    assert metrics.uf1([0, 1], [0, 1], 3) == 1.0 and metrics.uar([0, 1], [0, 1], 3) == 1.0
    # a class predicted but never true counts as errors of the others, not as a class of its own
    assert metrics.uf1([1, 2, 2], [1, 2, 0], 3) == pytest.approx((1 + 2 / 3) / 2)


@pytest.mark.parametrize("seed", range(6))
def test_uf1_and_uar_match_scikit_learn_on_random_labels(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 8))
    y_true = rng.integers(0, k, 60)
    y_pred = rng.integers(0, k, 60)
    y_pred[y_pred == k - 1] = 0  # the last class is never predicted
    assert k - 1 in y_true and k - 1 not in y_pred
    assert metrics.uf1(y_true, y_pred, k) == pytest.approx(f1_score(y_true, y_pred, average="macro"))
    assert metrics.uar(y_true, y_pred, k) == pytest.approx(balanced_accuracy_score(y_true, y_pred))
    assert np.array_equal(metrics.confusion_matrix(y_true, y_pred, k), sklearn_confusion(y_true, y_pred, labels=range(k)))
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=range(k), zero_division=0)
    report = metrics.per_class_report(y_true, y_pred, [f"c{i}" for i in range(k)])
    assert np.allclose(report["precision"], precision) and np.allclose(report["recall"], recall)
    assert np.allclose(report["f1"], f1) and report["support"].tolist() == support.tolist()
    assert metrics.accuracy(y_true, y_pred) == pytest.approx(np.mean(y_true == y_pred))


def test_scores_bundles_every_measure():
    result = metrics.scores(Y_TRUE, Y_PRED, ["a", "b", "c"])
    assert set(result) == {"accuracy", "uf1", "uar", "confusion", "per_class"}
    assert result["uf1"] == pytest.approx(metrics.uf1(Y_TRUE, Y_PRED))
    assert result["confusion"].shape == (3, 3)


def test_accuracy_compares_names_too():
    assert metrics.accuracy(["happy", "sad"], np.array(["happy", "happy"])) == 0.5


@pytest.mark.parametrize("call", [
    lambda: metrics.uf1([0, 1], [0]),  # lengths differ
    lambda: metrics.uar([], []),  # empty
    lambda: metrics.uf1([0, 1], [0, 3], 3),  # index out of range
    lambda: metrics.uar([0, -1], [0, 1]),  # negative index
    lambda: metrics.confusion_matrix(["a", "b"], ["a", "b"]),  # names, not indices
    lambda: metrics.uf1([0.5, 1], [0, 1]),  # not whole numbers
    lambda: metrics.megc_scores([0, 1], [0, 1], n_classes=True),
    lambda: metrics.per_class_report([0, 2], [0, 1], ["a", "b"]),  # index beyond the names
])
def test_bad_labels_are_refused(call):
    with pytest.raises(InvalidInputError):
        call()


# ------------------------------------------------------------ multi-label and intensity


def test_icc_pcc_and_mae_by_hand():
    # truth (1, 2, 3), prediction (1, 3, 2): two "raters" of three targets, grand mean 2.
    # target means 1, 2.5, 2.5 -> SS_targets = 2 * (1 + 0.25 + 0.25) = 3, MS_targets = 3 / 2
    # rater means 2, 2 -> SS_raters = 0; SS_total = 1 + 1 + 0 + 1 + 1 + 0 = 4 -> SS_error = 1, MS_error = 1 / 2
    # ICC(3,1) = (1.5 - 0.5) / (1.5 + 0.5) = 0.5
    assert metrics.icc([1, 2, 3], [1, 3, 2]) == pytest.approx(0.5)
    # deviations (-1, 0, 1) and (-1, 1, 0): covariance sum 1, norms sqrt(2) each -> r = 1 / 2
    assert metrics.pcc([1, 2, 3], [1, 3, 2]) == pytest.approx(0.5)
    # |0| + |-1| + |1| over 3
    assert metrics.mae([1, 2, 3], [1, 3, 2]) == pytest.approx(2 / 3)
    # a constant offset: no error left once the raters' means are taken out
    assert metrics.icc([1, 2, 3], [3, 4, 5]) == pytest.approx(1.0)
    assert metrics.pcc([1, 2, 3], [3, 4, 5]) == pytest.approx(1.0)
    assert metrics.mae([1, 2, 3], [3, 4, 5]) == pytest.approx(2.0)
    # reversed order: target means all 2 -> MS_targets 0, MS_error 2 -> ICC -1
    assert metrics.icc([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)


def test_intensity_measures_leave_nan_pairs_out():
    assert metrics.mae([1, np.nan, 3], [2, 5, 3]) == pytest.approx(0.5)  # (|1 - 2| + |3 - 3|) / 2
    assert metrics.icc([1, 2, np.nan, 3], [1, 3, 0, 2]) == pytest.approx(0.5)
    assert metrics.pcc([1, 2, 3, 9], [1, 3, 2, np.nan]) == pytest.approx(0.5)
    assert np.isnan(metrics.icc([1, np.nan], [1, 2]))  # one pair left
    assert np.isnan(metrics.icc([2, 2, 2], [2, 2, 2]))  # nothing varies
    assert np.isnan(metrics.pcc([1, 2, 3], [2, 2, 2]))  # a constant has no correlation
    assert np.isnan(metrics.mae([np.nan], [1.0]))


def test_label_f1_by_hand():
    truth = np.array([[1, 0, 0], [np.nan, 1, 0], [1, 0, 0], [0, 0, 0]])
    guess = np.array([[1, 1, 1], [1, 1, 0], [0, 0, 0], [1, 0, 0]])
    # label 0, row 1 not coded (its guess 1 is no false positive): TP 1, FP 1, FN 1 -> 2 / 4
    # label 1: TP 1, FP 1, FN 0 -> 2 / 3
    # label 2: no positive in the truth -> NaN
    f1 = metrics.label_f1(truth, guess)
    assert f1.shape == (3,)
    np.testing.assert_allclose(f1[:2], [2 / 4, 2 / 3])
    assert np.isnan(f1[2])
    np.testing.assert_allclose(metrics.label_f1(truth[:, 1], guess[:, 1]), [2 / 3])  # one label, 1-D
    np.testing.assert_allclose(metrics.label_f1([[1], [0]], [[0.7], [0.2]]), [1.0])  # above 0.5 counts as present
    assert np.isnan(metrics.label_f1([[np.nan], [np.nan]], [[1], [0]])[0])  # nothing coded


@pytest.mark.parametrize("call", [
    lambda: metrics.label_f1(np.zeros((4, 2)), np.zeros((4, 3))),  # shapes differ
    lambda: metrics.label_f1(np.zeros((2, 2, 2)), np.zeros((2, 2, 2))),  # not (N, K)
    lambda: metrics.label_f1([[1, 0]], [[np.nan, 0]]),  # a prediction missing
    lambda: metrics.label_f1([["a"]], [[1]]),  # not numbers
    lambda: metrics.icc([1, 2, 3], [1, 2]),
    lambda: metrics.icc(np.zeros((3, 2)), np.zeros((3, 2))),  # one column at a time
    lambda: metrics.pcc([1, 2], [1, 2, 3]),
    lambda: metrics.mae([1, 2], [[1, 2]]),
])
def test_bad_multi_label_and_intensity_input_is_refused(call):
    with pytest.raises(InvalidInputError):
        call()


def test_shape_mismatch_message():
    with pytest.raises(InvalidInputError, match=r"y_true has shape \(4, 2\) but y_pred has \(4, 3\)"):
        metrics.label_f1(np.zeros((4, 2)), np.zeros((4, 3)))


def anova_icc31(a, b):
    """ICC(3,1) written out from the two-way ANOVA table (Shrout and Fleiss 1979):
    (BMS - EMS) / (BMS + (k - 1) EMS) with k = 2 raters, BMS = k * var(target means), and EMS the
    residual mean square once target and rater effects are removed."""
    y = np.column_stack([a, b])
    n, k = y.shape
    target_means, rater_means, grand = y.mean(axis=1), y.mean(axis=0), y.mean()
    bms = k * np.var(target_means, ddof=1)
    residual = y - target_means[:, None] - rater_means[None, :] + grand
    ems = (residual ** 2).sum() / ((n - 1) * (k - 1))
    return (bms - ems) / (bms + (k - 1) * ems)


@pytest.mark.parametrize("seed", range(5))
def test_multi_label_and_intensity_measures_match_reference_formulas(seed):
    from scipy.stats import pearsonr

    rng = np.random.default_rng(seed)
    truth = (rng.random((80, 4)) < rng.uniform(0.1, 0.6, 4)).astype(float)
    guess = np.where(rng.random((80, 4)) < 0.75, truth, 1 - truth)
    truth[rng.random((80, 4)) < 0.1] = np.nan  # some frames not coded
    ours = metrics.label_f1(truth, guess)
    for k in range(4):
        known = ~np.isnan(truth[:, k])
        assert ours[k] == pytest.approx(f1_score(truth[known, k], guess[known, k]))

    level = rng.uniform(0, 5, 60)
    predicted = 0.7 * level + rng.normal(0, 0.8, 60) + 0.5
    assert metrics.icc(level, predicted) == pytest.approx(anova_icc31(level, predicted))
    assert metrics.pcc(level, predicted) == pytest.approx(pearsonr(level, predicted)[0])
    assert metrics.mae(level, predicted) == pytest.approx(np.mean(np.abs(level - predicted)))


# ------------------------------------------------------------ confidence intervals


def _people(n_people: int, per_person: int = 4):
    """Predictions of n people, ``per_person`` each; person i gets ``i % 5`` of them right (mean 0.5)."""
    people = np.repeat(np.arange(n_people), per_person)
    y_true = np.zeros(len(people), int)
    y_pred = np.where(np.tile(np.arange(per_person), n_people) < people % 5, 0, 1)
    return y_true, y_pred, people


def test_bootstrap_interval_holds_the_estimate_and_repeats_with_its_seed():
    y_true, y_pred, people = _people(20)
    estimate, low, high = metrics.bootstrap_interval(y_true, y_pred, groups=people, seed=3)
    assert estimate == metrics.accuracy(y_true, y_pred) == 0.5
    assert 0.3 < low < estimate < high < 0.7
    assert metrics.bootstrap_interval(y_true, y_pred, groups=people, seed=3) == (estimate, low, high)
    assert metrics.bootstrap_interval(y_true, y_pred, groups=people, seed=4) != (estimate, low, high)
    # group labels of any kind: names give the same resamples as the indices they sort to
    names = np.array([f"S{p:02d}" for p in people])
    assert metrics.bootstrap_interval(y_true, y_pred, groups=names, seed=3) == (estimate, low, high)


def test_bootstrap_interval_narrows_with_more_people_and_vanishes_with_one():
    few = metrics.bootstrap_interval(*_people(10)[:2], groups=_people(10)[2])
    many = metrics.bootstrap_interval(*_people(80)[:2], groups=_people(80)[2])
    assert few[0] == many[0] == 0.5
    # the width shrinks as one over the square root of the number of people: 8 times more, about 0.35 times as wide
    assert 0.2 < (many[2] - many[1]) / (few[2] - few[1]) < 0.55
    y_true, y_pred, _ = _people(10)
    assert metrics.bootstrap_interval(y_true, y_pred, groups=["one person"] * 40) == (0.5, 0.5, 0.5)
    # UF1 here: class 0 has TP 20, FN 20, FP 0 -> F1 2/3; class 1 is never true, so it is left out
    assert metrics.bootstrap_interval(y_true, y_pred, metrics.uf1, groups=np.zeros(40), n_boot=5) == (
        pytest.approx(2 / 3), pytest.approx(2 / 3), pytest.approx(2 / 3))


def test_resampling_people_widens_the_interval_when_people_differ():
    # each person is either always right or always wrong: 40 samples, but only 10 independent answers
    people = np.repeat(np.arange(10), 4)
    y_true = np.zeros(40, int)
    y_pred = (people % 2).astype(int)
    _, low_p, high_p = metrics.bootstrap_interval(y_true, y_pred, groups=people)
    _, low_s, high_s = metrics.bootstrap_interval(y_true, y_pred)
    assert high_p - low_p > 1.5 * (high_s - low_s)


def test_bootstrap_interval_of_two_people_by_hand():
    # Person A is right, person B wrong. Resamples AA, AB, BA, BB score 1, 1/2, 1/2, 0 (a quarter each for AA and BB),
    # so with thousands of resamples the 5 % and 95 % quantiles are 0 and 1.
    assert metrics.bootstrap_interval([0, 0], [0, 1], groups=["A", "B"], n_boot=2000, level=0.9) == (0.5, 0.0, 1.0)
    # UF1 when a resample lacks a class: BB holds only class 1, never predicted: F1 0 over the one class present.
    # AA holds only class 0, always right: 1. AB: class 0 F1 2 / 3, class 1 F1 0 -> 1 / 3, the estimate.
    estimate, low, high = metrics.bootstrap_interval([0, 1], [0, 0], metrics.uf1, groups=["A", "B"], n_boot=2000,
                                                     level=0.9)
    assert (estimate, low, high) == (pytest.approx(1 / 3), 0.0, 1.0)
    assert metrics.bootstrap_interval([0, 1], [0, 0], metrics.uf1, groups=["A", "B"], n_boot=2000, level=0.4) == (
        pytest.approx(1 / 3), pytest.approx(1 / 3), pytest.approx(1 / 3))


@pytest.mark.parametrize("metric", [metrics.accuracy, metrics.uf1, metrics.uar])
@pytest.mark.parametrize("grouped", [False, True])
def test_the_fast_scores_equal_a_score_called_on_every_resample(metric, grouped):
    rng = np.random.default_rng(5)
    y_true = rng.integers(0, 4, 120)
    y_pred = np.where(rng.random(120) < 0.6, y_true, rng.integers(0, 4, 120))
    groups = rng.integers(0, 12, 120) if grouped else None
    fast = metrics.bootstrap_interval(y_true, y_pred, metric, groups=groups, n_boot=200, seed=1)
    slow = metrics.bootstrap_interval(y_true, y_pred, lambda t, p: metric(t, p), groups=groups, n_boot=200, seed=1)
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-12)
    assert fast[1] < fast[0] < fast[2]


def test_bootstrap_interval_is_fast():
    import time

    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 3, 200)
    y_pred = np.where(rng.random(200) < 0.7, y_true, rng.integers(0, 3, 200))
    groups = rng.integers(0, 20, 200)
    for metric in (metrics.accuracy, metrics.uf1, metrics.uar):
        for g in (None, groups):
            start = time.perf_counter()
            metrics.bootstrap_interval(y_true, y_pred, metric, groups=g, n_boot=1000)
            assert time.perf_counter() - start < 0.5, (metric.__name__, g is None)


def test_format_interval():
    assert metrics.format_interval((0.8125, 0.7, 0.9)) == "0.81 (0.70\u20130.90)"
    assert metrics.format_interval((81.25, 70, 90.04), digits=0) == "81 (70\u201390)"
    y_true, y_pred, people = _people(10)
    assert metrics.format_interval(metrics.bootstrap_interval(y_true, y_pred, groups=np.zeros(40)), 3) == (
        "0.500 (0.500\u20130.500)")
    for bad in ((0.5, 0.4), (0.5, np.nan, 0.6), "abc", None):
        with pytest.raises(InvalidInputError, match="three finite numbers"):
            metrics.format_interval(bad)
    with pytest.raises(InvalidInputError, match="digits"):
        metrics.format_interval((0.5, 0.4, 0.6), digits=-1)


@pytest.mark.parametrize("kwargs, match", [
    ({"y_true": [0, 1], "y_pred": [0]}, "equal-length"),
    ({"y_true": [], "y_pred": []}, "non-empty"),
    ({"groups": [0, 0, 1]}, "one group"),
    ({"level": 0}, "level"),
    ({"level": 1.0}, "level"),
    ({"level": 95}, "level"),
    ({"n_boot": 0}, "n_boot"),
    ({"n_boot": 10.0}, "n_boot"),
    ({"seed": -1}, "seed"),
    ({"seed": "a"}, "seed"),
    ({"metric": "accuracy"}, "metric must be a function"),
    ({"metric": lambda t, p: float("nan")}, "NaN or infinite values on 1000 of 1000"),
    ({"metric": metrics.uf1, "y_true": [0, -1, 1, 0]}, "class indices"),
])
def test_bootstrap_interval_refuses_bad_input(kwargs, match):
    arguments = {"y_true": [0, 1, 1, 0], "y_pred": [0, 1, 0, 0]} | kwargs
    with pytest.raises(InvalidInputError, match=match):
        metrics.bootstrap_interval(**arguments)
