"""Temporal models and micro-expressions (chapter 07).

A facial expression unfolds in time: it starts (onset), peaks (apex) and fades
(offset).  A micro-expression does all three in 1/25 s to 1/2 s.  This module
holds what the chapter needs to work with clips:

* **frames**: :func:`extract_frames` reads N evenly spaced frames (or frames at a
  fixed rate) from a video file; :func:`export_frames` writes a whole video
  dataset as frame folders plus a label list, as the Doggomaniacs project did (video files
  themselves are read and written by :mod:`fercourse.video`); :func:`interpolate_clip`
  resamples a clip of any length to a fixed number of frames, by Pfister et al.'s temporal
  interpolation model (TIM, on the curve of :func:`path_embedding`) or linearly;
* **clips as model inputs**: :func:`windows` turns any video
  :class:`~fercourse.data.Dataset` (synthetic clips, CASME II, SAMM, BAUM-style
  folders) into windows of T grey crops of the face and of MicroX's regions;
  :func:`flow_inputs` gives the onset-to-apex optical flow; :func:`lbp_top` the
  classic texture descriptor;
* **models** (PyTorch): :class:`CNNLSTM`, :class:`C3D`, :class:`MicroX` (one
  :class:`ConvLSTM` per face region, built from :class:`ConvLSTMCell`) and
  :class:`FlowNet` (in the spirit of OFF-ApexNet and STSTNet).  They train with
  :func:`fercourse.train.fit`: each model says how to turn its inputs into tensors
  (``input_tensors``);
* **evaluation**: :func:`cross_validate` over leave-one-subject-out or random folds,
  scored with :func:`fercourse.metrics.megc_scores` (UF1 and UAR as MEGC defines them);
* **spotting**: :func:`motion_signal` and :func:`flow_signal` (how much the face
  moves around each frame), :func:`spot` (onset, apex and offset of each event),
  :func:`spotting_scores` (the MEGC rule: IoU >= 0.5 is a hit) and
  :class:`OnlineSpotter` for a live stream; for the apex of one clip,
  :func:`departure_signal` and :func:`flow_departure` (how far the face has moved
  from its onset look), :func:`spot_apex` and :func:`apex_scores` (is the apex within the
  annotated interval, how many frames off is it);
* **magnification**: :func:`magnify`, Eulerian motion magnification.

The code is split by part: :mod:`~fercourse.temporal.frames`,
:mod:`~fercourse.temporal.interpolation`,
:mod:`~fercourse.temporal.clips`, :mod:`~fercourse.temporal.flow`,
:mod:`~fercourse.temporal.lbp`, :mod:`~fercourse.temporal.models`,
:mod:`~fercourse.temporal.evaluation`, :mod:`~fercourse.temporal.spotting` and
:mod:`~fercourse.temporal.magnification`; every public name is available here.
"""

from fercourse.temporal.frames import export_frames, extract_frames, sample_indices
from fercourse.temporal.interpolation import interpolate_clip, path_embedding
from fercourse.temporal.clips import clip_landmarks, windows, with_megc_labels
# The two window lengths and the interpolation methods are public constants too, though not in __all__
# ("X as X" re-exports them).
from fercourse.temporal.clips import CNN_LSTM_FRAMES as CNN_LSTM_FRAMES
from fercourse.temporal.clips import MICROX_FRAMES as MICROX_FRAMES
from fercourse.temporal.interpolation import INTERPOLATION_METHODS as INTERPOLATION_METHODS
from fercourse.temporal.flow import flow_inputs, optical_flow, optical_strain
from fercourse.temporal.lbp import lbp_top, lbp_top_features
from fercourse.temporal.models import C3D, CNNLSTM, MODELS, ConvLSTM, ConvLSTMCell, FlowNet, MicroX, build, clip_tensor
from fercourse.temporal.evaluation import cross_validate, random_folds, torch_fit_predict
from fercourse.temporal.spotting import (
    Interval,
    OnlineSpotter,
    apex_scores,
    departure_signal,
    flow_departure,
    flow_signal,
    motion_signal,
    spot,
    spot_apex,
    spotting_scores,
)
from fercourse.temporal.magnification import magnify

__all__ = [
    "extract_frames",
    "export_frames",
    "sample_indices",
    "interpolate_clip",
    "path_embedding",
    "clip_landmarks",
    "windows",
    "with_megc_labels",
    "optical_flow",
    "optical_strain",
    "flow_inputs",
    "lbp_top",
    "lbp_top_features",
    "clip_tensor",
    "ConvLSTMCell",
    "ConvLSTM",
    "CNNLSTM",
    "C3D",
    "MicroX",
    "FlowNet",
    "MODELS",
    "build",
    "random_folds",
    "cross_validate",
    "torch_fit_predict",
    "Interval",
    "spotting_scores",
    "motion_signal",
    "flow_signal",
    "spot",
    "departure_signal",
    "flow_departure",
    "spot_apex",
    "apex_scores",
    "OnlineSpotter",
    "magnify",
]
