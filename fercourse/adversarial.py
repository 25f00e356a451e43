"""Adversarial examples against expression models, and privacy cloaks (chapter 08).

Both sides of the same mathematics:

* **attack**: :func:`wrap` puts a PyTorch model (foolbox ``PyTorchModel``) or the
  shipped tf.keras model (foolbox ``TensorFlowModel``) behind one :class:`Target`
  that takes the course's faces, ``(N, 48, 48)`` grey in [0, 1];
  :func:`run_attack` runs one of :data:`ATTACKS` over an epsilon grid and returns
  an :class:`AttackResult` (robust accuracy, perturbation norms);
  :func:`transfer_matrix` crafts examples on one model and tests them on others;
  :func:`pgd_perturbation` plugs PGD into :func:`fercourse.train.fit` for
  adversarial training.
* **protect**: :func:`make_cloak` computes a small perturbation that makes
  expression models misread a face, crafted on several models at once so that it
  has a chance to carry over to a model it never saw; :func:`cloak_report`
  measures that, with PSNR and SSIM for how visible the cloak is.

Every attack is seeded (foolbox draws its random starts from the framework's
global generator, seeded for the attack alone with
:func:`fercourse.config.scoped_global_seed`) so that results repeat exactly.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from fercourse import _env, config
from fercourse.checks import count, number, pixel_values
from fercourse.emotions import FER2013_LABELS
from fercourse.errors import InvalidInputError
from fercourse.metrics import accuracy

__all__ = [
    "LINF_EPSILONS",
    "L2_EPSILONS",
    "ATTACKS",
    "Target",
    "wrap",
    "wrap_torch",
    "wrap_keras",
    "attack_table",
    "make_attack",
    "AttackResult",
    "run_attack",
    "robustness_table",
    "plot_robustness",
    "show_attack",
    "transfer_matrix",
    "plot_transfer",
    "pgd_perturbation",
    "Cloak",
    "make_cloak",
    "cloak_report",
    "show_cloak",
    "epsilon_label",
    "quantize",
]

#: Default L-infinity budgets: 0 to 16 grey levels out of 255.
LINF_EPSILONS = tuple(k / 255 for k in (0, 1, 2, 4, 8, 16))
#: Default L2 budgets, for a 48 x 48 image (2,304 pixels in [0, 1]).
L2_EPSILONS = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0)


def _foolbox():
    import foolbox

    return foolbox


# ---------------------------------------------------------------------------
# Faces in, faces out
# ---------------------------------------------------------------------------


def _images(images, size: int, name: str = "images") -> np.ndarray:
    """``(N, size, size)`` float32 in [0, 1] from uint8 or float faces (one face or a batch)."""
    array = np.asarray(images)
    if array.size == 0 or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise InvalidInputError(f"{name} must be a non-empty numeric array of grey faces, got {array.dtype} {array.shape}.")
    if array.ndim == 2:
        array = array[None]
    if array.ndim == 4 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 3 or array.shape[1:] != (size, size):
        raise InvalidInputError(
            f"{name} has shape {array.shape}; expected grey faces (N, {size}, {size}). "
            f"Convert to grey and resize first, for example with fercourse.face.resize(face, {size})."
        )
    array = pixel_values(array, name)  # uint8 0..255 or floats in [0, 1], nothing else
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 255.0
    return np.clip(array.astype(np.float32), 0.0, 1.0)  # rounding may stray a float32 step outside


def _labels(labels, n: int, classes) -> np.ndarray:
    y = np.asarray(labels)
    if y.ndim == 0:
        y = np.full(n, y.item())
    if y.dtype.kind in "US" or y.dtype == object:
        unknown = sorted({str(v) for v in y} - set(classes))
        if unknown:
            raise InvalidInputError(f"unknown labels {unknown}; expected class indices or names from {list(classes)}.")
        y = np.array([list(classes).index(str(v)) for v in y])
    if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= len(classes):
        raise InvalidInputError(f"labels must be {n} class indices in [0, {len(classes)}), got {y!r}.")
    return y.astype(np.int64)


def quantize(images) -> np.ndarray:
    """Round faces in [0, 1] to the 256 grey levels a saved 8-bit image keeps."""
    return (np.round(np.asarray(images, dtype=np.float32) * 255.0) / 255.0).astype(np.float32)



def epsilon_label(epsilon: float, norm: str) -> str:
    """``'4/255'`` for L-infinity budgets that are whole grey levels, else the number."""
    if norm == "linf" and abs(epsilon * 255 - round(epsilon * 255)) < 1e-6:
        return "0" if round(epsilon * 255) == 0 else f"{round(epsilon * 255)}/255"
    return f"{epsilon:g}"


# ---------------------------------------------------------------------------
# Models behind foolbox
# ---------------------------------------------------------------------------


class Target:
    """One model as foolbox sees it, taking the course's faces on both sides.

    ``fmodel`` is the foolbox model (``PyTorchModel`` or ``TensorFlowModel``) whose
    input is a batch of grey faces in ``bounds`` = (0, 1), in the framework's own
    layout; ``logits``/``predict_proba``/``predict`` take NumPy faces
    ``(N, size, size)`` (uint8, or float in [0, 1], kept as they are: no rounding,
    so adversarial images are judged exactly).
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
        x = _images(images, self.size)
        if self.framework == "pytorch":
            torch = _env.torch()
            return torch.from_numpy(np.ascontiguousarray(x[:, None]))
        from fercourse._env import tensorflow

        return tensorflow().constant(x[..., None])

    def numpy(self, tensor) -> np.ndarray:
        array = tensor.detach().cpu().numpy() if hasattr(tensor, "detach") else np.asarray(tensor)
        return array.reshape(len(array), self.size, self.size).astype(np.float32)

    def logits(self, images, batch_size: int = 256) -> np.ndarray:
        x = _images(images, self.size)
        out = [np.asarray(self.fmodel(self.native(x[i : i + batch_size]))) for i in range(0, len(x), batch_size)]
        return np.concatenate(out).astype(np.float64)

    def predict_proba(self, images) -> np.ndarray:
        """Softmax probabilities ``(N, n_classes)``."""
        z = self.logits(images)
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)

    def predict(self, images) -> np.ndarray:
        """The most likely label of each face (an array of names from ``classes``)."""
        return np.asarray(self.classes)[self.predict_proba(images).argmax(axis=1)]

    def gradient(self, images, classes) -> np.ndarray:
        """Gradient of the summed cross-entropy loss towards ``classes`` with respect to the faces."""
        import eagerpy as ep

        x = ep.astensor(self.native(images))
        y = ep.astensor(self._native_labels(_labels(classes, len(x), self.classes)))

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
    """
    torch = _env.torch()

    fb = _foolbox()
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
    """
    from fercourse import cnn
    from fercourse._env import tensorflow

    tf = tensorflow()
    fb = _foolbox()
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
    """:func:`wrap_keras` for a :class:`~fercourse.cnn.PretrainedFER`, :func:`wrap_torch` otherwise."""
    from fercourse import cnn

    if isinstance(model, Target):
        return model
    if isinstance(model, cnn.PretrainedFER):
        return wrap_keras(model, name=name or "FER2013 mini-Xception", **options)
    return wrap_torch(model, name=name, **options)


