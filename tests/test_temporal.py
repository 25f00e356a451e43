"""Chapter 07: frame extraction, clip inputs, temporal models, MEGC scores, spotting."""

import numpy as np
import pandas as pd
import pytest
import torch

from fercourse import data, matching, metrics, synth, temporal, train
from fercourse.errors import DatasetError, InvalidInputError
from fercourse.synth.canonical import LEFT_EYE_UPPER, OUTER_LIPS, RIGHT_EYE_UPPER


def write_video(path, frames: int = 30, fps: float = 30.0, side: int = 32):
    """An MJPG AVI whose frame i is uniformly grey at brightness 8 * i (readable back from the pixels)."""
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (side, side))
    assert writer.isOpened()
    for i in range(frames):
        writer.write(np.full((side, side, 3), 8 * i, np.uint8))
    writer.release()
    return path


def frame_numbers(frames) -> np.ndarray:
    return np.round(np.asarray(frames, dtype=float).reshape(len(frames), -1).mean(axis=1) / 8).astype(int)


@pytest.fixture(scope="module")
def clips():
    return synth.clips(4, fps=30, seconds=1.0, size=48, seed=3, n_subjects=2, labels=("happy", "surprise"))


# ------------------------------------------------------------------ frame extraction


def test_extract_frames_returns_the_requested_count(tmp_path):
    video = write_video(tmp_path / "clip.avi", frames=30)
    frames = temporal.extract_frames(video, n=12)
    assert frames.shape == (12, 32, 32, 3) and frames.dtype == np.uint8
    numbers = frame_numbers(frames)
    assert numbers[0] == 0 and numbers[-1] == 29 and np.all(np.diff(numbers) > 0)
    assert temporal.extract_frames(video, n=5, size=16, gray=True).shape == (5, 16, 16)


def test_extract_frames_at_a_fixed_rate(tmp_path):
    video = write_video(tmp_path / "clip.avi", frames=30, fps=30.0)
    frames = temporal.extract_frames(video, fps=10)
    assert len(frames) == 10  # one second at 10 frames per second
    assert list(frame_numbers(frames)) == list(range(0, 30, 3))


