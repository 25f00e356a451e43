"""Training and evaluating the course's PyTorch models (chapter 05).

One :func:`fit` with the usual discipline: augmentation, early stopping, a learning
rate that drops when the validation loss stalls, weight decay, class weights
against imbalance, and the best weights kept in a checkpoint that is written
atomically and read back with ``torch.load(..., weights_only=True)``.
Trained models are scored with :func:`fercourse.models.evaluate` (accuracy, UF1, UAR,
confusion matrix); :func:`calibration` and :func:`reliability_diagram` show whether the
predicted probabilities can be taken at their word.

Data is passed as arrays: ``(images, labels)`` with images ``(N, S, S)`` grey
``uint8`` (or float in [0, 1]), or a :class:`fercourse.data.Dataset` with a split
name.  A :class:`~fercourse.cnn.HybridNet` takes ``((images, features), labels)``.
"""

from __future__ import annotations

import contextlib
import copy
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from fercourse import _env
from fercourse.checks import pixel_values
from fercourse.errors import InvalidInputError

__all__ = [
    "as_tensor",
    "arrays",
    "augment_batch",
    "class_weights",
    "fit",
    "save_checkpoint",
    "load_checkpoint",
    "predict_proba",
    "calibration",
    "reliability_diagram",
    "plot_history",
    "ms_per_image",
]


def _torch():
    return _env.torch()


def device():
    """``cuda`` when a GPU is present, else ``cpu``."""
    torch = _torch()
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def as_tensor(images):
    """``(N, 1, S, S)`` float32 tensor in [0, 1] from ``(N, S, S)`` ``uint8``/float or ``(N, 1, S, S)``.

    Float images must lie in [0, 1] (a float image in [0, 255], a negative value or a
    NaN raises :class:`InvalidInputError` instead of training on it); other integer
    arrays with values 0..255 count as grey levels, like ``uint8``.

    Parameters
    ----------
    images : array_like or torch.Tensor
        ``(N, S, S)`` or ``(N, 1, S, S)`` grey images; ``uint8`` is divided by 255.

    Returns
    -------
    torch.Tensor
        ``(N, 1, S, S)`` float32.

    Raises
    ------
    InvalidInputError
        If the array is empty, not numeric, has values outside the pixel ranges, or
        has another shape.
    """
    torch = _torch()
    if isinstance(images, torch.Tensor):
        if images.is_floating_point():
            pixel_values(images.detach().cpu().numpy(), "images")
        x = images.float()
    else:
        array = np.asarray(images)
        if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool) or array.size == 0:
            raise InvalidInputError(f"images must be a non-empty numeric array, got {array.dtype} of shape {array.shape}.")
        array = pixel_values(array, "images")
        x = torch.from_numpy(np.ascontiguousarray(array))
        x = x.float() / 255.0 if array.dtype == np.uint8 else x.float()
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4 or x.shape[1] != 1:
        raise InvalidInputError(
            f"images must be grey (N, S, S) or (N, 1, S, S), got shape {tuple(x.shape)}; convert colour faces to grey first."
        )
    return x


def arrays(data, split: str | None = None, features=None):
    """``(inputs, labels)`` from a :class:`~fercourse.data.Dataset` (optionally one split) or a pair.

    Parameters
    ----------
    data : Dataset or tuple
        A dataset of grey images, or an ``(inputs, labels)`` pair.
    split : str or None
        For a dataset: ``"train"``, ``"val"`` or ``"test"`` (default: all samples).
    features : None
        Not used.

    Returns
    -------
    tuple
        ``(inputs, labels)``; for a dataset, its stacked images and label indices.

    Raises
    ------
    InvalidInputError
        If ``data`` is neither, or the dataset holds colour images.
    """
    from fercourse.dataset import Dataset

    if isinstance(data, Dataset):
        part = data.split(split) if split else data
        images = part.X()
        if images.ndim == 4:
            raise InvalidInputError(f"Dataset {data.name!r} holds colour images; the course's CNNs take grey faces.")
        return images, part.y()
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return data[0], np.asarray(data[1])
    raise InvalidInputError("data must be a fercourse Dataset or an (images, labels) pair.")


