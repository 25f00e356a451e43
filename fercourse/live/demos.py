"""What a chapter calls: :func:`demo` and :func:`snapshot`, with the front-end check and the overlay drawing."""

from __future__ import annotations

import os
import sys

import numpy as np
import pandas as pd

from fercourse.errors import InvalidInputError
from fercourse.live.faces import Reading
from fercourse.live.pipeline import Pipeline
from fercourse.live.sources import CameraSource, open_source, synthetic_source

__all__ = ["frontend", "draw_overlay", "DemoResult", "demo", "snapshot"]

# ------------------------------------------------------------------------ front end


def frontend() -> str | None:
    """Which front end can show the webcam widget here: ``"colab"``, ``"jupyter"`` or ``None``.

    ``None`` means a headless run (a script, the tests, the book build, a kernel
    started without a Jupyter server) or VS Code, whose notebook pages cannot
    open the camera (use ``source="camera"`` there).  The environment variable
    ``FERCOURSE_LIVE`` overrides the guess: ``widget`` or ``fallback``.

    Returns
    -------
    str or None
        ``"colab"``, ``"jupyter"``, or ``None`` where no page can show the widget.
    """
    forced = os.environ.get("FERCOURSE_LIVE", "").strip().lower()
    if forced in ("widget", "fallback"):
        return "jupyter" if forced == "widget" else None
    if forced:
        raise InvalidInputError(f"FERCOURSE_LIVE must be 'widget' or 'fallback', got {forced!r}.")
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the course
        return None
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return None
    if "google.colab" in sys.modules:
        return "colab"
    if "__vsc_ipynb_file__" in shell.user_ns or "VSCODE_PID" in os.environ:
        return None
    # A Jupyter server (JupyterLab, Notebook 7) names each kernel's notebook in JPY_SESSION_NAME;
    # kernels started by nbclient, nbval or jupyter-book have no page that could show a widget.
    return "jupyter" if os.environ.get("JPY_SESSION_NAME") else None


# -------------------------------------------------------------------------- drawing

_COLOURS = [(255, 64, 129), (0, 229, 255), (255, 234, 0), (118, 255, 3)]


def _draw_bars(image: np.ndarray, box, values: dict, colour, scale: float) -> None:
    """One horizontal bar per class beside the face's box, its length the class's value (0 to 1)."""
    import cv2

    x, y, w, h = box
    rows = len(values)
    step = max(8, min(int(h / max(rows, 1)), int(18 * scale)))
    font = 0.35 * step / 12
    text_w = int(step * 2.6)
    bar_w = int(step * 5)
    left = x + w + 6 if x + w + 6 + text_w + bar_w < image.shape[1] else max(0, x - 6 - text_w - bar_w)
    for k, (name, value) in enumerate(values.items()):
        top = y + k * step
        if top + step > image.shape[0]:
            break
        cv2.rectangle(image, (left, top), (left + text_w + bar_w, top + step - 1), (0, 0, 0), -1)
        cv2.putText(image, str(name), (left + 2, top + step - 3), cv2.FONT_HERSHEY_SIMPLEX, font, (255, 255, 255), 1,
                    cv2.LINE_AA)
        length = int(round(bar_w * float(np.clip(value, 0.0, 1.0))))
        if length:
            cv2.rectangle(image, (left + text_w, top + 2), (left + text_w + length, top + step - 3), colour, -1)