def test_extract_frames_fails_clearly_on_a_truncated_file(tmp_path):
    video = write_video(tmp_path / "clip.avi", frames=30)
    data_bytes = video.read_bytes()
    broken = tmp_path / "broken.avi"
    broken.write_bytes(data_bytes[: len(data_bytes) // 2])
    with pytest.raises(DatasetError, match="truncated"):
        temporal.extract_frames(broken, n=12)


def test_extract_frames_rejects_bad_requests(tmp_path):
    video = write_video(tmp_path / "clip.avi", frames=10)
    with pytest.raises(InvalidInputError, match="exactly one"):
        temporal.extract_frames(video, n=4, fps=5)
    with pytest.raises(DatasetError, match="10 frames"):
        temporal.extract_frames(video, n=11)
    with pytest.raises(InvalidInputError, match="file's own rate"):
        temporal.extract_frames(video, fps=60)
    with pytest.raises(InvalidInputError, match="does not exist"):
        temporal.extract_frames(tmp_path / "missing.avi", n=2)


def test_export_frames_writes_frames_and_a_label_list(tmp_path, clips):
    table = temporal.export_frames(clips, tmp_path / "frames", n=4, size=24)
    assert len(table) == 4 * len(clips)
    listed = pd.read_csv(tmp_path / "frames" / "labels.csv")
    assert list(listed.columns) == ["path", "clip", "frame", "label", "subject"]
    assert all((tmp_path / "frames" / p).is_file() for p in listed["path"])
    assert set(listed["label"]) == set(clips.table["label"])


# ------------------------------------------------------------------------ clip inputs


def test_sample_indices_spread_and_repeat():
    assert list(temporal.sample_indices(0, 9, 4)) == [0, 3, 6, 9]
    assert list(temporal.sample_indices(5, 6, 4)) == [5, 5, 6, 6]
    with pytest.raises(InvalidInputError):
        temporal.sample_indices(5, 4, 3)


def test_windows_give_every_region_the_same_window(clips):
    w = temporal.windows(clips, frames=10, size=24, regions=("face", "mouth"))
    assert set(w) == {"face", "mouth"}
    assert all(v.shape == (len(clips), 10, 24, 24) and v.dtype == np.uint8 for v in w.values())
    with pytest.raises(InvalidInputError, match="unknown region"):
        temporal.windows(clips, regions=("ear",))


def test_megc_labels_and_flow_inputs(clips):
    megc = temporal.with_megc_labels(clips)
    assert set(megc.table["label"]) <= {"positive", "surprise"} and megc.labels == ("negative", "positive", "surprise")
    flow = temporal.flow_inputs(megc, size=20, method="farneback")
    assert flow.shape == (len(megc), 3, 20, 20) and np.isfinite(flow).all()


def test_optical_flow_finds_a_shift():
    rng = np.random.default_rng(0)
    image = (rng.random((40, 40)) * 255).astype(np.uint8)
    import cv2

    image = cv2.GaussianBlur(image, (0, 0), 2)
    shifted = np.roll(image, 2, axis=1)
    for method in ("tvl1", "farneback"):
        flow = temporal.optical_flow(image, shifted, method=method)
        assert flow.shape == (40, 40, 2)
        assert abs(np.median(flow[10:30, 10:30, 0]) - 2) < 0.5 and abs(np.median(flow[10:30, 10:30, 1])) < 0.5
    assert np.allclose(temporal.optical_strain(np.ones((8, 8, 2))), 0)


def test_lbp_top_has_three_normalised_planes():
    clip = np.random.default_rng(0).integers(0, 256, (8, 16, 16)).astype(np.uint8)
    features = temporal.lbp_top(clip, grid=(2, 2))
    assert features.shape == (3 * 4 * 10,)
    assert np.allclose(features.reshape(12, 10).sum(axis=1), 1)
    # Shuffling the frames keeps each frame's appearance (XY) but changes the motion (XT, YT).
    shuffled = clip[np.random.default_rng(1).permutation(8)]
    a, b = (temporal.lbp_top(c, grid=(1, 1)).reshape(3, 10) for c in (clip, shuffled))
    assert np.allclose(a[0], b[0], atol=0.02) and not np.allclose(a[1:], b[1:])


# ----------------------------------------------------------------------------- models


def test_convlstm_cell_keeps_shapes_over_time():
    cell = temporal.ConvLSTMCell(3, 5)
    x = torch.rand(2, 4, 3, 9, 11)
    state = None
    for t in range(4):
        state = cell(x[:, t], state)
        assert state[0].shape == state[1].shape == (2, 5, 9, 11)
    outputs, (h, _) = temporal.ConvLSTM(3, 5)(x)
    assert outputs.shape == (2, 4, 5, 9, 11) and h.shape == (2, 5, 9, 11)
    assert torch.all(h.abs() <= 1)  # h = o * tanh(c)


@pytest.mark.parametrize("name", ["cnn_lstm", "c3d", "microx", "flow"])
def test_models_train_with_train_fit(name):
    rng = np.random.default_rng(0)
    y = np.array([0, 1, 2] * 4)
    if name == "flow":
        x = rng.normal(size=(12, 3, 28, 28)).astype(np.float32)
    elif name == "microx":
        x = {r: rng.integers(0, 256, (12, 4, 16, 16)).astype(np.uint8) for r in temporal.MicroX().regions}
    else:
        x = rng.integers(0, 256, (12, 4, 16, 16)).astype(np.uint8)
    model = temporal.build(name, n_classes=3, input_size=28 if name == "flow" else 16)
    history = train.fit(model, (x, y), (x, y), epochs=1, batch_size=6, progress=False)
    assert len(history["loss"]) == 1 and np.isfinite(history["loss"][0])
    p = train.predict_proba(model, x)
    assert p.shape == (12, 3) and np.allclose(p.sum(axis=1), 1, atol=1e-5)


def test_models_reject_wrong_inputs():
    with pytest.raises(InvalidInputError, match="windows"):
        temporal.CNNLSTM().input_tensors(np.zeros((2, 32, 32), np.uint8))
    with pytest.raises(InvalidInputError, match="missing"):
        temporal.MicroX().input_tensors({"face": np.zeros((2, 10, 32, 32), np.uint8)})
    with pytest.raises(InvalidInputError, match="unknown model"):
        temporal.build("transformer")


# ------------------------------------------------------------------------- evaluation


def test_megc_scores_match_a_hand_computed_example():
    # Two folds' predictions pooled: class 0 has 4 clips, class 1 has 2, class 2 has 2.
    y_true = [0, 0, 0, 0, 1, 1, 2, 2]
    y_pred = [0, 0, 0, 1, 1, 0, 2, 0]
    # class 0: TP 3, FP 2, FN 1 -> F1 6/9, recall 3/4
    # class 1: TP 1, FP 1, FN 1 -> F1 2/4, recall 1/2
    # class 2: TP 1, FP 0, FN 1 -> F1 2/3, recall 1/2
    scores = metrics.megc_scores(y_true, y_pred, 3)
    assert scores["UF1"] == pytest.approx((6 / 9 + 2 / 4 + 2 / 3) / 3)
    assert scores["UAR"] == pytest.approx((3 / 4 + 1 / 2 + 1 / 2) / 3)
    assert scores["accuracy"] == pytest.approx(5 / 8)
    assert list(scores["TP"]) == [3, 1, 1] and list(scores["FP"]) == [2, 1, 0] and list(scores["FN"]) == [1, 1, 1]


def test_megc_scores_pool_the_folds_rather_than_average_them():
    # Fold A: all class 0, predicted right. Fold B: one clip of each class, all predicted 0.
    y_true, y_pred = [0, 0, 0, 0, 1, 2], [0, 0, 0, 0, 0, 0]
    scores = metrics.megc_scores(y_true, y_pred, 3)
    assert scores["UF1"] == pytest.approx((2 * 4 / (8 + 2 + 0)) / 3)  # classes 1, 2 score 0
    assert scores["UAR"] == pytest.approx(1 / 3)
    with pytest.raises(InvalidInputError):
        metrics.megc_scores([0, 1], [0, 3], 3)


def test_loso_folds_never_share_a_subject():
    table = pd.DataFrame({"subject": ["S1", "S2", "S3", "S1", "S2", "S3", "S1", "S2"], "label": 0})
    seen = []

    def fit_predict(train_index, test_index):
        assert not set(table["subject"].iloc[train_index]) & set(table["subject"].iloc[test_index])
        assert table["subject"].iloc[test_index].nunique() == 1
        seen.extend(test_index)
        return np.zeros(len(test_index), dtype=int)

    _, folds = temporal.cross_validate(fit_predict, np.zeros(len(table), int), data.loso_folds(table))
    assert sorted(seen) == list(range(len(table))) and len(folds) == table["subject"].nunique()
    # random folds, by contrast, put one person on both sides
    leaky = [set(table["subject"].iloc[a]) & set(table["subject"].iloc[b]) for _, a, b in temporal.random_folds(len(table), 2, 0)]
    assert any(leaky)


# --------------------------------------------------------------------------- spotting


def test_interval_iou_and_spotting_f1_match_hand_computed_values():
    assert matching.interval_iou((0, 9), (5, 14)) == pytest.approx(5 / 15)
    assert matching.interval_iou(temporal.Interval(10, 12, 19), (10, 19)) == 1.0
    truth = [[(10, 19)], [(30, 39), (60, 69)], []]
    predicted = [[(12, 14, 21)], [(30, 35, 39), (0, 5, 9)], [(50, 52, 54)]]
    # clip 1: IoU 8/12 -> hit. clip 2: hit, miss (FP), (60, 69) unfound (FN). clip 3: FP.
    scores = temporal.spotting_scores(predicted, truth)
    assert (scores["TP"], scores["FP"], scores["FN"]) == (2, 2, 1)
    assert scores["precision"] == pytest.approx(2 / 4) and scores["recall"] == pytest.approx(2 / 3)
    assert scores["F1"] == pytest.approx(4 / 7)
    # one spotted interval cannot claim two true ones
    assert temporal.spotting_scores([[(0, 9)]], [[(0, 9), (0, 9)]])["FN"] == 1


def test_spot_finds_a_bump_and_ignores_a_flat_signal():
    signal = np.zeros(60)
    signal[20:31] = np.hanning(11)
    events = temporal.spot(signal, k=4, p=0.5)
    assert len(events) == 1 and events[0].apex == 25 and 21 <= events[0].onset <= events[0].offset <= 29
    assert temporal.spot(np.zeros(60), k=4, p=0.5) == []
    assert temporal.spot(signal, k=4, p=None, floor=2.0) == []


def _face_track(frames: int = 80):
    base = synth.neutral_mesh()[:, :2] * 10 + 100
    track = np.repeat(base[None], frames, axis=0)
    mouth = list(OUTER_LIPS)
    track[36:45, mouth, 1] += 3.0 * np.hanning(9)[:, None]  # a brief mouth movement, apex at frame 40
    eyes = list(RIGHT_EYE_UPPER + LEFT_EYE_UPPER)
    track[10:16, eyes, 1] += 8.0  # a blink: eye points only
    angle = np.deg2rad(np.linspace(0, 3, frames))  # slow head roll
    centre = base.mean(axis=0)
    rotation = np.stack([np.stack([np.cos(angle), -np.sin(angle)], -1), np.stack([np.sin(angle), np.cos(angle)], -1)], -2)
    return np.einsum("tij,tpj->tpi", rotation, track - centre) + centre


def test_motion_signal_peaks_at_the_apex_and_ignores_blinks():
    signal = temporal.motion_signal(_face_track(), k=6)
    assert signal.shape == (80,) and np.all(signal[:6] == 0)
    assert abs(int(np.argmax(signal)) - 40) <= 1
    assert signal[13] < 0.1 * signal.max()  # the blink is not seen with eyes=False
    events = temporal.spot(signal, k=6)
    assert len(events) == 1 and matching.interval_iou(events[0], (36, 44)) >= 0.5


def test_online_spotter_reports_the_event_after_a_delay():
    track = _face_track()
    offline = temporal.spot(temporal.motion_signal(track, k=6), k=6)[0]
    spotter = temporal.OnlineSpotter(threshold=0.5 * offline_height(track), k=6, history=60)
    found_at = None
    for t, points in enumerate(track):
        if spotter.push(points, frame=t) and found_at is None:
            found_at = t
    assert len(spotter.events) == 1 and abs(spotter.events[0].apex - offline.apex) <= 1
    assert found_at is not None and 40 < found_at <= 40 + 3 * 6 + 1
    assert spotter.frames_of(spotter.events[0])[0] == spotter.events[0].onset


def offline_height(track):
    return temporal.motion_signal(track, k=6).max()


def test_flow_signal_sees_motion():
    frames = np.zeros((12, 32, 32), np.uint8)
    for t in range(12):
        frames[t, 10:20, 8 + (t > 6) * 3 : 18 + (t > 6) * 3] = 200
    signal = temporal.flow_signal(frames, k=2)
    assert signal[:2].sum() == 0 and signal[8] > signal[4] + 0.1


# ------------------------------------------------------------------------ magnification


def test_magnify_amplifies_a_small_oscillation():
    t = np.arange(60)
    frames = np.full((60, 16, 16), 128.0)
    frames += 2 * np.sin(2 * np.pi * 2.0 * t / 30)[:, None, None]  # 2 Hz flicker, 2 grey levels
    clip = frames.round().astype(np.uint8)
    big = temporal.magnify(clip, fps=30, alpha=10, band=(1.0, 3.0), levels=1)
    assert big.shape == clip.shape and big.dtype == np.uint8
    assert big[:, 8, 8].astype(float).std() > 5 * clip[:, 8, 8].astype(float).std()
    with pytest.raises(InvalidInputError):
        temporal.magnify(clip.astype(float), fps=30)


def test_random_folds_fall_back_to_plain_folds_when_a_class_is_too_rare():
    y = np.array([0] * 10 + [1] * 10 + [2] * 3)
    with pytest.warns(UserWarning, match="rarest class has 3 sample"):
        folds = list(temporal.random_folds(len(y), 6, seed=0, y=y))
    assert len(folds) == 6
    assert sorted(np.concatenate([test for _, _, test in folds]).tolist()) == list(range(len(y)))


# ---------------------------------------------------------------- temporal interpolation


def _ramp(frames: int, dtype=np.float64) -> np.ndarray:
    """A (frames, 2, 3) clip whose pixel (i, j) changes steadily: start + slope * t, each pixel its own."""
    start = np.arange(6, dtype=float).reshape(2, 3) * 10
    slope = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])
    return (start + slope * np.arange(frames)[:, None, None]).astype(dtype), start, slope


