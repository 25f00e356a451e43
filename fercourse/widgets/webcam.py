"""The webcam widget: the browser owns the camera, the kernel runs the model.

The page (``static/webcam.js``) asks for the camera with ``getUserMedia`` when
Start is pressed, and sends JPEG frames to the kernel at most ``fps`` times a
second, one at a time (the next leaves only when the kernel has answered the
last one, so a slow model lowers the rate instead of building a queue).  In the
kernel each frame is decoded (:func:`fercourse.face.decode_frame`) and handed to
a callback, usually a :class:`fercourse.live.Pipeline`; its answer, the overlay
(boxes, labels, probabilities, optionally landmarks), goes back to the page,
which draws it over the live video.  Frames go only to this notebook's kernel.

Works in JupyterLab 4 and Notebook 7 (anywidget's front-end extension installs
with the ``anywidget`` package), and in Colab after
:func:`enable_colab_widgets`, which the widget calls itself when it finds
Colab.  Browsers allow the camera only on secure pages: ``https://`` or
``http://localhost``.

The widget does not depend on :mod:`fercourse.live` (which shows it in
:func:`fercourse.live.demo`): a callback's answer is drawn if it has a
``to_overlay(points=...)`` method, as a :class:`fercourse.live.Reading` has.
"""

from __future__ import annotations

import sys
from pathlib import Path

import anywidget
import numpy as np
import traitlets

from fercourse.errors import InvalidInputError, NoCameraError
from fercourse.face import decode_frame

__all__ = ["Webcam", "enable_colab_widgets"]

STATIC = Path(__file__).resolve().parent / "static"

#: Capture resolutions the widget offers, ``(width, height)``.
RESOLUTIONS = ((320, 240), (640, 480), (1280, 720))

PRIVACY = (
    "Frames go from this page to this notebook's kernel only; nothing is uploaded or stored. "
    "The camera is on only between Start and Stop."
)


def enable_colab_widgets() -> bool:
    """Turn on Colab's custom widget manager (needed for any anywidget); True when on Colab."""
    if "google.colab" not in sys.modules:
        return False
    from google.colab import output  # type: ignore[import-not-found]

    output.enable_custom_widget_manager()
    return True