# ---------------------------------------------------------------------------
# Attacks
# ---------------------------------------------------------------------------

#: name -> (norm, kind, foolbox class name, default options)
ATTACKS = {
    "fgsm": ("linf", "one gradient step", "FGSM", {}),
    "pgd_linf": ("linf", "iterated gradient steps, projected", "LinfPGD", {"steps": 10, "rel_stepsize": 0.25}),
    "pgd_l2": ("l2", "iterated gradient steps, projected", "L2PGD", {"steps": 10, "rel_stepsize": 0.25}),
    "deepfool": ("l2", "minimal: steps to the nearest linearised boundary", "L2DeepFoolAttack",
                 {"steps": 20, "candidates": 7, "overshoot": 0.02}),
    "cw": ("l2", "minimal: optimises distance + margin", "L2CarliniWagnerAttack",
           {"steps": 30, "binary_search_steps": 3, "stepsize": 0.01, "initial_const": 1.0}),
    "hopskipjump": ("l2", "minimal, decision-based: labels only, no gradients", "HopSkipJumpAttack",
                    {"steps": 6, "initial_gradient_eval_steps": 20, "max_gradient_eval_steps": 100}),
}


def attack_table():
    """A DataFrame describing :data:`ATTACKS`: norm, kind, foolbox class and the course's default options."""
    import pandas as pd

    return pd.DataFrame(
        {name: {"norm": norm, "kind": kind, "foolbox class": cls, "options": ", ".join(f"{k}={v}" for k, v in opts.items())}
         for name, (norm, kind, cls, opts) in ATTACKS.items()}
    ).T


