"""Process environment for the heavy back ends (TensorFlow, MediaPipe).

This module runs first when ``fercourse`` is imported.  It

* sets ``TF_USE_LEGACY_KERAS=1`` so that ``tf.keras`` is tf-keras 2.x, which the
  shipped FER2013 model and Spektral need (Keras 3 cannot load either);
* refuses, with a clear message, a process in which TensorFlow was imported
  earlier and ``tf.keras`` already resolved to Keras 3;
* offers :func:`quiet_stderr`, which keeps the C++ start-up chatter of TensorFlow
  and MediaPipe (absl/glog lines written straight to file descriptor 2, which no
  Python logging setting reaches) out of notebooks, and :func:`tensorflow` /
  :func:`keras`, the one way the library imports TensorFlow;
* fixes the order of floating-point sums so that training does not depend on the
  processor's instruction set or thread count (*deterministic numerics*, on by default; see below),
  and offers :func:`torch`, the one way the library imports PyTorch.

Deterministic numerics
----------------------
The book stores the outputs of its notebooks, and ``pytest --nbval`` checks that a
learner's machine prints the same.  Training a network adds up millions of
floating-point numbers, and the order of those additions decides the last bits
of every weight; after a few epochs the last bits decide which face is read as
which expression.  Libraries pick that order by the processor's instruction set
(AVX2, AVX-512), by the number of threads and, for oneDNN, by the cache sizes.
So, unless ``FERCOURSE_DETERMINISTIC=0`` is set before ``import fercourse``,
this module fixes the order:

``MKL_CBWR=COMPATIBLE``
    Intel MKL (PyTorch's matrix products) takes the same code path on every
    x86-64 processor, Intel or AMD, whatever ``MKL_ENABLE_INSTRUCTIONS`` says.
``ONEDNN_MAX_CPU_ISA=SSE41``
    oneDNN (PyTorch's convolutions) uses its SSE4.1 kernels, which every x86-64
    processor since 2008 runs.  Its AVX2 and AVX-512 kernels are faster, but which
    of them runs, and so the order of their sums, depends on the processor.  PyTorch's own
    convolution without oneDNN would also be reproducible, but two to four
    times slower again.
``ATEN_CPU_CAPABILITY=avx2`` (only on a processor with AVX2, unless already set)
    PyTorch's own vectorised kernels (reductions, batch norm, activations) use
    AVX2 even on an AVX-512 processor, so both add in the same order.
``OPENBLAS_CORETYPE=Haswell`` and ``NPY_DISABLE_CPU_FEATURES`` (likewise)
    NumPy and SciPy (scikit-learn's PCA, least squares) run their AVX2 kernels
    on AVX-512 processors too.
``TF_ENABLE_ONEDNN_OPTS=0``, ``TF_DETERMINISTIC_OPS=1``, :data:`TF_THREADS` threads
    TensorFlow (the graph networks of chapter 06; its oneDNN is on by default only
    on some processors) uses its Eigen kernels with op determinism.
:data:`TORCH_THREADS` threads and deterministic algorithms for PyTorch
    applied by :func:`torch` when the library first imports PyTorch: oneDNN and
    PyTorch split some sums over threads, so the count must not follow the machine.

The cost is speed: ``benchmarks/determinism.py`` measures each setting.  On a
GPU, or whenever bit-identical numbers do not matter (your own experiments,
real data), set ``FERCOURSE_DETERMINISTIC=0`` before starting Python or
Jupyter.  The check that stored outputs hold under other settings is
``tools/portability.py``.
"""

from __future__ import annotations

import contextlib
import os
import sys

from fercourse.errors import EnvironmentSetupError

os.environ["TF_USE_LEGACY_KERAS"] = "1"

DETERMINISTIC_ENV = "FERCOURSE_DETERMINISTIC"
# PyTorch's and TensorFlow's intra-op threads while numerics are deterministic.  Both split
# some sums by thread count, so the count must be the same on every machine; two is what the
# course's two-core reference machine has, and the small networks gain little from more.
TORCH_THREADS = 2
TF_THREADS = 2
# NumPy's dispatch targets above AVX2, disabled so that an AVX-512 machine sums as an AVX2 one
# does.  NumPy 2.4 groups them as X86_V4 and later; older releases name each AVX-512 family.
_NUMPY_ABOVE_AVX2 = {"new": "X86_V4 AVX512_ICL AVX512_SPR",
                     "old": "AVX512F AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL AVX512_SPR"}


