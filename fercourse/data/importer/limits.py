"""How far an archive may expand, and the checks that hold it to that while it is extracted."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from fercourse.errors import DatasetError, InvalidInputError

__all__ = ["DEFAULT_LIMITS", "Limits"]

_UNITS = {"": 1, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


@dataclass(frozen=True)
class Limits:
    """How far an archive may expand: bytes in all, bytes per file, and times its compressed size.

    The ratio counts only past the first :attr:`RATIO_SLACK` bytes of a file or an
    archive, so a small, very repetitive file (a CSV of zeros) is no bomb.

    Parameters
    ----------
    total : int
        The most bytes an archive may expand to in all.
    file : int
        The most bytes one member may expand to.
    ratio : float
        The most a member or the archive may expand, in times its compressed size.
    """

    total: int = 64 << 30
    file: int = 8 << 30
    ratio: float = 100.0

    RATIO_SLACK = 1 << 20


#: The importer's limits unless raised: 64 GiB in all, 8 GiB per file, 100 times the compressed size.
DEFAULT_LIMITS = Limits()


def human(size: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024


def _size(value, option: str) -> int:
    """Bytes from an int or a text such as ``"500M"`` or ``"64G"`` (K, M, G, T are powers of 1024)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?\s*", str(value), flags=re.IGNORECASE)
    if isinstance(value, bool) or match is None or float(match.group(1)) * _UNITS[match.group(2).upper()] < 1:
        raise InvalidInputError(f"{option} must be a size in bytes such as 500M, 64G or 1000000, got {value!r}.")
    return int(float(match.group(1)) * _UNITS[match.group(2).upper()])


def resolve_limits(total, file, ratio) -> Limits:
    try:
        times = float(ratio)
    except (TypeError, ValueError):
        times = float("nan")
    if isinstance(ratio, bool) or not 1.0 <= times < float("inf"):
        raise InvalidInputError(f"max_ratio (--max-ratio) must be a number of at least 1, got {ratio!r}.")
    return Limits(_size(total, "max_total_size (--max-total-size)"), _size(file, "max_file_size (--max-file-size)"), times)


def _too_large(archive: Path, what: str, size: int, limit: int, flag: str, keyword: str):
    suggested = f"{-(-2 * size // (1 << 30))}G" if size >= 1 << 29 else f"{-(-2 * size // (1 << 20))}M"
    raise DatasetError(
        f"{archive}: {what} would expand to {human(size)}, more than the limit of {human(limit)}. A crafted archive "
        "(a 'zip bomb') does this to fill the disk; nothing was placed. If the dataset really is that large, raise "
        f"the limit: {flag} {suggested} on the command line, or import_dataset(..., {keyword}=...)."
    )


class Budget:
    """The limits applied to an archive's members: declared sizes first, then the bytes really written."""

    def __init__(self, archive: Path, limits: Limits):
        self.archive, self.limits, self.total = archive, limits, 0
        self.archive_size = max(archive.stat().st_size, 1)

    def _ratio(self, what: str, expanded: int, compressed: int):
        if expanded > self.limits.ratio * compressed + Limits.RATIO_SLACK:
            raise DatasetError(
                f"{self.archive}: {what} would expand {expanded / max(compressed, 1):,.0f} times (from "
                f"{human(compressed)} to {human(expanded)}), more than the limit of {self.limits.ratio:g} times. A "
                "crafted archive (a 'zip bomb') does this to fill the disk; nothing was placed. Real datasets "
                "compress a few times at most; if this one is different, raise the limit: --max-ratio "
                f"{2 * expanded / max(compressed, 1):.0f} on the command line, or import_dataset(..., max_ratio=...)."
            )

    def member(self, name: str, size: int, compressed: int | None = None):
        """Count one member's declared size (``compressed``: its own compressed size, when known)."""
        if size > self.limits.file:
            _too_large(self.archive, f"the member {name!r}", size, self.limits.file, "--max-file-size", "max_file_size")
        if compressed is not None:
            self._ratio(f"the member {name!r}", size, compressed)
        self.total += size
        if self.total > self.limits.total:
            _too_large(self.archive, "its content", self.total, self.limits.total, "--max-total-size", "max_total_size")
        self._ratio("the archive", self.total, self.archive_size)

    def written(self, name: str, size: int, total: int):
        """Check the bytes really written so far (a header may lie about a member's size)."""
        if size > self.limits.file:
            _too_large(self.archive, f"the member {name!r}", size, self.limits.file, "--max-file-size", "max_file_size")
        if total > self.limits.total:
            _too_large(self.archive, "its content", total, self.limits.total, "--max-total-size", "max_total_size")
        self._ratio("the archive", total, self.archive_size)


def check_space(folder: Path, needed: int, what: str, shown: Path | None = None):
    """Refuse when the disk of ``folder`` has less than ``needed`` bytes free; the message names ``shown``
    (the destination's folder, never the temporary folder that is removed when the import stops)."""
    free = shutil.disk_usage(folder).free
    if needed > free:
        raise DatasetError(
            f"{what} needs {human(needed)}, but only {human(free)} are free on the disk that holds "
            f"{shown if shown is not None else folder}. "
            "Free some space, or import into a folder on another disk with --into."
        )
