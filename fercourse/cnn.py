"""Convolutional networks for facial expressions (chapter 05).

Two frameworks, one interface:

* PyTorch models written layer by layer (there is no CPU ``torchvision``):
  :class:`SimpleCNN`, :class:`MiniXception`, :class:`DeXpression`,
  :class:`MobileNetV2`, :class:`InceptionNet` and the :class:`HybridNet` that
  adds HOG and landmark feature vectors to the image.  :func:`build` makes any of
  them by name; :data:`PARAMETERS` lists their sizes for 48 x 48 grey input and
  seven classes (a test checks them).
* The real model that ships with the course, mini-Xception trained on FER2013
  (Arriaga et al.), a tf.keras model: :class:`PretrainedFER`, and the same network with
  its last layer retrained on new faces (transfer learning): :class:`FineTunedFER`.

Both sides are classifiers with ``predict_proba(faces)`` / ``predict(faces)``
(:class:`TorchFER` wraps a trained PyTorch model), and both get Grad-CAM maps:
:func:`grad_cam` for PyTorch, :func:`keras_grad_cam` for tf.keras.
"""

from __future__ import annotations

import numpy as np

from fercourse import assets, mesh
from fercourse._env import keras, quiet_stderr
from fercourse.checks import count, finite, is_image, pixel_values, positive
from fercourse.emotions import FER2013_LABELS
from fercourse.errors import InvalidInputError
from fercourse.models import Registry

__all__ = [
    "BaseClassifier",
    "PretrainedFER",
    "TorchFER",
    "FineTunedFER",
    "SimpleCNN",
    "MiniXception",
    "DeXpression",
    "MobileNetV2",
    "InceptionNet",
    "HybridNet",
    "ARCHITECTURES",
    "PARAMETERS",
    "build",
    "count_parameters",
    "MIN_FACE_SIDE",
    "hybrid_features",
    "grad_cam",
    "keras_grad_cam",
    "keras_simple_cnn",
    "overlay_cam",
]

# ---------------------------------------------------------------------------
# Input handling shared by every classifier
# ---------------------------------------------------------------------------


#: Narrowest face a batch may hold: a 3-D array whose last axis is shorter is one face with a
#: wrong number of channels, not a batch of grey faces that narrow.
MIN_FACE_SIDE = 8


def _face_list(faces):
    """One face or a batch of faces as a sequence (a list or an array whose items are faces)."""
    if isinstance(faces, np.ndarray):
        # (H, W) and (H, W, C) are one face; (N, H, W) and (N, H, W, C) are a batch.
        one_image = is_image(faces)
        if faces.ndim == 3 and not one_image and faces.shape[-1] < MIN_FACE_SIDE:
            raise InvalidInputError(
                f"faces has shape {faces.shape}: one face with {faces.shape[-1]} channels, or {faces.shape[0]} "
                f"faces {faces.shape[-1]} pixels wide? A face has 1 (grey), 3 (RGB) or 4 (RGBA) channels, and a "
                f"batch of grey faces is (N, height, width) with faces at least {MIN_FACE_SIDE} pixels wide: "
                "convert the face to grey or RGB first."
            )
        faces = [faces] if one_image else faces  # a batch stays an array: its parts keep its layout
    if not isinstance(faces, (list, tuple, np.ndarray)) or len(faces) == 0:
        raise InvalidInputError("predict_proba needs one face crop or a non-empty list/batch of crops.")
    return faces


