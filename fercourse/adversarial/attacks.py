"""Attacks: the foolbox attacks of the course, run over a grid of budgets; and PGD for adversarial training."""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from fercourse import config
from fercourse.adversarial.faces import as_image_batch, as_label_array, epsilon_label
from fercourse.adversarial.targets import Target, load_foolbox
from fercourse.checks import count, number
from fercourse.errors import InvalidInputError

__all__ = [
    "LINF_EPSILONS",
    "L2_EPSILONS",
    "ATTACKS",
    "attack_table",
    "make_attack",
    "AttackResult",
    "run_attack",
    "robustness_table",
    "plot_robustness",
    "show_attack",
    "pgd_perturbation",
]

#: Default L-infinity budgets: 0 to 16 grey levels out of 255.
LINF_EPSILONS = tuple(k / 255 for k in (0, 1, 2, 4, 8, 16))
#: Default L2 budgets, for a 48 x 48 image (2,304 pixels in [0, 1]).
L2_EPSILONS = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0)


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
    """A DataFrame describing :data:`ATTACKS`: norm, kind, foolbox class and the course's default options.

    Returns
    -------
    pandas.DataFrame
        One row per attack name.

    Examples
    --------
    >>> attack_table().loc["pgd_linf", ["norm", "foolbox class"]].tolist()
    ['linf', 'LinfPGD']
    """
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

    Parameters
    ----------
    name : str
        A key of :data:`ATTACKS`.
    **options
        Options of the foolbox attack class, overriding the course's defaults.

    Returns
    -------
    foolbox.attacks.Attack
        The attack, ready to call on a foolbox model.
    """
    if name not in ATTACKS:
        raise InvalidInputError(f"unknown attack {name!r}; choose one of {', '.join(ATTACKS)}.")
    _check_options(name, options)
    fb = load_foolbox()
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
    unbounded result, the smallest adversarial the attack found.  Made by :func:`run_attack`.

    Attributes
    ----------
    attack, norm, model : str
        The attack's name, its norm (``'linf'`` or ``'l2'``) and the target's name.
    epsilons : numpy.ndarray
        The budgets, ``(K,)``.
    clean, labels : numpy.ndarray
        The faces attacked, ``(N, S, S)`` in [0, 1], and their true class indices.
    adversarial, success : numpy.ndarray
        ``(K, N, S, S)`` faces and ``(K, N)`` booleans, one row per budget.
    clean_correct : numpy.ndarray
        Whether the model read each face correctly before the attack.
    seconds : float
        How long the attack took.
    minimal, minimal_success : numpy.ndarray or None
        The unbounded result of a minimisation attack, and where it succeeded.
    warnings : list of str
        The warnings the attack raised.
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
        """Share of faces still read correctly at each budget (at 0: the clean accuracy).

        Returns
        -------
        numpy.ndarray
            One share per budget of ``epsilons``.
        """
        return 1.0 - self.success.mean(axis=1)

    def perturbations(self):
        """Per face, the smallest successful perturbation found: its L2 and L-infinity norms.

        Only faces the model read correctly before the attack; NaN where the attack
        never succeeded.  Minimisation attacks report their unbounded result; the
        others their adversarial at the smallest budget of the grid that worked.

        Returns
        -------
        pandas.DataFrame
            Columns ``l2``, ``linf``, ``linf_levels`` (L-infinity in grey levels) and,
            for fixed-budget attacks, ``budget``; one row per face read correctly before.
        """
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
        """Median norms of the smallest adversarials, and how many the attack found.

        Returns
        -------
        dict
            ``attack``, ``faces attacked``, ``found`` (as ``'found/attacked'``), ``median L2``,
            ``median Linf (grey levels)`` and ``seconds``.
        """
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

    Parameters
    ----------
    target : Target
        The model attacked (from :func:`wrap`).
    images : array_like
        Grey faces ``(N, size, size)``, uint8 or float in [0, 1].
    labels : array_like
        Their true classes, as indices or names.
    attack : str or foolbox.attacks.Attack
        The attack.
    epsilons : sequence of float, optional
        The budgets, each 0 or more.
    seed : int
        Seeds the attack's random numbers.
    **options
        Options of the named attack (see :func:`make_attack`).

    Returns
    -------
    AttackResult
        The adversarial faces and successes at every budget.
    """
    import eagerpy as ep

    fb = load_foolbox()
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
    x = as_image_batch(images, target.size)
    y = as_label_array(labels, len(x), target.classes)
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

    Parameters
    ----------
    results : dict or list of AttackResult
        The results to compare.

    Returns
    -------
    pandas.DataFrame
        Robust accuracies, indexed by ``(norm, attack)``.
    """
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

    Parameters
    ----------
    results : dict or list of AttackResult
        The results to plot (a dict's keys label the lines).
    axes : matplotlib.axes.Axes or sequence of them, optional
        One panel per norm present; ``None`` makes a figure.
    title : str, optional
        A title over the figure.

    Returns
    -------
    sequence of matplotlib.axes.Axes
        The panels.
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

    Parameters
    ----------
    target : Target
        The model whose readings are shown.
    clean, adversarial : array_like
        The faces before and after the attack, ``(N, size, size)``.
    labels : array_like, optional
        The true class indices, shown over each face.
    magnify : float, optional
        How much to magnify the perturbation; by default enough to fill the colour range.
    size : float
        The height of one row, in inches.

    Returns
    -------
    matplotlib.figure.Figure
        The figure.
    """
    import matplotlib.pyplot as plt

    x = as_image_batch(clean, target.size, "clean")
    a = as_image_batch(adversarial, target.size, "adversarial")
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
# Adversarial training
# ---------------------------------------------------------------------------


def pgd_perturbation(epsilon: float = 4 / 255, steps: int = 3, rel_stepsize: float | None = None):
    """A ``perturb`` function for :func:`fercourse.train.fit`: PGD (L-infinity) on every training batch.

    Madry et al.'s adversarial training: the network learns on the worst faces
    within ``epsilon`` that a few PGD steps find, instead of the clean ones.  The
    batch is attacked with the model in evaluation mode, then training resumes.
    Randomness (PGD's random start) comes from PyTorch's seeded generator.

    Parameters
    ----------
    epsilon : float
        The L-infinity budget, in (0, 1].
    steps : int
        PGD steps per batch.
    rel_stepsize : float, optional
        The step size relative to ``epsilon``; by default ``min(1, 2.5 / steps)``.

    Returns
    -------
    callable
        ``perturb(model, images, labels)``, returning the attacked batch.
    """
    epsilon = number(epsilon, "pgd_perturbation: epsilon", 0.0, 1.0, low_open=True)
    steps = count(steps, "pgd_perturbation: steps")
    attack = make_attack("pgd_linf", steps=steps, rel_stepsize=rel_stepsize or min(1.0, 2.5 / steps))
    fb = load_foolbox()

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
