"""Course-wide settings: where data lives, which data the chapters use, how long they train, seeding.

Environment variables, read when ``fercourse`` is imported and changeable from a
notebook with the functions below:

``FERCOURSE_DATA_DIR``
    The folder that holds real datasets (default: ``data/`` in the repository,
    or ``./data`` when the package is installed without the repository).

``FERCOURSE_DATA``
    Which data the chapters use:

    * ``embedded`` (the default, and what the book shows): the synthetic face
      generator, offline, nothing to download;
    * ``real``: the datasets you imported into the data directory (FER2013 for the
      still-image chapters, CASME II, SAMM and/or SMIC-HS for the temporal chapter).

``FERCOURSE_BUDGET``
    How much the chapters train:

    * ``small`` (the default): the budgets the book was recorded with, minutes per
      chapter on a laptop CPU; with real data, a stratified sample of it of the same
      size, so a real-data run can be checked quickly;
    * ``full``: all of the data and the long training schedules (meant for a GPU).

``FERCOURSE_MODE``
    A shorthand for both: ``real`` means real data with the full budget,
    ``embedded`` synthetic data with the small budget.  ``FERCOURSE_DATA`` and
    ``FERCOURSE_BUDGET`` override it.

Training cells ask :func:`pick` for their epochs and sample counts, for example
``EPOCHS = config.pick(small=5, full=60)``, so that one setting switches them all.
"""

from __future__ import annotations

import contextlib
import os
import random
from pathlib import Path
from typing import TypeVar

import numpy as np

from fercourse.errors import InvalidInputError

__all__ = [
    "DATA_DIR_ENV",
    "DATA_ENV",
    "BUDGET_ENV",
    "MODE_ENV",
    "DATA_SOURCES",
    "BUDGETS",
    "MODES",
    "DEFAULT_SEED",
    "data_dir",
    "set_data_dir",
    "data_source",
    "set_data",
    "budget",
    "set_budget",
    "mode",
    "set_mode",
    "describe",
    "use_real_data",
    "pick",
    "seed_everything",
    "last_seed",
    "scoped_global_seed",
]

#: Name of the environment variable that sets the data folder.
DATA_DIR_ENV = "FERCOURSE_DATA_DIR"
#: Name of the environment variable that picks the data (:data:`DATA_SOURCES`).
DATA_ENV = "FERCOURSE_DATA"
#: Name of the environment variable that picks the training budget (:data:`BUDGETS`).
BUDGET_ENV = "FERCOURSE_BUDGET"
#: Name of the environment variable that sets data and budget at once (:data:`MODES`).
MODE_ENV = "FERCOURSE_MODE"
#: The data a run can use: the synthetic faces or the imported datasets.
DATA_SOURCES = ("embedded", "real")
#: The training budgets: the book's short schedules or everything.
BUDGETS = ("small", "full")
#: FERCOURSE_MODE's values and the (data, budget) pair each stands for.
MODES = {"embedded": ("embedded", "small"), "real": ("real", "full")}
#: The seed :func:`seed_everything` uses when given none.
DEFAULT_SEED = 0

_PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_DIR = _PACKAGE_DIR.parent

T = TypeVar("T")

_MEANING = {
    "embedded": "'embedded' runs every chapter on the built-in synthetic faces (fast, offline)",
    "real": "'real' uses the datasets you imported into the data directory",
    "small": "'small' trains with the book's budgets (minutes on a laptop CPU)",
    "full": "'full' uses all of the data and the long training schedules (meant for a GPU)",
}


def _check(value, choices, source: str) -> str:
    name = str(value).strip().lower()
    if name not in choices:
        meanings = ", ".join(_MEANING.get(c, repr(c)) for c in choices)
        raise InvalidInputError(f"{source} is {value!r}, but it must be one of {', '.join(choices)}: {meanings}.")
    return name


def _from_environment() -> dict[str, str]:
    data, budget = "embedded", "small"
    shorthand = os.environ.get(MODE_ENV, "").strip()
    if shorthand:
        data, budget = MODES[_check(shorthand, tuple(MODES), f"The environment variable {MODE_ENV}")]
    if os.environ.get(DATA_ENV, "").strip():
        data = _check(os.environ[DATA_ENV], DATA_SOURCES, f"The environment variable {DATA_ENV}")
    if os.environ.get(BUDGET_ENV, "").strip():
        budget = _check(os.environ[BUDGET_ENV], BUDGETS, f"The environment variable {BUDGET_ENV}")
    return {"data": data, "budget": budget}