def _face_batch(faces, size: int, first: int = 0) -> np.ndarray:
    """``(N, size, size)`` float32 grey in [0, 1] from one face or a list/batch of faces.

    ``first`` numbers the faces in error messages (a part of a longer batch).
    """
    import cv2

    from fercourse.face import to_gray

    faces = _face_list(faces)
    batch = np.empty((len(faces), size, size), dtype=np.float32)
    for i, face in enumerate(faces):
        gray = to_gray(face, name=f"face crop {first + i}")
        if gray.shape != (size, size):
            shrink = gray.shape[0] > size
            gray = cv2.resize(gray, (size, size), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
        batch[i] = gray
    return batch / 255.0


class BaseClassifier:
    """The course's face-crop classifiers (:class:`PretrainedFER`, :class:`TorchFER`): ``predict`` from ``predict_proba``.

    Subclasses set ``classes`` (the label names, in the order of the probability
    columns) and ``input_size`` (the side of the square grey crops the model reads),
    and write ``predict_proba(faces)``.

    Attributes
    ----------
    classes : tuple of str
        The label names, in the order of the probability columns (default
        :data:`fercourse.emotions.FER2013_LABELS`).
    input_size : int
        The side of the square grey crops the model reads (default 48).
    """

    classes: tuple[str, ...] = FER2013_LABELS
    input_size: int = 48

    def predict_proba(self, faces) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def predict(self, faces) -> np.ndarray:
        """The most likely expression name for each face (an array of names from ``classes``).

        Parameters
        ----------
        faces : numpy.ndarray or list of numpy.ndarray
            One face crop or a list/batch of crops, as ``predict_proba`` takes them.

        Returns
        -------
        numpy.ndarray
            ``(n_faces,)`` label names.
        """
        return np.asarray(self.classes)[self.predict_proba(faces).argmax(axis=1)]


class PretrainedFER(BaseClassifier):
    """The shipped FER2013 mini-Xception behind a ``predict`` / ``predict_proba`` interface.

    It expects face crops: grey (or RGB, converted) images of any size, resized to
    64 x 64 and scaled to [-1, 1] as the model was trained.  Outputs follow
    :data:`fercourse.emotions.FER2013_LABELS`.

    The model file is checked and loaded when the object is made.

    Parameters
    ----------
    batch_size : int
        How many faces go through the network at a time.

    Attributes
    ----------
    model : keras.Model
        The loaded tf.keras network.
    batch_size : int
        As given.

    Raises
    ------
    InvalidInputError
        If ``batch_size`` is not a positive integer.
    AssetError
        If the shipped model file is missing or altered.
    """

    input_size = 64
    classes = FER2013_LABELS

    def __init__(self, batch_size: int = 256):
        self.batch_size = count(batch_size, "batch_size")
        with quiet_stderr():
            self.model = keras().models.load_model(str(assets.path("fer2013_mini_xception")), compile=False)
        self._forward = self._traced(self.model)

    def _traced(self, network):
        # A traced graph runs a small batch about 10x faster than an eager call.
        from fercourse._env import tensorflow

        tf = tensorflow()
        return tf.function(
            lambda batch: network(batch, training=False),
            input_signature=[tf.TensorSpec([None, self.input_size, self.input_size, 1], tf.float32)],
        )

    def _prepare(self, faces, first: int = 0) -> np.ndarray:
        return (_face_batch(faces, self.input_size, first) * 2.0 - 1.0)[..., None]

    def _in_batches(self, network, faces) -> np.ndarray:
        # ``batch_size`` faces at a time through a traced network, so memory stays flat.
        faces = _face_list(faces)
        step = self.batch_size
        return np.concatenate([network(self._prepare(faces[i : i + step], first=i)).numpy()
                               for i in range(0, len(faces), step)])

    def predict_proba(self, faces) -> np.ndarray:
        """Class probabilities, shape ``(n_faces, 7)``, computed ``batch_size`` faces at a time
        (memory stays flat however many faces there are).

        Parameters
        ----------
        faces : numpy.ndarray or list of numpy.ndarray
            One face crop (grey or RGB, any size) or a list/batch of crops.

        Returns
        -------
        numpy.ndarray
            ``(n_faces, 7)`` float32, each row summing to 1.

        Raises
        ------
        InvalidInputError
            If there is no face or a crop is not a valid image.
        """
        return self._in_batches(self._forward, faces)

    def head(self):
        """The network's last convolution, the layer that turns its feature maps into one map per class."""
        return [layer for layer in self.model.layers if type(layer).__name__ == "Conv2D"][-1]

    def features(self, faces) -> np.ndarray:
        """What the network sees in each face: the maps its last convolution reads.

        Everything before :meth:`head` was learned from the 28,709 FER2013 training photos;
        :class:`FineTunedFER` trains a new last layer on these maps.  ``faces`` are taken as
        :meth:`predict_proba` takes them; the result is ``(n_faces, 4, 4, 128)`` float32
        (height, width, channels).
        """
        if not hasattr(self, "_features"):
            self._features = self._traced(keras().Model(self.model.input, self.head().input))
        return self._in_batches(self._features, faces)

    def grad_cam(self, faces, target=None) -> np.ndarray:
        """Grad-CAM maps ``(N, 64, 64)`` in [0, 1] of the last convolution (see :func:`keras_grad_cam`).

        Parameters
        ----------
        faces : numpy.ndarray or list of numpy.ndarray
            One face crop or a list/batch of crops.
        target : int, array_like or None
            Class index, or one per face; ``None`` takes each face's predicted class.

        Returns
        -------
        numpy.ndarray
            ``(N, 64, 64)`` float32 maps.
        """
        return keras_grad_cam(self.model, self._prepare(faces), target=target)


class TorchFER(BaseClassifier):
    """A trained PyTorch model behind the same interface as :class:`PretrainedFER`.

    Faces of any size are converted to grey, resized to ``model.input_size`` and
    scaled to [0, 1], the input the course's PyTorch models train on.

    Parameters
    ----------
    model : torch.nn.Module
        A trained image-only model (not a :class:`HybridNet`).
    classes : sequence of str
        The label names, in the order of the model's outputs.
    batch_size : int
        How many faces go through the model at a time.

    Attributes
    ----------
    model : torch.nn.Module
        The wrapped model.
    input_size : int
        ``model.input_size``, or 48 when the model has none.

    Raises
    ------
    InvalidInputError
        If ``model`` is not a ``torch.nn.Module`` or needs feature vectors.
    """

    def __init__(self, model, classes=FER2013_LABELS, batch_size: int = 256):
        if not isinstance(model, torch.nn.Module):
            raise InvalidInputError(f"TorchFER wraps a torch.nn.Module, got {type(model).__name__}.")
        if getattr(model, "needs_features", False):
            raise InvalidInputError("TorchFER takes image-only models; a HybridNet also needs feature vectors.")
        self.model = model
        self.classes = tuple(classes)
        self.input_size = int(getattr(model, "input_size", 48))
        self.batch_size = batch_size

    def predict_proba(self, faces) -> np.ndarray:
        from fercourse.train import predict_proba

        return predict_proba(self.model, _face_batch(faces, self.input_size), batch_size=self.batch_size)

    def grad_cam(self, faces, target=None) -> np.ndarray:
        """Grad-CAM maps ``(N, input_size, input_size)`` in [0, 1] (see :func:`grad_cam`).

        Parameters
        ----------
        faces : numpy.ndarray or list of numpy.ndarray
            One face crop or a list/batch of crops.
        target : int, array_like or None
            Class index, or one per face; ``None`` takes each face's predicted class.

        Returns
        -------
        numpy.ndarray
            ``(N, input_size, input_size)`` float32 maps.
        """
        return grad_cam(self.model, _face_batch(faces, self.input_size), target=target)


# ---------------------------------------------------------------------------
# PyTorch architectures
# ---------------------------------------------------------------------------

from fercourse._env import torch as _torch_module  # noqa: E402

torch = _torch_module()  # PyTorch set up for deterministic numerics (fercourse._env)
nn = torch.nn


class FineTunedFER(BaseClassifier):
    """Transfer learning: the shipped FER2013 mini-Xception with a new last layer trained on your faces.

    Everything up to the last convolution stays as FER2013 trained it (a frozen feature
    extractor, :meth:`PretrainedFER.features`); only that convolution, 3 x 3 from 128 maps to
    one map per class followed by global averaging, is trained again, starting from its
    FER2013 weights.  ``pull`` keeps the new weights near the old ones (the L2-SP penalty of
    Li et al. 2018): the loss is the cross-entropy plus ``pull`` times the squared distance
    from the starting weights, so what the network learned from real photos is not forgotten
    while it adapts.  ``pull=0`` is plain fine-tuning; a large ``pull`` keeps the shipped model.

    Before :meth:`fit` it answers exactly as the shipped model.  Labels follow
    :data:`fercourse.emotions.FER2013_LABELS` (the course's synthetic faces use the same order).

    Parameters
    ----------
    pretrained : PretrainedFER or None
        The network to start from (default: a new :class:`PretrainedFER`).

    Attributes
    ----------
    pretrained : PretrainedFER
        The frozen feature extractor.
    layer : torch.nn.Conv2d
        The trained last layer (128 -> 7 maps, 3 x 3).
    start : dict
        The layer's FER2013 weights (``weight``, ``bias``), what ``pull`` pulls towards.
    history : dict
        After :meth:`fit`: the loss per step (``loss``) and the training accuracy at the end.
    """

    input_size = PretrainedFER.input_size

    def __init__(self, pretrained: PretrainedFER | None = None):
        if pretrained is None:
            pretrained = PretrainedFER()
        if not isinstance(pretrained, PretrainedFER):
            raise InvalidInputError(f"FineTunedFER starts from a PretrainedFER, got {type(pretrained).__name__}.")
        self.pretrained = pretrained
        kernel, bias = (np.asarray(w, dtype=np.float32) for w in pretrained.head().get_weights())
        self.layer = nn.Conv2d(kernel.shape[2], kernel.shape[3], kernel.shape[0], padding=kernel.shape[0] // 2)
        with torch.no_grad():  # tf.keras stores (height, width, in, out); PyTorch (out, in, height, width)
            self.layer.weight.copy_(torch.from_numpy(kernel.transpose(3, 2, 0, 1).copy()))
            self.layer.bias.copy_(torch.from_numpy(bias))
        self.start = {name: value.detach().clone() for name, value in self.layer.named_parameters()}
        self.history: dict = {}

    def _patches(self, maps: np.ndarray):
        # Averaging is linear, so "convolve, then average over positions" equals "average the 3 x 3
        # patches the convolution reads, then apply its weights once": (n, 128 * 9) per face.
        grid = torch.from_numpy(np.ascontiguousarray(maps.transpose(0, 3, 1, 2)))  # to (n, channels, h, w)
        k = self.layer.kernel_size[0]
        return torch.nn.functional.unfold(grid, k, padding=self.layer.padding[0]).mean(dim=2)

    def _logits(self, patches):
        return patches @ self.layer.weight.reshape(len(self.classes), -1).T + self.layer.bias

    def fit(self, faces, labels, pull: float = 0.01, steps: int = 300, lr: float = 1e-2) -> FineTunedFER:
        """Train the last layer on ``faces`` (full-batch Adam, ``steps`` steps), starting from FER2013's weights.

        Parameters
        ----------
        faces : numpy.ndarray or list of numpy.ndarray
            Face crops, as :meth:`predict_proba` takes them.
        labels : array_like of int
            One class index per face, in :data:`fercourse.emotions.FER2013_LABELS` order.
        pull : float
            Weight of the squared distance from the FER2013 weights (0 for plain fine-tuning).
        steps : int
            Optimiser steps; every step sees all the faces (their features are computed once).
        lr : float
            Adam's learning rate.  Nothing in the run is random: the start is FER2013's layer and
            every step uses every face.

        Returns
        -------
        FineTunedFER
            ``self``, trained.

        Raises
        ------
        InvalidInputError
            If the labels are not one class index per face, or ``pull``, ``steps`` or ``lr`` is out of range.
        """
        maps = self.pretrained.features(faces)
        y = np.asarray(labels)
        if y.shape != (len(maps),) or not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= len(self.classes):
            raise InvalidInputError(
                f"labels must be one class index (0 to {len(self.classes) - 1}, in the order {list(self.classes)}) "
                f"per face: got shape {y.shape} and dtype {y.dtype} for {len(maps)} faces."
            )
        pull = positive(pull, "pull", allow_zero=True)
        steps = count(steps, "steps")
        lr = positive(lr, "lr")
        patches = self._patches(maps)
        targets = torch.from_numpy(y.astype(np.int64))
        optimiser = torch.optim.Adam(self.layer.parameters(), lr=lr)
        losses = []
        for _ in range(steps):
            optimiser.zero_grad()
            loss = torch.nn.functional.cross_entropy(self._logits(patches), targets)
            loss = loss + pull * ((self.layer.weight - self.start["weight"]) ** 2).sum()
            loss.backward()
            optimiser.step()
            losses.append(loss.item())
        with torch.no_grad():
            accuracy = float((self._logits(patches).argmax(1) == targets).float().mean())
        self.history = {"loss": losses, "train accuracy": accuracy}
        return self

    def moved(self) -> float:
        """How far training moved the last layer: the distance from the FER2013 weights over their size."""
        with torch.no_grad():
            return float(torch.linalg.norm(self.layer.weight - self.start["weight"]) / torch.linalg.norm(self.start["weight"]))

    def predict_proba(self, faces) -> np.ndarray:
        """Class probabilities ``(n_faces, 7)`` (see :meth:`PretrainedFER.predict_proba`)."""
        with torch.no_grad():
            return torch.softmax(self._logits(self._patches(self.pretrained.features(faces))), dim=1).numpy()


def _conv_bn(c_in: int, c_out: int, k: int = 3, stride: int = 1, groups: int = 1, act: type | None = nn.ReLU):
    layers = [nn.Conv2d(c_in, c_out, k, stride=stride, padding=k // 2, groups=groups, bias=False), nn.BatchNorm2d(c_out)]
    if act is not None:
        layers.append(act(inplace=True))
    return nn.Sequential(*layers)


class SeparableConv2d(nn.Sequential):
    """A depthwise 3 x 3 convolution (one filter per channel) followed by a 1 x 1 one."""

    def __init__(self, c_in: int, c_out: int, k: int = 3):
        super().__init__(
            nn.Conv2d(c_in, c_in, k, padding=k // 2, groups=c_in, bias=False),
            nn.Conv2d(c_in, c_out, 1, bias=False),
        )


class _FERNet(nn.Module):
    """Common base: grey ``(N, 1, H, W)`` input in [0, 1], logits ``(N, n_classes)``."""

    needs_features = False

    def __init__(self, n_classes: int, input_size: int):
        super().__init__()
        self.n_classes = n_classes
        self.input_size = input_size


class SimpleCNN(_FERNet):
    """Three blocks of two 3 x 3 convolutions and a max-pool, then global pooling and dropout.

    Parameters
    ----------
    n_classes : int
        Number of outputs (logits).
    input_size : int
        Side of the square grey input.
    width : int
        Channels of the first block; the second and third have twice and four times as many.
    dropout : float
        Dropout rate before the last linear layer.
    """

    def __init__(self, n_classes: int = 7, input_size: int = 48, width: int = 16, dropout: float = 0.3):
        super().__init__(n_classes, input_size)
        c = [1, width, 2 * width, 4 * width]
        blocks = []
        for c_in, c_out in zip(c, c[1:]):
            blocks += [_conv_bn(c_in, c_out), _conv_bn(c_out, c_out), nn.MaxPool2d(2)]
        self.features = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(c[-1], n_classes))

    def forward(self, x):
        return self.head(self.features(x))


class _XceptionModule(nn.Module):
    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.shortcut = _conv_bn(c_in, c_out, k=1, stride=2, act=None)
        self.body = nn.Sequential(
            SeparableConv2d(c_in, c_out), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
            SeparableConv2d(c_out, c_out), nn.BatchNorm2d(c_out),
            nn.MaxPool2d(3, stride=2, padding=1),
        )

    def forward(self, x):
        return self.body(x) + self.shortcut(x)


class MiniXception(_FERNet):
    """Arriaga et al.'s mini-Xception: two plain convolutions, four residual modules of
    depthwise separable convolutions, a last convolution to one map per class, global averaging.
    No fully connected layer.

    Parameters
    ----------
    n_classes : int
        Number of outputs (logits).
    input_size : int
        Side of the square grey input.
    widths : sequence of int
        Output channels of the residual modules, one module per entry.
    """

    def __init__(self, n_classes: int = 7, input_size: int = 48, widths=(16, 32, 64, 128)):
        super().__init__(n_classes, input_size)
        self.stem = nn.Sequential(_conv_bn(1, 8), _conv_bn(8, 8))
        c = [8, *widths]
        self.modules_ = nn.Sequential(*[_XceptionModule(a, b) for a, b in zip(c, c[1:])])
        self.classifier = nn.Conv2d(c[-1], n_classes, 3, padding=1)
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())

    def forward(self, x):
        return self.pool(self.classifier(self.modules_(self.stem(x))))


class FeatEx(nn.Module):
    """DeXpression's feature-extraction block: two parallel paths, concatenated, then pooled.

    Path 1: 1 x 1 convolution (96) then 3 x 3 (208); path 2: 3 x 3 max-pool then 1 x 1
    convolution (64); out: 272 channels at half the resolution.
    """

    def __init__(self, c_in: int, reduce: int = 96, wide: int = 208, pool_proj: int = 64):
        super().__init__()
        self.conv_path = nn.Sequential(
            nn.Conv2d(c_in, reduce, 1), nn.ReLU(inplace=True), nn.Conv2d(reduce, wide, 3, padding=1), nn.ReLU(inplace=True)
        )
        self.pool_path = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), nn.Conv2d(c_in, pool_proj, 1), nn.ReLU(inplace=True))
        self.pool = nn.MaxPool2d(3, stride=2, padding=1)
        self.out_channels = wide + pool_proj

    def forward(self, x):
        return self.pool(torch.cat([self.conv_path(x), self.pool_path(x)], dim=1))


class DeXpression(_FERNet):
    """Burkert et al.'s DeXpression: a 7 x 7 stem, two FeatEx blocks, one fully connected layer.

    Parameters
    ----------
    n_classes : int
        Number of outputs (logits).
    input_size : int
        Side of the square grey input (the fully connected layer is sized for it).
    dropout : float
        Dropout rate before the fully connected layer.
    """

    def __init__(self, n_classes: int = 7, input_size: int = 48, dropout: float = 0.3):
        super().__init__(n_classes, input_size)
        self.stem = nn.Sequential(
            nn.Conv2d(1, 64, 7, stride=2, padding=3), nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2, padding=1), nn.LocalResponseNorm(5),
        )
        self.featex1 = FeatEx(64)
        self.featex2 = FeatEx(self.featex1.out_channels)
        side = input_size
        for _ in range(4):
            side = (side + 1) // 2
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(self.featex2.out_channels * side * side, n_classes))

    def forward(self, x):
        return self.head(self.featex2(self.featex1(self.stem(x))))