#: Numeric options of foolbox's attacks and what they must be: a count (at least 1), a step size
#: (above 0) or a margin (0 or more).  foolbox itself takes ``steps=-1`` and runs no step at all.
_COUNT_OPTIONS = ("steps", "binary_search_steps", "candidates", "initial_gradient_eval_steps",
                  "max_gradient_eval_steps")
_POSITIVE_OPTIONS = ("rel_stepsize", "abs_stepsize", "stepsize", "initial_const", "gamma")
_MARGIN_OPTIONS = ("overshoot", "confidence")


def _check_options(name: str, options: dict) -> None:
    for key, value in options.items():
        if value is None:
            continue
        label = f"{name}: the option {key}"
        if key in _COUNT_OPTIONS:
            count(value, label)
        elif key in _POSITIVE_OPTIONS:
            number(value, label, 0.0, low_open=True)
        elif key in _MARGIN_OPTIONS:
            number(value, label, 0.0)


def make_attack(name: str, **options):
    """The foolbox attack object for one of :data:`ATTACKS`, with the defaults overridden by ``options``.

    Numeric options are checked first (``steps`` at least 1, step sizes above 0, ...).
    """
    if name not in ATTACKS:
        raise InvalidInputError(f"unknown attack {name!r}; choose one of {', '.join(ATTACKS)}.")
    _check_options(name, options)
    fb = _foolbox()
    _, _, cls, defaults = ATTACKS[name]
    return getattr(fb.attacks, cls)(**{**defaults, **options})


