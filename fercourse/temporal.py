"""Temporal models and micro-expressions (chapter 07).

A facial expression unfolds in time: it starts (onset), peaks (apex) and fades
(offset).  A micro-expression does all three in 1/25 s to 1/2 s.  This module
holds what the chapter needs to work with clips:

* **frames**: :func:`extract_frames` reads N evenly spaced frames (or frames at a
  fixed rate) from a video file; :func:`export_frames` writes a whole video
  dataset as frame folders plus a label list, as the Doggomaniacs project did (video files
  themselves are read and written by :mod:`fercourse.video`);
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
  :class:`OnlineSpotter` for a live stream;
* **magnification**: :func:`magnify`, Eulerian motion magnification.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from fercourse import mesh, video
from fercourse.checks import count as _count
from fercourse.checks import existing_file, finite, landmark_stack, number, pixel_values, positive
from fercourse.errors import DatasetError, InvalidInputError, NoFaceError
from fercourse.matching import interval_iou, match_intervals  # interval_iou re-exported: chapter 07
from fercourse.models import Registry

__all__ = [
    "extract_frames",
    "write_video",
    "export_frames",
    "sample_indices",
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
    "interval_iou",
    "spotting_scores",
    "motion_signal",
    "flow_signal",
    "spot",
    "OnlineSpotter",
    "magnify",
]

#: Window lengths of the two projects the chapter rebuilds: MicroX used 10 frames,
#: the Doggomaniacs' CNN+LSTM 12.
MICROX_FRAMES = 10
CNN_LSTM_FRAMES = 12


# ---------------------------------------------------------------------- frames


def sample_indices(start: int, end: int, count: int) -> np.ndarray:
    """``count`` frame indices spread evenly from ``start`` to ``end`` (both included).

    When the span has fewer frames than ``count``, frames repeat (nearest-frame
    temporal interpolation), so every window has the same length.
    """
    count = _count(count, "count")
    if end < start:
        raise InvalidInputError(f"sample_indices: end ({end}) comes before start ({start}).")
    return np.linspace(start, end, count).round().astype(np.int64)


def extract_frames(path, n: int | None = None, fps: float | None = None, size: int | None = None,
                   gray: bool = False) -> np.ndarray:
    """Frames of a video file: ``n`` evenly spaced ones, or one every ``1 / fps`` seconds.

    Give exactly one of ``n`` (the first and last frames are always included) and
    ``fps`` (at most the file's own rate).  ``size`` resizes each frame to a square,
    ``gray`` converts it.  Returns ``(count, H, W[, 3])`` ``uint8`` (RGB).

    The whole file is decoded and checked against the frame count in its header,
    so a truncated or damaged file raises :class:`~fercourse.errors.DatasetError`
    instead of silently giving fewer or repeated frames.
    """
    from fercourse import face

    file = existing_file(path, "extract_frames: the video", " (.mp4, .avi, ...)")
    if (n is None) == (fps is None):
        raise InvalidInputError("extract_frames: give exactly one of n (a frame count) and fps (frames per second).")
    info = video.probe(file)
    file_fps = info.fps
    frames = video.read(file, info.count)
    total = len(frames)
    if n is not None:
        n = _count(n, "n")
        if n > total:
            raise DatasetError(f"{file} has {total} frames; it cannot give n={n} distinct frames. Ask for fewer.")
        index = sample_indices(0, total - 1, n)
    else:
        if not (isinstance(fps, (int, float, np.number)) and 0 < fps <= file_fps + 1e-6):
            raise InvalidInputError(f"extract_frames: fps must be in (0, {file_fps:g}], the file's own rate; got {fps!r}.")
        index = np.floor(np.arange(0, total / file_fps, 1.0 / fps) * file_fps + 1e-6).astype(np.int64)
        index = index[index < total]
    out = frames[index]
    if gray:
        out = np.stack([face.to_gray(f) for f in out])
    if size is not None:
        out = np.stack([face.resize(f, _count(size, "size", 8)) for f in out])
    return out


#: The name chapter 07 uses for :func:`fercourse.video.write` (the same function).
write_video = video.write


def export_frames(dataset, folder, n: int = 16, size: int | None = None, gray: bool = True) -> pd.DataFrame:
    """Write ``n`` evenly spaced frames of every clip as PNG files, plus a label list.

    The layout is ``folder/<subject>/<clip>/frame_00.png`` and ``folder/labels.csv``
    with one row a frame: ``path`` (relative to ``folder``), ``clip``, ``frame``
    (index in the clip), ``label`` and ``subject``.  Returns that table.  Existing
    files of the same names are replaced; nothing else in ``folder`` is touched.
    """
    import cv2

    from fercourse import face

    if getattr(dataset, "kind", None) != "video":
        raise InvalidInputError("export_frames needs a video Dataset (synth.clips or a video loader).")
    n = _count(n, "n")
    root = Path(folder)
    rows = []
    for i, row in dataset.table.iterrows():
        clip = dataset.sample(i)
        if len(clip) < n:
            raise DatasetError(f"clip {i} ({row['subject']}) has {len(clip)} frames, fewer than n={n}.")
        name = Path(str(row["file"])).stem if "file" in row else f"clip{i:04d}"
        target = root / str(row["subject"]) / name
        target.mkdir(parents=True, exist_ok=True)
        for k, index in enumerate(sample_indices(0, len(clip) - 1, n)):
            image = face.to_gray(clip[index]) if gray else face.as_rgb(clip[index])
            if size is not None:
                image = face.resize(image, size)
            file = target / f"frame_{k:02d}.png"
            cv2.imwrite(str(file), image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
            rows.append({"path": file.relative_to(root).as_posix(), "clip": name, "frame": int(index),
                         "label": row["label"], "subject": row["subject"]})
    table = pd.DataFrame(rows)
    table.to_csv(root / "labels.csv", index=False)
    return table


# ----------------------------------------------------------------- clip inputs


def clip_landmarks(dataset, index: int) -> np.ndarray:
    """``(T, 478, 2|3)`` landmarks of clip ``index``: the exact ones of a synthetic clip,
    else the Face Landmarker's (video mode), which must find the face in every frame."""
    from fercourse import face

    if "landmarks" in dataset.extras:
        return np.asarray(dataset.extras["landmarks"][index])
    clip = dataset.sample(index)
    meshes = face.track_meshes(clip, fps=float(dataset.table["fps"].iloc[index]))
    missing = [i for i, m in enumerate(meshes) if m is None]
    if missing:
        raise NoFaceError(
            f"clip {index} of {dataset.name!r}: no face in {len(missing)} of {len(meshes)} frames "
            f"(first: frame {missing[0]}); crop the clip to the face or leave it out."
        )
    return np.stack([m.landmarks for m in meshes])


def _window_indices(row, n_frames: int, frames: int) -> np.ndarray:
    """Frames of one window: onset to offset of the event, widened to at least ``frames``
    frames around the apex so short events keep some neutral context; the whole clip
    when the clip has no event."""
    onset, apex, offset = int(row["onset"]), int(row["apex"]), int(row["offset"])
    if onset < 0 or offset < onset:
        return sample_indices(0, n_frames - 1, frames)
    if offset - onset + 1 < frames:
        start = min(max(apex - frames // 2, 0), max(n_frames - frames, 0))
        onset, offset = start, min(start + frames - 1, n_frames - 1)
    return sample_indices(onset, offset, frames)


def windows(dataset, frames: int = MICROX_FRAMES, size: int = 32, regions: Sequence[str] = ("face",),
            margin: float = 0.15) -> dict[str, np.ndarray]:
    """Windows of ``frames`` grey crops per clip: ``{region: (N, frames, size, size) uint8}``.

    ``regions`` are MicroX's (:data:`fercourse.mesh.CROP_REGIONS`: right_eye,
    left_eye, nose, mouth, face).  Each window runs from the clip's onset to its
    offset (widened around the apex to at least ``frames`` frames; the whole clip
    when it has no event).  Every region keeps one box for the whole clip, from the
    clip's mean landmarks (:func:`fercourse.face.region_crops`), so the crops do not
    jitter and the expression's small movements stay visible.  Works on any video
    Dataset; clips without exact landmarks are tracked with the Face Landmarker.
    """
    from fercourse import face

    if getattr(dataset, "kind", None) != "video":
        raise InvalidInputError("windows needs a video Dataset (synth.clips, data.micro_expressions or a video loader).")
    frames = _count(frames, "frames", 2)
    unknown = [r for r in regions if r not in mesh.CROP_REGIONS]
    if unknown or not regions:
        raise InvalidInputError(f"windows: unknown region(s) {unknown}; choose from {mesh.CROP_REGIONS}.")
    out = {r: [] for r in regions}
    for i, row in dataset.table.iterrows():
        clip = dataset.sample(i)
        points = clip_landmarks(dataset, i)
        chosen = _window_indices(row, len(clip), frames)
        crops = face.region_crops(clip[chosen], points[:, :, :2].mean(axis=0), size=size, margin=margin)
        for r in regions:
            out[r].append(crops[r])
    return {r: np.stack(v) for r, v in out.items()}


def with_megc_labels(dataset):
    """The dataset relabelled with MEGC 2019's three classes (negative, positive, surprise).

    Real micro-expression datasets carry a ``megc`` column (their loaders add it);
    for others (synthetic clips, BAUM-style folders with FER2013 label names) it is
    made with :func:`fercourse.emotions.to_megc`.  Clips that MEGC leaves out
    (neutral, others) are dropped; the original label moves to ``emotion``.
    """
    from fercourse import data, emotions

    if "megc" not in dataset.table.columns:
        table = dataset.table.assign(megc=[emotions.to_megc(label, "fer2013") for label in dataset.table["label"]])
        dataset = data.Dataset(dataset.name, dataset.kind, dataset.labels, dataset.samples, table, dataset.extras,
                               dataset.description)
    return data.as_megc(dataset)


# ---------------------------------------------------------------- optical flow


@functools.cache
def _tvl1():
    import cv2

    if not hasattr(cv2, "optflow"):
        raise InvalidInputError("TV-L1 optical flow needs opencv-contrib-python (cv2.optflow); use method='farneback'.")
    return cv2.optflow.DualTVL1OpticalFlow_create()


def optical_flow(first, second, method: str = "tvl1") -> np.ndarray:
    """Dense optical flow from ``first`` to ``second``: ``(H, W, 2)`` float32 (dx, dy) in pixels.

    ``"tvl1"``: TV-L1 (Zach, Pock and Bischof), the usual choice for micro-expressions
    (OpenCV contrib); ``"farneback"``: Farneback's polynomial expansion, faster.
    """
    import cv2

    from fercourse import face

    a, b = face.to_gray(first, "first"), face.to_gray(second, "second")
    if a.shape != b.shape:
        raise InvalidInputError(f"optical_flow: the two frames differ in size ({a.shape} and {b.shape}).")
    if method == "tvl1":
        return _tvl1().calc(a, b, None)
    if method == "farneback":
        return cv2.calcOpticalFlowFarneback(a, b, None, 0.5, 2, 9, 3, 5, 1.1, 0)
    raise InvalidInputError(f"optical_flow: method must be 'tvl1' or 'farneback', got {method!r}.")


def optical_strain(flow) -> np.ndarray:
    """Magnitude of the optical strain of a flow field, ``(H, W)``: how much the skin
    stretches or shears, sqrt(e_xx^2 + e_yy^2 + 2 e_xy^2) with e = (grad u + grad u^T) / 2."""
    flow = np.asarray(flow, dtype=np.float32)
    if flow.ndim != 3 or flow.shape[2] != 2:
        raise InvalidInputError(f"optical_strain: flow must be (H, W, 2), got {flow.shape}.")
    du_dy, du_dx = np.gradient(flow[..., 0])
    dv_dy, dv_dx = np.gradient(flow[..., 1])
    shear = 0.5 * (du_dy + dv_dx)
    return np.sqrt(du_dx**2 + dv_dy**2 + 2 * shear**2)


def flow_inputs(dataset, size: int = 28, method: str = "tvl1", margin: float = 0.15) -> np.ndarray:
    """Onset-to-apex motion of every clip: ``(N, 3, size, size)`` float32 channels
    horizontal flow, vertical flow and optical strain, on the face crop.

    This is the input of OFF-ApexNet (the two flow channels) and STSTNet (all three).
    A clip without an annotated event uses its first and middle frames.
    """
    from fercourse import face

    out = []
    for i, row in dataset.table.iterrows():
        clip = dataset.sample(i)
        onset, apex = int(row["onset"]), int(row["apex"])
        if onset < 0 or apex <= onset:
            onset, apex = 0, len(clip) // 2
        box = face.landmark_box(clip_landmarks(dataset, i)[:, :, :2].mean(axis=0))
        pair = [face.crop_square(clip[k], box, size=size, margin=margin) for k in (onset, apex)]
        flow = optical_flow(*pair, method=method)
        out.append(np.concatenate([flow.transpose(2, 0, 1), optical_strain(flow)[None]]))
    return np.stack(out).astype(np.float32)


# --------------------------------------------------------------------- LBP-TOP


def lbp_top(clip, points: int = 8, radius: int = 1, grid: tuple[int, int] = (4, 4)) -> np.ndarray:
    """LBP-TOP descriptor of a grey clip ``(T, H, W)`` (Zhao and Pietikainen).

    Local binary patterns (uniform, ``points + 2`` codes) are computed in the three
    orthogonal planes: XY (each frame: appearance), XT (each row over time: horizontal
    motion) and YT (each column over time: vertical motion).  Each plane's codes are
    counted in a ``grid`` of face blocks; the normalised histograms are concatenated:
    ``3 * grid[0] * grid[1] * (points + 2)`` numbers.
    """
    from skimage.feature import local_binary_pattern

    clip = np.asarray(clip)
    if clip.dtype != np.uint8:  # LBP compares grey levels: whole numbers avoid ties broken by rounding noise
        values = finite(clip, "lbp_top: clip", "grey levels")
        if values.size and (values.min() < -0.5 or values.max() >= 255.5):
            raise InvalidInputError(
                f"lbp_top: clip holds values from {values.min():.4g} to {values.max():.4g}; LBP-TOP compares grey "
                "levels 0..255: pass a uint8 clip (or numbers in 0..255)."
            )
        clip = np.clip(np.round(values), 0, 255).astype(np.uint8)
    if clip.ndim != 3 or min(clip.shape) <= 2 * radius:
        raise InvalidInputError(f"lbp_top: clip must be grey (T, H, W) with every side above {2 * radius}, got {clip.shape}.")
    t, h, w = clip.shape
    gy, gx = grid
    bins = points + 2

    def lbp(image):
        return local_binary_pattern(image, points, radius, method="uniform").astype(np.int64)

    planes = (
        np.stack([lbp(frame) for frame in clip]),  # XY: (T, H, W)
        np.stack([lbp(clip[:, y, :]) for y in range(h)]).transpose(1, 0, 2),  # XT
        np.stack([lbp(clip[:, :, x]) for x in range(w)]).transpose(1, 2, 0),  # YT
    )
    r = radius
    block = (np.minimum(np.arange(h) * gy // h, gy - 1)[:, None] * gx + np.minimum(np.arange(w) * gx // w, gx - 1)[None])
    block = np.broadcast_to(block[r : h - r, r : w - r], (t - 2 * r, h - 2 * r, w - 2 * r))
    features = []
    for codes in planes:
        inner = codes[r : t - r, r : h - r, r : w - r]
        hist = np.bincount((block * bins + inner).ravel(), minlength=gy * gx * bins).reshape(gy * gx, bins)
        features.append(hist / np.maximum(hist.sum(axis=1, keepdims=True), 1))
    return np.concatenate(features).ravel().astype(np.float32)


def lbp_top_features(clips, **options) -> np.ndarray:
    """:func:`lbp_top` of every clip of ``(N, T, H, W)``: ``(N, D)``."""
    return np.stack([lbp_top(clip, **options) for clip in clips])


# ---------------------------------------------------------------------- models

from fercourse._env import torch as _torch_module  # noqa: E402

torch = _torch_module()  # PyTorch set up for deterministic numerics (fercourse._env)
nn = torch.nn


def clip_tensor(clips) -> torch.Tensor:
    """``(N, T, 1, S, S)`` float32 in [0, 1] from grey clips ``(N, T, S, S)`` (``uint8`` or float)."""
    x = clips.float() if isinstance(clips, torch.Tensor) else None
    if x is not None and clips.is_floating_point():
        pixel_values(clips.detach().cpu().numpy(), "clips")
    if x is None:
        array = np.asarray(clips)
        if not np.issubdtype(array.dtype, np.number) or array.size == 0:
            raise InvalidInputError(f"clips must be a non-empty numeric array, got {array.dtype} {array.shape}.")
        array = pixel_values(array, "clips")  # floats in [0, 1]; other integers 0..255 as uint8
        x = torch.from_numpy(np.ascontiguousarray(array)).float()
        if array.dtype == np.uint8:
            x = x / 255.0
    if x.ndim == 4:
        x = x[:, :, None]
    if x.ndim != 5 or x.shape[2] != 1:
        raise InvalidInputError(
            f"clips must be grey windows (N, T, S, S) or (N, T, 1, S, S), got shape {tuple(x.shape)}; "
            "make them with temporal.windows."
        )
    return x


class _ClipNet(nn.Module):
    """Common base: logits ``(N, n_classes)``; ``input_tensors`` prepares what ``forward`` takes
    (:func:`fercourse.train.fit` and :func:`~fercourse.train.predict_proba` call it).
    ``relative=True`` (the default) feeds each window minus its first frame."""

    needs_features = False

    def __init__(self, n_classes: int, input_size: int, relative: bool = True):
        super().__init__()
        self.n_classes = _count(n_classes, "n_classes", 2)
        self.input_size = _count(input_size, "input_size", 8)
        self.relative = bool(relative)

    def _clip(self, x) -> torch.Tensor:
        """The window as a tensor; with ``relative``, minus its first frame, so that only what
        changed since the onset remains (the person's appearance cancels out)."""
        t = clip_tensor(x)
        return t - t[:, :1] if self.relative else t

    def input_tensors(self, x) -> list[torch.Tensor]:
        return [self._clip(x)]


class ConvLSTMCell(nn.Module):
    """One step of a convolutional LSTM (Shi et al., 2015, without peepholes).

    Like an LSTM cell, but the input, hidden and cell states are feature maps and
    every gate is a convolution over ``[x, h]``, so the memory keeps *where* things
    happen.  ``forward(x, state)`` with ``x`` ``(N, C, H, W)`` and ``state`` ``(h, c)``
    (zeros when ``None``) returns the new ``(h, c)``, each ``(N, hidden, H, W)``.
    """

    def __init__(self, in_channels: int, hidden_channels: int, kernel_size: int = 3):
        super().__init__()
        self.hidden_channels = _count(hidden_channels, "hidden_channels")
        self.gates = nn.Conv2d(in_channels + hidden_channels, 4 * hidden_channels, kernel_size, padding=kernel_size // 2)

    def forward(self, x, state=None):
        if state is None:
            zeros = x.new_zeros(x.shape[0], self.hidden_channels, *x.shape[2:])
            state = (zeros, zeros)
        h, c = state
        i, f, g, o = self.gates(torch.cat([x, h], dim=1)).chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c


class ConvLSTM(nn.Module):
    """A :class:`ConvLSTMCell` run over time: ``(N, T, C, H, W)`` -> all hidden maps
    ``(N, T, hidden, H, W)`` and the last state ``(h, c)``."""

    def __init__(self, in_channels: int, hidden_channels: int, kernel_size: int = 3):
        super().__init__()
        self.cell = ConvLSTMCell(in_channels, hidden_channels, kernel_size)

    def forward(self, x):
        if x.ndim != 5:
            raise InvalidInputError(f"ConvLSTM takes (N, T, C, H, W), got shape {tuple(x.shape)}.")
        state, outputs = None, []
        for t in range(x.shape[1]):
            state = self.cell(x[:, t], state)
            outputs.append(state[0])
        return torch.stack(outputs, dim=1), state


class CNNLSTM(_ClipNet):
    """One CNN shared by every frame (the Keras ``TimeDistributed`` idea), then an LSTM over
    the per-frame feature vectors; its last output is classified.

    The frame CNN is the convolutional part of :class:`fercourse.cnn.SimpleCNN`.
    """

    def __init__(self, n_classes: int = 3, input_size: int = 32, width: int = 8, hidden: int = 32, dropout: float = 0.3,
                 relative: bool = True):
        super().__init__(n_classes, input_size, relative)
        from fercourse.cnn import SimpleCNN

        self.frame_cnn = nn.Sequential(SimpleCNN(n_classes, max(input_size, 32), width).features,
                                       nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.lstm = nn.LSTM(4 * width, hidden, batch_first=True)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden, n_classes))

    def forward(self, x):
        n, t = x.shape[:2]
        per_frame = self.frame_cnn(x.flatten(0, 1)).view(n, t, -1)
        out, _ = self.lstm(per_frame)
        return self.head(out[:, -1])


class C3D(_ClipNet):
    """A small 3-D CNN in the style of C3D (Tran et al.): 3 x 3 x 3 convolutions filter
    space and time together; the first pooling keeps time, later ones halve it."""

    def __init__(self, n_classes: int = 3, input_size: int = 32, width: int = 8, dropout: float = 0.3,
                 relative: bool = True):
        super().__init__(n_classes, input_size, relative)

        def block(c_in, c_out, pool):
            return [nn.Conv3d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm3d(c_out), nn.ReLU(inplace=True),
                    nn.MaxPool3d(pool)]

        c = [1, width, 2 * width, 4 * width]
        self.features = nn.Sequential(*block(c[0], c[1], (1, 2, 2)), *block(c[1], c[2], 2), *block(c[2], c[3], 2))
        self.head = nn.Sequential(nn.AdaptiveAvgPool3d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(c[3], n_classes))

    def forward(self, x):
        return self.head(self.features(x.transpose(1, 2)))  # (N, T, 1, H, W) -> (N, 1, T, H, W)


class MicroX(_ClipNet):
    """MicroX: one ConvLSTM per face region, each seeing only its region, fused by one classifier.

    Inputs are the five crops of :func:`windows` (right eye, left eye, nose, mouth,
    full face), as a dict or in :data:`fercourse.mesh.CROP_REGIONS` order.  Each
    region gets a small strided convolution per frame (shared across time), a
    :class:`ConvLSTM`, and global pooling of its last hidden map; the region vectors
    are concatenated and classified.
    """

    def __init__(self, n_classes: int = 3, input_size: int = 32, regions: Sequence[str] | None = None,
                 stem: int = 8, hidden: int = 8, dropout: float = 0.3, relative: bool = True):
        super().__init__(n_classes, input_size, relative)
        self.regions = tuple(regions or mesh.CROP_REGIONS)
        self.stems = nn.ModuleList(
            nn.Sequential(nn.Conv2d(1, stem, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(stem), nn.ReLU(inplace=True))
            for _ in self.regions
        )
        self.memories = nn.ModuleList(ConvLSTM(stem, hidden) for _ in self.regions)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden * len(self.regions), n_classes))

    def input_tensors(self, x) -> list[torch.Tensor]:
        if isinstance(x, dict):
            missing = [r for r in self.regions if r not in x]
            if missing:
                raise InvalidInputError(f"MicroX needs crops of {list(self.regions)}; missing {missing}.")
            x = [x[r] for r in self.regions]
        if not isinstance(x, (list, tuple)) or len(x) != len(self.regions):
            raise InvalidInputError(f"MicroX takes one window array per region {list(self.regions)} (a dict or a list).")
        tensors = [self._clip(v) for v in x]
        if len({len(t) for t in tensors}) > 1:
            raise InvalidInputError("MicroX: the regions hold different numbers of clips.")
        return tensors

    def forward(self, *regions):
        vectors = []
        for x, stem, memory in zip(regions, self.stems, self.memories):
            n, t = x.shape[:2]
            maps = stem(x.flatten(0, 1))
            _, (h, _) = memory(maps.view(n, t, *maps.shape[1:]))
            vectors.append(h.mean(dim=(2, 3)))
        return self.head(torch.cat(vectors, dim=1))


class FlowNet(_ClipNet):
    """A shallow network on the onset-to-apex flow (:func:`flow_inputs`), after STSTNet.

    Three streams of one 3 x 3 convolution each (3, 5 and 8 filters) read the flow and
    strain maps side by side, are max-pooled, joined, average-pooled and classified
    by one linear layer: a few thousand weights, because the flow has already done the
    hard work of finding the motion.
    """

    def __init__(self, n_classes: int = 3, input_size: int = 28, channels: int = 3, widths=(3, 5, 8)):
        super().__init__(n_classes, input_size)
        self.channels = channels
        self.norm = nn.BatchNorm2d(channels)
        self.streams = nn.ModuleList(
            nn.Sequential(nn.Conv2d(channels, w, 3, padding=1), nn.ReLU(inplace=True), nn.BatchNorm2d(w),
                          nn.MaxPool2d(3, stride=3, padding=1))
            for w in widths
        )
        side = (input_size + 2 - 3) // 3 + 1
        side = side // 2
        self.head = nn.Sequential(nn.AvgPool2d(2), nn.Flatten(), nn.Linear(sum(widths) * side * side, n_classes))

    def input_tensors(self, x) -> list[torch.Tensor]:
        t = x.float() if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x, dtype=np.float32))
        if t.ndim != 4 or t.shape[1] != self.channels or t.shape[2] != self.input_size:
            raise InvalidInputError(
                f"FlowNet takes flow maps (N, {self.channels}, {self.input_size}, {self.input_size}) from "
                f"temporal.flow_inputs, got shape {tuple(t.shape)}."
            )
        return [t]

    def forward(self, x):
        x = self.norm(x)
        return self.head(torch.cat([stream(x) for stream in self.streams], dim=1))


#: The chapter's networks by name (a :class:`fercourse.models.Registry` of their classes).
MODELS = Registry("model", {"cnn_lstm": CNNLSTM, "c3d": C3D, "microx": MicroX, "flow": FlowNet})


def build(name: str, n_classes: int = 3, input_size: int = 32, **options) -> nn.Module:
    """A fresh temporal network by name (one of :data:`MODELS`)."""
    return MODELS.build(name, n_classes=n_classes, input_size=input_size, **options)


# ------------------------------------------------------------------ evaluation


def random_folds(n: int, k: int, seed: int = 0, y=None):
    """``k`` random folds over ``n`` samples, stratified by ``y`` when given, as
    ``(name, train_index, test_index)`` like :func:`fercourse.data.loso_folds`.

    They ignore who is who, so one person's clips land on both sides: the leaky
    protocol that leave-one-subject-out replaces.  When the rarest class has fewer
    than ``k`` samples (a small real dataset), stratifying is impossible: the folds are
    then plain random ones, with a warning.
    """
    import warnings

    from sklearn.model_selection import KFold, StratifiedKFold

    if y is not None:
        rarest = int(np.unique(np.asarray(y), return_counts=True)[1].min())
        if rarest < k:
            warnings.warn(f"random_folds: the rarest class has {rarest} sample(s), fewer than the {k} folds, so the "
                          "folds cannot be stratified; they are plain random folds.", stacklevel=2)
            y = None

    splitter = StratifiedKFold(k, shuffle=True, random_state=seed) if y is not None else KFold(k, shuffle=True, random_state=seed)
    for i, (train_index, test_index) in enumerate(splitter.split(np.zeros(n), y)):
        yield f"fold {i + 1}", train_index, test_index


def cross_validate(fit_predict: Callable, y, folds: Iterable) -> tuple[np.ndarray, pd.DataFrame]:
    """Run ``fit_predict(train_index, test_index) -> predicted labels`` on every fold.

    ``folds`` yields ``(name, train_index, test_index)`` (:func:`fercourse.data.loso_folds`
    or :func:`random_folds`).  Returns the pooled predictions (one per sample) and a
    table with one row per fold (test clips, correct).  Score the pooled predictions with
    :func:`fercourse.metrics.megc_scores`, as MEGC does.
    """
    y = np.asarray(y)
    predicted = np.full(len(y), -1, dtype=np.int64)
    rows = []
    for name, train_index, test_index in folds:
        guess = np.asarray(fit_predict(np.asarray(train_index), np.asarray(test_index)))
        if guess.shape != (len(test_index),):
            raise InvalidInputError(f"fit_predict gave {guess.shape} predictions for {len(test_index)} test samples.")
        predicted[test_index] = guess
        rows.append({"fold": name, "test clips": len(test_index), "correct": int((guess == y[test_index]).sum())})
    if (predicted < 0).any():
        raise InvalidInputError("cross_validate: the folds left some samples without a prediction.")
    return predicted, pd.DataFrame(rows).set_index("fold")


def _take(inputs, index):
    if isinstance(inputs, dict):
        return {k: np.asarray(v)[index] for k, v in inputs.items()}
    return np.asarray(inputs)[index]


def torch_fit_predict(name: str, inputs, y, n_classes: int, epochs: int, seed: int = 0, **options) -> Callable:
    """A ``fit_predict`` for :func:`cross_validate` that trains a fresh :func:`build` model per fold.

    Training uses :func:`fercourse.train.fit`.  The checkpoint is chosen on every
    fourth training clip (never the test fold), so the test subject stays unseen;
    ``options`` go to ``fit`` (``lr=``, ``batch_size=``) or, prefixed ``model_``, to the model.
    """
    from fercourse import config, train

    y = np.asarray(y)
    model_options = {k[len("model_"):]: v for k, v in options.items() if k.startswith("model_")}
    fit_options = {k: v for k, v in options.items() if not k.startswith("model_")}
    first = next(iter(inputs.values())) if isinstance(inputs, dict) else inputs
    size = int(np.asarray(first).shape[-1])
    timing = {"seconds": 0.0}

    def fit_predict(train_index, test_index):
        # PyTorch draws the initial weights and the dropout masks from its global generator:
        # seeded for this fold only, the caller's random numbers are left where they were.
        with config.scoped_global_seed(seed):
            model = build(name, n_classes=n_classes, input_size=size, **model_options)
            check = train_index[::4]
            history = train.fit(model, (_take(inputs, train_index), y[train_index]), (_take(inputs, check), y[check]),
                                epochs=epochs, seed=seed, progress=False, **fit_options)
        timing["seconds"] += history["seconds"]
        return train.predict_proba(model, _take(inputs, test_index)).argmax(axis=1)

    fit_predict.timing = timing
    return fit_predict


# -------------------------------------------------------------------- spotting


@dataclass(frozen=True)
class Interval:
    """A spotted or annotated event: onset, apex and offset frame indices (inclusive)."""

    onset: int
    apex: int
    offset: int

    def __len__(self) -> int:
        return self.offset - self.onset + 1


def spotting_scores(predicted, truth, threshold: float = 0.5) -> dict:
    """Score spotted intervals against the truth by the MEGC rule.

    ``predicted`` and ``truth`` hold one list of intervals per clip.  Within a clip a
    spotted interval is a true positive when its IoU with a still unmatched true
    interval is at least ``threshold`` (:func:`~fercourse.matching.match_intervals`: best IoU
    first, each at most once); other spotted intervals are false positives, unmatched true ones false
    negatives.  Counts are summed over all clips, then precision, recall and
    F1 = 2 TP / (2 TP + FP + FN) are computed once.
    """
    if len(predicted) != len(truth):
        raise InvalidInputError(f"spotting_scores: {len(predicted)} clips of predictions for {len(truth)} clips of truth.")
    tp = fp = fn = 0
    for spotted, true in zip(predicted, truth):
        matched = len(match_intervals(spotted, true, threshold))
        tp += matched
        fp += len(spotted) - matched
        fn += len(true) - matched
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return {"TP": tp, "FP": fp, "FN": fn, "precision": precision, "recall": recall, "F1": f1}


def _similarity_align(points: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``points`` moved onto ``reference`` by the best rotation, scale and shift (Umeyama)."""
    mp, mr = points.mean(axis=0), reference.mean(axis=0)
    p, r = points - mp, reference - mr
    u, s, vt = np.linalg.svd(r.T @ p)
    d = np.sign(np.linalg.det(u @ vt))
    rotation = u @ np.diag([1.0, d]) @ vt
    scale = (s * [1.0, d]).sum() / max((p**2).sum(), 1e-12)
    return (scale * (rotation @ p.T)).T + mr


def _spotting_points() -> np.ndarray:
    """Landmarks the motion signal watches: all face points except the eyes and irises,
    whose blinks are the commonest movement that is no expression."""
    eyes = np.concatenate([mesh.REGIONS[r] for r in ("left_eye", "right_eye", "left_iris", "right_iris")])
    return np.setdiff1d(np.arange(mesh.N_MESH_POINTS), eyes)


def motion_signal(landmarks, k: int = 6, eyes: bool = False) -> np.ndarray:
    """How far the face departs, at each frame, from its look ``k`` frames before and after.

    The landmarks ``(T, 478, 2|3)`` of every frame are aligned to the clip's mean shape
    (removing head translation, rotation and scale) and scaled by the inter-ocular
    distance of that mean shape (:func:`fercourse.mesh.inter_ocular_distance`).  Then, as in Moilanen et al.'s feature-difference analysis, frame t is
    compared with the average of frames t - k and t + k: an expression shorter than
    2k frames shows as a peak at its apex, slow head motion cancels out.  Returns
    ``(T,)`` mean point displacements (zero for the first and last k frames).
    ``eyes=False`` ignores eye and iris points, so blinks do not count as events.
    """
    points = landmark_stack(landmarks, "landmarks")
    k = _count(k, "k")
    if len(points) <= 2 * k:
        raise InvalidInputError(f"motion_signal: a clip of {len(points)} frames is too short for k={k}; it needs more than {2 * k}.")
    try:
        span = mesh.inter_ocular_distance(points.mean(axis=0))
    except InvalidInputError:
        raise InvalidInputError(
            "motion_signal: in landmarks the eye centres (means of the eye contours) coincide, so movement cannot be "
            "measured in eye distances; these are not face landmarks (all zeros?): pass each frame's 478 mesh "
            "points in pixels."
        ) from None
    watched = points if eyes else points[:, _spotting_points()]
    reference = watched.mean(axis=0)
    watched = np.stack([_similarity_align(p, reference) for p in watched])
    signal = np.zeros(len(points))
    middle = watched[k:-k]
    around = (watched[: -2 * k] + watched[2 * k :]) / 2
    signal[k:-k] = np.linalg.norm(middle - around, axis=2).mean(axis=1) / span
    return signal


def flow_signal(frames, k: int = 6, method: str = "farneback") -> np.ndarray:
    """Mean optical-flow magnitude from frame t - k to frame t, per frame ``(T,)``.

    A pixel-based alternative to :func:`motion_signal` that needs no landmarks; it sees
    every movement, blinks and head motion included.  Give it face crops.
    """
    frames = list(frames)
    k = _count(k, "k")
    if len(frames) <= k:
        raise InvalidInputError(f"flow_signal: {len(frames)} frames are too few for k={k}.")
    signal = np.zeros(len(frames))
    for t in range(k, len(frames)):
        flow = optical_flow(frames[t - k], frames[t], method=method)
        signal[t] = float(np.linalg.norm(flow, axis=2).mean())
    return signal


def spot(signal, k: int = 6, p: float | None = 0.5, floor: float = 0.0, edge: float = 0.1) -> list[Interval]:
    """Events in a motion signal: ``[Interval(onset, apex, offset), ...]``.

    The threshold is Moilanen et al.'s ``mean + p * (max - mean)`` of this clip, but
    never below ``floor`` (``p=None``: ``floor`` alone, as a live stream needs).
    Peaks above it, at least 2k + 1 frames apart, are apexes; each event runs
    over the frames around its apex where the signal stays above ``edge`` times the
    peak, at most k frames to either side (beyond that, the feature difference
    shows the same event again as a side lobe).
    """
    s = np.asarray(signal, dtype=np.float64)
    if s.ndim != 1 or len(s) == 0 or not np.all(np.isfinite(s)):
        raise InvalidInputError(f"spot: signal must be a finite 1-D array, got shape {s.shape}.")
    from scipy.signal import find_peaks

    k = _count(k, "k")
    floor = number(floor, "spot: floor (the least threshold)", 0.0)
    edge = number(edge, "spot: edge (a fraction of the peak)", 0.0, 1.0)
    if p is not None:
        p = number(p, "spot: p (None, or a fraction between the mean and the peak)", 0.0, 1.0)
    threshold = floor if p is None else max(s.mean() + p * (s.max() - s.mean()), floor)
    if threshold <= 0 and s.max() <= 0:
        return []
    peaks, _ = find_peaks(np.concatenate([[-np.inf], s, [-np.inf]]), height=max(threshold, 1e-12), distance=2 * k + 1)
    events = []
    for apex in peaks - 1:
        low = s[apex] * edge
        onset = apex
        while onset > max(apex - k, 0) and s[onset - 1] >= low:
            onset -= 1
        offset = apex
        while offset < min(apex + k, len(s) - 1) and s[offset + 1] >= low:
            offset += 1
        events.append(Interval(int(onset), int(apex), int(offset)))
    return events


class OnlineSpotter:
    """Spot events in a live stream: push one frame's landmarks at a time.

    Keeps a rolling buffer of the last ``history`` frames (landmarks, and the frames
    themselves when given) and runs :func:`motion_signal` and :func:`spot` with an
    absolute ``threshold`` on it.  An event is reported once the signal has been seen
    for 2k frames past its apex, so the delay is about ``3 k`` frames.
    ``push`` returns the newly found events, in stream frame numbers; all of them
    stay in :attr:`events`, and :meth:`frames_of` returns an event's buffered frames.
    """

    def __init__(self, threshold: float, k: int = 6, history: int = 150, edge: float = 0.1):
        self.k, self.edge = _count(k, "k"), float(edge)
        self.history = _count(history, "history", 4 * self.k + 2)
        if not threshold > 0:
            raise InvalidInputError(f"OnlineSpotter: threshold must be positive, got {threshold!r}.")
        self.threshold = float(threshold)
        self.landmarks: deque = deque(maxlen=self.history)
        self.frames: deque = deque(maxlen=self.history)
        self.count = 0
        self.events: list[Interval] = []

    def push(self, landmarks, frame=None) -> list[Interval]:
        points = np.asarray(landmarks, dtype=np.float64)
        if points.ndim != 2 or points.shape[0] not in (mesh.N_MESH_POINTS, mesh.N_LANDMARKS):
            raise InvalidInputError(f"OnlineSpotter.push: landmarks must be (478, 2|3), got {points.shape}.")
        self.landmarks.append(points[:, :2])
        self.frames.append(frame)
        self.count += 1
        if len(self.landmarks) <= 4 * self.k:
            return []
        start = self.count - len(self.landmarks)
        signal = motion_signal(np.stack(self.landmarks), self.k)
        last = self.events[-1].apex if self.events else -1
        settled = len(signal) - 1 - 3 * self.k  # frames whose 2k neighbours on each side are known
        found = []
        for event in spot(signal[: len(signal) - self.k], self.k, p=None, floor=self.threshold, edge=self.edge):
            apex = event.apex + start
            if event.apex <= settled and apex > last + 2 * self.k:
                found.append(Interval(event.onset + start, apex, event.offset + start))
        self.events += found
        return found

    def __call__(self, face) -> dict[str, float]:
        """Use the spotter as a live classifier: ``live.Pipeline(classifier=spotter)``.

        ``face`` is a ``live.Face`` (anything with ``.landmarks`` and ``.frame``).  Its
        landmarks are pushed; the answer is ``{"event": 1, "still": 0}`` for 2k frames
        after an event is reported, so the webcam overlay marks it, else the reverse.
        """
        if face.landmarks is not None:
            self.push(face.landmarks, getattr(face, "frame", None))
        recent = bool(self.events) and self.count - self.events[-1].offset <= 4 * self.k
        return {"event": float(recent), "still": float(not recent)}

    def frames_of(self, event: Interval) -> list:
        """The buffered frames from the event's onset to its offset (those still in the buffer)."""
        start = self.count - len(self.frames)
        return [self.frames[i - start] for i in range(event.onset, event.offset + 1) if 0 <= i - start < len(self.frames)]


# --------------------------------------------------------------- magnification


def magnify(frames, fps: float, alpha: float = 10.0, band: tuple[float, float] = (0.5, 5.0), levels: int = 2) -> np.ndarray:
    """Eulerian motion magnification (Wu et al., 2012): make small, brief movements visible.

    Each frame is blurred and shrunk ``levels`` times (a Gaussian pyramid); every
    pixel's brightness over time is band-pass filtered to ``band`` Hz (an ideal filter
    in the Fourier domain), multiplied by ``alpha``, enlarged back and added to the
    frame.  Movements at those frequencies grow about ``alpha`` times; static parts and
    slow drifts are left alone.  ``frames``: ``(T, H, W[, 3])`` ``uint8``.
    """
    import cv2

    clip = np.asarray(frames)
    if clip.ndim not in (3, 4) or clip.dtype != np.uint8 or len(clip) < 4:
        raise InvalidInputError(f"magnify: frames must be a uint8 clip (T, H, W[, 3]) of at least 4 frames, got {clip.dtype} {clip.shape}.")
    fps = positive(fps, "magnify: fps (the clip's frame rate)")
    alpha = number(alpha, "magnify: alpha (the magnification factor)", 0.0)
    try:
        low, high = (float(v) for v in band)
    except (TypeError, ValueError):
        low = high = float("nan")
    if not 0 <= low < high < float("inf"):
        raise InvalidInputError(f"magnify: band must be (low, high) Hz with 0 <= low < high, got {band!r}.")
    if low >= fps / 2:
        raise InvalidInputError(
            f"magnify: band starts at {low:g} Hz, at or above {fps / 2:g} Hz, the highest frequency a clip at "
            f"fps={fps:g} can show, so nothing would be magnified: lower the band or give the clip's real fps."
        )
    small = []
    for frame in clip.astype(np.float32):
        for _ in range(_count(levels, "levels", 0)):
            frame = cv2.pyrDown(frame)
        small.append(frame)
    small = np.stack(small)
    spectrum = np.fft.rfft(small, axis=0)
    freqs = np.fft.rfftfreq(len(clip), d=1.0 / fps)
    keep = ((freqs >= low) & (freqs <= high)).reshape(-1, *([1] * (small.ndim - 1)))
    filtered = np.fft.irfft(spectrum * keep, n=len(clip), axis=0) * alpha
    height, width = clip.shape[1:3]
    boost = np.stack([cv2.resize(f.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR) for f in filtered])
    return np.clip(clip.astype(np.float32) + boost.reshape(clip.shape), 0, 255).astype(np.uint8)
