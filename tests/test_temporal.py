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