def _norms(clean: np.ndarray, adversarial: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    delta = (adversarial - clean).reshape(*adversarial.shape[:-2], -1).astype(np.float64)
    return np.sqrt((delta**2).sum(axis=-1)), np.abs(delta).max(axis=-1)


@dataclass
class AttackResult:
    """What one attack did to a batch of faces at every budget of its grid.

    ``adversarial[k]`` are the faces attacked with budget ``epsilons[k]`` (clipped to
    it), ``success[k]`` whether the model then misreads them (faces it misread
    from the start count as successes: they are not robustly classified).
    For minimisation attacks (DeepFool, C&W, HopSkipJump) ``minimal`` holds the
    unbounded result, the smallest adversarial the attack found.
    """

    attack: str
    norm: str
    model: str
    epsilons: np.ndarray
    clean: np.ndarray
    labels: np.ndarray
    adversarial: np.ndarray
    success: np.ndarray
    clean_correct: np.ndarray
    seconds: float
    minimal: np.ndarray | None = None
    minimal_success: np.ndarray | None = None
    warnings: list = field(default_factory=list)

    def robust_accuracy(self) -> np.ndarray:
        """Share of faces still read correctly at each budget (at 0: the clean accuracy)."""
        return 1.0 - self.success.mean(axis=1)

    def perturbations(self):
        """Per face, the smallest successful perturbation found: its L2 and L-infinity norms.

        Only faces the model read correctly before the attack; NaN where the attack
        never succeeded.  Minimisation attacks report their unbounded result; the
        others their adversarial at the smallest budget of the grid that worked.
        """
        import pandas as pd

        l2 = np.full(len(self.labels), np.nan)
        linf = np.full(len(self.labels), np.nan)
        budget = np.full(len(self.labels), np.nan)
        if self.minimal is not None:
            a2, ainf = _norms(self.clean, self.minimal)
            ok = self.minimal_success
            l2[ok], linf[ok] = a2[ok], ainf[ok]
        else:
            a2, ainf = _norms(self.clean[None], self.adversarial)
            for i in range(len(self.labels)):
                hits = np.flatnonzero(self.success[:, i])
                if len(hits):
                    k = hits[0]
                    l2[i], linf[i], budget[i] = a2[k, i], ainf[k, i], self.epsilons[k]
        table = pd.DataFrame({"l2": l2, "linf": linf, "linf_levels": linf * 255})
        if self.minimal is None:
            table["budget"] = budget
        return table[self.clean_correct].reset_index(drop=True)

    def summary(self) -> dict:
        """Median norms of the smallest adversarials and the success rate at the largest budget."""
        norms = self.perturbations()
        found = norms["l2"].notna()
        return {
            "attack": self.attack,
            "faces attacked": int(self.clean_correct.sum()),
            "found": f"{int(found.sum())}/{len(found)}",
            "median L2": float(norms["l2"].median()) if found.any() else np.nan,
            "median Linf (grey levels)": float(norms["linf_levels"].median()) if found.any() else np.nan,
            "seconds": self.seconds,
        }


def _starting_points(target: Target, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """For decision-based attacks: for each face, the nearest face of the batch that the model reads as another class.

    They must start from an image that is already misread and walk back towards
    the original; foolbox's default start, random noise, fails when the model reads
    all noise as the face's own class.
    """
    predicted = target.logits(x).argmax(axis=1)
    start = np.empty_like(x)
    for i in range(len(x)):
        others = np.flatnonzero(predicted != y[i])
        if len(others) == 0:
            raise InvalidInputError(
                "a decision-based attack starts from a face the model reads as another class; "
                "attack a batch whose faces the model reads as at least two different classes."
            )
        start[i] = x[others[np.argmin(((x[others] - x[i]) ** 2).sum(axis=(1, 2)))]]
    return start


def run_attack(target: Target, images, labels, attack: str = "pgd_linf", epsilons=None, seed: int = 0,
               **options) -> AttackResult:
    """Attack ``target`` on ``images`` (true ``labels``) at every budget of ``epsilons``.

    ``attack`` is a name from :data:`ATTACKS` (options override its defaults) or a
    foolbox attack object.  ``epsilons`` default to :data:`LINF_EPSILONS` or
    :data:`L2_EPSILONS` by the attack's norm.  Seeded: the same call gives the same
    result.
    """
    import eagerpy as ep

    fb = _foolbox()
    if not isinstance(target, Target):
        raise InvalidInputError(f"run_attack needs a Target from adversarial.wrap(model), got {type(target).__name__}.")
    if isinstance(attack, str):
        name, norm, fb_attack = attack, ATTACKS.get(attack, ("",))[0], make_attack(attack, **options)
    else:
        name, fb_attack = type(attack).__name__, attack
        norm = "linf" if "Linf" in name or "FGSM" in name or "FastGradient" in name else "l2"
    epsilons = np.asarray(epsilons if epsilons is not None else (LINF_EPSILONS if norm == "linf" else L2_EPSILONS), dtype=float)
    if epsilons.ndim != 1 or len(epsilons) == 0 or not np.all(np.isfinite(epsilons)) or np.any(epsilons < 0):
        raise InvalidInputError(f"epsilons must be a non-empty list of finite budgets >= 0, got {epsilons!r}.")
    x = _images(images, target.size)
    y = _labels(labels, len(x), target.classes)
    minimal_attack = isinstance(fb_attack, fb.attacks.base.MinimizationAttack)
    clean_correct = target.logits(x).argmax(axis=1) == y
    # A zero budget changes nothing: fixed-budget attacks are not run for it.
    run_on = [float(e) for e in epsilons if minimal_attack or e > 0] + ([None] if minimal_attack else [])
    extra = {}
    if isinstance(fb_attack, (fb.attacks.HopSkipJumpAttack, fb.attacks.BoundaryAttack)):
        extra["starting_points"] = target.native(_starting_points(target, x, y))
    start = time.perf_counter()
    # foolbox draws its random starts from the framework's global generator (torch or
    # TensorFlow): seeded for this attack only, the caller's random numbers stay put.
    with config.scoped_global_seed(seed), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        criterion = fb.criteria.Misclassification(target._native_labels(y))
        raw, clipped, success = fb_attack(target.fmodel, target.native(x), criterion, epsilons=run_on, **extra)
    seconds = time.perf_counter() - start
    success = list(np.asarray(ep.astensor(success).numpy(), dtype=bool))
    adversarial = [target.numpy(c) for c in clipped]
    if not minimal_attack:
        for k in np.flatnonzero(epsilons == 0):
            adversarial.insert(k, x.copy())
            success.insert(k, ~clean_correct)
    result = AttackResult(
        attack=name, norm=norm, model=target.name, epsilons=epsilons, clean=x, labels=y,
        adversarial=np.stack(adversarial[: len(epsilons)]), success=np.stack(success[: len(epsilons)]),
        clean_correct=clean_correct, seconds=seconds, warnings=[str(w.message) for w in caught],
    )
    if minimal_attack:
        result.minimal = np.clip(target.numpy(raw[-1]), 0.0, 1.0)
        result.minimal_success = success[-1] & clean_correct
    return result


def robustness_table(results):
    """Robust accuracy of several :class:`AttackResult`, one row per result.

    ``results`` is a dict (its keys name the rows) or a list (rows named by attack).
    Results of one norm share the columns (their budgets); mixing norms gives one
    block per norm, with ``'linf'``/``'l2'`` in the index.
    """
    import pandas as pd

    named = results.items() if isinstance(results, dict) else ((r.attack, r) for r in results)
    rows = {}
    for name, r in named:
        labels = [f"{r.norm} {epsilon_label(e, r.norm)}" for e in r.epsilons]
        rows[(r.norm, name)] = dict(zip(labels, r.robust_accuracy().round(3)))
    table = pd.DataFrame(rows).T
    table.index.names = ["norm", "attack"]
    return table


def plot_robustness(results, axes=None, title: str | None = None):
    """Robust accuracy against the budget: one panel per norm (L-infinity in grey levels, L2).

    ``results``: a dict of :class:`AttackResult` (keys label the lines) or a list.
    """
    import matplotlib.pyplot as plt

    named = list(results.items()) if isinstance(results, dict) else [(r.attack, r) for r in results]
    results = [r for _, r in named]
    labels = {id(r): f"{name} (n={len(r.labels)})" for name, r in named}
    norms = [n for n in ("linf", "l2") if any(r.norm == n for r in results)]
    if axes is None:
        _, axes = plt.subplots(1, len(norms), figsize=(4.3 * len(norms), 3.2), squeeze=False)
        axes = axes[0]
    for ax, norm in zip(np.atleast_1d(axes), norms):
        for r in results:
            if r.norm != norm:
                continue
            x = r.epsilons * 255 if norm == "linf" else r.epsilons
            ax.plot(x, r.robust_accuracy(), "o-", label=labels[id(r)])
        ax.set(xlabel="budget ε (grey levels out of 255)" if norm == "linf" else "budget ε (L2 norm)",
               ylabel="robust accuracy", ylim=(-0.03, 1.03), title=f"{'L∞' if norm == 'linf' else 'L2'} attacks")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if title:
        plt.gcf().suptitle(title, fontsize=10)
    return axes


def show_attack(target: Target, clean, adversarial, labels=None, magnify: float | None = None, size: float = 1.9):
    """One row per face: the face, the perturbation magnified, the adversarial face, and both readings.

    The perturbation is drawn in red (brighter) and blue (darker), scaled so that
    its largest change fills the colour range; ``magnify`` in the title says by how much.
    """
    import matplotlib.pyplot as plt

    x = _images(clean, target.size, "clean")
    a = _images(adversarial, target.size, "adversarial")
    if x.shape != a.shape:
        raise InvalidInputError(f"show_attack: {len(x)} clean faces but {len(a)} adversarial ones.")
    before, after = target.predict_proba(x), target.predict_proba(a)
    delta = a - x
    top = float(np.abs(delta).max()) or 1.0
    magnify = magnify or max(1.0, np.floor(0.5 / top))
    fig, axes = plt.subplots(len(x), 4, figsize=(4 * size + 1.4, size * len(x)), squeeze=False,
                             gridspec_kw={"width_ratios": [1, 1, 1, 1.8]})
    short = [c[:3] for c in target.classes]
    for i in range(len(x)):
        k0, k1 = before[i].argmax(), after[i].argmax()
        truth = f"true {target.classes[labels[i]]}\n" if labels is not None else ""
        axes[i, 0].imshow(x[i], cmap="gray", vmin=0, vmax=1)
        axes[i, 0].set_title(f"{truth}read {target.classes[k0]} {before[i, k0]:.2f}", fontsize=8)
        axes[i, 1].imshow(np.clip(0.5 + magnify * delta[i], 0, 1), cmap="seismic", vmin=0, vmax=1)
        axes[i, 1].set_title(f"perturbation ×{magnify:g}\nL∞ {np.abs(delta[i]).max() * 255:.1f}/255, "
                             f"L2 {np.sqrt((delta[i] ** 2).sum()):.2f}", fontsize=8)
        axes[i, 2].imshow(a[i], cmap="gray", vmin=0, vmax=1)
        axes[i, 2].set_title(f"adversarial\nread {target.classes[k1]} {after[i, k1]:.2f}", fontsize=8)
        for ax in axes[i, :3]:
            ax.set_axis_off()
        positions = np.arange(len(short))
        axes[i, 3].bar(positions - 0.2, before[i], 0.4, label="before", color="#7f8c8d")
        axes[i, 3].bar(positions + 0.2, after[i], 0.4, label="after", color="#c0392b")
        axes[i, 3].set_xticks(positions, short, fontsize=7)
        axes[i, 3].set_ylim(0, 1)
        axes[i, 3].tick_params(axis="y", labelsize=7)
        if i == 0:
            axes[i, 3].legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------
# Transfer between models
# ---------------------------------------------------------------------------


def transfer_matrix(sources: dict, targets: dict, images, labels, attack: str = "pgd_linf", epsilon: float = 8 / 255,
                    seed: int = 0, saved: bool = True, **options):
    """Accuracy of every model of ``targets`` on adversarial faces crafted on each model of ``sources``.

    ``sources`` and ``targets`` map names to :class:`Target`.  Row ``clean`` is each
    target's accuracy on the untouched faces; the diagonal (same model) is the
    white-box attack, the rest measures transfer.  With ``saved=True`` the
    adversarial faces are rounded to 8-bit grey levels first, as a saved image would be.
    """
    import pandas as pd

    rows = {"clean": {t: accuracy(_labels(labels, len(images), tgt.classes), tgt.predict_proba(images).argmax(1))
                      for t, tgt in targets.items()}}
    for s, src in sources.items():
        result = run_attack(src, images, labels, attack, epsilons=[epsilon], seed=seed, **options)
        crafted = result.adversarial[0]
        if saved:
            crafted = quantize(crafted)
        rows[f"crafted on {s}"] = {
            t: accuracy(result.labels, tgt.predict_proba(crafted).argmax(1)) for t, tgt in targets.items()
        }
    return pd.DataFrame(rows).T.rename(columns=lambda t: f"on {t}")


def plot_transfer(matrix, ax=None, title: str | None = None):
    """The transfer matrix as a heat map of accuracies (dark: the attack worked)."""
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(1.3 * matrix.shape[1] + 2.5, 0.55 * matrix.shape[0] + 1.2))[1]
    values = matrix.to_numpy(dtype=float)
    ax.imshow(values, cmap="viridis", vmin=0, vmax=1)
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=9, color="white" if v < 0.5 else "black")
    ax.set_xticks(range(matrix.shape[1]), [c.replace("on ", "") for c in matrix.columns], rotation=20, ha="right", fontsize=8)
    ax.set_yticks(range(matrix.shape[0]), matrix.index, fontsize=8)
    ax.set_xlabel("evaluated on")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