def deterministic() -> bool:
    """Whether deterministic numerics are on (``FERCOURSE_DETERMINISTIC`` is not ``0``/``false``/``off``)."""
    return os.environ.get(DETERMINISTIC_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def _cpu_flags() -> set[str]:
    """The x86 feature flags of this processor from ``/proc/cpuinfo`` (empty where unreadable)."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as info:
            for line in info:
                if line.startswith("flags"):
                    return set(line.partition(":")[2].split())
    except OSError:
        pass
    return set()


def _numpy_features_off() -> str:
    """NumPy's names for its dispatch targets above AVX2, for the installed NumPy (read without importing it)."""
    from importlib import metadata

    try:
        major, minor = (int(part) for part in metadata.version("numpy").split(".")[:2])
    except (metadata.PackageNotFoundError, ValueError):
        return _NUMPY_ABOVE_AVX2["new"]
    return _NUMPY_ABOVE_AVX2["new" if (major, minor) >= (2, 4) else "old"]


def deterministic_environment(flags: set[str] | None = None) -> dict[str, str]:
    """The environment variables that deterministic numerics set (see the module's docstring)."""
    flags = _cpu_flags() if flags is None else flags
    settings = {
        "MKL_CBWR": "COMPATIBLE",
        "ONEDNN_MAX_CPU_ISA": "SSE41",
        "TF_ENABLE_ONEDNN_OPTS": "0",
        "TF_DETERMINISTIC_OPS": "1",
        "TF_NUM_INTRAOP_THREADS": str(TF_THREADS),
    }
    if "avx2" in flags:  # cap the AVX-512 machines at AVX2; leave older processors alone
        settings["ATEN_CPU_CAPABILITY"] = "avx2"
        settings["OPENBLAS_CORETYPE"] = "Haswell"
        if "avx512f" in flags:  # naming an absent feature makes NumPy warn, so only where it matters
            settings["NPY_DISABLE_CPU_FEATURES"] = _numpy_features_off()
    return settings


# Set before PyTorch, TensorFlow, MKL or OpenBLAS load.  The instruction-set caps
# give way to a value already in the environment (so a learner or the portability
# check can emulate another processor); the rest are what determinism means here.
_EMULATION = ("ATEN_CPU_CAPABILITY", "OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES")
if deterministic():
    for _name, _value in deterministic_environment().items():
        if _name in _EMULATION:
            os.environ.setdefault(_name, _value)
        else:
            os.environ[_name] = _value
# Honoured by the older parts of TensorFlow's and MediaPipe's logging; the newer
# absl logging ignores them, hence quiet_stderr below.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GLOG_minloglevel", "2")

_IMPORT_ORDER_HELP = (
    "TensorFlow was imported before fercourse, and tf.keras already resolved to "
    "Keras {version}. The course's tf.keras models (the shipped FER2013 model, the "
    "Spektral graph networks) need tf-keras 2.x, which TensorFlow only picks when "
    "TF_USE_LEGACY_KERAS=1 is set before tf.keras is first used. Restart the kernel "
    "(or Python) and run `import fercourse` before importing TensorFlow or Keras; "
    "or set TF_USE_LEGACY_KERAS=1 in the environment before starting Python."
)


def _keras_is_legacy(tf_module) -> tuple[bool, str]:
    """Whether ``tf.keras`` in this process is tf-keras 2.x, and its version.

    The module's name is no guide (after some imports tf-keras shows up as
    ``tensorflow.keras``), so look at where its ``Model`` class comes from.
    """
    keras_module = tf_module.keras
    home = getattr(getattr(keras_module, "Model", None), "__module__", "")
    if home.startswith("tf_keras"):
        return True, getattr(sys.modules.get("tf_keras"), "__version__", "2.x")
    version = getattr(keras_module, "__version__", None) or getattr(sys.modules.get("keras"), "__version__", None)
    return False, str(version or "3.x")


def check_tensorflow_import_order() -> None:
    """Raise :class:`EnvironmentSetupError` if tf.keras is already Keras 3.

    TensorFlow decides what ``tf.keras`` means when it is first accessed, so a
    TensorFlow imported earlier is fine as long as nobody touched ``tf.keras``
    (or imported Keras 3) before the variable above was set.
    """
    tf_module = sys.modules.get("tensorflow")
    if tf_module is None or not hasattr(tf_module, "__version__"):
        return
    legacy, version = _keras_is_legacy(tf_module)
    if not legacy:
        raise EnvironmentSetupError(_IMPORT_ORDER_HELP.format(version=version))


@contextlib.contextmanager
def quiet_stderr():
    """Silence file descriptor 2 (C/C++ logging) for the duration of the block.

    Python exceptions are unaffected: they propagate after the descriptor is
    restored.  Use it only around imports and model start-up, never around
    code whose warnings a learner should see.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real fd 2 (some embedders)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        try:
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


_TF = None
# The seed of the last ``config.seed_everything`` call (handed over by :func:`use_seed`), so
# that TensorFlow, imported later, starts from it too.
_SEED: int | None = None


def use_seed(seed: int) -> None:
    """Seed TensorFlow with ``seed``: now if it is already imported, else when :func:`tensorflow` imports it.

    Parameters
    ----------
    seed : int
        The seed, already checked by :func:`fercourse.config.seed_everything`.
    """
    global _SEED
    _SEED = int(seed)
    if "tensorflow" in sys.modules:
        tensorflow().random.set_seed(_SEED)


def tensorflow():
    """Import TensorFlow quietly (once) and return the module.

    Also initialises the CPU device inside the quiet block, because that is where
    TensorFlow logs its CUDA probing on machines without a GPU.
    """
    global _TF
    if _TF is None:
        check_tensorflow_import_order()
        with quiet_stderr():
            import tensorflow as tf

            if deterministic():
                with contextlib.suppress(RuntimeError):  # TensorFlow already started by someone else
                    tf.config.threading.set_intra_op_parallelism_threads(TF_THREADS)
                tf.config.experimental.enable_op_determinism()
            tf.get_logger().setLevel("ERROR")
            tf.autograph.set_verbosity(0)
            tf.constant(0.0) + 1.0  # device start-up happens here, quietly
            legacy, version = _keras_is_legacy(tf)
        if not legacy:
            raise EnvironmentSetupError(_IMPORT_ORDER_HELP.format(version=version))
        if _SEED is not None:
            tf.random.set_seed(_SEED)
        _TF = tf
    return _TF


_TORCH = None


def torch():
    """Import PyTorch (once) and return the module, set up for deterministic numerics when they are on.

    With deterministic numerics (the default): :data:`TORCH_THREADS` intra-op threads and
    ``torch.use_deterministic_algorithms(True, warn_only=True)``; oneDNN's instruction set is
    fixed by ``ONEDNN_MAX_CPU_ISA``, set when ``fercourse`` is imported.
    With ``FERCOURSE_DETERMINISTIC=0`` PyTorch keeps its own defaults.
    """
    global _TORCH
    if _TORCH is None:
        import torch as torch_module

        if deterministic():
            torch_module.set_num_threads(TORCH_THREADS)
            torch_module.use_deterministic_algorithms(True, warn_only=True)
        _TORCH = torch_module
    return _TORCH


def numerics() -> dict[str, object]:
    """What deterministic numerics set in this process: a small report for the book and bug reports."""
    report: dict[str, object] = {"deterministic": deterministic()}
    for name in ("MKL_CBWR", "ATEN_CPU_CAPABILITY", "OPENBLAS_CORETYPE", "TF_ENABLE_ONEDNN_OPTS",
                 "TF_DETERMINISTIC_OPS", "TF_NUM_INTRAOP_THREADS"):
        report[name] = os.environ.get(name, "(not set)")
    if _TORCH is not None:
        report["torch threads"] = _TORCH.get_num_threads()
        report["torch oneDNN"] = bool(_TORCH.backends.mkldnn.enabled)
    return report


def keras():
    """Return ``tf.keras`` (tf-keras 2.x), importing TensorFlow quietly if needed."""
    return tensorflow().keras


check_tensorflow_import_order()
