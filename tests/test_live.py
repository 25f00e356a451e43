"""fercourse.live: frame decoding, the real-time pipeline, blinks, sources, the headless demo."""

import json

import numpy as np
import pytest
from skimage.data import astronaut

from fercourse import features, live, synth
from fercourse.errors import InvalidInputError, NoCameraError
from fercourse.face import decode_frame, encode_frame


@pytest.fixture(scope="module")
def frame():
    """The astronaut photo placed in a 640 x 480 webcam-sized frame."""
    return live.fit_frame(astronaut(), live.FRAME_SIZE)


@pytest.fixture(scope="module")
def pipe():
    with live.Pipeline() as pipeline:
        yield pipeline


# --------------------------------------------------------------------------- frames


def test_jpeg_bytes_decode_to_the_rgb_frame(frame):
    decoded = decode_frame(encode_frame(frame, quality=95))
    assert decoded.shape == (480, 640, 3) and decoded.dtype == np.uint8
    assert np.abs(decoded.astype(int) - frame.astype(int)).mean() < 3  # JPEG is lossy, colours are not swapped


def test_png_bytes_and_memoryviews_decode_too(frame):
    import cv2

    png = cv2.imencode(".png", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))[1].tobytes()
    assert np.array_equal(decode_frame(memoryview(png)), frame)


@pytest.mark.parametrize("data, message", [
    (b"hello world, not an image", r"25 bytes starting with b'hello wo' are not a JPEG or PNG"),
    (b"", r"empty \(0 bytes\)"),
    ("frame.jpg", r"must be the bytes of a JPEG or PNG image, got str"),
])
def test_garbage_gets_a_clear_error(data, message):
    with pytest.raises(InvalidInputError, match=message):
        decode_frame(data)


def test_truncated_jpeg_is_rejected(frame):
    with pytest.raises(InvalidInputError, match="could not be decoded"):
        decode_frame(encode_frame(frame)[:200])


# ------------------------------------------------------------------------- pipeline


def test_pipeline_reads_the_smiling_astronaut(pipe, frame):
    pipe.reset()
    reading = pipe(frame, timestamp_ms=0)
    assert len(reading.faces) == 1
    face = reading.face
    x, y, w, h = face.box
    assert 250 < x + w / 2 < 390 and 60 < y + h / 2 < 200  # the face is in the upper middle
    assert face.landmarks.shape == (478, 3) and len(face.mesh.blendshapes) == 52
    assert reading.label == "happy" and face.probabilities["happy"] > 0.8
    assert sum(face.probabilities.values()) == pytest.approx(1.0, abs=1e-4)
    assert pipe.classes == tuple(face.probabilities)
    assert 0.15 < reading.ear < 0.45 and reading.size == (640, 480)
    assert face.crop().shape == (48, 48) and face.crop(64, gray=False).shape == (64, 64, 3)


def test_overlay_is_json_ready_with_optional_points(pipe, frame):
    pipe.reset()
    reading = pipe(frame, timestamp_ms=0)
    overlay = json.loads(json.dumps(reading.to_overlay(points=True, top=2)))
    assert (overlay["width"], overlay["height"]) == (640, 480)
    (item,) = overlay["faces"]
    assert item["label"] == "happy" and list(item["probabilities"])[0] == "happy" and len(item["probabilities"]) == 2
    assert len(item["points"]) == 478 and len(item["points"][0]) == 2
    assert "points" not in reading.to_overlay()["faces"][0]


def test_history_is_a_rolling_buffer_that_releases_old_frames(frame):
    with live.Pipeline(history=3) as short:
        readings = [short(frame, timestamp_ms=100 * i) for i in range(5)]
    assert list(short.history) == readings[-3:]
    assert [r.index for r in short.history] == [2, 3, 4]
    old, new = readings[-2].face, readings[-1].face
    assert old.frame is None and new.frame is not None
    assert old.crop().shape == (48, 48)  # the classifier's crop was kept
    with pytest.raises(InvalidInputError, match="frame of this face was released"):
        old.crop(32)
    assert readings[-1].fps == pytest.approx(10.0) and short.meter.frames == 5
    assert [r.face.track for r in readings] == [0] * 5  # the same face is followed


def test_timestamps_must_grow_until_reset(pipe, frame):
    pipe.reset()
    pipe(frame, timestamp_ms=100)
    with pytest.raises(InvalidInputError, match="must grow from frame to frame"):
        pipe(frame, timestamp_ms=100)
    pipe.reset()
    assert pipe(frame, timestamp_ms=0).index == 0