# ---------------------------------------------------------------------------
# Adversarial training
# ---------------------------------------------------------------------------


def pgd_perturbation(epsilon: float = 4 / 255, steps: int = 3, rel_stepsize: float | None = None):
    """A ``perturb`` function for :func:`fercourse.train.fit`: PGD (L-infinity) on every training batch.

    Madry et al.'s adversarial training: the network learns on the worst faces
    within ``epsilon`` that a few PGD steps find, instead of the clean ones.  The
    batch is attacked with the model in evaluation mode, then training resumes.
    Randomness (PGD's random start) comes from PyTorch's seeded generator.
    """
    epsilon = number(epsilon, "pgd_perturbation: epsilon", 0.0, 1.0, low_open=True)
    steps = count(steps, "pgd_perturbation: steps")
    attack = make_attack("pgd_linf", steps=steps, rel_stepsize=rel_stepsize or min(1.0, 2.5 / steps))
    fb = _foolbox()

    def perturb(model, images, labels):
        was_training = model.training
        model.eval()
        try:
            fmodel = fb.PyTorchModel(model, bounds=(0, 1), device=images.device)
            _, adversarial, _ = attack(fmodel, images, fb.criteria.Misclassification(labels), epsilons=float(epsilon))
        finally:
            model.train(was_training)
        return adversarial.detach()

    return perturb


