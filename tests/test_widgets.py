"""fercourse.widgets.Webcam: synced traits, shipped front end, frames in, overlay out, errors."""

import re
import sys
import tomllib
import types
from pathlib import Path

import numpy as np
import pytest
import traitlets
from skimage.data import astronaut

from fercourse import live
from fercourse.errors import InvalidInputError, NoCameraError
from fercourse.face import encode_frame
from fercourse.widgets import Webcam, enable_colab_widgets
from fercourse.widgets import webcam as webcam_module

ROOT = Path(__file__).resolve().parents[1]
SYNCED = {"running", "fps", "width", "height", "quality", "mirror", "points", "bars", "overlay", "frames_received",
          "error", "notice"}


@pytest.fixture(scope="module")
def jpeg():
    return encode_frame(live.fit_frame(astronaut(), live.FRAME_SIZE))


def test_traits_are_synced_with_sensible_defaults():
    widget = Webcam()
    assert SYNCED <= set(widget.keys)
    assert (widget.running, widget.fps, widget.width, widget.height, widget.mirror, widget.points) == (
        False, 10.0, 640, 480, True, False)
    assert widget.frames_received == 0 and widget.overlay == {} and widget.error == ""
    assert "kernel only" in widget.notice
    widget.start()
    assert widget.running
    widget.stop()
    assert not widget.running


@pytest.mark.parametrize("name, value, message", [
    ("fps", 0.0, "fps must lie between 1 and 30"),
    ("fps", 60.0, "fps must lie between 1 and 30"),
    ("quality", 1.5, "quality must lie between 0.1 and 1"),
    ("width", 123, r"width must be one of \[320, 640, 1280\]"),
    ("height", 500, r"height must be one of \[240, 480, 720\]"),
])
def test_settings_are_checked(name, value, message):
    widget = Webcam()
    with pytest.raises(traitlets.TraitError, match=message):
        setattr(widget, name, value)


def test_front_end_ships_in_the_package_and_loads_nothing_from_the_network():
    js = (webcam_module.STATIC / "webcam.js").read_text()
    css = (webcam_module.STATIC / "webcam.css").read_text()
    widget = Webcam()
    assert widget._esm == js and widget._css == css  # anywidget read the shipped files
    assert "getUserMedia" in js and "export default" in js and 'model.send({ type: "frame"' in js
    assert not re.search(r"https?://[\w-]+\.\w|fetch\(|import\(|url\(", js + css), "the widget must load nothing"
    assert not re.search(r"^\s*import\s", js, re.MULTILINE), "the widget's JavaScript must not import modules"
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert {"static/*.js", "static/*.css"} <= set(package_data["fercourse.widgets"])


def test_a_frame_runs_through_the_pipeline_and_comes_back_as_an_overlay(jpeg):
    with live.Pipeline() as pipe:
        widget = Webcam.for_pipeline(pipe, points=True)
        overlay = widget.process(jpeg)
        widget.process(jpeg)
    assert widget.frames_received == 2 and widget.overlay["frames"] == 2 and overlay["frames"] == 1
    (face,) = overlay["faces"]
    assert face["label"] == "happy" and len(face["points"]) == 478
    assert widget.last_frame.shape == (480, 640, 3)
    snap = widget.snapshot()
    assert np.array_equal(snap, widget.last_frame) and snap is not widget.last_frame
    assert len(pipe.history) == 2


def test_callbacks_may_return_a_dict_or_nothing(jpeg):
    widget = Webcam(callback=lambda frame: {"width": frame.shape[1], "height": frame.shape[0], "faces": [], "note": "x"})
    assert widget.process(jpeg)["note"] == "x"
    assert Webcam().process(jpeg) == {"width": 640, "height": 480, "faces": [], "frames": 1}
    with pytest.raises(InvalidInputError, match="returned list"):
        Webcam(callback=lambda frame: []).process(jpeg)
    with pytest.raises(InvalidInputError, match="callback must be a function"):
        Webcam(callback="pipeline")


def test_garbage_from_the_page_is_reported_and_the_stream_survives(jpeg):
    widget = Webcam()
    with pytest.raises(InvalidInputError, match="7 bytes starting with b'garbage'"):
        widget.process(b"garbage")
    widget._on_message(widget, {"type": "frame"}, [memoryview(b"garbage")])
    assert widget.error.startswith("InvalidInputError: the frame from the page could not be decoded")
    assert widget.overlay["failed"] and widget.frames_received == 0
    widget._on_message(widget, {"type": "frame"}, [])
    assert "carried no image bytes" in widget.error
    widget._on_message(widget, {"type": "frame"}, [memoryview(jpeg)])
    assert widget.error == "" and widget.frames_received == 1  # a good frame clears the error


def test_snapshot_before_any_frame_says_what_to_do():
    with pytest.raises(NoCameraError, match="press Start"):
        Webcam().snapshot()


def test_colab_custom_widget_manager_is_enabled_only_on_colab(monkeypatch):
    assert enable_colab_widgets() is False
    calls = []
    output = types.SimpleNamespace(enable_custom_widget_manager=lambda: calls.append(True))
    colab = types.ModuleType("google.colab")
    colab.output = output
    monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
    monkeypatch.setitem(sys.modules, "google.colab", colab)  # (anywidget itself looks for google.colab.output)
    Webcam()
    assert calls == [True]


def test_demo_shows_the_widget_when_a_page_can_stream(monkeypatch, capsys):
    monkeypatch.setenv("FERCOURSE_LIVE", "widget")
    with live.Pipeline(False) as pipe:
        result = live.demo(pipe, seconds=1)
    assert isinstance(result.widget, Webcam) and result.widget.callback is pipe
    assert result.readings == [] and result.frames == []
    assert "No camera" not in capsys.readouterr().out
    assert result.show() is None and "press Start on the widget" in capsys.readouterr().out


def test_bars_are_a_synced_setting_that_sends_every_class(jpeg):
    widget = Webcam(bars=True)
    assert widget.bars is True and "bars" in widget.keys and Webcam().bars is False
    with live.Pipeline() as pipe:
        barred = Webcam.for_pipeline(pipe, bars=True)
        plain = Webcam.for_pipeline(pipe, points=True)
        assert barred.bars and barred.callback is pipe and not plain.bars and plain.points
        (face,) = barred.process(jpeg)["faces"]
        assert [name for name, _ in face["bars"]] == list(pipe.classes)
        assert "bars" not in plain.process(jpeg)["faces"][0]
