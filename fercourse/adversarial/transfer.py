"""Transfer between models: adversarial faces crafted on one model, tested on others."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fercourse.adversarial.attacks import run_attack
from fercourse.adversarial.faces import as_label_array, quantize
from fercourse.metrics import accuracy

__all__ = ["transfer_matrix", "plot_transfer"]


def transfer_matrix(sources: dict, targets: dict, images, labels, attack: str = "pgd_linf", epsilon: float = 8 / 255,
                    seed: int = 0, saved: bool = True, **options):
    """Accuracy of every model of ``targets`` on adversarial faces crafted on each model of ``sources``.

    ``sources`` and ``targets`` map names to :class:`Target`.  Row ``clean`` is each
    target's accuracy on the untouched faces; the diagonal (same model) is the
    white-box attack, the rest measures transfer.  With ``saved=True`` the
    adversarial faces are rounded to 8-bit grey levels first, as a saved image would be.

    Parameters
    ----------
    sources, targets : dict of str to Target
        The models the faces are crafted on, and those they are tested on.
    images : array_like
        Grey faces ``(N, size, size)``, uint8 or float in [0, 1].
    labels : array_like
        Their true classes, as indices or names.
    attack : str
        A key of :data:`ATTACKS`.
    epsilon : float
        The attack's budget.
    seed : int
        Seeds the attack.
    saved : bool
        Round the adversarial faces to 8-bit grey levels before testing them.
    **options
        Options of the attack (see :func:`make_attack`).

    Returns
    -------
    pandas.DataFrame
        Accuracies: a row ``clean`` and one ``crafted on ...`` row per source,
        one ``on ...`` column per target.
    """
    rows = {"clean": {t: accuracy(as_label_array(labels, len(images), tgt.classes), tgt.predict_proba(images).argmax(1))
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
    """The transfer matrix as a heat map of accuracies (dark: the attack worked).

    Parameters
    ----------
    matrix : pandas.DataFrame
        What :func:`transfer_matrix` returns.
    ax : matplotlib.axes.Axes, optional
        Where to draw; ``None`` makes a figure.
    title : str, optional
        The panel's title.

    Returns
    -------
    matplotlib.axes.Axes
        The panel.
    """
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