# ---------------------------------------------------------------------------
# Privacy cloaks
# ---------------------------------------------------------------------------


@dataclass
class Cloak:
    """Faces and their cloaked versions (8-bit grey levels, as they would be saved)."""

    original: np.ndarray
    cloaked: np.ndarray
    epsilon: float
    goal: str
    crafted_on: tuple

    def psnr(self) -> np.ndarray:
        """Peak signal-to-noise ratio per face, in dB (higher: closer to the original)."""
        from skimage.metrics import peak_signal_noise_ratio

        return np.array([peak_signal_noise_ratio(o, c, data_range=1.0) for o, c in zip(self.original, self.cloaked)])

    def ssim(self) -> np.ndarray:
        """Structural similarity per face (1: identical)."""
        from skimage.metrics import structural_similarity

        return np.array([structural_similarity(o, c, data_range=1.0) for o, c in zip(self.original, self.cloaked)])


def make_cloak(images, crafted_on, goal: str = "hide", epsilon: float = 4 / 255, steps: int = 20,
               momentum: float = 1.0, labels=None) -> Cloak:
    """A privacy cloak: a perturbation of at most ``epsilon`` per pixel that makes expression models misread faces.

    ``crafted_on`` is a list of :class:`Target` (an ensemble: the more different
    models a cloak fools at once, the likelier it fools one it never saw).
    ``goal='hide'`` pushes every face away from its expression: from ``labels`` when
    they are known (an evaluation, or a person who knows what their photo shows),
    otherwise from what the ensemble reads on it now; a class name
    such as ``'neutral'`` pulls it towards that class instead.  The attack is
    momentum iterative gradient sign (MI-FGSM): the gradients of the models are
    each normalised, averaged and accumulated with ``momentum``, which helps the
    cloak transfer.  Deterministic (no random start).  The result is rounded to
    8-bit grey levels; the bound ``epsilon`` holds after rounding when it is a
    whole number of levels and the faces are 8-bit.
    """
    targets = list(crafted_on) if isinstance(crafted_on, (list, tuple)) else [crafted_on]
    if not targets or not all(isinstance(t, Target) for t in targets):
        raise InvalidInputError("make_cloak: crafted_on must be a Target or a non-empty list of Targets (adversarial.wrap).")
    size = targets[0].size
    if any(t.size != size for t in targets):
        raise InvalidInputError("make_cloak: the models of the ensemble take different input sizes.")
    epsilon = number(epsilon, "make_cloak: epsilon", 0.0, 1.0, low_open=True, high_open=True)
    steps = count(steps, "make_cloak: steps")
    momentum = number(momentum, "make_cloak: momentum", 0.0)
    x0 = _images(images, size)
    classes = targets[0].classes
    if goal == "hide" and labels is not None:
        y, sign = _labels(labels, len(x0), classes), 1.0  # climb the loss of the known expression
    elif goal == "hide":
        mean_p = np.mean([t.predict_proba(x0) for t in targets], axis=0)
        y, sign = mean_p.argmax(axis=1), 1.0  # climb the loss of the current reading
    elif goal in classes:
        y, sign = np.full(len(x0), classes.index(goal)), -1.0  # descend the loss of the goal class
    else:
        raise InvalidInputError(f"make_cloak: goal must be 'hide' or a class name from {list(classes)}, got {goal!r}.")
    step = float(epsilon) / int(steps) * 2.0
    x = x0.copy()
    velocity = np.zeros_like(x0)
    for _ in range(int(steps)):
        grads = []
        for t in targets:
            g = t.gradient(x, y)
            grads.append(g / (np.abs(g).mean(axis=(1, 2), keepdims=True) + 1e-12))
        velocity = momentum * velocity + np.mean(grads, axis=0)
        x = x + sign * step * np.sign(velocity)
        x = np.clip(np.clip(x, x0 - epsilon, x0 + epsilon), 0.0, 1.0).astype(np.float32)
    return Cloak(original=x0, cloaked=quantize(x), epsilon=float(epsilon), goal=goal,
                 crafted_on=tuple(t.name for t in targets))


