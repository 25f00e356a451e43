"""Classical features and models for facial expressions (chapter 04).

Everything here follows scikit-learn's conventions: feature extractors are
transformers (``fit``/``transform``) and the model builders return
:class:`~sklearn.pipeline.Pipeline` objects with ``fit``/``predict``, so they can be
cross-validated, combined and compared with the same few lines.

Inputs
------
* **images**: ``(N, H, W)`` grey ``uint8`` or float arrays (square), or the same
  flattened to ``(N, H*W)``; the side is recovered from the column count.
* **landmarks**: ``(N, 478, 2|3)`` points in image pixels (the synthetic
  generator's ``extras["landmarks"]`` or :class:`fercourse.face.FaceMesh` landmarks),
  or flattened to ``(N, 478*2)`` / ``(N, 478*3)``.
* **both at once** (for the combined model): :func:`pack` puts the pixels and the
  landmarks of each face side by side in one row, so that a
  :class:`~sklearn.compose.ColumnTransformer` can send each part to its extractor.

The pieces
----------
* :class:`HOGFeatures` and :class:`SlidingHOG` (Dalal and Triggs, 2005) with
  :func:`hog_svm`;
* :class:`LandmarkGeometry`: distances of every mesh point to a fixed point,
  selected distances and angles, all divided by the inter-ocular distance, with
  :func:`landmark_svm` (PCA(50), StandardScaler, RBF SVM with C=5) and
  :func:`combined_svm` (HOG and geometry together);
* :func:`blendshape_features` and :func:`blendshape_svm` (MediaPipe's 52 scores);
* :class:`AutoEncoderCodes` and :func:`lgbm_pixels` / :func:`lgbm_autoencoder`
  (LightGBM on raw pixels and on the codes of a small auto-encoder);
* the eyes: :func:`eye_aspect_ratio` (Soukupova and Cech, 2016), :func:`detect_blinks`
  (threshold, hysteresis and a minimum duration), :func:`score_blinks`;
  :func:`eye_state_faces` (the generator's, :func:`fercourse.synth.eye_state_faces`), :func:`eye_openness_features` and
  :class:`OrdinalLogistic` (a proportional-odds model) for four levels of eye
  closeness;
* evaluation helpers: :func:`augmented_copies`, :func:`leakage_demo`, :func:`compare_ordinal`
  (models are scored with :func:`fercourse.models.evaluate`; ``fit=`` trains a fresh
  copy first; confusion matrices: :func:`fercourse.viz.plot_confusion`).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from fercourse import _env, mesh
from fercourse.checks import count, grey, pixel_values, positive
from fercourse.errors import InvalidInputError, NoFaceError
from fercourse.mesh import N_LANDMARKS
from fercourse.synth import EYE_LEVELS, eye_state_faces  # the generator, kept here for the notebooks

__all__ = [
    "N_LANDMARKS",
    "ANCHOR",
    "PAIRS",
    "ANGLES",
    "EAR_POINTS",
    "EYE_LEVELS",
    "as_images",
    "as_landmarks",
    "pack",
    "HOGFeatures",
    "SlidingHOG",
    "LandmarkGeometry",
    "FlatPixels",
    "AutoEncoderCodes",
    "hog_svm",
    "landmark_svm",
    "combined_svm",
    "blendshape_features",
    "blendshape_svm",
    "lgbm_pixels",
    "lgbm_autoencoder",
    "eye_aspect_ratio",
    "detect_blinks",
    "truth_blinks",
    "score_blinks",
    "eye_state_faces",
    "eye_openness_features",
    "OrdinalLogistic",
    "compare_ordinal",
    "augmented_copies",
    "leakage_demo",
]

#: The fixed point of the distance features: the nose tip.
ANCHOR = 4

#: Named point pairs whose distances the geometry features add (mesh indices).
PAIRS = {
    "mouth_width": (61, 291),
    "mouth_opening": (13, 14),
    "right_eye_opening": (159, 145),
    "left_eye_opening": (386, 374),
    "right_brow_to_eye": (105, 159),
    "left_brow_to_eye": (334, 386),
    "inner_brow_gap": (107, 336),
    "right_inner_brow_to_eye": (107, 133),
    "left_inner_brow_to_eye": (336, 362),
    "right_corner_to_eye": (61, 33),
    "left_corner_to_eye": (291, 263),
    "upper_lip_to_nose": (0, 2),
    "chin_to_lower_lip": (152, 17),
    "nose_wings": (98, 327),
}

#: Named angles (vertex in the middle), in degrees: mouth shape and brow slant.
ANGLES = {
    "right_mouth_corner": (0, 61, 17),
    "left_mouth_corner": (0, 291, 17),
    "upper_lip_arch": (61, 0, 291),
    "lower_lip_arch": (61, 17, 291),
    "right_brow_slant": (70, 105, 107),
    "left_brow_slant": (300, 334, 336),
}

#: The six points per eye of the eye aspect ratio, in the order p1..p6 of Soukupova and Cech:
#: outer corner, two upper-lid points, inner corner, two lower-lid points.
EAR_POINTS = {"right": (33, 160, 158, 133, 153, 144), "left": (263, 387, 385, 362, 380, 373)}



# ---------------------------------------------------------------------- inputs


def as_images(X, name: str = "X") -> np.ndarray:
    """``X`` as a float ``(N, S, S)`` array in [0, 1] (``uint8`` is divided by 255).

    Colour faces ``(N, S, S, 3)`` are turned grey by their luminance (:func:`fercourse.checks.grey`).
    Floats must already lie in [0, 1]: a float image in [0, 255], a negative value or
    a NaN raises :class:`InvalidInputError` (:func:`fercourse.checks.pixel_values`).
    """
    array = np.asarray(X)
    if array.dtype == object or array.size == 0:
        raise InvalidInputError(f"{name} must be a non-empty numeric array of images, got {type(X).__name__}.")
    array = pixel_values(array, name)
    if array.ndim == 2:
        side = int(round(np.sqrt(array.shape[1])))
        if side * side != array.shape[1]:
            raise InvalidInputError(
                f"{name} has {array.shape[1]} columns, which is not a square image; pass (N, H, W) images "
                "or square images flattened to (N, H*W)."
            )
        array = array.reshape(len(array), side, side)
    if array.ndim == 4 and array.shape[-1] == 3:
        array = grey(array, name)  # colour faces: their luminance, as face.to_gray gives
    if array.ndim != 3:
        raise InvalidInputError(f"{name} must have shape (N, H, W) or (N, H*W), got {array.shape}.")
    scale = 255.0 if array.dtype == np.uint8 else 1.0
    return array.astype(np.float64) / scale


def as_landmarks(X, name: str = "landmarks") -> np.ndarray:
    """``X`` as a float ``(N, 478, 2)`` array of x, y pixel coordinates (a single face gets N=1)."""
    try:
        array = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be a numeric array of landmarks, got {type(X).__name__}.") from None
    if array.ndim == 2 and array.shape[0] == N_LANDMARKS and array.shape[1] in (2, 3):
        array = array[None]
    elif array.ndim == 2 and array.shape[1] in (N_LANDMARKS * 2, N_LANDMARKS * 3):
        array = array.reshape(len(array), N_LANDMARKS, -1)
    if array.ndim != 3 or array.shape[1] != N_LANDMARKS or array.shape[2] not in (2, 3):
        raise InvalidInputError(
            f"{name} has shape {array.shape}; expected MediaPipe's {N_LANDMARKS} points per face: "
            f"(N, {N_LANDMARKS}, 2|3), ({N_LANDMARKS}, 2|3) or flattened (N, {N_LANDMARKS * 2}|{N_LANDMARKS * 3})."
        )
    if not np.all(np.isfinite(array)):
        raise InvalidInputError(f"{name} contains NaN or infinite coordinates.")
    return array[:, :, :2]


def pack(images, landmarks) -> np.ndarray:
    """One row per face: its pixels (scaled to [0, 1]) followed by its landmarks' x, y.

    The combined model (:func:`combined_svm`) takes this matrix; :func:`combined_svm`
    needs the image side to know where the pixels end.
    """
    pixels = as_images(images, "images")
    points = as_landmarks(landmarks)
    if len(pixels) != len(points):
        raise InvalidInputError(f"pack: {len(pixels)} images but {len(points)} landmark sets; give one per face.")
    return np.hstack([pixels.reshape(len(pixels), -1), points.reshape(len(points), -1)])


# ------------------------------------------------------------------------- HOG


class HOGFeatures(TransformerMixin, BaseEstimator):
    """Histograms of oriented gradients of whole images (``skimage.feature.hog``).

    With 48x48 images, 8x8-pixel cells and 2x2-cell blocks this gives
    5 x 5 blocks x 4 cells x 9 orientations = 900 numbers per face.
    """

    def __init__(self, orientations: int = 9, cell: int = 8, block: int = 2):
        self.orientations = orientations
        self.cell = cell
        self.block = block

    def fit(self, X, y=None):
        as_images(X)
        return self

    def transform(self, X):
        from skimage.feature import hog

        images = as_images(X)
        if min(images.shape[1:]) < self.cell * self.block:
            raise InvalidInputError(
                f"Images of {images.shape[1]}x{images.shape[2]} pixels are smaller than one HOG block "
                f"({self.cell * self.block} pixels); use larger images or a smaller cell."
            )
        return np.stack([
            hog(image, orientations=self.orientations, pixels_per_cell=(self.cell, self.cell),
                cells_per_block=(self.block, self.block), feature_vector=True)
            for image in images
        ])


class SlidingHOG(TransformerMixin, BaseEstimator):
    """HOG computed separately in overlapping square windows that slide over the face.

    Each ``window`` x ``window`` patch (moved by ``stride`` pixels) gets its own HOG
    (cells of ``cell`` pixels, one block per cell, so each window's histograms are
    normalised on their own).  ``pool="concat"`` keeps every window's histogram in
    order (where a feature was seen stays known); ``"max"`` and ``"mean"`` pool over
    windows element by element (a shorter, position-free summary).
    """

    def __init__(self, window: int = 24, stride: int = 12, cell: int = 6, orientations: int = 9, pool: str = "concat"):
        self.window = window
        self.stride = stride
        self.cell = cell
        self.orientations = orientations
        self.pool = pool

    def fit(self, X, y=None):
        self.transform(as_images(X)[:1])
        return self

    def transform(self, X):
        from skimage.feature import hog

        if self.pool not in ("concat", "max", "mean"):
            raise InvalidInputError(f"pool must be 'concat', 'max' or 'mean', got {self.pool!r}.")
        images = as_images(X)
        side = images.shape[1]
        if not 0 < self.window <= side or self.stride < 1:
            raise InvalidInputError(
                f"window must lie in 1..{side} (the image side) and stride must be positive, "
                f"got window={self.window}, stride={self.stride}."
            )
        starts = range(0, side - self.window + 1, self.stride)
        out = []
        for image in images:
            windows = np.stack([
                hog(image[r : r + self.window, c : c + self.window], orientations=self.orientations,
                    pixels_per_cell=(self.cell, self.cell), cells_per_block=(1, 1), feature_vector=True)
                for r in starts for c in starts
            ])
            out.append(windows.ravel() if self.pool == "concat" else getattr(windows, self.pool)(axis=0))
        return np.stack(out)


# ------------------------------------------------------------ landmark geometry


def _angles(points: np.ndarray, triples) -> np.ndarray:
    a, v, b = (points[:, [t[k] for t in triples]] for k in range(3))
    u, w = a - v, b - v
    cos = (u * w).sum(-1) / np.maximum(np.linalg.norm(u, axis=-1) * np.linalg.norm(w, axis=-1), 1e-12)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


class LandmarkGeometry(TransformerMixin, BaseEstimator):
    """Shape features from a face mesh that ignore where the face is and how large it is.

    * ``distances``: every point's distance to the ``anchor`` point (the nose tip by
      default), 478 numbers;
    * ``pairs``: the distances of :data:`PAIRS` (mouth width, brow to eye, ...);
    * ``angles``: the angles of :data:`ANGLES` in degrees, divided by 180.

    Distances are divided by the inter-ocular distance, so moving or scaling a face
    (or rotating it in the image plane) leaves the features unchanged.
    """

    def __init__(self, anchor: int = ANCHOR, distances: bool = True, pairs: bool = True, angles: bool = True):
        self.anchor = anchor
        self.distances = distances
        self.pairs = pairs
        self.angles = angles

    def fit(self, X, y=None):
        self.transform(as_landmarks(X)[:1])
        return self

    def feature_names(self) -> list[str]:
        names = []
        if self.distances:
            names += [f"d{i}_to_{self.anchor}" for i in range(N_LANDMARKS)]
        if self.pairs:
            names += list(PAIRS)
        if self.angles:
            names += [f"angle_{name}" for name in ANGLES]
        return names

    def transform(self, X):
        if not (isinstance(self.anchor, (int, np.integer)) and 0 <= self.anchor < N_LANDMARKS):
            raise InvalidInputError(f"anchor must be a landmark index in 0..{N_LANDMARKS - 1}, got {self.anchor!r}.")
        if not (self.distances or self.pairs or self.angles):
            raise InvalidInputError("LandmarkGeometry: switch on at least one of distances, pairs and angles.")
        points = as_landmarks(X)
        scale = mesh.inter_ocular_distance(points)[:, None]
        parts = []
        if self.distances:
            parts.append(np.linalg.norm(points - points[:, [self.anchor]], axis=-1) / scale)
        if self.pairs:
            a, b = zip(*PAIRS.values())
            parts.append(np.linalg.norm(points[:, list(a)] - points[:, list(b)], axis=-1) / scale)
        if self.angles:
            parts.append(_angles(points, list(ANGLES.values())) / 180.0)
        return np.hstack(parts)


# ------------------------------------------------------------------- pipelines


def _svm(kernel: str = "rbf", C: float = 1.0, seed: int = 0) -> SVC:
    if kernel not in ("linear", "rbf"):
        raise InvalidInputError(f"kernel must be 'linear' or 'rbf', got {kernel!r}.")
    return SVC(kernel=kernel, C=C, gamma="scale", random_state=seed)


def hog_svm(kernel: str = "linear", C: float = 1.0, sliding: bool = False, pool: str = "concat") -> Pipeline:
    """HOG (or sliding-window HOG), standardised, into a linear or RBF support vector machine."""
    extractor = SlidingHOG(pool=pool) if sliding else HOGFeatures()
    return make_pipeline(extractor, StandardScaler(), _svm(kernel, C))


def landmark_svm(n_components: int = 50, C: float = 5.0) -> Pipeline:
    """Geometry features, PCA to ``n_components``, standardised, into an RBF SVM (C=5)."""
    return make_pipeline(LandmarkGeometry(), PCA(n_components, random_state=0), StandardScaler(), _svm("rbf", C))


def combined_svm(image_size: int = 48, n_components: int = 50, C: float = 5.0) -> Pipeline:
    """HOG of the pixels and PCA of the geometry side by side, into one RBF SVM.

    Takes the rows of :func:`pack` for ``image_size`` x ``image_size`` images.
    """
    n_pixels = int(image_size) ** 2
    parts = ColumnTransformer([
        ("hog", make_pipeline(HOGFeatures(), StandardScaler()), slice(0, n_pixels)),
        ("geometry", make_pipeline(LandmarkGeometry(), PCA(n_components, random_state=0), StandardScaler()),
         slice(n_pixels, n_pixels + 2 * N_LANDMARKS)),
    ])
    return Pipeline([("features", parts), ("svm", _svm("rbf", C))])


def blendshape_features(images, landmarker=None, progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The 52 blendshape scores of the largest face in each image, and which images had a face.

    Returns ``(scores, found)``: ``scores`` is ``(N, 52)`` (zeros where no face was
    found) and ``found`` a boolean ``(N,)`` mask.  ``landmarker`` defaults to a new
    :class:`fercourse.face.FaceLandmarker` in image mode.
    """
    from tqdm.auto import tqdm

    from fercourse import face

    if len(images) == 0:
        raise InvalidInputError("blendshape_features: no images given.")
    own = landmarker is None
    landmarker = landmarker or face.FaceLandmarker(max_faces=1)
    scores, found = np.zeros((len(images), 52), np.float32), np.zeros(len(images), bool)
    try:
        for i, image in enumerate(tqdm(images, desc="blendshapes", disable=not progress)):
            meshes = landmarker.detect(image)
            if meshes:
                scores[i], found[i] = meshes[0].blendshape_vector(), True
    finally:
        if own:
            landmarker.close()
    return scores, found