def test_linear_interpolation_reproduces_a_steady_change():
    clip, start, slope = _ramp(5)
    for n in (2, 3, 9, 13):
        times = np.linspace(0, 4, n)
        expected = start + slope * times[:, None, None]
        np.testing.assert_allclose(temporal.interpolate_clip(clip, n, method="linear"), expected, rtol=0, atol=1e-12)
    # n equal to the number of frames gives the clip back, bit for bit, in its dtype
    for dtype in (np.float32, np.float64):
        same = temporal.interpolate_clip(clip.astype(dtype), 5, method="linear")
        assert same.dtype == dtype and np.array_equal(same, clip.astype(dtype))
    grey = np.random.default_rng(0).integers(0, 256, (7, 4, 5)).astype(np.uint8)
    assert np.array_equal(temporal.interpolate_clip(grey, 7, method="linear"), grey)


def test_tim_passes_through_the_frames_and_stays_close_to_a_steady_change():
    clip, start, slope = _ramp(6)
    np.testing.assert_allclose(temporal.interpolate_clip(clip, 6), clip, rtol=0, atol=1e-10)
    # with 2T - 1 frames every other one is a frame of the clip; the ones between lie near the line
    stretched = temporal.interpolate_clip(clip, 11)
    np.testing.assert_allclose(stretched[::2], clip, rtol=0, atol=1e-10)
    line = start + slope * np.linspace(0, 5, 11)[:, None, None]
    moving = slope != 0
    off = np.abs(stretched - line)[1::2][:, moving] / np.abs(slope[moving])
    assert 0.01 < off.max() < 0.05  # a cosine series bends a little, by under 1/20 of a step here
    np.testing.assert_allclose(stretched[:, ~moving], line[:, ~moving], rtol=0, atol=1e-10)  # a still pixel stays put
    # a still clip stays still, first and last frames are kept, whatever n
    still = np.full((4, 3, 3), 0.25)
    np.testing.assert_allclose(temporal.interpolate_clip(still, 9), 0.25, rtol=0, atol=1e-12)
    shrunk = temporal.interpolate_clip(clip, 3)
    np.testing.assert_allclose(shrunk[[0, -1]], clip[[0, -1]], rtol=0, atol=1e-10)