def cloak_report(cloak: Cloak, models: dict, labels, defence=None):
    """How each model of ``models`` (name -> :class:`Target`) reads the faces before and after the cloak.

    Columns: accuracy on the original faces and on the cloaked ones; ``success``,
    the share of the faces the model read correctly before that it misreads after
    (the emotion is hidden from it); ``reads neutral``, the share of cloaked faces
    it reads as neutral; and whether the model was part of the ensemble.
    ``defence``, a function of a batch of faces, is applied to both versions before
    the model reads them (an adaptive defender's preprocessing).
    """
    import pandas as pd

    y = _labels(labels, len(cloak.original), next(iter(models.values())).classes)
    rows = {}
    for name, t in models.items():
        original, cloaked = cloak.original, cloak.cloaked
        if defence is not None:
            original, cloaked = defence(original), defence(cloaked)
        before = t.predict_proba(original).argmax(1)
        after = t.predict_proba(cloaked).argmax(1)
        correct = before == y
        neutral = t.classes.index("neutral") if "neutral" in t.classes else -1
        rows[name] = {
            "accuracy before": accuracy(y, before),
            "accuracy after": accuracy(y, after),
            "success": float((after[correct] != y[correct]).mean()) if correct.any() else np.nan,
            "reads neutral": float((after == neutral).mean()),
            "crafted on it": t.name in cloak.crafted_on,
        }
    return pd.DataFrame(rows).T