def blendshape_svm(C: float = 5.0) -> Pipeline:
    """The 52 blendshape scores, standardised, into an RBF SVM."""
    return make_pipeline(StandardScaler(), _svm("rbf", C))


class FlatPixels(TransformerMixin, BaseEstimator):
    """Images as flat rows of pixel values in [0, 1]."""

    def fit(self, X, y=None):
        as_images(X)
        return self

    def transform(self, X):
        images = as_images(X)
        return images.reshape(len(images), -1)


class AutoEncoderCodes(TransformerMixin, BaseEstimator):
    """A small fully connected auto-encoder (PyTorch); ``transform`` gives its bottleneck codes.

    ``fit`` trains pixels -> ``hidden`` -> ``code`` -> ``hidden`` -> pixels to
    reproduce the (unlabelled) training images with mean squared error.
    """

    def __init__(self, code: int = 32, hidden: int = 128, epochs: int = 20, batch: int = 64, lr: float = 2e-3,
                 seed: int = 0):
        self.code = code
        self.hidden = hidden
        self.epochs = epochs
        self.batch = batch
        self.lr = lr
        self.seed = seed

    def _nets(self, n_in: int):
        from fercourse import config

        torch = _env.torch()
        # PyTorch layers draw their initial weights from its global generator: seeded for
        # these two lines only, so the caller's random numbers stay where they were.
        with config.scoped_global_seed(self.seed):
            encoder = torch.nn.Sequential(torch.nn.Linear(n_in, self.hidden), torch.nn.ReLU(),
                                          torch.nn.Linear(self.hidden, self.code))
            decoder = torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(self.code, self.hidden), torch.nn.ReLU(),
                                          torch.nn.Linear(self.hidden, n_in), torch.nn.Sigmoid())
        return encoder, decoder

    def fit(self, X, y=None):
        torch = _env.torch()

        pixels = torch.as_tensor(FlatPixels().transform(X), dtype=torch.float32)
        self.encoder_, self.decoder_ = self._nets(pixels.shape[1])
        params = list(self.encoder_.parameters()) + list(self.decoder_.parameters())
        optimiser = torch.optim.Adam(params, lr=self.lr)
        generator = torch.Generator().manual_seed(self.seed)
        self.losses_ = []
        for _ in range(int(self.epochs)):
            order = torch.randperm(len(pixels), generator=generator)
            total = 0.0
            for start in range(0, len(pixels), self.batch):
                batch = pixels[order[start : start + self.batch]]
                loss = torch.nn.functional.mse_loss(self.decoder_(self.encoder_(batch)), batch)
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                total += loss.item() * len(batch)
            self.losses_.append(total / len(pixels))
        return self

    def transform(self, X):
        torch = _env.torch()

        if not hasattr(self, "encoder_"):
            raise InvalidInputError("AutoEncoderCodes: call fit before transform.")
        with torch.no_grad():
            return self.encoder_(torch.as_tensor(FlatPixels().transform(X), dtype=torch.float32)).numpy()

    def reconstruct(self, X) -> np.ndarray:
        """The auto-encoder's reconstruction of images ``X``, shaped like them (values in [0, 1])."""
        torch = _env.torch()

        images = as_images(X)
        with torch.no_grad():
            out = self.decoder_(torch.as_tensor(self.transform(images), dtype=torch.float32)).numpy()
        return out.reshape(images.shape)


