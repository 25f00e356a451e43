"""Process environment for the heavy back ends (TensorFlow, MediaPipe).

This module runs first when ``fercourse`` is imported.  It

* sets ``TF_USE_LEGACY_KERAS=1`` so that ``tf.keras`` is tf-keras 2.x, which the
  shipped FER2013 model and Spektral need (Keras 3 cannot load either);
* refuses, with a clear message, a process in which TensorFlow was imported
  earlier and ``tf.keras`` already resolved to Keras 3;
* offers :func:`quiet_stderr`, which keeps the C++ start-up chatter of TensorFlow
  and MediaPipe (absl/glog lines written straight to file descriptor 2, which no
  Python logging setting reaches) out of notebooks, and :func:`tensorflow` /
  :func:`keras`, the one way the library imports TensorFlow.
"""

from __future__ import annotations

import contextlib
import os
import sys

from fercourse.errors import EnvironmentSetupError

os.environ["TF_USE_LEGACY_KERAS"] = "1"
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

            tf.get_logger().setLevel("ERROR")
            tf.autograph.set_verbosity(0)
            tf.constant(0.0) + 1.0  # device start-up happens here, quietly
            legacy, version = _keras_is_legacy(tf)
        if not legacy:
            raise EnvironmentSetupError(_IMPORT_ORDER_HELP.format(version=version))
        from fercourse.config import last_seed

        if last_seed() is not None:
            tf.random.set_seed(last_seed())
        _TF = tf
    return _TF


def keras():
    """Return ``tf.keras`` (tf-keras 2.x), importing TensorFlow quietly if needed."""
    return tensorflow().keras


check_tensorflow_import_order()