def _make_divisible(value: float, divisor: int = 8) -> int:
    out = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return out + divisor if out < 0.9 * value else out


class InvertedResidual(nn.Module):
    """MobileNetV2's block: 1 x 1 expansion, 3 x 3 depthwise, linear 1 x 1 projection,
    with a shortcut when input and output have the same shape."""

    def __init__(self, c_in: int, c_out: int, stride: int, expand: int):
        super().__init__()
        hidden = c_in * expand
        layers = [] if expand == 1 else [_conv_bn(c_in, hidden, k=1, act=nn.ReLU6)]
        layers += [_conv_bn(hidden, hidden, stride=stride, groups=hidden, act=nn.ReLU6), _conv_bn(hidden, c_out, k=1, act=None)]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x):
        return x + self.body(x) if self.residual else self.body(x)


class MobileNetV2(_FERNet):
    """Sandler et al.'s MobileNetV2 with a width multiplier.

    The standard stage table (expansion t, channels c, repeats n, stride s); the
    stem and the first stride-2 stage are kept at stride 1 for 48 x 48 faces
    (``small_input=True``), so the last feature map is 3 x 3 instead of 2 x 2.

    Parameters
    ----------
    n_classes : int
        Number of outputs (logits).
    input_size : int
        Side of the square grey input.
    width : float
        Width multiplier of every stage's channels, from 0.1 to 2.0.
    small_input : bool
        Keep the stem and the first stride-2 stage at stride 1.
    dropout : float
        Dropout rate before the last linear layer.

    Raises
    ------
    InvalidInputError
        If ``width`` is outside [0.1, 2.0].
    """

    STAGES = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))

    def __init__(self, n_classes: int = 7, input_size: int = 48, width: float = 0.35, small_input: bool = False,
                 dropout: float = 0.2):
        super().__init__(n_classes, input_size)
        if not 0.1 <= float(width) <= 2.0:
            raise InvalidInputError(f"MobileNetV2 width must be between 0.1 and 2.0, got {width!r}.")
        self.width = float(width)
        c_in = _make_divisible(32 * width)
        layers = [_conv_bn(1, c_in, stride=1 if small_input else 2, act=nn.ReLU6)]
        for i, (t, c, n, s) in enumerate(self.STAGES):
            c_out = _make_divisible(c * width)
            stride = 1 if (small_input and i == 1) else s
            for j in range(n):
                layers.append(InvertedResidual(c_in, c_out, stride if j == 0 else 1, t))
                c_in = c_out
        last = _make_divisible(1280 * max(1.0, width))
        layers.append(_conv_bn(c_in, last, k=1, act=nn.ReLU6))
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(last, n_classes))

    def forward(self, x):
        return self.head(self.features(x))