def test_smoothing_mixes_each_frame_with_the_previous_one(frame):
    answers = iter([{"calm": 1.0, "alert": 0.0}, {"calm": 0.0, "alert": 1.0}, {"calm": 0.0, "alert": 1.0}])
    with live.Pipeline(lambda face: next(answers), smoothing=0.5) as smooth:
        shown = [smooth(frame, timestamp_ms=100 * i).face for i in range(3)]
    assert smooth.classes == ("calm", "alert")
    assert [f.probabilities["alert"] for f in shown] == [0.0, 0.5, 0.75]
    assert [f.label for f in shown] == ["calm", "calm", "alert"]  # a tie keeps the first class
    assert shown[1].raw_probabilities == {"calm": 0.0, "alert": 1.0}


def test_feature_classifier_and_bad_classifiers(frame):
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    model = LogisticRegression().fit(rng.random((20, 52)), np.repeat(["smile", "none"], 10))
    feature = live.FeatureClassifier(model, lambda face: face.mesh.blendshape_vector())
    with live.Pipeline(feature) as pipeline:
        reading = pipeline(frame, timestamp_ms=0)
    assert set(reading.face.probabilities) == {"none", "smile"}
    from sklearn.svm import SVC

    no_proba = live.FeatureClassifier(SVC().fit(rng.random((20, 52)), np.repeat([0, 1], 10)),
                                      lambda face: face.mesh.blendshape_vector(), classes=["calm", "smiling"])
    with live.Pipeline(no_proba) as pipeline:
        probabilities = pipeline(frame, timestamp_ms=0).face.probabilities
    assert sorted(probabilities.values()) == [0.0, 1.0] and set(probabilities) == {"calm", "smiling"}

    class WrongShape:
        classes = ("a", "b", "c")

        def predict_proba(self, faces):
            return np.ones((len(faces), 2)) / 2

    with live.Pipeline(WrongShape()) as pipeline, pytest.raises(InvalidInputError, match=r"shape \(1, 2\); expected \(1, 3\)"):
        pipeline(frame, timestamp_ms=0)
    with pytest.raises(InvalidInputError, match="classifier must be None"):
        live.Pipeline(42)