def _lgbm(n_estimators: int, seed: int):
    from lightgbm import LGBMClassifier

    return LGBMClassifier(n_estimators=n_estimators, learning_rate=0.15, num_leaves=15, min_child_samples=10,
                          max_bin=32, colsample_bytree=0.3, subsample=0.8, subsample_freq=1, random_state=seed,
                          n_jobs=2, deterministic=True, force_row_wise=True, verbose=-1)


def lgbm_pixels(n_estimators: int = 60, seed: int = 0) -> Pipeline:
    """LightGBM gradient-boosted trees on the raw pixels."""
    return make_pipeline(FlatPixels(), _lgbm(n_estimators, seed))


def lgbm_autoencoder(code: int = 32, epochs: int = 20, n_estimators: int = 60, seed: int = 0) -> Pipeline:
    """LightGBM on the codes of a small auto-encoder trained on the training images."""
    return make_pipeline(AutoEncoderCodes(code=code, epochs=epochs, seed=seed), _lgbm(n_estimators, seed))


# ------------------------------------------------------------------------ eyes


def eye_aspect_ratio(landmarks, eye: str = "both") -> np.ndarray:
    """Eye aspect ratio (Soukupova and Cech, 2016): lid openings over eye width.

    ``EAR = (|p2 - p6| + |p3 - p5|) / (2 |p1 - p4|)`` with the points of
    :data:`EAR_POINTS`.  About 0.25 to 0.35 for an open eye, near 0 for a closed one.
    ``eye`` is ``"right"``, ``"left"`` or ``"both"`` (their mean).  Returns one value
    per face (``(N,)``); ``landmarks`` as in :func:`as_landmarks`.
    """
    if eye not in ("right", "left", "both"):
        raise InvalidInputError(f"eye must be 'right', 'left' or 'both', got {eye!r}.")
    points = as_landmarks(landmarks)
    values = []
    for side in (("right", "left") if eye == "both" else (eye,)):
        p = points[:, list(EAR_POINTS[side])]
        d = lambda i, j: np.linalg.norm(p[:, i] - p[:, j], axis=-1)  # noqa: E731
        values.append((d(1, 5) + d(2, 4)) / np.maximum(2.0 * d(0, 3), 1e-12))
    return np.mean(values, axis=0)


