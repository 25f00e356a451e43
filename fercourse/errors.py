"""The one exception family of the course.

Every error that ``fercourse`` raises on purpose is a :class:`FERCourseError`, so a
notebook can catch them all with one ``except``.  Each message says what was wrong
(which file, row or argument), what was expected, and what to do about it.

Subclasses also derive from the matching built-in exception where there is one
(``ValueError`` for bad values, ``FileNotFoundError`` for missing files, ...), so code
written against the standard exceptions keeps working.
"""

from __future__ import annotations

__all__ = [
    "FERCourseError",
    "InvalidInputError",
    "NoFaceError",
    "DatasetError",
    "AssetError",
    "EnvironmentSetupError",
    "NoCameraError",
]


class FERCourseError(Exception):
    """Base class of every error raised on purpose by ``fercourse``."""


class InvalidInputError(FERCourseError, ValueError):
    """An argument, image, array or file does not have the form a function needs.

    Examples: an empty or unreadable image, a wrong number of channels, an array of
    the wrong shape, an unknown option name.
    """


class NoFaceError(FERCourseError, LookupError):
    """No face was found where one was required (or more faces than allowed)."""


class DatasetError(FERCourseError, ValueError):
    """A dataset file or folder is not in the published format the loader expects.

    Examples: a CSV row whose pixel count is not 48 x 48, an unknown label, a
    truncated video, an archive member that would escape the target folder.
    """


class AssetError(FERCourseError, FileNotFoundError):
    """A model file shipped with the package is missing or does not match its checksum."""


class EnvironmentSetupError(FERCourseError, RuntimeError):
    """The Python environment is set up in a way the course cannot work with.

    The usual case: TensorFlow was imported before ``fercourse`` without
    ``TF_USE_LEGACY_KERAS=1``, so ``tf.keras`` is Keras 3 and cannot load the
    course's tf.keras models.
    """


class NoCameraError(FERCourseError, OSError):
    """No camera could be opened, or no frame has arrived from one yet (:mod:`fercourse.live`)."""