def _inputs(x, model=None):
    """A list of tensors: the images, and the feature vectors for a hybrid model.

    A model with an ``input_tensors(x)`` method (the clip models of
    :mod:`fercourse.temporal`) prepares its own inputs instead.
    """
    torch = _torch()
    if hasattr(model, "input_tensors"):
        return list(model.input_tensors(x))
    if isinstance(x, (tuple, list)):
        if len(x) != 2:
            raise InvalidInputError("inputs must be images, or an (images, features) pair for a hybrid model.")
        images, features = x
        t = [as_tensor(images), torch.as_tensor(np.asarray(features, dtype=np.float32))]
        if len(t[1]) != len(t[0]):
            raise InvalidInputError(f"{len(t[0])} images but {len(t[1])} feature vectors.")
        return t
    return [as_tensor(x)]


def _labels(y, n: int, n_classes: int):
    torch = _torch()
    y = np.asarray(y)
    if y.ndim == 2:  # multi-label: one 0/1 column per label
        if y.shape != (n, n_classes) or not np.all(np.isin(y, (0, 1))):
            raise InvalidInputError(
                f"multi-label targets must be an (N, {n_classes}) array of 0 and 1 with one row per image ({n}), "
                f"got shape {y.shape}; leave out (or fill) rows with unknown labels."
            )
        return torch.as_tensor(y.astype(np.float32))
    if y.ndim != 1 or len(y) != n:
        raise InvalidInputError(f"labels must be a 1-D array with one class index per image ({n}), got shape {y.shape}.")
    if not np.issubdtype(y.dtype, np.integer) or (len(y) and (y.min() < 0 or y.max() >= n_classes)):
        raise InvalidInputError(f"labels must be integer class indices in [0, {n_classes}).")
    return torch.as_tensor(y.astype(np.int64))


def augment_batch(x, generator, flip: float = 0.5, shift: int = 3, brightness: float = 0.2, contrast: float = 0.2):
    """Random horizontal flips, shifts of up to ``shift`` pixels, brightness and contrast, on a tensor batch.

    ``generator`` is a ``torch.Generator``, so the augmentations repeat from run to run.

    Parameters
    ----------
    x : torch.Tensor
        ``(N, 1, S, S)`` float images in [0, 1].
    generator : torch.Generator
        The source of the random draws.
    flip : float
        Probability of mirroring each image (0 turns it off).
    shift : int
        Largest shift in pixels, borders replicated (0 turns it off).
    brightness : float
        Largest brightness change, added.
    contrast : float
        Largest relative contrast change about each image's mean.

    Returns
    -------
    torch.Tensor
        The augmented batch, same shape; clipped to [0, 1] when brightness or contrast is on.
    """
    torch = _torch()
    n = len(x)
    if flip:
        mirror = torch.rand(n, generator=generator) < flip
        x = torch.where(mirror[:, None, None, None], x.flip(-1), x)
    if shift:
        padded = torch.nn.functional.pad(x, (shift,) * 4, mode="replicate")
        dx = torch.randint(0, 2 * shift + 1, (n,), generator=generator)
        dy = torch.randint(0, 2 * shift + 1, (n,), generator=generator)
        size = x.shape[-1]
        x = torch.stack([padded[i, :, dy[i] : dy[i] + size, dx[i] : dx[i] + size] for i in range(n)])
    if brightness or contrast:
        b = (torch.rand(n, 1, 1, 1, generator=generator) * 2 - 1) * brightness
        c = 1 + (torch.rand(n, 1, 1, 1, generator=generator) * 2 - 1) * contrast
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        x = ((x - mean) * c + mean + b).clamp(0, 1)
    return x


def class_weights(labels, n_classes: int) -> np.ndarray:
    """``n / (k * count)`` per class ("balanced"): rare classes weigh more in the loss.

    Parameters
    ----------
    labels : array_like
        Non-negative integer class indices.
    n_classes : int
        Number of classes, ``k``.

    Returns
    -------
    numpy.ndarray
        ``(n_classes,)`` float32; 0 for a class without samples.

    Examples
    --------
    >>> class_weights([0, 0, 0, 1], 2)
    array([0.6666667, 2.       ], dtype=float32)
    """
    counts = np.bincount(np.asarray(labels), minlength=n_classes).astype(np.float64)
    weights = np.where(counts > 0, counts.sum() / (n_classes * np.maximum(counts, 1)), 0.0)
    return weights.astype(np.float32)