def show_cloak(cloak: Cloak, model: Target, n: int = 6, size: float = 1.6):
    """Original and cloaked faces side by side, with ``model``'s reading of each."""
    import matplotlib.pyplot as plt

    n = min(n, len(cloak.original))
    before, after = model.predict_proba(cloak.original[:n]), model.predict_proba(cloak.cloaked[:n])
    psnr, ssim = cloak.psnr()[:n], cloak.ssim()[:n]
    fig, axes = plt.subplots(2, n, figsize=(size * n, 2 * size + 0.6), squeeze=False)
    for i in range(n):
        for row, image, p in ((0, cloak.original[i], before[i]), (1, cloak.cloaked[i], after[i])):
            axes[row, i].imshow(image, cmap="gray", vmin=0, vmax=1)
            axes[row, i].set_axis_off()
            title = f"{model.classes[p.argmax()]} {p.max():.2f}"
            if row == 1:
                title += f"\n{psnr[i]:.1f} dB, SSIM {ssim[i]:.2f}"
            axes[row, i].set_title(title, fontsize=8)
    axes[0, 0].text(-0.15, 0.5, "original", transform=axes[0, 0].transAxes, rotation=90, va="center", ha="right")
    axes[1, 0].text(-0.15, 0.5, "cloaked", transform=axes[1, 0].transAxes, rotation=90, va="center", ha="right")
    fig.suptitle(f"read by {model.name}", fontsize=9)
    fig.tight_layout()
    return fig