class InceptionBlock(nn.Module):
    """Four parallel paths (1 x 1; 1 x 1 then 3 x 3; 1 x 1 then two 3 x 3, a 5 x 5 view;
    3 x 3 max-pool then 1 x 1), concatenated along the channels."""

    def __init__(self, c_in: int, c1: int, c3: int, c5: int, cp: int):
        super().__init__()
        self.p1 = _conv_bn(c_in, c1, k=1)
        self.p3 = nn.Sequential(_conv_bn(c_in, c3 // 2, k=1), _conv_bn(c3 // 2, c3))
        self.p5 = nn.Sequential(_conv_bn(c_in, c5 // 2, k=1), _conv_bn(c5 // 2, c5), _conv_bn(c5, c5))
        self.pp = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), _conv_bn(c_in, cp, k=1))
        self.out_channels = c1 + c3 + c5 + cp

    def forward(self, x):
        return torch.cat([self.p1(x), self.p3(x), self.p5(x), self.pp(x)], dim=1)


class InceptionNet(_FERNet):
    """A small GoogLeNet-style network: a convolutional stem and two Inception blocks.

    Parameters
    ----------
    n_classes : int
        Number of outputs (logits).
    input_size : int
        Side of the square grey input.
    dropout : float
        Dropout rate before the last linear layer.
    """

    def __init__(self, n_classes: int = 7, input_size: int = 48, dropout: float = 0.3):
        super().__init__(n_classes, input_size)
        self.stem = nn.Sequential(_conv_bn(1, 32), nn.MaxPool2d(2), _conv_bn(32, 48), nn.MaxPool2d(2))
        a = InceptionBlock(48, 16, 32, 16, 16)
        b = InceptionBlock(a.out_channels, 32, 48, 24, 24)
        self.blocks = nn.Sequential(a, nn.MaxPool2d(2), b)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(b.out_channels, n_classes))

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)))