def draw_overlay(frame, reading: Reading, points: bool = False, bars: bool = False) -> np.ndarray:
    """A copy of ``frame`` with the reading drawn on it: boxes, labels, optionally landmarks and bars.

    What the widget draws in the page, for plots, files and ``cv2`` windows.

    Parameters
    ----------
    frame : array_like
        The RGB frame the reading was made from.
    reading : Reading
        What the pipeline saw in it.
    points : bool
        Draw each face's landmarks too (one pixel each).
    bars : bool
        Draw one bar per class beside each face, as long as the class's value (for
        independent outputs such as action-unit intensities) instead of the top label.

    Returns
    -------
    numpy.ndarray
        The drawn RGB ``uint8`` copy.
    """
    import cv2

    from fercourse.face import as_rgb

    image = as_rgb(frame).copy()
    scale = max(image.shape[:2]) / 640.0
    thickness = max(1, round(2 * scale))
    for f in reading.faces:
        colour = _COLOURS[f.track % len(_COLOURS)]
        x, y, w, h = f.box
        cv2.rectangle(image, (x, y), (x + w, y + h), colour, thickness)
        if points and f.landmarks is not None:  # one pixel per landmark: 478 larger dots would hide the face
            xy = np.round(f.landmarks[:, :2]).astype(int)
            inside = (xy[:, 0] >= 0) & (xy[:, 0] < image.shape[1]) & (xy[:, 1] >= 0) & (xy[:, 1] < image.shape[0])
            image[xy[inside, 1], xy[inside, 0]] = (255, 234, 0)
        if bars and f.probabilities:
            _draw_bars(image, f.box, f.probabilities, colour, scale)
        elif f.label is not None:
            text = f"{f.label} {f.probabilities[f.label]:.2f}"
            font = 0.6 * scale
            (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, font, thickness)
            top = max(y - th - base - 4, 0)
            cv2.rectangle(image, (x, top), (x + tw + 6, top + th + base + 4), colour, -1)
            cv2.putText(image, text, (x + 3, top + th + 2), cv2.FONT_HERSHEY_SIMPLEX, font, (0, 0, 0), thickness,
                        cv2.LINE_AA)
    return image


# ----------------------------------------------------------------------------- demo