class Webcam(anywidget.AnyWidget):
    """The page's camera streamed to the kernel, the kernel's answers drawn over the video.

    Parameters
    ----------
    callback:
        ``callback(frame) -> overlay``: called in the kernel with every frame as
        an RGB ``uint8`` array; returns a :class:`fercourse.live.Reading`, an
        overlay dict (as :meth:`fercourse.live.Reading.to_overlay` makes) or
        ``None``.  :meth:`for_pipeline` wires a pipeline in.
    **traits:
        Any of the synced settings below.

    Notes
    -----
    Synced settings (change them in Python or with the controls on the page):
    ``running`` (the camera is on), ``fps`` (most frames sent per second, 1 to
    30), ``width`` and ``height`` (capture resolution, one of :data:`RESOLUTIONS`),
    ``quality`` (JPEG quality, 0.1 to 1), ``mirror`` (show the video as a mirror
    image, as people expect from a selfie camera), ``points`` (ask for and
    draw the 478 landmarks), ``bars`` (draw one bar per class beside the face, for
    independent outputs such as action-unit intensities).  Set by the kernel: ``overlay`` (the last answer),
    ``frames_received``, ``error`` (the last problem, for the page to show),
    ``notice``.
    """

    _esm = STATIC / "webcam.js"
    _css = STATIC / "webcam.css"

    running = traitlets.Bool(False).tag(sync=True)
    fps = traitlets.Float(10.0).tag(sync=True)
    width = traitlets.Int(640).tag(sync=True)
    height = traitlets.Int(480).tag(sync=True)
    quality = traitlets.Float(0.8).tag(sync=True)
    mirror = traitlets.Bool(True).tag(sync=True)
    points = traitlets.Bool(False).tag(sync=True)
    bars = traitlets.Bool(False).tag(sync=True)
    overlay = traitlets.Dict().tag(sync=True)
    frames_received = traitlets.Int(0).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    notice = traitlets.Unicode(PRIVACY).tag(sync=True)

    def __init__(self, callback=None, **traits):
        if callback is not None and not callable(callback):
            raise InvalidInputError(f"callback must be a function frame -> overlay, got {type(callback).__name__}.")
        super().__init__(**traits)
        self.callback = callback
        self.last_frame: np.ndarray | None = None
        self.on_msg(self._on_message)
        enable_colab_widgets()

    @classmethod
    def for_pipeline(cls, pipeline, points: bool = False, bars: bool = False, **traits) -> Webcam:
        """A widget whose frames run through ``pipeline`` (a :class:`fercourse.live.Pipeline`)."""
        widget = cls(points=points, bars=bars, **traits)
        widget.callback = pipeline
        return widget

    # -- settings, checked on every change (from Python or from the page)

    @traitlets.validate("fps")
    def _check_fps(self, proposal):
        value = proposal["value"]
        if not 1.0 <= value <= 30.0:
            raise traitlets.TraitError(f"fps must lie between 1 and 30 frames per second, got {value!r}.")
        return value

    @traitlets.validate("quality")
    def _check_quality(self, proposal):
        value = proposal["value"]
        if not 0.1 <= value <= 1.0:
            raise traitlets.TraitError(f"quality must lie between 0.1 and 1 (JPEG quality), got {value!r}.")
        return value

    @traitlets.validate("width", "height")
    def _check_size(self, proposal):
        value, name = proposal["value"], proposal["trait"].name
        allowed = sorted({size[0 if name == "width" else 1] for size in RESOLUTIONS})
        if value not in allowed:
            raise traitlets.TraitError(f"{name} must be one of {allowed} (see RESOLUTIONS), got {value!r}.")
        return value

    # -- frames

    def process(self, data) -> dict:
        """Handle one frame's encoded bytes as the page sends them; returns the overlay sent back.

        Decodes the bytes (a clear :class:`InvalidInputError` for anything that is
        not an image), keeps the frame as :attr:`last_frame`, counts it, runs the
        callback and stores its answer in :attr:`overlay`.
        """
        frame = decode_frame(data, name="the frame from the page")
        self.last_frame = frame
        self.frames_received += 1
        answer = None
        if self.callback is not None:
            answer = self.callback(frame)
        if hasattr(answer, "to_overlay"):  # a live.Reading
            answer = answer.to_overlay(points=self.points, bars=True) if self.bars else answer.to_overlay(points=self.points)
        elif answer is None:
            answer = {"width": int(frame.shape[1]), "height": int(frame.shape[0]), "faces": []}
        elif not isinstance(answer, dict):
            raise InvalidInputError(
                f"The webcam callback returned {type(answer).__name__}; return a live.Reading, an overlay dict or None."
            )
        answer = {**answer, "frames": self.frames_received}
        self.overlay = answer
        if self.error:
            self.error = ""
        return answer

    def _on_message(self, _widget, content, buffers) -> None:
        if not isinstance(content, dict) or content.get("type") != "frame":
            return
        try:
            if not buffers:
                raise InvalidInputError("A frame message from the page carried no image bytes.")
            self.process(buffers[0])
        except Exception as error:  # keep the stream alive; the page shows the problem
            self.error = f"{type(error).__name__}: {error}"
            self.overlay = {**self.overlay, "frames": self.frames_received, "failed": True}

    def snapshot(self) -> np.ndarray:
        """A copy of the latest frame received from the page (RGB ``uint8``)."""
        if self.last_frame is None:
            raise NoCameraError(
                "No frame has reached the kernel yet: press Start on the widget, allow the camera, and wait "
                "until the frame counter moves (the page needs a running kernel)."
            )
        return self.last_frame.copy()

    def start(self) -> None:
        """Ask the page to turn the camera on (browsers may still ask the user's permission)."""
        self.running = True

    def stop(self) -> None:
        """Turn the camera off."""
        self.running = False