def _default_data_dir() -> Path:
    if (_REPO_DIR / "_toc.yml").is_file():  # running from a clone of the course
        return _REPO_DIR / "data"
    return Path.cwd() / "data"


_state = {
    "data_dir": None,
    **_from_environment(),
    "seed": None,  # the last seed given to seed_everything; TensorFlow picks it up when first imported
}


def data_dir() -> Path:
    """The folder where real datasets are looked for (it may not exist yet).

    Returns
    -------
    pathlib.Path
        The folder set by :func:`set_data_dir`, else ``FERCOURSE_DATA_DIR`` (made
        absolute), else the default data folder.
    """
    if _state["data_dir"] is not None:
        return _state["data_dir"]
    from_env = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(from_env).expanduser().resolve() if from_env else _default_data_dir()


def set_data_dir(path: str | os.PathLike | None) -> Path:
    """Use another data folder for this process (``None`` goes back to the default).

    Parameters
    ----------
    path : str, os.PathLike or None
        The folder; it need not exist yet.  ``None`` forgets an earlier choice.

    Returns
    -------
    pathlib.Path
        The data folder now in use (:func:`data_dir`).

    Raises
    ------
    InvalidInputError
        If ``path`` is an existing file.
    """
    if path is None:
        _state["data_dir"] = None
    else:
        folder = Path(path).expanduser().resolve()
        if folder.exists() and not folder.is_dir():
            raise InvalidInputError(f"set_data_dir: {folder} is a file; give the folder that holds your datasets.")
        _state["data_dir"] = folder
    return data_dir()


def data_source() -> str:
    """``'embedded'`` (synthetic faces) or ``'real'`` (your datasets).

    Returns
    -------
    str
        The current data switch.
    """
    return _state["data"]


def set_data(name: str) -> str:
    """Switch the data between ``'embedded'`` and ``'real'`` for this process.

    Parameters
    ----------
    name : str
        ``"embedded"`` or ``"real"`` (case and surrounding spaces are ignored).

    Returns
    -------
    str
        The data switch now in use.

    Raises
    ------
    InvalidInputError
        If ``name`` is neither.
    """
    _state["data"] = _check(name, DATA_SOURCES, "set_data's argument")
    return _state["data"]


def budget() -> str:
    """``'small'`` (the book's budgets) or ``'full'`` (all the data, long training).

    Returns
    -------
    str
        The current training budget.
    """
    return _state["budget"]


def set_budget(name: str) -> str:
    """Switch the training budget between ``'small'`` and ``'full'`` for this process.

    Parameters
    ----------
    name : str
        ``"small"`` or ``"full"`` (case and surrounding spaces are ignored).

    Returns
    -------
    str
        The budget now in use.

    Raises
    ------
    InvalidInputError
        If ``name`` is neither.
    """
    _state["budget"] = _check(name, BUDGETS, "set_budget's argument")
    return _state["budget"]


def mode() -> str:
    """The data switch, ``'embedded'`` or ``'real'`` (the budget is :func:`budget`).

    Returns
    -------
    str
        The same value as :func:`data_source`.
    """
    return _state["data"]


def set_mode(name: str) -> str:
    """The shorthand for both switches: ``'real'`` (real data, full budget) or ``'embedded'`` (synthetic, small).

    Parameters
    ----------
    name : str
        A key of :data:`MODES` (case and surrounding spaces are ignored).

    Returns
    -------
    str
        The data switch now in use.

    Raises
    ------
    InvalidInputError
        If ``name`` is not a key of :data:`MODES`.
    """
    _state["data"], _state["budget"] = MODES[_check(name, tuple(MODES), "set_mode's argument")]
    return _state["data"]


def describe() -> str:
    """One line that says which data and which budget this run uses.

    Returns
    -------
    str
        For example ``"data: embedded (synthetic faces) | budget: small"``.
    """
    what = {"embedded": "synthetic faces", "real": "your datasets from " + data_dir().name + "/"}[data_source()]
    return f"data: {data_source()} ({what}) | budget: {budget()}"


def use_real_data() -> bool:
    """True when chapters should load real datasets instead of synthetic faces.

    Returns
    -------
    bool
        Whether the data switch is ``'real'``.
    """
    return _state["data"] == "real"


def pick(*, small: T, full: T) -> T:
    """The value for the current budget: ``pick(small=5, full=60)`` gives 5 by default.

    Parameters
    ----------
    small : object
        The value for the ``small`` budget.
    full : object
        The value for the ``full`` budget.

    Returns
    -------
    object
        ``full`` when the budget is ``'full'``, else ``small``.
    """
    return full if _state["budget"] == "full" else small