def hybrid_feature_size(input_size: int = 48) -> int:
    """Length of :func:`hybrid_features`' vectors: HOG (8-pixel cells, 2 x 2 blocks, 9 bins) + 478 x 2 landmarks."""
    blocks = input_size // 8 - 1
    return blocks * blocks * 4 * 9 + mesh.N_LANDMARKS * 2


def hybrid_features(images, landmarks) -> np.ndarray:
    """The hand-made half of :class:`HybridNet`'s input: HOG of each image plus its landmarks.

    ``images``: ``(N, S, S)`` grey ``uint8``; ``landmarks``: ``(N, 478, 2 or 3)`` pixel
    coordinates (the synthetic set's ``extras["landmarks"]``, or
    :func:`fercourse.face.detect_mesh` on real photos).  The landmarks are centred on
    their mean and divided by their spread, so position and scale do not count.
    Returns float32 ``(N, hybrid_feature_size(S))``.

    Parameters
    ----------
    images : numpy.ndarray
        ``(N, S, S)`` grey faces, ``uint8`` or floats in [0, 1].
    landmarks : numpy.ndarray
        ``(N, 478, 2 or 3)`` pixel coordinates; only x and y are used.

    Returns
    -------
    numpy.ndarray
        ``(N, F)`` float32: the HOG vector followed by the 478 normalised x, y pairs.

    Raises
    ------
    InvalidInputError
        If the shapes do not fit or the values are not valid pixels or finite coordinates.
    """
    from skimage.feature import hog

    images = pixel_values(images, "hybrid_features: images")
    points = finite(landmarks, "hybrid_features: landmarks", "coordinates").astype(np.float32)
    if images.ndim != 3 or images.shape[1] != images.shape[2]:
        raise InvalidInputError(f"hybrid_features: images must be (N, S, S) grey squares, got shape {images.shape}.")
    if points.ndim != 3 or points.shape[0] != len(images) or points.shape[1] != mesh.N_LANDMARKS or points.shape[2] < 2:
        raise InvalidInputError(
            f"hybrid_features: landmarks must be (N, 478, 2 or 3) for N={len(images)} images, got shape {points.shape}."
        )
    hogs = np.stack([
        hog(image, orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2), feature_vector=True)
        for image in images
    ]).astype(np.float32)
    xy = points[:, :, :2] - points[:, :, :2].mean(axis=1, keepdims=True)
    xy /= np.sqrt((xy**2).sum(axis=2).mean(axis=1))[:, None, None] + 1e-6
    return np.concatenate([hogs, xy.reshape(len(images), -1)], axis=1)