class DemoResult:
    """What :func:`demo` returns: the readings (and frames) of a run, or of a live widget.

    ``readings`` and ``frames`` are lists in order; ``source`` names where the
    frames came from; ``notice`` is the sentence shown about it (or ``None``);
    ``widget`` is the :class:`fercourse.widgets.Webcam` when the browser streams
    (its readings then arrive after the cell has finished: look again later);
    ``truth`` is what a synthetic clip really shows (see :func:`synthetic_source`),
    else ``None``.  Every face of a finished run keeps its frame, so
    :meth:`Face.crop` works on all of them.

    Parameters
    ----------
    pipeline : Pipeline
        The pipeline that made the readings.
    readings, frames : sequence
        The readings of a finished run and their frames, in order.
    source : str
        Where the frames came from.
    notice : str, optional
        The sentence shown about the source.
    widget : fercourse.widgets.Webcam, optional
        The streaming widget, whose readings are the pipeline's history.
    truth : dict, optional
        What a synthetic clip really shows.
    bars : bool
        Whether :meth:`show` draws one bar per class (independent outputs) instead of the top label.
    """

    def __init__(self, pipeline: Pipeline, readings=(), frames=(), source: str = "", notice: str | None = None,
                 widget=None, truth: dict | None = None, bars: bool = False):
        self.pipeline, self.source, self.notice, self.widget, self.truth = pipeline, source, notice, widget, truth
        self.bars = bool(bars)
        self._readings, self._frames = list(readings), list(frames)
        for reading, frame in zip(self._readings, self._frames):
            for f in reading.faces:  # the run keeps its frames anyway: let every face crop again
                f.frame = frame

    @property
    def readings(self) -> list[Reading]:
        """The readings in order (with a widget: the pipeline's recent history)."""
        return list(self.pipeline.history) if self.widget is not None else self._readings

    @property
    def frames(self) -> list[np.ndarray]:
        """The frames in order (with a widget: its latest frame, if any)."""
        if self.widget is not None:
            return [] if self.widget.last_frame is None else [self.widget.last_frame]
        return self._frames

    def summary(self, every: int = 1):
        """One row per ``every``-th reading: time, faces, label, its probability, EAR and blinks so far.

        Parameters
        ----------
        every : int
            Keep every ``every``-th reading.

        Returns
        -------
        pandas.DataFrame
            Indexed by frame number.
        """
        rows = []
        for r in self.readings[:: max(1, int(every))]:
            f = r.face
            rows.append({
                "time (s)": round(r.timestamp_ms / 1000.0, 2), "faces": len(r.faces),
                "label": f.label if f else None,
                "probability": round(f.probabilities[f.label], 2) if f and f.label else None,
                "EAR": round(r.ear, 3) if r.ear is not None else None, "blinks": r.blinks,
            })
        table = pd.DataFrame(rows, columns=["time (s)", "faces", "label", "probability", "EAR", "blinks"])
        table.index.name = "frame"
        if every > 1:
            table.index = table.index * int(every)
        return table

    def labels(self) -> list[str | None]:
        """The label of the largest face in each reading.

        Returns
        -------
        list of str or None
            One label per reading, ``None`` where no face was found (or without a classifier).
        """
        return [r.label for r in self.readings]

    def show(self, count: int = 6, points: bool = False, zoom: bool = True, size: float = 2.0):
        """``count`` evenly spaced frames with their overlays drawn, in one figure (returns it).

        Parameters
        ----------
        count : int
            How many frames to show.
        points : bool
            Draw the landmarks too.
        zoom : bool
            Cut every frame to the same region around the faces (with room for
            the labels), so that boxes and labels stay readable.
        size : float
            The height of one panel, in inches.

        Returns
        -------
        matplotlib.figure.Figure or None
            The figure; ``None`` (with a printed hint) while a widget has sent no frame yet.
        """
        import matplotlib.pyplot as plt

        pairs = list(zip(self.frames, self.readings[-len(self.frames):] if self.frames else []))
        if not pairs and self.widget is not None:
            print("No frame from the webcam yet: press Start on the widget, then run this again.")
            return None
        if not pairs:
            raise InvalidInputError("This demo has no frames to show.")
        picks = np.linspace(0, len(pairs) - 1, min(count, len(pairs))).round().astype(int)
        images = [draw_overlay(pairs[k][0], pairs[k][1], points=points, bars=self.bars) for k in picks]
        boxes = [f.box for k in picks for f in pairs[k][1].faces]
        if zoom and boxes:
            height, width = images[0].shape[:2]
            x0 = min(b[0] for b in boxes)
            y0 = min(b[1] for b in boxes)
            x1 = max(b[0] + b[2] for b in boxes)
            y1 = max(b[1] + b[3] for b in boxes)
            pad = 0.35 * max(x1 - x0, y1 - y0)
            left, top = max(0, int(x0 - pad)), max(0, int(y0 - 1.3 * pad))
            right, bottom = min(width, int(x1 + pad)), min(height, int(y1 + 0.7 * pad))
            if self.bars:  # room for the bars beside the box
                right = min(width, int(x1 + 1.6 * (x1 - x0)))
            images = [image[top:bottom, left:right] for image in images]
        aspect = images[0].shape[0] / images[0].shape[1]
        fig, axes = plt.subplots(1, len(picks), figsize=(len(picks) * size, size * aspect + 0.35), squeeze=False)
        for ax, k, image in zip(axes[0], picks, images):
            ax.imshow(image)
            ax.set_axis_off()
            ax.set_title(f"{pairs[k][1].timestamp_ms / 1000.0:.1f} s", fontsize=8)
        fig.tight_layout()
        return fig

    def __repr__(self) -> str:
        kind = "live widget" if self.widget is not None else self.source
        readings = self.readings
        blinks = readings[-1].blinks if readings else 0
        return f"DemoResult({kind}: {len(readings)} readings, blinks counted: {blinks})"


