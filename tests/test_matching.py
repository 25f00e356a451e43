"""fercourse.matching: the greedy one-to-one matcher and its IoU helpers, on hand-made cases."""

import numpy as np
import pytest

from fercourse import face, features, matching, temporal
from fercourse.errors import InvalidInputError


def test_greedy_takes_the_highest_score_first_and_each_item_once():
    scores = [[0.6, 0.9],
              [0.8, 0.1]]
    # Row 0 fits column 0 well (0.6) but fits column 1 better (0.9): that pair goes first,
    # which leaves column 0 for row 1.
    assert matching.greedy_match(scores, 0.5) == [(0, 1, 0.9), (1, 0, 0.8)]
    # Column 0 is the best for both rows: only one of them gets it.
    assert matching.greedy_match([[0.7], [0.9]], 0.5) == [(1, 0, 0.9)]


def test_greedy_is_not_the_largest_total():
    # Greedy takes 0.9 and then has nothing left above the threshold; pairing (0, 1) and (1, 0) would
    # total 1.6.  That is the documented rule of detection benchmarks, not a bug.
    assert matching.greedy_match([[0.9, 0.8], [0.8, 0.0]], 0.5) == [(0, 0, 0.9)]


def test_the_threshold_is_respected_and_reached_counts():
    scores = np.array([[0.5, 0.49], [0.2, 0.3]])
    assert matching.greedy_match(scores, 0.5) == [(0, 0, 0.5)]
    assert matching.greedy_match(scores, 0.51) == []
    assert matching.greedy_match(scores, 0.25) == [(0, 0, 0.5), (1, 1, 0.3)]


def test_ties_go_to_the_earlier_row_then_the_earlier_column():
    assert matching.greedy_match(np.ones((2, 3)), 1.0) == [(0, 0, 1.0), (1, 1, 1.0)]
    assert matching.greedy_match([[0.5, 0.5], [0.5, 0.0]], 0.5) == [(0, 0, 0.5)]


def test_empty_inputs_give_no_pairs():
    assert matching.greedy_match(np.zeros((0, 3)), 0.5) == []
    assert matching.greedy_match(np.zeros((3, 0)), 0.5) == []
    assert matching.greedy_match([], 0.5) == []
    assert matching.match_boxes([], [(0, 0, 10, 10)]) == [] and matching.match_boxes([(0, 0, 10, 10)], []) == []
    assert matching.match_intervals([], []) == []


def test_bad_scores_and_thresholds_are_refused():
    with pytest.raises(InvalidInputError, match="matrix"):
        matching.greedy_match([0.5, 0.6], 0.5)
    with pytest.raises(InvalidInputError, match="NaN"):
        matching.greedy_match([[np.nan]], 0.5)
    with pytest.raises(InvalidInputError, match="threshold"):
        matching.greedy_match([[0.5]], np.nan)
    for threshold in (0, 1.5, "high"):
        with pytest.raises(InvalidInputError, match=r"threshold must lie in \(0, 1\]"):
            matching.match_intervals([(0, 1)], [(0, 1)], threshold=threshold)


def test_box_iou_by_hand():
    assert matching.box_iou((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(50 / 150)
    assert matching.box_iou((0, 0, 4, 4), (2, 2, 4, 4)) == pytest.approx(4 / 28)
    assert matching.box_iou((0, 0, 10, 10), (10, 0, 10, 10)) == 0.0  # touching edges share no area
    with pytest.raises(InvalidInputError, match="four numbers"):
        matching.box_iou((0, 0, 10), (0, 0, 1, 1))


def test_interval_iou_by_hand():
    # Frames 0..9 and 5..14: 5 shared (5..9) of 15 in either (0..14).
    assert matching.interval_iou((0, 9), (5, 14)) == pytest.approx(5 / 15)
    # Both ends count: 3..3 is one frame, inside 0..3 (four frames).
    assert matching.interval_iou((3, 3), (0, 3)) == pytest.approx(1 / 4)
    assert matching.interval_iou((0, 4), (5, 9)) == 0.0
    assert matching.interval_iou((10, 15, 19), temporal.Interval(10, 12, 19)) == 1.0  # the apex plays no part
    with pytest.raises(InvalidInputError, match="onset <= offset"):
        matching.interval_iou((9, 0), (0, 9))


def test_match_intervals_pairs_best_overlap_first():
    truth = [(0, 9), (20, 29)]
    predicted = [(21, 30), (2, 9), (0, 8), (50, 60)]
    # (2, 9) has IoU 8/10 with (0, 9), (0, 8) has 9/10: the better one gets it.
    assert [(i, j) for i, j, _ in matching.match_intervals(predicted, truth)] == [(0, 1), (2, 0)]
    pairs = matching.match_intervals(predicted, truth)
    assert [iou for _, _, iou in pairs] == pytest.approx([9 / 11, 9 / 10])


def test_box_matching_has_one_home():
    assert not {"match_boxes", "box_iou"} & set(face.__all__)
    assert not hasattr(face, "match_boxes") and not hasattr(face, "box_iou")


def test_blink_scoring_matches_each_blink_once_in_order():
    # Both predictions lie near the first true blink; only one of them may count.
    assert features.score_blinks([(10, 12), (13, 14)], [(11, 13), (40, 42)])["matched"] == 1
    assert features.score_blinks([(10, 12), (39, 40)], [(11, 13), (40, 42)])["matched"] == 2