def test_tim_follows_the_path_graph_embedding():
    from scipy.fft import dct

    frames = 7
    curve = temporal.path_embedding(frames)
    assert curve.shape == (frames, frames - 1)
    # Laplacian of the path graph: degree minus adjacency; its eigenvectors are the curve's coordinates
    laplacian = 2 * np.eye(frames) - np.eye(frames, k=1) - np.eye(frames, k=-1)
    laplacian[0, 0] = laplacian[-1, -1] = 1
    eigenvalues = 2 - 2 * np.cos(np.pi * np.arange(1, frames) / frames)
    np.testing.assert_allclose(laplacian @ curve, curve * eigenvalues, atol=1e-12)
    np.testing.assert_allclose(np.linalg.eigvalsh(laplacian)[1:], eigenvalues, atol=1e-12)
    assert temporal.path_embedding(frames, times=[0.5, 2.25]).shape == (2, frames - 1)
    # TIM evaluates each pixel's cosine series (its DCT-II) between the frames
    clip = np.random.default_rng(1).random((frames, 3, 2))
    times = np.linspace(0, frames - 1, 12)
    coefficients = dct(clip, type=2, axis=0)  # X_k = 2 sum_t x_t cos(pi k (t + 1/2) / T)
    cosines = np.cos(np.pi * np.outer(times + 0.5, np.arange(frames)) / frames)
    cosines[:, 0] /= 2
    expected = np.tensordot(cosines, coefficients, axes=1) / frames
    np.testing.assert_allclose(temporal.interpolate_clip(clip, 12, method="tim"), expected, atol=1e-12)
    assert not np.allclose(temporal.interpolate_clip(clip, 12, method="linear"), expected, atol=1e-3)


