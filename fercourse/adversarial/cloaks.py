"""Privacy cloaks: small perturbations, crafted on several models at once, that hide a face's expression."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fercourse.adversarial.faces import as_image_batch, as_label_array, quantize
from fercourse.adversarial.targets import Target
from fercourse.checks import count, number
from fercourse.errors import InvalidInputError
from fercourse.metrics import accuracy

__all__ = ["Cloak", "make_cloak", "cloak_report", "show_cloak"]


# ---------------------------------------------------------------------------
# Privacy cloaks
# ---------------------------------------------------------------------------


@dataclass
class Cloak:
    """Faces and their cloaked versions (8-bit grey levels, as they would be saved).  Made by :func:`make_cloak`.

    Attributes
    ----------
    original, cloaked : numpy.ndarray
        The faces before and after the cloak, ``(N, S, S)`` float32 in [0, 1].
    epsilon : float
        The cloak's L-infinity budget.
    goal : str
        ``'hide'`` or the class the faces were pulled towards.
    crafted_on : tuple of str
        The names of the models of the ensemble.
    """

    original: np.ndarray
    cloaked: np.ndarray
    epsilon: float
    goal: str
    crafted_on: tuple

    def psnr(self) -> np.ndarray:
        """Peak signal-to-noise ratio per face, in dB (higher: closer to the original).

        Returns
        -------
        numpy.ndarray
            One value per face.
        """
        from skimage.metrics import peak_signal_noise_ratio

        return np.array([peak_signal_noise_ratio(o, c, data_range=1.0) for o, c in zip(self.original, self.cloaked)])

    def ssim(self) -> np.ndarray:
        """Structural similarity per face (1: identical).

        Returns
        -------
        numpy.ndarray
            One value per face.
        """
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

    Parameters
    ----------
    images : array_like
        Grey faces ``(N, size, size)``, uint8 or float in [0, 1].
    crafted_on : Target or list of Target
        The ensemble the cloak is crafted on (all of one input size).
    goal : str
        ``'hide'`` or a class name to pull the faces towards.
    epsilon : float
        The largest change per pixel, in (0, 1).
    steps : int
        Gradient sign steps.
    momentum : float
        How much of the past gradients each step keeps (0 or more).
    labels : array_like, optional
        The faces' true classes, for ``goal='hide'``.

    Returns
    -------
    Cloak
        The original faces and the cloaked ones.
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
    x0 = as_image_batch(images, size)
    classes = targets[0].classes
    if goal == "hide" and labels is not None:
        y, sign = as_label_array(labels, len(x0), classes), 1.0  # climb the loss of the known expression
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

    Parameters
    ----------
    cloak : Cloak
        The cloaked faces.
    models : dict of str to Target
        The models to test.
    labels : array_like
        The faces' true classes, as indices or names.
    defence : callable, optional
        ``defence(faces) -> faces``, applied before each model reads them.

    Returns
    -------
    pandas.DataFrame
        One row per model.
    """
    y = as_label_array(labels, len(cloak.original), next(iter(models.values())).classes)
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
    """Original and cloaked faces side by side, with ``model``'s reading of each.

    Parameters
    ----------
    cloak : Cloak
        The cloaked faces.
    model : Target
        The model whose readings are shown.
    n : int
        How many faces to show.
    size : float
        The side of one panel, in inches.

    Returns
    -------
    matplotlib.figure.Figure
        The figure: original faces above, cloaked ones below (with PSNR and SSIM).
    """
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
