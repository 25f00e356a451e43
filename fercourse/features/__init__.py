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
* :class:`LBPFeatures`: uniform local binary patterns (Ojala et al., 2002; codes from
  :func:`lbp_codes`) counted in a grid of face cells (Shan et al., 2009), with
  :func:`lbp_svm`;
* :class:`GaborFeatures`: the magnitudes of a bank of Gabor filters
  (:func:`gabor_kernels`; Lyons et al., 1998) pooled in a grid of cells, with
  :func:`gabor_svm`;
* the grid of cells those share (and chapter 07's LBP-TOP with them): :func:`cell_map`,
  :func:`cell_histograms`, :func:`cell_means`;
* :class:`LandmarkGeometry`: distances of every mesh point to a fixed point,
  selected distances and angles, all divided by the inter-ocular distance, with
  :func:`landmark_svm` (PCA(50), StandardScaler, RBF SVM with C=5) and
  :func:`combined_svm` (HOG and geometry together);
* :func:`blendshape_features` and :func:`blendshape_svm` (MediaPipe's 52 scores);
* :class:`AutoEncoderCodes` and :func:`lgbm_pixels` / :func:`lgbm_autoencoder`
  (LightGBM on raw pixels and on the codes of a small auto-encoder);
* the eyes: :func:`eye_aspect_ratio` (Soukupova and Cech, 2016), :func:`detect_blinks`
  (threshold, hysteresis and a minimum duration), :func:`score_blinks`;
  :func:`eye_openness_features` and :class:`OrdinalLogistic` (a proportional-odds
  model) for the four levels of eye closeness of :data:`fercourse.synth.EYE_LEVELS`
  (faces from :func:`fercourse.synth.eye_state_faces`);
* evaluation helpers: :func:`augmented_copies`, :func:`leakage_demo`, :func:`compare_ordinal`
  (models are scored with :func:`fercourse.models.evaluate`; ``fit=`` trains a fresh
  copy first; confusion matrices: :func:`fercourse.viz.plot_confusion`).

The parts: :mod:`~fercourse.features.inputs`, :mod:`~fercourse.features.hog`,
:mod:`~fercourse.features.lbp`, :mod:`~fercourse.features.gabor`,
:mod:`~fercourse.features.cells`, :mod:`~fercourse.features.geometry`,
:mod:`~fercourse.features.pipelines`, :mod:`~fercourse.features.eyes` and
:mod:`~fercourse.features.evaluation`.  Every
public name is reachable here, as ``features.name``.
"""

from __future__ import annotations

from fercourse.features.cells import as_grid, cell_histograms, cell_map, cell_means
from fercourse.features.evaluation import augmented_copies, compare_ordinal, leakage_demo
from fercourse.features.eyes import (
    EAR_POINTS,
    OrdinalLogistic,
    detect_blinks,
    eye_aspect_ratio,
    eye_openness_features,
    score_blinks,
    truth_blinks,
)
from fercourse.features.gabor import GaborFeatures, gabor_kernels
from fercourse.features.geometry import ANCHOR, ANGLES, PAIRS, LandmarkGeometry
from fercourse.features.hog import HOGFeatures, SlidingHOG
from fercourse.features.inputs import as_images, as_landmarks, pack
from fercourse.features.lbp import LBP_METHODS, LBPFeatures, lbp_bins, lbp_codes
from fercourse.features.pipelines import (
    AutoEncoderCodes,
    FlatPixels,
    blendshape_features,
    blendshape_svm,
    combined_svm,
    gabor_svm,
    hog_svm,
    landmark_svm,
    lbp_svm,
    lgbm_autoencoder,
    lgbm_pixels,
)

__all__ = [
    "ANCHOR",
    "PAIRS",
    "ANGLES",
    "EAR_POINTS",
    "as_images",
    "as_landmarks",
    "pack",
    "HOGFeatures",
    "SlidingHOG",
    "LBP_METHODS",
    "lbp_bins",
    "lbp_codes",
    "LBPFeatures",
    "gabor_kernels",
    "GaborFeatures",
    "as_grid",
    "cell_map",
    "cell_histograms",
    "cell_means",
    "LandmarkGeometry",
    "FlatPixels",
    "AutoEncoderCodes",
    "hog_svm",
    "lbp_svm",
    "gabor_svm",
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
    "eye_openness_features",
    "OrdinalLogistic",
    "compare_ordinal",
    "augmented_copies",
    "leakage_demo",
]
