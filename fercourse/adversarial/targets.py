"""Models behind foolbox: a PyTorch or tf.keras model as one :class:`Target` taking the course's faces."""

from __future__ import annotations

import numpy as np

from fercourse import _env
from fercourse.adversarial.faces import as_image_batch, as_label_array
from fercourse.emotions import FER2013_LABELS
from fercourse.errors import InvalidInputError

__all__ = ["Target", "wrap", "wrap_torch", "wrap_keras"]


def load_foolbox():
    import foolbox

    return foolbox


class Target:
    """One model as foolbox sees it, taking the course's faces on both sides.

    ``fmodel`` is the foolbox model (``PyTorchModel`` or ``TensorFlowModel``) whose
    input is a batch of grey faces in ``bounds`` = (0, 1), in the framework's own
    layout; ``logits``/``predict_proba``/``predict`` take NumPy faces
    ``(N, size, size)`` (uint8, or float in [0, 1], kept as they are: no rounding,
    so adversarial images are judged exactly).  Made by :func:`wrap`.

    Parameters
    ----------
    fmodel : foolbox.models.Model
        The foolbox model.
    framework : str
        ``'pytorch'`` or ``'tensorflow'``.
    name : str
        The model's name in tables and figures.
    classes : sequence of str
        The class names in the order of the model's outputs.
    size : int
        The side of the square grey faces it takes.
    raw : object, optional
        The wrapped model itself.
    """

    def __init__(self, fmodel, framework: str, name: str, classes=FER2013_LABELS, size: int = 48, raw=None):
        self.fmodel = fmodel
        self.framework = framework
        self.name = name
        self.classes = tuple(classes)
        self.size = int(size)
        self.raw = raw  # the wrapped model itself
        self.bounds = tuple(float(b) for b in fmodel.bounds)

    def __repr__(self) -> str:
        return f"Target({self.name!r}, {self.framework}, input {self.size}x{self.size} grey in {self.bounds})"

    # conversions between NumPy faces and the framework's tensors
    def native(self, images):
        """Faces as the framework's input tensor.

        Parameters
        ----------
        images : array_like
            Grey faces ``(N, size, size)`` (or one face), uint8 or float in [0, 1].

        Returns
        -------
        torch.Tensor or tensorflow.Tensor
            ``(N, 1, size, size)`` for PyTorch, ``(N, size, size, 1)`` for TensorFlow, float32 in [0, 1].
        """
        x = as_image_batch(images, self.size)
        if self.framework == "pytorch":
            torch = _env.torch()
            return torch.from_numpy(np.ascontiguousarray(x[:, None]))
        from fercourse._env import tensorflow

        return tensorflow().constant(x[..., None])

    def numpy(self, tensor) -> np.ndarray:
        """A batch of faces in the framework's layout back as NumPy faces.

        Parameters
        ----------
        tensor : torch.Tensor, tensorflow.Tensor or array_like
            ``N`` faces in either layout.

        Returns
        -------
        numpy.ndarray
            ``(N, size, size)`` float32.
        """
        array = tensor.detach().cpu().numpy() if hasattr(tensor, "detach") else np.asarray(tensor)
        return array.reshape(len(array), self.size, self.size).astype(np.float32)

    def logits(self, images, batch_size: int = 256) -> np.ndarray:
        """The model's logits for faces, in batches.

        Parameters
        ----------
        images : array_like
            Grey faces ``(N, size, size)``, uint8 or float in [0, 1].
        batch_size : int
            How many faces go through the model at once.

        Returns
        -------
        numpy.ndarray
            ``(N, n_classes)`` float64.
        """
        x = as_image_batch(images, self.size)
        out = [np.asarray(self.fmodel(self.native(x[i : i + batch_size]))) for i in range(0, len(x), batch_size)]
        return np.concatenate(out).astype(np.float64)

    def predict_proba(self, images) -> np.ndarray:
        """Softmax probabilities.

        Parameters
        ----------
        images : array_like
            Grey faces ``(N, size, size)``, uint8 or float in [0, 1].

        Returns
        -------
        numpy.ndarray
            ``(N, n_classes)`` float32.
        """
        z = self.logits(images)
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)

    def predict(self, images) -> np.ndarray:
        """The most likely label of each face.

        Parameters
        ----------
        images : array_like
            Grey faces ``(N, size, size)``, uint8 or float in [0, 1].

        Returns
        -------
        numpy.ndarray
            ``N`` names from ``classes``.
        """
        return np.asarray(self.classes)[self.predict_proba(images).argmax(axis=1)]

    def gradient(self, images, classes) -> np.ndarray:
        """Gradient of the summed cross-entropy loss towards ``classes`` with respect to the faces.

        Parameters
        ----------
        images : array_like
            Grey faces ``(N, size, size)``, uint8 or float in [0, 1].
        classes : array_like
            One class per face (indices or names), or one for all.

        Returns
        -------
        numpy.ndarray
            ``(N, size, size)`` float32, the gradient of each face.
        """
        import eagerpy as ep

        x = ep.astensor(self.native(images))
        y = ep.astensor(self._native_labels(as_label_array(classes, len(x), self.classes)))

        def loss(inputs):
            return ep.crossentropy(self.fmodel(inputs), y).sum()

        _, grad = ep.value_and_grad(loss, x)
        return self.numpy(grad.raw)

    def _native_labels(self, y: np.ndarray):
        if self.framework == "pytorch":
            torch = _env.torch()
            return torch.from_numpy(y)
        from fercourse._env import tensorflow

        return tensorflow().constant(y)