def save_checkpoint(model, path) -> Path:
    """Write ``model.state_dict()`` to ``path`` atomically (temporary file, then ``os.replace``).

    The tensors are moved to the CPU first; missing parent folders are created.

    Parameters
    ----------
    model : torch.nn.Module
        The model whose weights are saved.
    path : str or os.PathLike
        The file to write.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    torch = _torch()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, file)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return path


def _damaged_member(path: Path) -> str | None:
    """The first member of the checkpoint (a zip archive, as ``torch.save`` writes) whose CRC-32 fails.

    PyTorch's own reader does not check them, so a flipped byte would load as a changed weight.
    Raises :class:`InvalidInputError` when the file is no zip archive at all.
    """
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            return archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError) as error:
        raise InvalidInputError(
            f"load_checkpoint: {path} is not a course checkpoint ({type(error).__name__}: {error}); save_checkpoint "
            "writes PyTorch's zip format. Train the model again, or check the path."
        ) from None


def load_checkpoint(model, path):
    """Load weights saved by :func:`save_checkpoint` (tensors only: ``weights_only=True``).

    The file's checksums are verified first (a damaged byte would otherwise load as a
    changed weight), and a file that holds anything but tensors is refused: it is not
    a course checkpoint, and loading it unsafely could run code hidden in it.

    Parameters
    ----------
    model : torch.nn.Module
        The model to load the weights into.
    path : str or os.PathLike
        A file written by :func:`save_checkpoint`.

    Returns
    -------
    torch.nn.Module
        ``model``, with the loaded weights.

    Raises
    ------
    InvalidInputError
        If the file is missing, damaged, unreadable, holds anything but a dict of
        tensors, or does not fit the model.
    """
    import pickle

    torch = _torch()
    path = Path(path)
    if not path.is_file():
        raise InvalidInputError(f"load_checkpoint: {path} does not exist; train the model first or check the path.")
    damaged = _damaged_member(path)
    if damaged is not None:
        raise InvalidInputError(
            f"load_checkpoint: {path} is damaged: the checksum of its part {damaged!r} does not match, so some "
            "weights changed after it was written (a disk or copy error). Copy it again or train the model again."
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001 - torch raises many kinds for a file it cannot read
        if isinstance(error, pickle.UnpicklingError) or "weights_only" in str(error):
            raise InvalidInputError(
                f"load_checkpoint: {path} is not a course checkpoint: it holds objects other than tensors. Do not "
                "load it with weights_only=False: that would run whatever code it carries. Use a file written by "
                "save_checkpoint, or train the model again."
            ) from None
        raise InvalidInputError(
            f"load_checkpoint: {path} cannot be read as a course checkpoint ({type(error).__name__}: {error}); "
            "use a file written by save_checkpoint, or train the model again."
        ) from None
    if not isinstance(state, dict):
        raise InvalidInputError(
            f"load_checkpoint: {path} holds a {type(state).__name__}, not the dict of tensors save_checkpoint "
            "writes; it is not a course checkpoint."
        )
    try:
        model.load_state_dict(state)
    except (RuntimeError, KeyError, TypeError) as error:
        raise InvalidInputError(f"load_checkpoint: {path} does not hold weights for {type(model).__name__}: {error}") from None
    return model


@contextlib.contextmanager
def _deterministic():
    torch = _torch()
    before = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(before)


def fit(model, train, val, epochs: int = 10, batch_size: int = 64, lr: float = 2e-3, weight_decay: float = 1e-4,
        augment: bool = True, balance: bool = False, patience: int = 5, lr_patience: int = 2, lr_factor: float = 0.5,
        checkpoint=None, seed: int = 0, progress: bool = True, perturb=None) -> dict:
    """Train ``model`` on ``train`` and keep the weights with the lowest validation loss.

    ``train`` and ``val`` are ``(inputs, labels)`` pairs (see the module docstring).
    AdamW with ``weight_decay``; the learning rate is multiplied by ``lr_factor``
    after ``lr_patience`` epochs without a better validation loss
    (``ReduceLROnPlateau``); training stops after ``patience`` such epochs.
    ``balance=True`` weights the loss by :func:`class_weights`.  Models with an
    ``input_tensors`` method (clips, several inputs) prepare their own inputs and are
    not augmented.  The best weights are
    written to ``checkpoint`` (default: a temporary file) and loaded back at the end.
    ``perturb(model, images, labels) -> images``, when given, replaces every training
    batch after augmentation (adversarial training: :func:`fercourse.adversarial.pgd_perturbation`).
    Labels given as an ``(N, K)`` array of 0 and 1 make it a multi-label problem (action
    units): one sigmoid output per label and binary cross-entropy, ``balance=True``
    weighting each label's positives by its ratio of negatives to positives, "accuracy"
    the share of labels right; the model is marked ``model.multilabel = True`` so that
    :func:`predict_proba` answers per-label probabilities.

    Returns the history: lists ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``,
    ``lr`` per epoch, plus ``best_epoch``, ``seconds`` and ``checkpoint``.

    Parameters
    ----------
    model : torch.nn.Module
        The model to train, in place; it ends on the GPU if there is one.
    train, val : tuple
        ``(inputs, labels)`` pairs; labels are integer class indices, or ``(N, K)`` 0/1
        arrays for a multi-label problem.
    epochs : int
        Most epochs to run.
    batch_size : int
        Samples per optimisation step.
    lr : float
        Initial learning rate.
    weight_decay : float
        AdamW's weight decay.
    augment : bool
        Apply :func:`augment_batch` to the training images.
    balance : bool
        Weight the loss by :func:`class_weights`.
    patience : int
        Epochs without a better validation loss before stopping.
    lr_patience : int
        Epochs without a better validation loss before the learning rate drops.
    lr_factor : float
        Factor of each drop.
    checkpoint : str, os.PathLike or None
        Where to keep the best weights (default: a temporary file, removed at the end).
    seed : int
        Seed of the shuffling and augmentation.
    progress : bool
        Show a progress bar.
    perturb : callable or None
        ``perturb(model, images, labels) -> images`` applied to every training batch.

    Returns
    -------
    dict
        The history; ``checkpoint`` is ``None`` when a temporary file was used.

    Raises
    ------
    InvalidInputError
        If ``epochs`` is not a positive integer, the inputs or labels are not valid,
        or the validation loss was never finite.
    """
    torch = _torch()
    from tqdm.auto import tqdm

    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise InvalidInputError(f"fit: epochs must be a positive integer, got {epochs!r}.")
    n_classes = model.n_classes if hasattr(model, "n_classes") else None
    x_train, x_val = _inputs(train[0], model), _inputs(val[0], model)
    multilabel = np.ndim(train[1]) == 2
    if multilabel:  # one column per output of the model
        n_classes = n_classes or np.shape(train[1])[1]
    n_classes = n_classes or int(max(np.max(train[1]), np.max(val[1])) + 1)
    y_train = _labels(train[1], len(x_train[0]), n_classes)
    y_val = _labels(val[1], len(x_val[0]), n_classes)
    own_inputs = hasattr(model, "input_tensors")  # clip models: no image augmentation, any number of inputs
    if not own_inputs and len(x_train) != (2 if getattr(model, "needs_features", False) else 1):
        raise InvalidInputError(f"fit: {type(model).__name__} takes {'(images, features)' if len(x_train) == 1 else 'images only'}.")
    run_on = device()
    model.to(run_on)
    if multilabel:  # one sigmoid per label; balance weighs each label's positives by its negatives
        model.multilabel = True
        positives = y_train.sum(0).clamp(min=1)
        weight = ((len(y_train) - positives) / positives).to(run_on) if balance else None

        def loss_fn(logits, target):
            return torch.nn.functional.binary_cross_entropy_with_logits(logits, target, pos_weight=weight)

        def hits(logits, target):  # right labels, counted per sample
            return float(((logits > 0).float() == target).float().mean(1).sum())
    else:
        weight = torch.as_tensor(class_weights(y_train.numpy(), n_classes)).to(run_on) if balance else None
        cross_entropy = torch.nn.CrossEntropyLoss(weight=weight)

        def loss_fn(logits, target):
            return cross_entropy(logits, target)

        def hits(logits, target):
            return float((logits.argmax(1) == target).sum())
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimiser, factor=lr_factor, patience=lr_patience)
    generator = torch.Generator().manual_seed(int(seed))
    scratch = None
    if checkpoint is None:
        scratch = tempfile.TemporaryDirectory(prefix="fercourse-ckpt-")
        checkpoint = Path(scratch.name) / "best.pt"
    history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": [], "lr": []}
    best, best_epoch, waited = np.inf, 0, 0
    start = time.perf_counter()
    n = len(y_train)
    bar = tqdm(range(1, epochs + 1), desc=type(model).__name__, unit="epoch", disable=not progress, leave=False)
    with _deterministic():
        for epoch in bar:
            model.train()
            order = torch.randperm(n, generator=generator)
            total, correct = 0.0, 0
            for i in range(0, n, batch_size):
                index = order[i : i + batch_size]
                if len(index) < 2 and n > 1:  # BatchNorm needs two samples
                    continue
                inputs = [t[index] for t in x_train]
                if augment and not own_inputs:
                    inputs[0] = augment_batch(inputs[0], generator)
                inputs = [t.to(run_on) for t in inputs]
                target = y_train[index].to(run_on)
                if perturb is not None:
                    inputs[0] = perturb(model, inputs[0], target)
                optimiser.zero_grad(set_to_none=True)
                logits = model(*inputs)
                loss = loss_fn(logits, target)
                loss.backward()
                optimiser.step()
                total += float(loss.detach()) * len(index)
                correct += hits(logits.detach(), target)
            val_logits = _logits(model, x_val, batch_size * 4)
            with torch.no_grad():
                val_loss = float(loss_fn(val_logits, y_val.to(val_logits.device)))
                val_accuracy = hits(val_logits.cpu(), y_val) / len(y_val)
            history["loss"].append(total / n)
            history["accuracy"].append(correct / n)
            history["val_loss"].append(val_loss)
            history["val_accuracy"].append(val_accuracy)
            history["lr"].append(optimiser.param_groups[0]["lr"])
            bar.set_postfix(loss=f"{total / n:.3f}", val_acc=f"{val_accuracy:.3f}")
            scheduler.step(val_loss)
            if val_loss < best - 1e-4:
                best, best_epoch, waited = val_loss, epoch, 0
                save_checkpoint(model, checkpoint)
            else:
                waited += 1
                if waited >= patience:
                    break
    bar.close()
    if best_epoch == 0:
        if scratch is not None:
            scratch.cleanup()
        raise InvalidInputError(
            f"fit: the validation loss was never a finite number ({history['val_loss'][:3]} ...), so no weights "
            f"were worth keeping: the training diverged. Lower the learning rate (lr={lr}) and check that the "
            "inputs hold no extreme values."
        )
    load_checkpoint(model, checkpoint)
    model.to(run_on)
    history.update(best_epoch=best_epoch, seconds=time.perf_counter() - start,
                   checkpoint=None if scratch else str(checkpoint))
    if scratch is not None:
        scratch.cleanup()
    return history


def _logits(model, inputs, batch_size: int = 256):
    torch = _torch()
    run_on = next(model.parameters()).device
    was_training = model.training
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(inputs[0]), batch_size):
            out.append(model(*[t[i : i + batch_size].to(run_on) for t in inputs]))
    model.train(was_training)
    return torch.cat(out)


def predict_proba(model, inputs, batch_size: int = 256) -> np.ndarray:
    """Softmax probabilities ``(N, n_classes)`` for images (or ``(images, features)``).

    A model trained on multi-label targets (``model.multilabel``) gets a sigmoid per
    label instead: ``(N, K)`` independent probabilities.

    The model runs in evaluation mode without gradients, on the device of its
    weights, and is put back in its training mode afterwards.

    Parameters
    ----------
    model : torch.nn.Module
        The classifier.
    inputs : array_like or tuple
        Grey images as :func:`as_tensor` takes them, or an ``(images, features)`` pair.
    batch_size : int
        Samples per forward pass.

    Returns
    -------
    numpy.ndarray
        ``(N, n_classes)`` float32.
    """
    torch = _torch()
    logits = _logits(model, _inputs(inputs, model), batch_size)
    if getattr(model, "multilabel", False):  # trained on multi-label targets: one probability per label
        return torch.sigmoid(logits).cpu().numpy()
    return torch.softmax(logits, dim=1).cpu().numpy()


def calibration(probabilities, y_true, bins: int = 10) -> dict:
    """Reliability of the top-class confidence: per-bin confidence, accuracy, count, and the ECE.

    The expected calibration error (ECE) is the count-weighted mean gap between
    confidence and accuracy over the bins; 0 means "70 % sure" is right 70 % of the time.

    Parameters
    ----------
    probabilities : array_like
        ``(N, K)`` class probabilities.
    y_true : array_like
        ``(N,)`` true class indices.
    bins : int
        Number of equal-width confidence bins over [0, 1].

    Returns
    -------
    dict
        ``edges`` ``(bins + 1,)``, then per bin ``confidence`` (mean), ``accuracy`` and
        ``count`` (0 for an empty bin), and ``ece`` (a float).

    Raises
    ------
    InvalidInputError
        If the shapes do not fit or there are no samples.
    """
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(y_true)
    if p.ndim != 2 or len(p) != len(y) or len(y) == 0:
        raise InvalidInputError(f"calibration: probabilities (N, K) and N labels needed, got {p.shape} and {y.shape}.")
    confidence = p.max(axis=1)
    correct = (p.argmax(axis=1) == y).astype(np.float64)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    count = np.bincount(which, minlength=bins)
    safe = np.maximum(count, 1)
    mean_conf = np.bincount(which, confidence, bins) / safe
    accuracy = np.bincount(which, correct, bins) / safe
    ece = float(np.sum(count / len(y) * np.abs(accuracy - mean_conf)))
    return {"edges": edges, "confidence": mean_conf, "accuracy": accuracy, "count": count, "ece": ece}


def reliability_diagram(probabilities, y_true, bins: int = 10, ax=None, title: str | None = None):
    """Bars of accuracy per confidence bin against the diagonal of perfect calibration.

    Parameters
    ----------
    probabilities : array_like
        ``(N, K)`` class probabilities.
    y_true : array_like
        ``(N,)`` true class indices.
    bins : int
        Number of confidence bins (see :func:`calibration`).
    ax : matplotlib.axes.Axes or None
        Where to draw (default: a new figure).
    title : str or None
        Title above the plot (default: the ECE).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    import matplotlib.pyplot as plt

    c = calibration(probabilities, y_true, bins)
    ax = ax or plt.subplots(figsize=(3.6, 3.4))[1]
    centres = (c["edges"][:-1] + c["edges"][1:]) / 2
    filled = c["count"] > 0
    ax.bar(centres[filled], c["accuracy"][filled], width=1 / bins, edgecolor="black", alpha=0.7, label="accuracy")
    ax.plot([0, 1], [0, 1], "k--", lw=1, label="perfect")
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="confidence", ylabel="accuracy")
    ax.set_title(title or f"ECE {c['ece']:.3f}", fontsize=9)
    ax.legend(fontsize=7, loc="upper left")
    return ax