def detect_blinks(ear, close: float = 0.6, reopen: float = 0.85, min_frames: int = 2,
                  baseline=None, window: int = 31) -> list[tuple[int, int]]:
    """Blinks in a per-frame eye-aspect-ratio track, as ``(first, last)`` frame pairs.

    A blink starts when the EAR falls below ``close`` x ``baseline`` and ends when it
    rises above ``reopen`` x ``baseline`` again (two thresholds, hysteresis, so noise
    around one threshold does not split a blink in two); closures shorter than
    ``min_frames`` frames are dropped as noise.  ``baseline`` is the EAR of the open
    eye: a number, or by default a running median over ``window`` frames (eyes are
    open most of the time, and a running value follows slower changes such as the
    narrowed eyes of an angry face or the wide eyes of a surprised one).
    """
    track = np.asarray(ear, dtype=np.float64).ravel()
    if track.size == 0 or not np.all(np.isfinite(track)):
        raise InvalidInputError("detect_blinks needs a non-empty track of finite eye aspect ratios.")
    if not 0.0 < close <= reopen:
        raise InvalidInputError(f"need 0 < close <= reopen, got close={close}, reopen={reopen}.")
    min_frames = count(min_frames, "detect_blinks: min_frames")
    if baseline is None:
        half = count(window, "detect_blinks: window (frames)") // 2
        padded = np.pad(track, half, mode="edge")
        base = np.median(np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1), axis=1)
    else:
        base = np.full(len(track), positive(baseline, "detect_blinks: baseline (the open-eye EAR)"))
    blinks, start = [], None
    for i, value in enumerate(track):
        if start is None and value < close * base[i]:
            start = i
        elif start is not None and value > reopen * base[i]:
            if i - start >= min_frames:
                blinks.append((start, i - 1))
            start = None
    if start is not None and len(track) - start >= min_frames:
        blinks.append((start, len(track) - 1))
    return blinks


