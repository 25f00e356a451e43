"""fercourse: the helper library of the course *Facial Expression and Micro-expression Recognition*.

Importing the package first sets up the environment that the course's
TensorFlow models need (``TF_USE_LEGACY_KERAS=1``; see :mod:`fercourse._env`).
Heavy sub-modules (``face``, ``cnn``, ...) load on first use:
``fercourse.face.detect_meshes(image)`` works after a plain ``import fercourse``.
The one call for the common case is ``fercourse.detect(image_or_path)``
(:mod:`fercourse.detector`): every face, its expression and head pose, as a table.
"""

from __future__ import annotations

import importlib

from fercourse import _env  # noqa: F401  (must run before anything imports TensorFlow)
from fercourse import config, errors
from fercourse.errors import FERCourseError

__version__ = "0.1.0"

__all__ = ["config", "errors", "FERCourseError", "detect", "Detector", "to_fer", "show_versions", "__version__"]

_LAZY = (
    "assets", "checks", "emotions", "data", "synth", "face", "augment", "features", "cnn", "train", "viz",
    "graph", "temporal", "adversarial", "live", "widgets", "dataset", "realism", "video", "matching", "mesh",
    "metrics", "models",
)


def __getattr__(name):
    if name in ("detect", "Detector", "to_fer"):  # the one call for the common case (fercourse.detector)
        value = getattr(importlib.import_module("fercourse.detector"), name)
        globals()[name] = value
        return value
    if name in _LAZY or name == "detector":
        module = importlib.import_module(f"fercourse.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'fercourse' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | {"detect", "Detector", "detector", "to_fer"})


def show_versions() -> dict[str, str]:
    """Versions of Python and of the course's main packages (for bug reports and set-up checks)."""
    import platform
    from importlib import metadata

    names = [
        "fercourse", "torch", "tensorflow", "tf-keras", "mediapipe", "opencv-contrib-python",
        "spektral", "foolbox", "scikit-learn", "numpy", "jupyter-book", "nbval",
    ]
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions
