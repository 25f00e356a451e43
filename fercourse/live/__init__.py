"""Live demos: the one real-time pipeline behind every chapter's webcam cell.

Every chapter ends with a live cell built from three pieces:

* :class:`Pipeline` -- a frame in, a :class:`Reading` out: faces found (by
  default with the Face Landmarker in video mode, which tracks a face from frame
  to frame), each classified by any chapter's model, probabilities smoothed over
  time, a blink counter, a frames-per-second and latency meter, and
  :meth:`Reading.to_overlay`, the JSON the webcam widget draws over the video;
* frame sources behind one interface (:func:`open_source`): the browser's camera
  through :class:`fercourse.widgets.Webcam`, a local camera through
  ``cv2.VideoCapture`` (:class:`CameraSource`, for local kernels and VS Code), a
  video or image file, frames in memory, and the deterministic synthetic clip
  that every demo falls back to when there is no camera (:func:`synthetic_source`);
* :func:`demo` and :func:`snapshot`, the calls a chapter makes, and :func:`evaluate`,
  which reads labelled photos (your own face: :func:`fercourse.data.own_faces`) with
  every model.

>>> from fercourse import live
>>> pipe = live.Pipeline()                          # doctest: +SKIP
>>> result = live.demo(pipe, seconds=2, seed=0)     # doctest: +SKIP
>>> print(result.summary())                         # doctest: +SKIP

Frames never leave the machine that runs the kernel: the widget sends them from
the page to the kernel and nowhere else, and the models run offline.
"""

from fercourse.live.classifiers import CropClassifier, FeatureClassifier, as_classifier
from fercourse.live.demos import DemoResult, demo, draw_overlay, frontend, snapshot
from fercourse.live.evaluation import NO_FACE, PhotoEvaluation, evaluate
from fercourse.live.faces import FRAME_SIZE, Face, Reading, fit_frame
from fercourse.live.pipeline import BlinkCounter, Meter, Pipeline
from fercourse.live.sources import CameraSource, Source, open_source, synthetic_source

__all__ = [
    "FRAME_SIZE",
    "fit_frame",
    "Face",
    "Reading",
    "CropClassifier",
    "FeatureClassifier",
    "as_classifier",
    "BlinkCounter",
    "Meter",
    "Pipeline",
    "Source",
    "CameraSource",
    "synthetic_source",
    "open_source",
    "frontend",
    "draw_overlay",
    "DemoResult",
    "demo",
    "snapshot",
    "NO_FACE",
    "PhotoEvaluation",
    "evaluate",
]