def demo(pipeline: Pipeline | None = None, *, source=None, seconds: float = 3.0, fps: float = 10.0, seed: int = 0,
         emotion: str | None = None, points: bool = False, bars: bool = False) -> DemoResult:
    """Run a chapter's live demo: the webcam widget in a browser, a fallback source elsewhere.

    With ``source=None`` in JupyterLab, Notebook 7 or Colab (see :func:`frontend`)
    it shows :class:`fercourse.widgets.Webcam` wired to ``pipeline``: press
    Start, and every frame the page sends runs through the pipeline and comes
    back as boxes and labels drawn over the video.  Anywhere else (a headless
    run such as the tests or the book build, VS Code, a script) it prints a
    notice and runs the pipeline on the deterministic synthetic clip
    (:func:`synthetic_source` with ``seconds``, ``fps``, ``seed`` and
    ``emotion``), so stored outputs are reproducible.  ``source="camera"`` (or a camera index) reads a
    local camera with ``cv2.VideoCapture`` for ``seconds`` and shows the frames
    as they are processed; any other ``source`` is opened with
    :func:`open_source`.  ``pipeline=None`` makes a default :class:`Pipeline`.

    Parameters
    ----------
    pipeline : Pipeline, optional
        The pipeline to run; ``None`` makes a default one.
    source : optional
        Where frames come from (see :func:`open_source`); ``None``: the widget or the fallback clip.
    seconds, fps : float
        The length and frame rate of the fallback clip (``seconds`` also for a camera or a file).
    seed : int
        The seed of the fallback clip.
    emotion : str, optional
        The expression the fallback clip shows.
    points : bool
        Draw the landmarks too.
    bars : bool
        Draw one bar per class beside each face (for independent outputs, such as the
        action-unit intensities of :class:`fercourse.actionunits.AUClassifier`).

    Returns
    -------
    DemoResult
        ``.readings``, ``.frames``, ``.summary()``, ``.show()``.

    Examples
    --------
    Three black frames (no face in them) through a pipeline without a classifier:

    >>> import numpy as np
    >>> from fercourse import live
    >>> with live.Pipeline(False) as pipe:
    ...     result = live.demo(pipe, source=[np.zeros((480, 640, 3), np.uint8)] * 3)
    >>> result
    DemoResult(frames: 3 readings, blinks counted: 0)
    >>> result.labels()
    [None, None, None]
    """
    pipeline = Pipeline() if pipeline is None else pipeline
    if not isinstance(pipeline, Pipeline):
        raise InvalidInputError(f"pipeline must be a live.Pipeline, got {type(pipeline).__name__}.")
    if source is None and frontend() is not None:
        from IPython.display import display

        from fercourse.widgets import Webcam

        pipeline.reset()
        widget = Webcam.for_pipeline(pipeline, points=points, bars=bars)
        display(widget)
        return DemoResult(pipeline, source="browser camera", widget=widget, bars=bars)
    if source is None:
        stream = synthetic_source(seconds, fps, seed, emotion)
    else:
        stream = open_source(source, seconds=seconds, fps=fps, seed=seed)
    if stream.notice:
        print(stream.notice)
    pipeline.reset()
    readings, frames = [], []
    handle = None
    try:
        for timestamp, frame in stream:
            reading = pipeline(frame, timestamp_ms=timestamp)
            readings.append(reading)
            frames.append(frame)
            if stream.live:
                handle = _show_live(draw_overlay(frame, reading, points=points, bars=bars), handle)
    finally:
        stream.close()
    return DemoResult(pipeline, readings, frames, stream.name, stream.notice, truth=getattr(stream, "truth", None),
                      bars=bars)


def _show_live(image: np.ndarray, handle):
    """Show (or replace) one image in the cell's output: the camera demo's moving picture."""
    from IPython.display import Image, display

    from fercourse.face import encode_frame

    picture = Image(data=encode_frame(image, 80), format="jpeg")
    if handle is None:
        return display(picture, display_id=True)
    handle.update(picture)
    return handle


def snapshot(source=None, *, widget=None, seed: int = 0) -> np.ndarray:
    """One RGB frame: the widget's latest, a camera's, or the fallback clip's (with a notice).

    ``widget``: a streaming :class:`fercourse.widgets.Webcam` (its latest frame).
    Otherwise ``source`` as in :func:`open_source`; with ``None`` or no camera,
    the middle frame of the synthetic clip (at its expression's peak), and a
    printed notice says so.

    Parameters
    ----------
    source : optional
        As in :func:`open_source`.
    widget : fercourse.widgets.Webcam, optional
        A streaming widget to take the latest frame of.
    seed : int
        The seed of the fallback clip.

    Returns
    -------
    numpy.ndarray
        One RGB ``uint8`` frame.
    """
    if widget is not None:
        return widget.snapshot()
    stream = open_source(source, seconds=2.0, fps=10.0, seed=seed)
    try:
        if isinstance(stream, CameraSource):
            return stream.read()
        if stream.notice:
            print(stream.notice)
        table = getattr(stream, "table", None)
        index = int(table["apex"][0]) if table is not None and table["apex"][0] >= 0 else len(stream) // 2
        return stream.frames[index]
    finally:
        stream.close()
