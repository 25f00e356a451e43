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

from fercourse.adversarial.attacks import (
    ATTACKS,
    L2_EPSILONS,
    LINF_EPSILONS,
    AttackResult,
    attack_table,
    make_attack,
    pgd_perturbation,
    plot_robustness,
    robustness_table,
    run_attack,
    show_attack,
)
from fercourse.adversarial.cloaks import Cloak, cloak_report, make_cloak, show_cloak
from fercourse.adversarial.faces import epsilon_label, quantize
from fercourse.adversarial.targets import Target, wrap, wrap_keras, wrap_torch
from fercourse.adversarial.transfer import plot_transfer, transfer_matrix

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
