"""Ready-made models: support vector machines on HOG, LBP, Gabor, geometry, both, or blendshapes; LightGBM on pixels or codes."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.kernel_approximation import AdditiveChi2Sampler
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from fercourse import _env, config
from fercourse.errors import InvalidInputError
from fercourse.features.gabor import GaborFeatures
from fercourse.features.geometry import LandmarkGeometry
from fercourse.features.hog import HOGFeatures, SlidingHOG
from fercourse.features.lbp import LBPFeatures
from fercourse.features.inputs import as_images
from fercourse.mesh import N_LANDMARKS

__all__ = [
    "FlatPixels", "AutoEncoderCodes", "hog_svm", "lbp_svm", "gabor_svm", "landmark_svm", "combined_svm", "blendshape_features",
    "blendshape_svm", "lgbm_pixels", "lgbm_autoencoder",
]


def _svm(kernel: str = "rbf", C: float = 1.0, seed: int = 0) -> SVC:
    if kernel not in ("linear", "rbf"):
        raise InvalidInputError(f"kernel must be 'linear' or 'rbf', got {kernel!r}.")
    return SVC(kernel=kernel, C=C, gamma="scale", random_state=seed)


def hog_svm(kernel: str = "linear", C: float = 1.0, sliding: bool = False, pool: str = "concat") -> Pipeline:
    """HOG (or sliding-window HOG), standardised, into a linear or RBF support vector machine.

    Parameters
    ----------
    kernel : str
        ``"linear"`` or ``"rbf"``.
    C : float
        The SVM's penalty on misclassified training faces.
    sliding : bool
        Use :class:`~fercourse.features.SlidingHOG` instead of :class:`~fercourse.features.HOGFeatures`.
    pool : str
        How :class:`~fercourse.features.SlidingHOG` pools its windows (with ``sliding``).

    Returns
    -------
    sklearn.pipeline.Pipeline
        Unfitted; it takes images (see :func:`~fercourse.features.as_images`).
    """
    extractor = SlidingHOG(pool=pool) if sliding else HOGFeatures()
    return make_pipeline(extractor, StandardScaler(), _svm(kernel, C))


def lbp_svm(kernel: str = "linear", C: float = 1.0, grid=(6, 6)) -> Pipeline:
    """LBP histograms of a grid of face cells into a support vector machine.

    With ``"linear"`` or ``"rbf"`` the histograms are standardised first, as
    :func:`hog_svm` does with HOG.  ``"chi2"`` compares them as histograms instead:
    scikit-learn's :class:`~sklearn.kernel_approximation.AdditiveChi2Sampler` maps them
    so that a linear SVM on the map approximates an SVM with the additive chi-squared
    kernel, the usual measure between histograms (Shan et al., 2009, matched LBP
    histograms by their chi-squared distance).

    Parameters
    ----------
    kernel : str
        ``"linear"``, ``"rbf"`` or ``"chi2"``.
    C : float
        The SVM's penalty on misclassified training faces.
    grid : int or tuple of int
        Cells down and across the face (see :class:`~fercourse.features.LBPFeatures`).

    Returns
    -------
    sklearn.pipeline.Pipeline
        Unfitted; it takes images (see :func:`~fercourse.features.as_images`).
    """
    if kernel == "chi2":
        return make_pipeline(LBPFeatures(grid=grid), AdditiveChi2Sampler(), _svm("linear", C))
    if kernel not in ("linear", "rbf"):
        raise InvalidInputError(f"kernel must be 'linear', 'rbf' or 'chi2', got {kernel!r}.")
    return make_pipeline(LBPFeatures(grid=grid), StandardScaler(), _svm(kernel, C))


def gabor_svm(kernel: str = "linear", C: float = 1.0, n_components: int | None = None) -> Pipeline:
    """Gabor magnitudes of a grid of face cells, standardised (and optionally reduced by PCA), into an SVM.

    Parameters
    ----------
    kernel : str
        ``"linear"`` or ``"rbf"``.
    C : float
        The SVM's penalty on misclassified training faces.
    n_components : int, optional
        Keep this many principal components of the standardised features (neighbouring
        cells, scales and orientations overlap a lot); by default all of them.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Unfitted; it takes images (see :func:`~fercourse.features.as_images`).
    """
    steps = [GaborFeatures(), StandardScaler()]
    if n_components is not None:
        steps.append(PCA(n_components, random_state=0))
    return make_pipeline(*steps, _svm(kernel, C))


def landmark_svm(n_components: int = 50, C: float = 5.0) -> Pipeline:
    """Geometry features, PCA to ``n_components``, standardised, into an RBF SVM (C=5).

    Parameters
    ----------
    n_components : int
        Principal components kept of the geometry features.
    C : float
        The SVM's penalty on misclassified training faces.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Unfitted; it takes landmarks (see :func:`~fercourse.features.as_landmarks`).
    """
    return make_pipeline(LandmarkGeometry(), PCA(n_components, random_state=0), StandardScaler(), _svm("rbf", C))


def combined_svm(image_size: int = 48, n_components: int = 50, C: float = 5.0) -> Pipeline:
    """HOG of the pixels and PCA of the geometry side by side, into one RBF SVM.

    Parameters
    ----------
    image_size : int
        Side of the images in the rows, so that the pipeline knows where the pixels end.
    n_components : int
        Principal components kept of the geometry features.
    C : float
        The SVM's penalty on misclassified training faces.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Unfitted; it takes the rows of :func:`~fercourse.features.pack` for
        ``image_size`` x ``image_size`` images.
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

    Parameters
    ----------
    images : sequence of images
        Photos, anything :func:`fercourse.face.as_rgb` accepts.
    landmarker : fercourse.face.FaceLandmarker, optional
        The landmarker to use; by default a new one in image mode, closed at the end.
    progress : bool
        Show a progress bar.

    Returns
    -------
    scores : numpy.ndarray
        ``(N, 52)`` float32, zeros where no face was found.
    found : numpy.ndarray
        ``(N,)`` bool, whether each image had a face.
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
    """The 52 blendshape scores, standardised, into an RBF SVM.

    Parameters
    ----------
    C : float
        The SVM's penalty on misclassified training faces.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Unfitted; it takes the scores of :func:`blendshape_features`.
    """
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

    Parameters
    ----------
    code : int
        Size of the bottleneck (the features it gives).
    hidden : int
        Size of the hidden layer on either side.
    epochs : int
        Passes over the training images.
    batch : int
        Images per optimisation step.
    lr : float
        Adam's learning rate.
    seed : int
        Seed of the initial weights and of the batch order.
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
    """LightGBM gradient-boosted trees on the raw pixels.

    Parameters
    ----------
    n_estimators : int
        Number of trees.
    seed : int
        LightGBM's random seed.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Unfitted; it takes images (see :func:`~fercourse.features.as_images`).
    """
    return make_pipeline(FlatPixels(), _lgbm(n_estimators, seed))


def lgbm_autoencoder(code: int = 32, epochs: int = 20, n_estimators: int = 60, seed: int = 0) -> Pipeline:
    """LightGBM on the codes of a small auto-encoder trained on the training images.

    Parameters
    ----------
    code : int
        Size of the auto-encoder's bottleneck (see :class:`AutoEncoderCodes`).
    epochs : int
        The auto-encoder's training passes.
    n_estimators : int
        Number of trees.
    seed : int
        Seed of the auto-encoder and of LightGBM.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Unfitted; it takes images (see :func:`~fercourse.features.as_images`).
    """
    return make_pipeline(AutoEncoderCodes(code=code, epochs=epochs, seed=seed), _lgbm(n_estimators, seed))