def _checked_seed(seed, where: str) -> int:
    """``seed`` as an int, or the error every seeding function gives for a bad one."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) < 2**32:
        raise InvalidInputError(f"{where}: seed must be an integer in [0, 2**32), got {seed!r}.")
    return int(seed)


def _optional_torch():
    """PyTorch set up for deterministic numerics on first import, or ``None`` where it is not installed."""
    from fercourse._env import torch as load_torch

    try:
        return load_torch()
    except ImportError:  # torch is optional for the parts that do not use it
        return None


def seed_everything(seed: int = DEFAULT_SEED) -> np.random.Generator:
    """Seed Python, NumPy, PyTorch and (if already imported) TensorFlow; return a NumPy generator.

    Every notebook calls this once at the top so that its stored outputs are what
    the code produces on every run.

    Parameters
    ----------
    seed : int
        An integer in [0, 2**32); :func:`last_seed` remembers it.

    Returns
    -------
    numpy.random.Generator
        A fresh generator seeded with ``seed``.

    Raises
    ------
    InvalidInputError
        If ``seed`` is not an integer in that range.
    """
    seed = _checked_seed(seed, "seed_everything")
    _state["seed"] = seed
    random.seed(seed)
    np.random.seed(seed)
    torch = _optional_torch()
    if torch is not None:
        torch.manual_seed(seed)
    from fercourse._env import use_seed

    use_seed(seed)  # TensorFlow: seeded now if imported, else when the library first imports it
    return np.random.default_rng(seed)


def last_seed() -> int | None:
    """The seed most recently given to :func:`seed_everything` (``None`` if never called).

    Returns
    -------
    int or None
        The last seed.
    """
    return _state["seed"]


@contextlib.contextmanager
def scoped_global_seed(seed: int):
    """Seed the global random generators for one ``with`` block, then put back their previous state.

    The library's functions take a ``seed=`` and use local generators wherever the
    frameworks offer one.  A few things only draw from a global generator: PyTorch
    layers take their initial weights (and dropout its masks) from torch's default
    generator, Keras and Spektral initialisers and ``model.fit`` use TensorFlow's global
    seed, Keras' seed generator and NumPy's global generator, and foolbox's random
    starts use the framework's generator.  Those calls run inside this block.

    Inside, Python's ``random``, NumPy's global generator, PyTorch (CPU, and CUDA once
    started), TensorFlow (when already imported) and Keras' seed generator are seeded
    with ``seed``, as :func:`seed_everything` and ``keras.utils.set_random_seed`` do, so
    the block repeats exactly.  On the way out each of them gets back the state it had
    before (TensorFlow: its global seed and operation-seed sequence), so the caller's
    own random numbers are not moved by a library call.  :func:`last_seed` is not changed.

    Parameters
    ----------
    seed : int
        An integer in [0, 2**32).

    Yields
    ------
    None

    Raises
    ------
    InvalidInputError
        If ``seed`` is not an integer in that range.
    """
    import sys

    seed = _checked_seed(seed, "scoped_global_seed")
    python_state, numpy_state = random.getstate(), np.random.get_state()
    torch = _optional_torch()
    torch_state = cuda_state = None
    if torch is not None:
        torch_state = torch.get_rng_state()
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            cuda_state = torch.cuda.get_rng_state_all()
    tf_context = keras_backend = None
    if "tensorflow" in sys.modules:
        from tensorflow.python.eager import context as tf_context

        tf_context = tf_context.context()
        # TensorFlow keeps its eager global seed and operation-seed sequence nowhere public.
        tf_state = {key: getattr(tf_context, key) for key in ("_seed", "_rng") if hasattr(tf_context, key)}
        keras_backend = sys.modules.get("tf_keras.src.backend")
        keras_generator = getattr(keras_backend._SEED_GENERATOR, "generator", None) if keras_backend else None
    try:
        random.seed(seed)
        np.random.seed(seed)
        if torch is not None:
            torch.manual_seed(seed)
        if tf_context is not None:
            sys.modules["tensorflow"].random.set_seed(seed)
            if keras_backend is not None:
                keras_backend._SEED_GENERATOR.generator = random.Random(seed)
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
        if torch is not None:
            torch.set_rng_state(torch_state)
            if cuda_state is not None:
                torch.cuda.set_rng_state_all(cuda_state)
        if tf_context is not None:
            for key in ("_seed", "_rng"):
                if key in tf_state:
                    setattr(tf_context, key, tf_state[key])
                elif hasattr(tf_context, key):
                    delattr(tf_context, key)
            if keras_backend is not None:
                keras_backend._SEED_GENERATOR.generator = keras_generator