def test_interpolate_clip_keeps_the_kind_of_pixels():
    colour = np.random.default_rng(2).random((5, 4, 4, 3)).astype(np.float32)
    out = temporal.interpolate_clip(colour, 8)
    assert out.shape == (8, 4, 4, 3) and out.dtype == np.float32
    # uint8 stays uint8: rounded, and clipped where TIM overshoots
    flicker = np.array([0, 255, 0, 255], np.uint8)[:, None, None] * np.ones((1, 2, 2), np.uint8)
    raw = temporal.interpolate_clip(flicker.astype(float), 10)
    assert raw.min() < 0 and raw.max() > 255
    eight = temporal.interpolate_clip(flicker, 10)
    assert eight.dtype == np.uint8 and np.array_equal(eight, np.clip(np.round(raw), 0, 255).astype(np.uint8))
    assert temporal.interpolate_clip(flicker.astype(np.int16), 3).dtype == np.float64


@pytest.mark.parametrize("frames, n, method, match", [
    (np.zeros((1, 4, 4)), 5, "tim", "at least 2"),  # one frame
    (np.zeros((3, 4, 4)), 1, "tim", "n"),  # one frame wanted
    (np.zeros((3, 4, 4)), 2.0, "tim", "n"),  # not an integer
    (np.zeros((3, 4)), 5, "tim", "shape"),  # one image, not a clip
    (np.zeros((3, 4, 4, 3, 1)), 5, "tim", "shape"),
    (np.zeros((3, 0, 4)), 5, "tim", "shape"),
    (np.array([[[0.0]], [[np.nan]]]), 5, "linear", "NaN"),
    (np.array([[[0.0]], [[np.inf]]]), 5, "tim", "NaN"),
    (np.zeros((3, 4, 4), bool), 5, "tim", "real numbers"),
    (np.zeros((3, 4, 4), complex), 5, "tim", "real numbers"),
    (np.zeros((3, 4, 4)), 5, "cubic", "method"),
])
def test_interpolate_clip_refuses_bad_input(frames, n, method, match):
    with pytest.raises(InvalidInputError, match=match):
        temporal.interpolate_clip(frames, n, method=method)