def truth_blinks(closure, level: float = 0.5) -> list[tuple[int, int]]:
    """The true blinks of a synthetic clip: runs of frames whose eye closure exceeds ``level``."""
    track = np.asarray(closure, dtype=np.float64).ravel() > level
    edges = np.diff(np.concatenate([[0], track.astype(int), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), (np.flatnonzero(edges == -1) - 1).tolist()))


def score_blinks(predicted, truth, tolerance: int = 2) -> dict:
    """Match predicted blinks to true ones (one to one, overlapping within ``tolerance`` frames).

    Returns ``{"true": ..., "found": ..., "matched": ..., "precision": ..., "recall": ...}``
    (precision and recall are 1 when there is nothing to find and nothing was found).
    """
    from fercourse.matching import greedy_match

    # Every pair that overlaps within the tolerance scores 1: the greedy matcher then gives each
    # predicted blink, in order, the first true blink still free.
    near = [[float(a <= d + tolerance and c <= b + tolerance) for c, d in truth] for a, b in predicted]
    matched = len(greedy_match(np.reshape(near, (len(predicted), len(truth))), 1.0))
    precision = matched / len(predicted) if predicted else float(not truth)
    recall = matched / len(truth) if truth else 1.0
    return {"true": len(truth), "found": len(predicted), "matched": matched, "precision": precision, "recall": recall}