@pytest.mark.parametrize("kwargs, message", [
    ({"detector": "dlib"}, "detector must be one of"),
    ({"smoothing": 1.0}, r"smoothing must lie in \[0, 1\)"),
    ({"max_faces": 0}, "max_faces must be a positive integer"),
    ({"history": 0}, "history must be a positive number"),
])
def test_pipeline_arguments_are_checked(kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        live.Pipeline(False, **kwargs)


def test_blazeface_detector_gives_boxes_keypoints_and_eye_aligned_crops(frame):
    with live.Pipeline(detector="blazeface") as fast:
        reading = fast(frame)
    assert reading.face.mesh is None and reading.face.landmarks is None and reading.ear is None
    assert reading.face.keypoints.shape == (6, 2)
    assert reading.label == "happy"


# ---------------------------------------------------------------- blinks and timing


def test_streaming_blink_counter_finds_the_blinks_of_a_still_face():
    clips = synth.clips(4, fps=30, seconds=4, size=48, seed=2, labels=("neutral",), blink_rate=0.6, head_motion=0.5)
    counted, truth = [], []
    for k in range(4):
        counter = live.BlinkCounter()
        for value in features.eye_aspect_ratio(clips.extras["landmarks"][k]):
            counter.update(float(value))
        counted.append(counter.count)
        truth.append(len(features.truth_blinks(clips.extras["eye_closure"][k])))
    assert sum(truth) >= 4 and counted == truth


def test_eyes_kept_shut_are_not_a_blink():
    counter = live.BlinkCounter(max_frames=10)
    track = [0.3] * 20 + [0.05] * 30 + [0.3] * 20 + [0.05] * 3 + [0.3] * 10
    ended = [counter.update(v) for v in track]
    assert counter.count == 1 and ended.index(True) == 20 + 30 + 20 + 3
    assert counter.update(None) is False
    with pytest.raises(InvalidInputError, match="close <= reopen"):
        live.BlinkCounter(close=0.9, reopen=0.5)


def test_meter_reports_rate_and_latency():
    meter = live.Meter(window=5)
    for i, latency in enumerate([10, 20, 30, 40, 50, 60]):
        meter.update(40.0 * i, latency)
    assert meter.fps == pytest.approx(25.0)
    assert meter.latency_ms == 40.0
    assert meter.summary()["frames"] == 6


# --------------------------------------------------------------------------- sources


def test_synthetic_source_is_deterministic_and_webcam_sized():
    a, b = live.synthetic_source(1.0, 4, seed=3), live.synthetic_source(1.0, 4, seed=3)
    assert len(a) == 4 and a.frames[0].shape == (480, 640, 3)
    assert all(np.array_equal(x, y) for x, y in zip(a.frames, b.frames))
    assert [t for t, _ in a] == [0.0, 250.0, 500.0, 750.0]
    assert "No camera in this run" in a.notice and "seed 3" in a.notice
    with pytest.raises(InvalidInputError, match="emotion must be one of"):
        live.synthetic_source(1, 5, emotion="bored")


def test_missing_camera_falls_back_to_the_synthetic_clip(monkeypatch):
    import cv2

    class NoCamera:
        def __init__(self, index):
            pass

        def isOpened(self):
            return False

        def release(self):
            pass

    monkeypatch.setattr(cv2, "VideoCapture", NoCamera)
    with pytest.raises(NoCameraError, match="No camera could be opened at index 0"):
        live.CameraSource(0)
    source = live.open_source("camera", seconds=1.0, fps=4, seed=1)
    assert not source.live and len(source) == 4
    assert source.notice.startswith("No camera could be opened") and "synthetic clip" in source.notice


def test_open_source_accepts_images_clips_and_files(frame, tmp_path):
    import cv2

    assert len(live.open_source(frame, seconds=1, fps=4)) == 4
    assert len(live.open_source([frame, frame], fps=4)) == 2
    path = tmp_path / "photo.png"
    cv2.imwrite(str(path), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    assert np.array_equal(live.open_source(path, seconds=1, fps=2).frames[0], frame)
    with pytest.raises(InvalidInputError, match="does not exist"):
        live.open_source(tmp_path / "missing.mp4")
    with pytest.raises(InvalidInputError, match="source must be None"):
        live.open_source(3.5)


# ----------------------------------------------------------------- front end and demo


def test_frontend_is_headless_here_and_can_be_forced(monkeypatch):
    monkeypatch.delenv("FERCOURSE_LIVE", raising=False)
    assert live.frontend() is None
    monkeypatch.setenv("FERCOURSE_LIVE", "widget")
    assert live.frontend() == "jupyter"
    monkeypatch.setenv("FERCOURSE_LIVE", "camera please")
    with pytest.raises(InvalidInputError, match="FERCOURSE_LIVE must be"):
        live.frontend()


def test_headless_demo_runs_the_fallback_with_a_notice(pipe, capsys, monkeypatch):
    monkeypatch.delenv("FERCOURSE_LIVE", raising=False)
    first = live.demo(pipe, seconds=1.0, fps=5, seed=4)
    assert "No camera in this run" in capsys.readouterr().out
    labels = first.labels()
    second = live.demo(pipe, seconds=1.0, fps=5, seed=4)
    assert second.labels() == labels and len(labels) == 5 and None not in labels
    table = first.summary()
    assert list(table.columns) == ["time (s)", "faces", "label", "probability", "EAR", "blinks"]
    assert table["faces"].tolist() == [1] * 5 and table["time (s)"].tolist() == [0.0, 0.2, 0.4, 0.6, 0.8]
    assert first.widget is None and len(first.frames) == 5
    assert first.truth["label"] == live.synthetic_source(1.0, 5, seed=4).truth["label"]
    exact = first.truth["landmarks"]
    assert exact.shape == (5, 478, 3)
    found = np.stack([r.face.landmarks for r in first.readings])
    assert np.median(np.abs(found[:, :, :2] - exact[:, :, :2])) < 6  # the truth is in frame pixels
    assert first.readings[0].face.crop().shape == (48, 48)  # a finished run's faces keep their frames


def test_demo_on_given_frames_and_drawn_overlay(pipe, frame):
    result = live.demo(pipe, source=[frame] * 3, fps=10)
    assert result.labels() == ["happy"] * 3 and result.notice is None
    drawn = live.draw_overlay(frame, result.readings[-1])
    x, y, w, h = result.readings[-1].face.box
    assert not np.array_equal(drawn[y : y + h, x], frame[y : y + h, x])  # the box's left edge is drawn
    assert np.array_equal(drawn[-10:, -10:], frame[-10:, -10:])  # far from the face nothing changes


def test_snapshot_without_a_camera_is_the_fallback_apex(capsys):
    image = live.snapshot(seed=4)
    assert image.shape == (480, 640, 3)
    assert "No camera in this run" in capsys.readouterr().out


@pytest.mark.parametrize("dx, dy, zoom", [(0, 0, 1), (-300, 0, 1), (250, 0, 1), (0, -120, 1), (0, 0, 2.5), (0, 0, 0.4)])
def test_face_crop_is_the_course_crop_even_at_the_frame_border(pipe, frame, dx, dy, zoom):
    from fercourse import face

    pipe.reset()
    mesh = pipe(frame, timestamp_ms=0).face.mesh
    centre = mesh.landmarks.mean(axis=0)
    points = (mesh.landmarks - centre) * zoom + centre + np.array([dx, dy, 0], np.float32)
    moved = face.FaceMesh(points.astype(np.float32), mesh.blendshapes, mesh.transform, mesh.image_size)
    for size in (48, 24):
        expected = face.convert_color(face.crop_by_eyes(frame, moved, size=size)[0], "gray")
        assert np.array_equal(live.Face(frame, moved.box, mesh=moved).crop(size), expected)


def test_a_local_camera_streams_through_the_pipeline_and_shows_each_frame(pipe, frame, monkeypatch, capsys):
    import cv2

    bgr = cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)

    class FakeCamera:  # what cv2.VideoCapture(0) gives on a machine with a webcam
        def __init__(self, index):
            self.index = index

        def isOpened(self):
            return True

        def set(self, prop, value):
            return True

        def get(self, prop):
            return 30.0

        def read(self):
            return True, bgr.copy()

        def release(self):
            pass

    monkeypatch.setattr(cv2, "VideoCapture", FakeCamera)
    result = live.demo(pipe, source="camera", seconds=0.3)
    assert result.source == "camera 0" and result.notice is None
    assert len(result.readings) >= 2 and set(result.labels()) == {"happy"}
    times = [r.timestamp_ms for r in result.readings]
    assert times == sorted(times) and times[-1] < 1000
    assert "Image" in capsys.readouterr().out  # each processed frame was displayed (as text outside a notebook)
    assert live.snapshot("camera").shape == (480, 640, 3)


# ------------------------------------------------------------------------------ bars


def test_overlay_bars_list_every_class_in_order(pipe, frame):
    pipe.reset()
    reading = pipe(frame, timestamp_ms=0)
    overlay = json.loads(json.dumps(reading.to_overlay(top=2, bars=True)))
    (item,) = overlay["faces"]
    assert [name for name, _ in item["bars"]] == list(pipe.classes)
    assert [value for _, value in item["bars"]] == [round(reading.face.probabilities[c], 3) for c in pipe.classes]
    assert item["label"] == "happy" and len(item["probabilities"]) == 2  # the rest is as without bars
    assert "bars" not in reading.to_overlay()["faces"][0]
    with live.Pipeline(False) as bare:
        assert "bars" not in bare(frame, timestamp_ms=0).to_overlay(bars=True)["faces"][0]  # no classifier, no bars


def test_bars_are_drawn_to_the_right_of_the_face(pipe, frame):
    pipe.reset()
    reading = pipe(frame, timestamp_ms=0)
    x, y, w, h = reading.face.box
    plain = live.draw_overlay(frame, reading)
    barred = live.draw_overlay(frame, reading, bars=True)
    right = (slice(y + 3, y + h), slice(x + w + 3, min(frame.shape[1], x + 2 * w)))
    assert np.array_equal(plain[right], frame[right])  # the label goes above the box
    assert not np.array_equal(barred[right], frame[right])
    assert not np.array_equal(barred[y : y + h, x], frame[y : y + h, x])  # the box is drawn too
    assert np.array_equal(barred[-10:, -10:], frame[-10:, -10:])


def test_demo_results_remember_bars_and_show_them(pipe, frame):
    import matplotlib.pyplot as plt

    assert live.DemoResult(pipe, bars=True).bars is True and live.DemoResult(pipe).bars is False
    barred = live.demo(pipe, source=[frame] * 2, fps=10, bars=True)
    plain = live.demo(pipe, source=[frame] * 2, fps=10)
    assert barred.bars and not plain.bars
    widths = []
    for result in (barred, plain):
        figure = result.show(count=1)
        widths.append(figure.axes[0].images[0].get_array().shape[1])
        plt.close(figure)
    assert widths[0] > widths[1]  # the zoomed panel leaves room for the bars