# ---------------------------------------------------------------------- apex spotting


def test_spot_apex_finds_the_highest_frame():
    signal = np.zeros(60)
    signal[20:31] = np.hanning(11)  # a bump with its top at frame 25
    signal[40:51] = 2 * np.hanning(11)  # a higher one at 45
    assert temporal.spot_apex(signal) == 45
    assert temporal.spot_apex(signal, onset=15, offset=35) == 25  # counted from the clip's first frame
    assert temporal.spot_apex(signal, onset=30, offset=30) == 30
    assert temporal.spot_apex(signal, offset=10) == 0  # a flat stretch: the earliest frame
    assert temporal.spot_apex([1, 3, 3, 2]) == 1


@pytest.mark.parametrize("signal, bounds, match", [
    (np.zeros(10), {"onset": 6, "offset": 4}, "before onset"),
    (np.zeros(10), {"offset": 10}, "offset must be a frame index from 0 to 9"),
    (np.zeros(10), {"onset": -1}, "no event"),
    (np.zeros(10), {"onset": 2.0}, "onset"),
    ([0.0, np.nan, 1.0], {}, "finite"),
    (np.zeros((3, 3)), {}, "1-D"),
    ([], {}, "1-D"),
    (["a", "b"], {}, "numbers"),
])
def test_spot_apex_refuses_bad_input(signal, bounds, match):
    with pytest.raises(InvalidInputError, match=match):
        temporal.spot_apex(signal, **bounds)