def eye_openness_features(images, landmarks) -> pd.DataFrame:
    """Per face: eye aspect ratio, eyelid width/height ratio and visible sclera, both eyes averaged.

    * ``ear``: :func:`eye_aspect_ratio`;
    * ``width_height``: eye width (corner to corner) over the largest lid opening,
      capped at 50 (a closed eye has almost no height);
    * ``sclera``: the share of pixels inside the eye contour that are bright and
      colourless (the white of the eye: low saturation, brightness above 0.35) --
      iris, lashes and skin do not count;
    * ``sclera_area``: the same pixels counted and divided by the squared inter-ocular
      distance, so it does not depend on the image size.

    ``images`` are colour ``(N, H, W, 3)`` ``uint8``; ``landmarks`` their meshes in pixels.
    """
    import cv2

    pictures = np.asarray(images)
    points = as_landmarks(landmarks)
    if pictures.ndim != 4 or pictures.shape[-1] != 3 or pictures.dtype != np.uint8:
        raise InvalidInputError(
            f"images must be colour uint8 images (N, H, W, 3), got {pictures.dtype} {pictures.shape}; "
            "the sclera is found by its colour."
        )
    if len(pictures) != len(points):
        raise InvalidInputError(f"{len(pictures)} images but {len(points)} landmark sets; give one per face.")
    iod = mesh.inter_ocular_distance(points)
    rows = []
    for image, p, scale in zip(pictures, points, iod):
        hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV).astype(np.float64) / 255.0
        white = (hsv[..., 1] < 0.3) & (hsv[..., 2] > 0.35)
        shares, areas, ratios = [], [], []
        for ring, side in ((mesh.RIGHT_EYE_RING, "right"), (mesh.LEFT_EYE_RING, "left")):
            mask = np.zeros(image.shape[:2], np.uint8)
            cv2.fillPoly(mask, [np.round(p[list(ring)] * 16).astype(np.int32)], 1, shift=4)
            inside = mask.astype(bool)
            bright = int((white & inside).sum())
            shares.append(bright / max(int(inside.sum()), 1))
            areas.append(bright / scale**2)
            e = p[list(EAR_POINTS[side])]
            width = np.linalg.norm(e[0] - e[3])
            height = max(np.linalg.norm(e[1] - e[5]), np.linalg.norm(e[2] - e[4]))
            ratios.append(min(width / max(height, 1e-9), 50.0))
        rows.append([np.mean(ratios), np.mean(shares), np.mean(areas)])
    table = pd.DataFrame(rows, columns=["width_height", "sclera", "sclera_area"])
    table.insert(0, "ear", eye_aspect_ratio(points))
    return table