class HybridNet(_FERNet):
    """Image CNN plus a small MLP on HOG + landmark vectors, joined before the classifier.

    ``forward(images, features)``: ``images`` ``(N, 1, S, S)``, ``features`` ``(N, F)``
    from :func:`hybrid_features`.

    Parameters
    ----------
    n_classes : int
        Number of outputs (logits).
    input_size : int
        Side of the square grey input.
    n_features : int or None
        Length of the feature vectors (default: ``hybrid_feature_size(input_size)``).
    width : int
        Width of the :class:`SimpleCNN` image branch.
    dropout : float
        Dropout rate of the feature branch and before the classifier.

    Attributes
    ----------
    n_features : int
        The feature length ``forward`` checks.
    """

    needs_features = True

    def __init__(self, n_classes: int = 7, input_size: int = 48, n_features: int | None = None, width: int = 16,
                 dropout: float = 0.3):
        super().__init__(n_classes, input_size)
        self.n_features = int(n_features or hybrid_feature_size(input_size))
        self.image = SimpleCNN(n_classes, input_size, width=width).features
        self.image_pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.vector = nn.Sequential(nn.Linear(self.n_features, 64), nn.ReLU(inplace=True), nn.Dropout(dropout))
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(4 * width + 64, n_classes))

    def forward(self, images, features):
        if features.shape[-1] != self.n_features:
            raise InvalidInputError(
                f"HybridNet expects {self.n_features} features per face (hybrid_features), got {features.shape[-1]}."
            )
        return self.head(torch.cat([self.image_pool(self.image(images)), self.vector(features)], dim=1))


#: The networks of :func:`build` by name (a :class:`fercourse.models.Registry` of their classes).
ARCHITECTURES = Registry("architecture", {
    "simple": SimpleCNN,
    "mini_xception": MiniXception,
    "dexpression": DeXpression,
    "mobilenet_v2": MobileNetV2,
    "inception": InceptionNet,
    "hybrid": HybridNet,
})

#: Trainable parameters of each architecture built with its defaults, 48 x 48 input and
#: seven classes (``count_parameters(build(name))``; tests/test_cnn.py checks them).
PARAMETERS = {
    "simple": 72_471,
    "mini_xception": 56_951,
    "dexpression": 434_263,
    "mobilenet_v2": 404_807,
    "inception": 52_047,
    "hybrid": 191_767,
}


def build(name: str, n_classes: int = 7, input_size: int = 48, **options) -> nn.Module:
    """A fresh PyTorch model by name: one of :data:`ARCHITECTURES`.

    ``options`` go to the class (``width=`` for MobileNetV2 and SimpleCNN, ``dropout=``...).

    Parameters
    ----------
    name : str
        A key of :data:`ARCHITECTURES`.
    n_classes : int
        Number of outputs, at least 2.
    input_size : int
        Side of the square grey input, 32 to 512 pixels.
    **options
        Further keyword arguments of the class.

    Returns
    -------
    torch.nn.Module
        The new, untrained model.

    Raises
    ------
    InvalidInputError
        If the name is unknown or ``n_classes`` or ``input_size`` is out of range.
    """
    builder = ARCHITECTURES.builder(name)
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 2:
        raise InvalidInputError(f"build: n_classes must be an integer of at least 2, got {n_classes!r}.")
    if isinstance(input_size, bool) or not isinstance(input_size, (int, np.integer)) or not 32 <= input_size <= 512:
        raise InvalidInputError(f"build: input_size must be an integer from 32 to 512 pixels, got {input_size!r}.")
    return builder(n_classes=int(n_classes), input_size=int(input_size), **options)