def wrap_torch(model, name: str | None = None, classes=FER2013_LABELS) -> Target:
    """A PyTorch model of the course (or a :class:`~fercourse.cnn.TorchFER`) as a foolbox ``PyTorchModel``.

    The course's networks take grey faces ``(N, 1, S, S)`` in [0, 1] and return
    logits, so the bounds are (0, 1) and no preprocessing is needed.  The model is
    put in evaluation mode (batch-norm statistics and dropout fixed).

    Parameters
    ----------
    model : torch.nn.Module or fercourse.cnn.TorchFER
        An image-only network of the course.
    name : str, optional
        The model's name; by default its class name.
    classes : sequence of str
        The class names (a ``TorchFER``'s own are used).

    Returns
    -------
    Target
        The model behind foolbox, on the CPU.
    """
    torch = _env.torch()

    fb = load_foolbox()
    if hasattr(model, "model") and isinstance(model.model, torch.nn.Module):
        classes = getattr(model, "classes", classes)
        model = model.model
    if not isinstance(model, torch.nn.Module):
        raise InvalidInputError(f"wrap_torch takes a torch.nn.Module or a cnn.TorchFER, got {type(model).__name__}.")
    if getattr(model, "needs_features", False):
        raise InvalidInputError("wrap_torch takes image-only models; a HybridNet also needs feature vectors.")
    model = model.cpu().eval()
    fmodel = fb.PyTorchModel(model, bounds=(0, 1), device="cpu")
    size = int(getattr(model, "input_size", 48))
    return Target(fmodel, "pytorch", name or type(model).__name__, classes, size, raw=model)


def _keras_logits_model(model):
    """The model up to its logits: a final softmax layer is left out (attacks need logits)."""
    from fercourse._env import keras

    last = model.layers[-1]
    activation = getattr(getattr(last, "activation", None), "__name__", "")
    if type(last).__name__ == "Activation" and activation == "softmax":
        return keras().Model(model.inputs, last.input)
    return model


def wrap_keras(pretrained=None, size: int = 48, name: str = "FER2013 mini-Xception") -> Target:
    """The shipped tf.keras FER2013 model (a :class:`~fercourse.cnn.PretrainedFER`) as a foolbox ``TensorFlowModel``.

    Input: grey faces ``(N, size, size, 1)`` in [0, 1], the same faces the PyTorch
    models take, so examples move between models unchanged.  Inside, the faces are
    resized (bilinear) to the model's 64 x 64 and foolbox's preprocessing
    ``(x - 0.5) / 0.5`` maps [0, 1] to the [-1, 1] the model was trained on; the
    softmax is left out so that attacks see logits.

    Parameters
    ----------
    pretrained : fercourse.cnn.PretrainedFER, optional
        The shipped model; ``None`` loads it.
    size : int
        The side of the grey faces the target takes (16 to 256 pixels).
    name : str
        The model's name in tables and figures.

    Returns
    -------
    Target
        The model behind foolbox.
    """
    from fercourse import cnn
    from fercourse._env import tensorflow

    tf = tensorflow()
    fb = load_foolbox()
    pretrained = pretrained if pretrained is not None else cnn.PretrainedFER()
    if not isinstance(pretrained, cnn.PretrainedFER):
        raise InvalidInputError(f"wrap_keras takes a cnn.PretrainedFER, got {type(pretrained).__name__}.")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 16 <= size <= 256:
        raise InvalidInputError(f"wrap_keras: size must be an integer number of pixels (16 to 256), got {size!r}.")
    logits_model = _keras_logits_model(pretrained.model)
    side = pretrained.input_size
    spec = tf.TensorSpec([None, size, size, 1], tf.float32)

    def network(x):
        if size != side:
            x = tf.image.resize(x, (side, side), method="bilinear")
        return logits_model(x, training=False)

    forward = tf.function(network, input_signature=[spec])

    @tf.function(input_signature=[spec, tf.TensorSpec([None, len(pretrained.classes)], tf.float32)])
    def backward(x, upstream):
        with tf.GradientTape() as tape:
            tape.watch(x)
            out = network(x)
        return tape.gradient(out, x, output_gradients=upstream)

    # Eager gradients through this model's convolutions can crash TensorFlow on some
    # CPUs; both passes therefore run as traced graphs.
    @tf.custom_gradient
    def model_fn(x):
        def grad(upstream, variables=None):
            return backward(x, upstream), [None] * len(variables or [])

        return forward(x), grad

    fmodel = fb.TensorFlowModel(model_fn, bounds=(0, 1), preprocessing={"mean": 0.5, "std": 0.5})
    return Target(fmodel, "tensorflow", name, pretrained.classes, size, raw=pretrained)


def wrap(model, name: str | None = None, **options) -> Target:
    """:func:`wrap_keras` for a :class:`~fercourse.cnn.PretrainedFER`, :func:`wrap_torch` otherwise.

    Parameters
    ----------
    model : object
        A ``cnn.PretrainedFER``, a ``cnn.TorchFER``, a ``torch.nn.Module``, or a
        :class:`Target` (returned as it is).
    name : str, optional
        The model's name in tables and figures.
    **options
        Passed on to :func:`wrap_keras` or :func:`wrap_torch`.

    Returns
    -------
    Target
        The model behind foolbox.
    """
    from fercourse import cnn

    if isinstance(model, Target):
        return model
    if isinstance(model, cnn.PretrainedFER):
        return wrap_keras(model, name=name or "FER2013 mini-Xception", **options)
    return wrap_torch(model, name=name, **options)