class OrdinalLogistic(ClassifierMixin, BaseEstimator):
    """Ordinal logistic regression (proportional odds, McCullagh 1980; the "all-threshold" model).

    One weight vector ``w`` and ordered thresholds ``t_1 < ... < t_{K-1}``:
    ``P(y <= k | x) = sigmoid(t_k - w.x)``.  A higher score ``w.x`` moves a face up the
    scale; the classes must be given in their order (``classes``), or their sorted
    order is used.  ``alpha`` is the L2 penalty on ``w``.  Fitted by L-BFGS on the
    negative log-likelihood.
    """

    def __init__(self, alpha: float = 1.0, classes=None):
        self.alpha = alpha
        self.classes = classes

    def _codes(self, y) -> np.ndarray:
        lookup = {c: k for k, c in enumerate(self.classes_)}
        unknown = sorted({str(v) for v in y if v not in lookup})
        if unknown:
            raise InvalidInputError(f"labels {unknown} are not among the ordered classes {list(self.classes_)}.")
        return np.array([lookup[v] for v in y])

    def fit(self, X, y):
        from scipy.optimize import minimize
        from scipy.special import expit

        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        if X.ndim != 2 or len(X) != len(y) or len(X) == 0:
            raise InvalidInputError(f"X must be (N, features) with one label per row, got X {X.shape}, y {y.shape}.")
        self.classes_ = np.array(self.classes if self.classes is not None else np.unique(y))
        if len(self.classes_) < 2:
            raise InvalidInputError("OrdinalLogistic needs at least two ordered classes.")
        codes = self._codes(y)
        n, d = X.shape
        K = len(self.classes_)

        def thresholds(theta):
            return theta[0] + np.concatenate([[0.0], np.cumsum(np.exp(theta[1:]))])

        def loss(params):
            w, t = params[:d], thresholds(params[d:])
            s = X @ w
            upper = np.append(t, np.inf)[codes] - s   # P(y <= k)
            lower = np.insert(t, 0, -np.inf)[codes] - s  # P(y <= k-1)
            cu, cl = expit(upper), expit(lower)
            p = np.maximum(cu - cl, 1e-12)
            # d log p / d upper, d log p / d lower
            gu = cu * (1 - cu) / p
            gl = -cl * (1 - cl) / p
            value = -np.log(p).sum() + 0.5 * self.alpha * w @ w
            gs = -(gu + gl)  # d log p / d s
            grad_w = -(X.T @ gs) + self.alpha * w
            gt = np.zeros(K - 1)
            np.add.at(gt, np.minimum(codes, K - 2), np.where(codes < K - 1, gu, 0.0))
            np.add.at(gt, np.maximum(codes - 1, 0), np.where(codes > 0, gl, 0.0))
            gt = -gt
            # chain rule through the ordered parametrisation
            grad_theta = np.empty(K - 1)
            grad_theta[0] = gt.sum()
            steps = np.exp(params[d + 1 :])
            grad_theta[1:] = steps * np.cumsum(gt[::-1])[::-1][1:]
            return value, np.concatenate([grad_w, grad_theta])

        start = np.concatenate([np.zeros(d), [-1.0], np.zeros(K - 2)])
        result = minimize(loss, start, jac=True, method="L-BFGS-B")
        self.coef_ = result.x[:d]
        self.thresholds_ = thresholds(result.x[d:])
        self.n_iter_ = result.nit
        return self

    def decision_function(self, X) -> np.ndarray:
        """The score ``w.x`` of each row (higher means further up the scale)."""
        return np.asarray(X, dtype=np.float64) @ self.coef_

    def predict_proba(self, X) -> np.ndarray:
        from scipy.special import expit

        cumulative = expit(self.thresholds_[None, :] - self.decision_function(X)[:, None])
        cumulative = np.hstack([np.zeros((len(cumulative), 1)), cumulative, np.ones((len(cumulative), 1))])
        return np.diff(cumulative, axis=1)

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


# ------------------------------------------------------------------ evaluation


