"""fercourse.video: write a clip, read it back, and clear errors for files that are no video."""

import numpy as np
import pytest

from fercourse import video
from fercourse.errors import DatasetError, InvalidInputError


def clip(frames: int = 12, height: int = 24, width: int = 40) -> np.ndarray:
    """Frame i is uniformly grey at brightness 10 * i, so its index can be read back from its pixels."""
    return np.stack([np.full((height, width, 3), 10 * i, np.uint8) for i in range(frames)])


def frame_numbers(frames) -> list[int]:
    return [int(round(float(np.mean(f)) / 10)) for f in frames]


@pytest.fixture
def short_clip(tmp_path):
    return video.write(clip(), tmp_path / "clip.avi", fps=15.0)


def test_a_written_clip_reads_back_with_its_count_size_and_rate(short_clip):
    info = video.probe(short_clip)
    assert info == (15.0, 12, 40, 24)
    assert (info.fps, info.count, info.width, info.height) == (15.0, 12, 40, 24)
    frames = video.read(short_clip, info.count)
    assert frames.shape == (12, 24, 40, 3) and frames.dtype == np.uint8
    assert frame_numbers(frames) == list(range(12))
    assert frame_numbers(video.frames(short_clip)) == list(range(12))


def test_grey_and_float_frames_are_written_too(tmp_path):
    grey = clip(frames=3)[..., 0]
    assert video.read(video.write(grey, tmp_path / "grey.avi")).shape == (3, 24, 40, 3)
    assert video.probe(video.write(grey / 255.0, tmp_path / "float.avi")).fps == video.DEFAULT_FPS


def test_write_refuses_what_it_cannot_write(tmp_path):
    with pytest.raises(InvalidInputError, match="no frames"):
        video.write([], tmp_path / "empty.avi")
    with pytest.raises(InvalidInputError, match="same size"):
        video.write([clip(1)[0], clip(1, height=30)[0]], tmp_path / "mixed.avi")
    with pytest.raises(InvalidInputError, match="check that its folder exists"):
        video.write(clip(2), tmp_path / "no" / "such" / "folder" / "clip.avi")
    with pytest.raises(InvalidInputError, match="fps must be a positive number"):
        video.write(clip(2), tmp_path / "clip.avi", fps=0)


def test_a_missing_file_and_a_file_that_is_no_video_give_clear_errors(tmp_path):
    with pytest.raises(InvalidInputError, match=r"Video .*missing\.avi does not exist"):
        video.probe(tmp_path / "missing.avi")
    with pytest.raises(InvalidInputError, match="does not exist"):
        video.read(tmp_path / "missing.avi")
    text = tmp_path / "notes.avi"
    text.write_text("these are notes, not a video\n" * 50)
    for call in (video.probe, video.read, lambda f: next(video.frames(f))):
        with pytest.raises(DatasetError, match=r"Video .*notes\.avi cannot be opened: it is truncated, damaged or not"):
            call(text)


def test_read_names_a_file_shorter_than_its_header(short_clip):
    with pytest.raises(DatasetError, match=r"clip\.avi is truncated: its header announces 13 frames but only 12"):
        video.read(short_clip, 13)


class RecordingCapture:
    """A cv2.VideoCapture that records its release."""

    released = []

    def __init__(self, capture):
        self._capture = capture

    def __getattr__(self, name):
        return getattr(self._capture, name)

    def release(self):
        RecordingCapture.released.append(True)
        self._capture.release()


def test_the_frames_generator_closes_the_file_when_the_loop_stops_early(short_clip, monkeypatch):
    import cv2

    opened = cv2.VideoCapture
    monkeypatch.setattr(cv2, "VideoCapture", lambda *args: RecordingCapture(opened(*args)))
    monkeypatch.setattr(RecordingCapture, "released", [])
    frames = video.frames(short_clip)
    assert frame_numbers([next(frames), next(frames)]) == [0, 1]
    assert RecordingCapture.released == []
    frames.close()
    assert RecordingCapture.released == [True]
    for _ in video.frames(short_clip):
        break
    assert RecordingCapture.released == [True, True]
