"""Course-wide settings: where data lives, which data the chapters use, seeding.

Two environment variables, read when ``fercourse`` is imported and changeable
from a notebook with the functions below:

``FERCOURSE_DATA_DIR``
    The folder that holds real datasets (default: ``data/`` in the repository,
    or ``./data`` when the package is installed without the repository).

``FERCOURSE_MODE``
    The one switch between the course's two ways of running:

    * ``embedded`` (the default, and always in CI): every chapter uses the
      synthetic face generator and small training budgets, so each notebook runs
      on a laptop CPU in minutes and prints exactly what the book shows;
    * ``real``: chapters load the real datasets from the data directory and use
      the full training budgets (meant for a machine with a GPU).

Training cells ask :func:`pick` for their epochs and sample counts, for example
``EPOCHS = config.pick(embedded=5, real=60)``, so that one setting switches them all.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path
from typing import TypeVar

import numpy as np

from fercourse.errors import InvalidInputError

__all__ = [
    "DATA_DIR_ENV",
    "MODE_ENV",
    "MODES",
    "DEFAULT_SEED",
    "data_dir",
    "set_data_dir",
    "mode",
    "set_mode",
    "use_real_data",
    "pick",
    "seed_everything",
    "last_seed",
]

DATA_DIR_ENV = "FERCOURSE_DATA_DIR"
MODE_ENV = "FERCOURSE_MODE"
MODES = ("embedded", "real")
DEFAULT_SEED = 0

_PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_DIR = _PACKAGE_DIR.parent

T = TypeVar("T")


def _check_mode(value: str, source: str) -> str:
    name = str(value).strip().lower()
    if name not in MODES:
        raise InvalidInputError(
            f"{source} is {value!r}, but it must be one of {', '.join(MODES)}: "
            "'embedded' runs every chapter on the built-in synthetic faces (fast, offline), "
            "'real' uses the datasets you placed in the data directory."
        )
    return name


def _default_data_dir() -> Path:
    if (_REPO_DIR / "_toc.yml").is_file():  # running from a clone of the course
        return _REPO_DIR / "data"
    return Path.cwd() / "data"


_state = {
    "data_dir": None,
    "mode": _check_mode(os.environ.get(MODE_ENV, "embedded"), f"The environment variable {MODE_ENV}"),
    "seed": None,  # the last seed given to seed_everything; TensorFlow picks it up when first imported
}


def data_dir() -> Path:
    """The folder where real datasets are looked for (it may not exist yet)."""
    if _state["data_dir"] is not None:
        return _state["data_dir"]
    from_env = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(from_env).expanduser().resolve() if from_env else _default_data_dir()


def set_data_dir(path: str | os.PathLike | None) -> Path:
    """Use another data folder for this process (``None`` goes back to the default)."""
    if path is None:
        _state["data_dir"] = None
    else:
        folder = Path(path).expanduser().resolve()
        if folder.exists() and not folder.is_dir():
            raise InvalidInputError(f"set_data_dir: {folder} is a file; give the folder that holds your datasets.")
        _state["data_dir"] = folder
    return data_dir()


def mode() -> str:
    """``'embedded'`` (synthetic data, small budgets) or ``'real'`` (your datasets, full budgets)."""
    return _state["mode"]


def set_mode(name: str) -> str:
    """Switch between ``'embedded'`` and ``'real'`` for this process."""
    _state["mode"] = _check_mode(name, "set_mode's argument")
    return _state["mode"]


def use_real_data() -> bool:
    """True when chapters should load real datasets instead of synthetic faces."""
    return _state["mode"] == "real"


def pick(*, embedded: T, real: T) -> T:
    """The value for the current mode: ``pick(embedded=5, real=60)`` gives 5 by default."""
    return real if use_real_data() else embedded


def seed_everything(seed: int = DEFAULT_SEED) -> np.random.Generator:
    """Seed Python, NumPy, PyTorch and (if already imported) TensorFlow; return a NumPy generator.

    Every notebook calls this once at the top so that its stored outputs are what
    the code produces on every run.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) < 2**32:
        raise InvalidInputError(f"seed_everything: seed must be an integer in [0, 2**32), got {seed!r}.")
    seed = int(seed)
    _state["seed"] = seed
    random.seed(seed)
    np.random.seed(seed)
    try:
        from fercourse._env import torch as load_torch

        torch = load_torch()  # set up for deterministic numerics on first import
    except ImportError:  # torch is optional for the parts that do not use it
        torch = None
    if torch is not None:
        torch.manual_seed(seed)
    if "tensorflow" in sys.modules:
        from fercourse._env import tensorflow

        tensorflow().random.set_seed(seed)
    return np.random.default_rng(seed)


def last_seed() -> int | None:
    """The seed most recently given to :func:`seed_everything` (``None`` if never called)."""
    return _state["seed"]