def test_departure_signal_peaks_at_the_apex_and_ignores_blinks_and_head_roll():
    track = _face_track()  # mouth apex at frame 40, a blink at frames 10-15, a slow head roll
    signal = temporal.departure_signal(track)
    assert signal.shape == (80,) and signal[0] == 0
    assert temporal.spot_apex(signal) == 40
    assert signal[13] < 1e-6 * signal[40] and signal[79] < 1e-6 * signal[40]  # no blink, no roll
    assert temporal.departure_signal(track, onset=36)[36] == 0
    with_eyes = temporal.departure_signal(track, eyes=True)
    assert with_eyes[13] > with_eyes[40]  # watching the eyes, the blink is the larger change
    with pytest.raises(InvalidInputError, match="no event"):
        temporal.departure_signal(track, onset=-1)
    with pytest.raises(InvalidInputError, match="eye centres"):
        temporal.departure_signal(np.zeros((5, 478, 2)))


def test_flow_departure_measures_change_from_the_onset_frame():
    frames = np.zeros((10, 32, 32), np.uint8)
    shift = [0, 0, 0, 1, 2, 3, 2, 1, 0, 0]  # a square moves right and back
    for t, dx in enumerate(shift):
        frames[t, 10:20, 8 + dx : 18 + dx] = 200
    signal = temporal.flow_departure(frames, onset=1)
    assert signal.shape == (10,) and signal[1] == 0
    assert temporal.spot_apex(signal) == 5
    assert signal[0] < 0.01 and signal[9] < 0.01 and signal[5] > 2 * signal[3]
    with pytest.raises(InvalidInputError, match="empty"):
        temporal.flow_departure([])


def test_apex_scores_by_hand():
    truth = [(10, 13, 19), temporal.Interval(20, 24, 28), (40, 44, 50)]
    # errors 1, 6, 2 frames; the second apex falls outside its interval
    scores = temporal.apex_scores([12, 30, 46], truth)
    assert scores == {"n": 3, "hits": 2, "hit_rate": pytest.approx(2 / 3), "median_error": 2.0, "mean_error": 3.0}
    assert temporal.apex_scores([np.int64(10), 28, 44], truth)["hits"] == 3  # both ends of an interval count
    assert temporal.apex_scores([9, 29, 51], truth)["hits"] == 0


@pytest.mark.parametrize("spotted, truth, match", [
    ([1, 2], [(0, 1, 2)], "2 apexes for 1 clips"),
    ([], [], "0 apexes"),
    ([1], [(-1, -1, -1)], "no event"),
    ([1], [(0, 3, 2)], "onset <= apex <= offset"),
    ([1], [(0, 2)], "onset, apex, offset"),
    ([1.5], [(0, 1, 2)], "frame index"),
])
def test_apex_scores_refuse_bad_input(spotted, truth, match):
    with pytest.raises(InvalidInputError, match=match):
        temporal.apex_scores(spotted, truth)


def test_apex_is_spotted_on_synthetic_micro_expressions(clips):
    truth = [(int(r.onset), int(r.apex), int(r.offset)) for r in clips.table.itertuples()]
    assert all(onset >= 0 for onset, _, _ in truth)
    tracks = [temporal.clip_landmarks(clips, i) for i in range(len(clips))]
    spotted = [temporal.spot_apex(temporal.departure_signal(t)) for t in tracks]
    scores = temporal.apex_scores(spotted, truth)
    assert scores["hit_rate"] == 1.0 and scores["median_error"] <= 1
    # a guess that ignores the clip (its middle frame) does worse
    middle = temporal.apex_scores([len(t) // 2 for t in tracks], truth)
    assert middle["mean_error"] > scores["mean_error"] + 1
    within = [temporal.spot_apex(temporal.motion_signal(t, k=6), onset=on, offset=off)
              for t, (on, _, off) in zip(tracks, truth)]
    assert temporal.apex_scores(within, truth)["median_error"] <= 1