def count_parameters(model) -> int:
    """Trainable parameters of a PyTorch module (or ``count_params()`` of a Keras model).

    Parameters
    ----------
    model : torch.nn.Module or keras.Model
        The model; a Keras model counts its trainable weights only.

    Returns
    -------
    int
        The number of trainable values.
    """
    if hasattr(model, "count_params"):
        return int(sum(np.prod(w.shape) for w in model.trainable_weights))
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad))


# ---------------------------------------------------------------------------
# Grad-CAM
# ---------------------------------------------------------------------------


def _last_conv(model: nn.Module) -> nn.Module:
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    if not convs:
        raise InvalidInputError(f"grad_cam: {type(model).__name__} has no Conv2d layer to explain.")
    return convs[-1]


def _normalise_maps(maps: np.ndarray) -> np.ndarray:
    maps = np.maximum(maps, 0.0)
    top = maps.reshape(len(maps), -1).max(axis=1)
    top[top <= 0] = 1.0
    return (maps / top[:, None, None]).astype(np.float32)


def _target_classes(target, n: int, n_classes: int) -> np.ndarray:
    """``target`` (one class index or one per image) as ``(n,)`` int64, each in ``[0, n_classes)``."""
    values = np.asarray(target)
    if values.dtype == bool or not np.issubdtype(values.dtype, np.integer):
        raise InvalidInputError(
            f"grad_cam: target must be a class index (an integer from 0 to {n_classes - 1}) or one per image, "
            f"got {target!r}."
        )
    try:
        values = np.broadcast_to(values, (n,)).astype(np.int64)
    except ValueError:
        raise InvalidInputError(f"grad_cam: target gives {values.size} classes for {n} images; give one, or one per image.") from None
    if values.min() < 0 or values.max() >= n_classes:
        raise InvalidInputError(
            f"grad_cam: target classes must be in [0, {n_classes}) (0 to {n_classes - 1}), got {target!r}; "
            "negative indices do not count from the end here."
        )
    return values


def grad_cam(model: nn.Module, images, target=None, layer: nn.Module | None = None, features=None) -> np.ndarray:
    """Grad-CAM (Selvaraju et al.) for a PyTorch model: where the evidence for a class lies.

    The gradients of the target class score with respect to a convolution's output
    are averaged per channel; those weights sum the channels into one map, negative
    parts are cut, and the map is resized to the input and scaled to [0, 1].

    ``images``: ``(N, S, S)`` grey in [0, 1] (or ``uint8``) or ``(N, 1, S, S)``;
    ``target``: class indices (default: each image's predicted class); ``layer``:
    default, the model's last convolution with a spatial map.  Returns ``(N, S, S)``.

    Parameters
    ----------
    model : torch.nn.Module
        The classifier; it is put back in its training mode afterwards.
    images : array_like or torch.Tensor
        The input images.
    target : int, array_like or None
        Class index, or one per image.
    layer : torch.nn.Module or None
        The layer whose output is explained (default: the model's last ``Conv2d``).
    features : array_like or None
        ``(N, F)`` feature vectors, for a :class:`HybridNet`.

    Returns
    -------
    numpy.ndarray
        ``(N, S, S)`` float32 maps, each scaled so its largest value is 1 (all zero if none is positive).

    Raises
    ------
    InvalidInputError
        If the model has no ``Conv2d`` layer or ``target`` is not valid class indices.
    """
    import torch.nn.functional as F

    from fercourse.train import as_tensor

    x = as_tensor(images)
    layer = layer or _last_conv(model)
    saved = {}

    def keep(_module, _inputs, output):
        saved["activation"] = output
        output.register_hook(lambda grad: saved.__setitem__("gradient", grad))

    handle = layer.register_forward_hook(keep)
    was_training = model.training
    model.eval()
    try:
        device = next(model.parameters()).device
        x = x.to(device).requires_grad_(False)
        inputs = (x,) if features is None else (x, torch.as_tensor(np.asarray(features), dtype=torch.float32, device=device))
        with torch.enable_grad():
            logits = model(*inputs)
            classes = logits.argmax(dim=1) if target is None else torch.as_tensor(
                _target_classes(target, len(x), logits.shape[1]), device=device
            )
            model.zero_grad(set_to_none=True)
            logits.gather(1, classes.view(-1, 1).long()).sum().backward()
    finally:
        handle.remove()
        model.train(was_training)
    activation, gradient = saved["activation"].detach(), saved["gradient"].detach()
    weights = gradient.mean(dim=(2, 3), keepdim=True)
    cam = torch.relu((weights * activation).sum(dim=1, keepdim=True))
    cam = F.interpolate(cam, size=x.shape[-2:], mode="bilinear", align_corners=False)[:, 0]
    return _normalise_maps(cam.cpu().numpy())


_KERAS_CAM: dict = {}


