"""The MediaPipe models behind :mod:`fercourse.face`: one shared instance each, closed at exit.

Private plumbing of the detectors (:mod:`fercourse.face.landmarker`,
:mod:`fercourse.face.detection`); nothing here is public.
"""

from __future__ import annotations

import atexit
import weakref

import numpy as np

from fercourse.errors import InvalidInputError

__all__: list[str] = []


_shared: dict[tuple, object] = {}
# Every MediaPipe-backed instance still open; closed at exit, before MediaPipe's own
# clean-up would fail noisily in their __del__.
open_models = weakref.WeakSet()


def shared_instance(cls, *args):
    """One instance of ``cls(*args)`` per process, reused by the module-level functions."""
    key = (cls.__name__, *args)
    if key not in _shared:
        _shared[key] = cls(*args)
    return _shared[key]


def _close_all() -> None:
    for instance in list(open_models):
        instance.close()
    _shared.clear()


atexit.register(_close_all)


class Model:
    """A model held in ``self._task``: ``close()`` releases it, and so does a ``with`` block's end."""

    def close(self) -> None:
        """Release the model's resources (done at interpreter exit for any still open)."""
        task, self._task = getattr(self, "_task", None), None
        if hasattr(task, "close"):
            task.close()

    def _model(self):
        """The open model, or a clear error once :meth:`close` has released it."""
        if getattr(self, "_task", None) is None:
            raise InvalidInputError(
                f"This {type(self).__name__} is closed (close() was called, or its with block ended); "
                f"create a new {type(self).__name__} to detect again."
            )
        return self._task

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def mp_image(rgb: np.ndarray):
    import mediapipe as mp

    return mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