def plot_history(histories: dict, figsize=(9, 3)):
    """Training and validation loss and accuracy per epoch, one line colour per model.

    Parameters
    ----------
    histories : dict
        Model name -> history as :func:`fit` returns it.
    figsize : tuple of float
        Size of the figure, in inches.

    Returns
    -------
    matplotlib.figure.Figure
        The figure: loss on the left, accuracy on the right, validation dashed.
    """
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=figsize)
    for (name, h), colour in zip(histories.items(), plt.rcParams["axes.prop_cycle"].by_key()["color"]):
        epochs = np.arange(1, len(h["loss"]) + 1)
        left.plot(epochs, h["loss"], color=colour, label=f"{name} train")
        left.plot(epochs, h["val_loss"], "--", color=colour, label=f"{name} val")
        right.plot(epochs, h["accuracy"], color=colour)
        right.plot(epochs, h["val_accuracy"], "--", color=colour)
    left.set(xlabel="epoch", ylabel="loss")
    right.set(xlabel="epoch", ylabel="accuracy")
    left.legend(fontsize=7)
    fig.tight_layout()
    return fig


def ms_per_image(model, input_size: int = 48, batch: int = 64, repeats: int = 3, features: int | None = None) -> float:
    """Median milliseconds per image of a forward pass on a batch (timing: varies by machine).

    A copy of the model runs on the CPU in evaluation mode on random input, once
    to warm up and then ``repeats`` times.

    Parameters
    ----------
    model : torch.nn.Module
        The model to time.
    input_size : int
        Side of the square grey input.
    batch : int
        Images per forward pass.
    repeats : int
        Timed passes.
    features : int or None
        Length of the feature vectors, for a model that takes them.

    Returns
    -------
    float
        Milliseconds per image.
    """
    torch = _torch()
    x = [torch.rand(batch, 1, input_size, input_size)]
    if features:
        x.append(torch.rand(batch, features))
    model = copy.deepcopy(model).cpu().eval()
    times = []
    with torch.no_grad():
        model(*x)
        for _ in range(repeats):
            start = time.perf_counter()
            model(*x)
            times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times)) / batch
