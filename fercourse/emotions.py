"""Emotion label sets of the course's datasets.

FER2013 numbers its seven classes in this order; the shipped FER2013 model and
every loader of the course use the same index order.
"""

from __future__ import annotations

__all__ = ["FER2013_LABELS"]

#: FER2013's classes, in the index order of its ``emotion`` column (0 = angry ... 6 = neutral).
FER2013_LABELS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