def compare_ordinal(X_train, y_train, X_test, y_test, levels=EYE_LEVELS) -> pd.DataFrame:
    """An ordinal and a multinomial logistic model on the same standardised features, side by side.

    Columns: ``accuracy``, ``macro_f1``, ``mean level error`` (how many levels off an
    answer is, on average) and ``off by 2+`` (share of answers two or more levels off).
    """
    from sklearn.linear_model import LogisticRegression

    rank = {name: k for k, name in enumerate(levels)}
    truth = np.array([rank[v] for v in np.asarray(y_test)])
    rows = {}
    for name, model in {
        "ordinal (proportional odds)": make_pipeline(StandardScaler(), OrdinalLogistic(classes=tuple(levels))),
        "multinomial logistic": make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
    }.items():
        result = _fit_and_score(model, X_train, y_train, X_test, y_test, name)
        error = np.abs(np.array([rank[v] for v in result["predicted"]]) - truth)
        rows[name] = {"accuracy": result["accuracy"], "macro_f1": result["uf1"],
                      "mean level error": error.mean(), "off by 2+": (error >= 2).mean()}
    return pd.DataFrame(rows).T


def _fit_and_score(model, X_train, y_train, X_test, y_test, name: str | None = None) -> dict:
    """:func:`fercourse.models.evaluate` of a fresh clone of ``model`` fitted on the training rows."""
    from fercourse import models

    if len(X_train) != len(y_train) or len(X_test) != len(y_test):
        raise InvalidInputError("evaluate: X and y must have the same number of rows, for training and for testing.")
    if len(X_test) == 0 or len(X_train) == 0:
        raise InvalidInputError("evaluate: the training or the test set is empty.")
    return models.evaluate(model, (X_test, y_test), fit=(X_train, y_train), name=name)


def augmented_copies(images, copies: int = 3, noise: float = 0.03, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Each image plus ``copies`` altered copies (mirrored at random, with Gaussian noise).

    Returns ``(augmented, source)``: ``source[i]`` is the index of the original image
    that row ``i`` was made from (the original itself comes first).
    """
    pictures = as_images(images, "images")
    copies = count(copies, "augmented_copies: copies", 0)
    noise = positive(noise, "augmented_copies: noise (the standard deviation, in [0, 1] units)", allow_zero=True)
    rng = np.random.default_rng(seed)
    out, source = [pictures], [np.arange(len(pictures))]
    for _ in range(copies):
        flip = rng.random(len(pictures)) < 0.5
        changed = np.where(flip[:, None, None], pictures[:, :, ::-1], pictures)
        out.append(np.clip(changed + rng.normal(0.0, noise, pictures.shape), 0.0, 1.0))
        source.append(np.arange(len(pictures)))
    return (np.concatenate(out) * 255).round().astype(np.uint8), np.concatenate(source)


def leakage_demo(model, images, labels, splits, copies: int = 3, test_size: float = 0.2, seed: int = 0) -> pd.DataFrame:
    """The same model scored two ways on augmented data.

    * ``leaky``: every image is augmented first, then the pool of originals and
      copies is split at random, so copies of one photo (and the same people) sit on
      both sides of the split;
    * ``honest``: the split is by subject (``splits`` gives ``train``/``test`` per
      image) and only the training images are augmented.

    Returns a table with accuracy and macro-F1 of both.
    """
    from sklearn.model_selection import train_test_split

    labels = np.asarray(labels)
    splits = np.asarray(splits)
    if not (len(labels) == len(splits) == len(images)):
        raise InvalidInputError("leakage_demo: images, labels and splits must have one entry per face.")
    if not {"train", "test"} <= set(splits.tolist()):
        raise InvalidInputError("leakage_demo: splits must contain both 'train' and 'test' rows.")
    augmented, source = augmented_copies(images, copies, seed=seed)
    train, test = train_test_split(np.arange(len(augmented)), test_size=test_size, random_state=seed,
                                   stratify=labels[source])
    leaky = _fit_and_score(model, augmented[train], labels[source][train], augmented[test], labels[source][test], "leaky")
    train_rows = np.flatnonzero(splits == "train")
    test_rows = np.flatnonzero(splits == "test")
    train_aug, train_source = augmented_copies(np.asarray(images)[train_rows], copies, seed=seed)
    honest = _fit_and_score(model, train_aug, labels[train_rows][train_source], np.asarray(images)[test_rows],
                            labels[test_rows], "honest")
    shared = np.isin(source[test], source[train]).mean()
    table = pd.DataFrame([
        {"evaluation": "augment, then split images at random", "accuracy": leaky["accuracy"],
         "macro_f1": leaky["uf1"], "test images with a copy in training": shared},
        {"evaluation": "split by subject, augment training only", "accuracy": honest["accuracy"],
         "macro_f1": honest["uf1"], "test images with a copy in training": 0.0},
    ])
    return table.set_index("evaluation")