def keras_grad_cam(model, images, target=None, layer_name: str | None = None) -> np.ndarray:
    """Grad-CAM for a tf.keras image classifier, through ``tf.GradientTape``.

    ``images`` are already in the model's input form ``(N, H, W, C)`` float;
    ``layer_name`` defaults to the last convolution whose output is still a map.
    Returns ``(N, H, W)`` in [0, 1].

    Parameters
    ----------
    model : keras.Model
        The classifier.
    images : array_like
        ``(N, H, W, C)`` finite values, prepared as the model expects.
    target : int, array_like or None
        Class index, or one per image (default: each image's predicted class).
    layer_name : str or None
        The layer whose output is explained.

    Returns
    -------
    numpy.ndarray
        ``(N, H, W)`` float32 maps.

    Raises
    ------
    InvalidInputError
        If ``images`` is not 4-D or not finite, the model has no convolution, or
        ``target`` is not valid class indices.
    """
    from fercourse._env import tensorflow

    tf = tensorflow()
    k = keras()
    x = tf.convert_to_tensor(finite(images, "keras_grad_cam: images", "pixel values").astype(np.float32))
    if x.shape.rank != 4:
        raise InvalidInputError(f"keras_grad_cam: images must be (N, H, W, C), got shape {tuple(x.shape)}.")
    if layer_name is None:
        conv_types = (k.layers.Conv2D, k.layers.SeparableConv2D, k.layers.DepthwiseConv2D)
        convs = [layer for layer in model.layers if isinstance(layer, conv_types) and len(layer.output.shape) == 4]
        if not convs:
            raise InvalidInputError("keras_grad_cam: the model has no convolution layer.")
        layer = convs[-1]
    else:
        layer = model.get_layer(layer_name)
    key = (id(model), layer.name)
    if key not in _KERAS_CAM:
        probe = k.Model(model.inputs, [layer.output, model.output])

        # Traced, not eager: TensorFlow 2.21's eager Conv2D gradient crashes on some CPUs,
        # and the graph keeps only the gradient Grad-CAM needs.
        @tf.function
        def activations_and_gradients(batch, classes):
            with tf.GradientTape() as tape:
                activation, output = probe(batch, training=False)
                score = tf.reduce_sum(tf.gather(output, classes, axis=1, batch_dims=1))
            return activation, output, tape.gradient(score, activation)

        _KERAS_CAM[key] = (probe, activations_and_gradients)
    probe, activations_and_gradients = _KERAS_CAM[key]
    if target is None:
        classes = probe(x, training=False)[1].numpy().argmax(axis=1)
    else:
        classes = _target_classes(target, len(x), int(model.output.shape[-1]))
    activation, _, gradient = activations_and_gradients(x, tf.constant(classes.astype(np.int32)))
    weights = tf.reduce_mean(gradient, axis=(1, 2), keepdims=True)
    cam = tf.nn.relu(tf.reduce_sum(weights * activation, axis=-1, keepdims=True))
    cam = tf.image.resize(cam, x.shape[1:3], method="bilinear")[..., 0]
    return _normalise_maps(cam.numpy())


def overlay_cam(image, cam, alpha: float = 0.45) -> np.ndarray:
    """An RGB ``uint8`` picture of ``cam`` (jet colours) over a grey ``image`` of the same size.

    Parameters
    ----------
    image : array_like
        ``(H, W)`` grey (or ``(H, W, 3+)`` colour), ``uint8`` or floats in [0, 1].
    cam : array_like
        ``(H, W)`` map in [0, 1] (values outside are clipped).
    alpha : float
        Weight of the colour map; the image gets ``1 - alpha``.

    Returns
    -------
    numpy.ndarray
        ``(H, W, 3)`` ``uint8``.

    Raises
    ------
    InvalidInputError
        If ``image`` and ``cam`` differ in size.
    """
    import matplotlib

    gray = np.asarray(image, dtype=np.float32)
    if gray.max() > 1.0:
        gray = gray / 255.0
    cam = np.asarray(cam, dtype=np.float32)
    if gray.shape[:2] != cam.shape:
        raise InvalidInputError(f"overlay_cam: image {gray.shape[:2]} and map {cam.shape} differ in size.")
    base = np.repeat(gray[..., None], 3, axis=2) if gray.ndim == 2 else gray[..., :3]
    heat = matplotlib.colormaps["jet"](np.clip(cam, 0, 1))[..., :3]
    return (255 * np.clip((1 - alpha) * base + alpha * heat, 0, 1)).astype(np.uint8)


# ---------------------------------------------------------------------------
# The other framework's idiom
# ---------------------------------------------------------------------------


def keras_simple_cnn(n_classes: int = 7, input_size: int = 48, width: int = 16, dropout: float = 0.3):
    """:class:`SimpleCNN` written in tf.keras: the same layers, hence the same number of trainable weights.

    Unlike :class:`SimpleCNN` it ends in a softmax and takes ``(N, S, S, 1)`` input.

    Parameters
    ----------
    n_classes : int
        Number of outputs.
    input_size : int
        Side of the square grey input.
    width : int
        Channels of the first block; the second and third have twice and four times as many.
    dropout : float
        Dropout rate before the last dense layer.

    Returns
    -------
    keras.Sequential
        The new, uncompiled model.
    """
    k = keras()
    layers = k.layers
    model = k.Sequential(name="simple_cnn")
    model.add(layers.Input((input_size, input_size, 1)))
    for c in (width, 2 * width, 4 * width):
        for _ in range(2):
            model.add(layers.Conv2D(c, 3, padding="same", use_bias=False))
            model.add(layers.BatchNormalization())
            model.add(layers.ReLU())
        model.add(layers.MaxPooling2D(2))
    model.add(layers.GlobalAveragePooling2D())
    model.add(layers.Dropout(dropout))
    model.add(layers.Dense(n_classes, activation="softmax"))
    return model
