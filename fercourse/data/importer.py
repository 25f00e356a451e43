"""Check a dataset download and put it where the course looks for it.

From a terminal::

    python -m fercourse data import fer2013 ~/Downloads/fer2013.tar.gz
    python -m fercourse data import casme2 ~/Downloads/CASME2/        # a folder works too

or from Python, ``import_dataset("fer2013", "fer2013.tar.gz")``.  The importer

1. refuses at once if the destination (``data_dir()/<dataset>``, or ``--into``) already
   holds files: it never overwrites or deletes anything of yours;
2. checks every member of an archive before writing anything: a member whose path
   would land outside the destination (``../x``, ``/etc/x``), any link (symbolic or
   hard: datasets need none), any device, pipe or other special file, and any archive
   that would expand beyond the size limits (a "zip bomb") stops the import;
3. extracts the archive itself, member by member, into a temporary folder beside the
   destination (each file created new, never through an existing path; Python's own
   ``tarfile`` filter is not relied on), or copies a folder there; then walks the
   staged tree and refuses anything that is not a plain file or folder;
4. finds the dataset's top folder, checks fixed files (size, header, SHA-256) and
   loads the whole dataset with its loader, which validates every file; for clip
   datasets every frame of every clip is decoded now;
5. only then moves the dataset into place in one rename, and prints a summary:
   what the data is, samples per label and per split (and whether each split is the
   download's own or was made by the loader), subjects, what was left out, the
   SHA-256 of fixed files, and a WARNING line for every split that is missing or was
   made, or when no row belongs to any split.

If anything fails, the temporary folder is removed and your download is untouched; the
error names the place in your download (``archive.zip, member x/y.csv``), never the
removed temporary folder.  A temporary folder left by an import that was killed
(``.<dataset>-import-*``, hidden) is removed by the next import into the same place.

FER2013 comes in three forms, all accepted as an archive or an extracted folder: the
classic ``fer2013.tar.gz`` (``fer2013/fer2013.csv``); Kaggle's competition download
(``icml_face_data.csv``, ``train.csv``, ``test.csv``, ``example_submission.csv`` and in
some copies a ``fer2013.tar.gz`` inside, which is left out, never extracted); and
Kaggle's folder version (``archive.zip``: ``train/<emotion>/*.png``, ``test/<emotion>/*.png``).

Limits (see :data:`DEFAULT_LIMITS`): 64 GiB expanded in all, 8 GiB per file, and no
file or archive may expand more than 100 times beyond its compressed size (past its
first MiB).  Real datasets stay far below: FER2013's CSV is 0.3 GB and compresses about
3 times, CASME II and SAMM are a few GB of JPEG frames that hardly compress.  Raise a
limit with ``--max-total-size``, ``--max-file-size`` or ``--max-ratio`` (or the
keywords of :func:`import_dataset`).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import lzma
import os
import posixpath
import re
import shutil
import signal
import stat
import sys
import tarfile
import tempfile
import time
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from fercourse import assets, config
from fercourse.data.dataset import SPLITS, UNKNOWN_SUBJECT
from fercourse.data.loaders import LOADERS, NESTED_ARCHIVES, SplitWarning, csv_rows, load_ckplus
from fercourse.errors import DatasetError, FERCourseError, InvalidInputError

__all__ = ["KnownFile", "KNOWN_FILES", "LAYOUTS", "Limits", "DEFAULT_LIMITS", "ImportReport", "import_dataset", "main"]


@dataclass(frozen=True)
class KnownFile:
    """A file that every copy of a dataset has byte for byte, and what is known about it.

    ``sha256`` stays ``None`` until a maintainer has checked the published file; the
    importer then prints the checksum it finds instead of comparing it.
    """

    dataset: str
    name: str  # path inside the dataset folder
    sha256: str | None = None
    rows: int | None = None  # data rows of a CSV (header not counted)
    header: tuple[str, ...] | None = None


#: The fixed files the importer checks.  Add a ``sha256`` once it is verified against the source.
KNOWN_FILES: list[KnownFile] = [
    KnownFile("fer2013", "fer2013.csv", sha256=None, rows=35_887, header=("emotion", "pixels", "Usage")),
    # Kaggle's competition download: the same 35,887 rows with the columns in another order (and spaces
    # after the commas of the header), and the 28,709 Training rows alone.
    KnownFile("fer2013", "icml_face_data.csv", sha256=None, rows=35_887, header=("emotion", "Usage", "pixels")),
    KnownFile("fer2013", "train.csv", sha256=None, rows=28_709, header=("emotion", "pixels")),
]

#: Per dataset: glob patterns that mark its top folder inside a download, and the layout in words.
LAYOUTS: dict[str, tuple[tuple[str, ...], str]] = {
    "fer2013": (
        ("fer2013.csv", "icml_face_data.csv", "train.csv", "train/*/*", "test/*/*", "*.csv"),
        "fer2013.csv (emotion,pixels,Usage; the classic fer2013.tar.gz), or Kaggle's competition download "
        "(icml_face_data.csv and/or train.csv, with test.csv), or Kaggle's folder version (train/<emotion>/*.png and "
        "test/<emotion>/*.png)",
    ),
    "ckplus": (
        ("Emotion/*/*/*_emotion.txt",),
        "cohn-kanade-images/<subject>/<sequence>/*.png beside Emotion/<subject>/<sequence>/*_emotion.txt "
        "(CK+ comes as several archives: extract them into one folder and import that folder)",
    ),
    "jaffe": (("*.tiff", "*.tif"), "the .tiff photos named like KA.AN1.39.tiff"),
    "casme2": (
        ("CASME2-coding-*.xlsx",),
        "CASME2-coding-*.xlsx beside CASME2_RAW_selected/sub01/EP02_01f/img46.jpg ... "
        "(put the sheet and the extracted frames in one folder and import that folder)",
    ),
    "samm": (
        ("SAMM_Micro_FACS_Codes*.xlsx",),
        "SAMM_Micro_FACS_Codes_v2.xlsx beside SAMM/006/006_1_2/006_05562.jpg ... "
        "(put the sheet and the extracted frames in one folder and import that folder)",
    ),
    "baum": (("*/*.mp4", "*/*.avi", "*/*.mov", "*/*.mkv"), "<label>/*.mp4 or *.avi, optionally subjects.csv"),
}
_SEARCH_DEPTH = 4
_UNPACK_FIRST = (".rar", ".7z")


@dataclass
class ImportReport:
    """What an import checked and did; ``str(report)`` is the summary the command prints."""

    dataset: str
    place: Path
    moved: bool  # False when the dataset was checked where it already was
    kind: str
    samples: int
    label_counts: dict[str, int]
    subjects: list[str]
    sha256: dict[str, str] = field(default_factory=dict)
    left_out: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Samples per split (``train``, ``val``, ``test``, ``unassigned``), and how each split was obtained.
    split_counts: dict[str, int] = field(default_factory=dict)
    split_sources: dict[str, str] = field(default_factory=dict)
    #: The loader's sentences about the data (``Dataset.description``).
    description: str = ""
    #: Splits missing, made by the loader, or none at all: printed as WARNING lines.
    warnings: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        what = "images" if self.kind == "image" else "clips"
        action = "checked and placed in" if self.moved else "checked in place at"
        lines = [f"{self.dataset}: {self.samples} {what} {action} {self.place}"]
        if self.description:
            lines.append(f"  about: {self.description}")
        lines.append("  per label: " + ", ".join(f"{k} {v}" for k, v in self.label_counts.items()))
        if self.split_counts:
            lines.append("  per split: " + ", ".join(
                f"{name} {count}" + (f" ({self.split_sources[name]})" if self.split_sources.get(name) else "")
                for name, count in self.split_counts.items()
            ))
        if self.subjects == [UNKNOWN_SUBJECT]:
            lines.append("  subjects: none recorded by the dataset (subject-wise splits are not possible)")
        else:
            lines.append(f"  subjects: {len(self.subjects)} ({', '.join(self.subjects[:8])}"
                         + (", ...)" if len(self.subjects) > 8 else ")"))
        for name, digest in self.sha256.items():
            known = next((k for k in KNOWN_FILES if k.dataset == self.dataset and k.name == name), None)
            verdict = "matches the published checksum" if known and known.sha256 else (
                "no published checksum is recorded in the course; compare it with your source's"
            )
            lines.append(f"  SHA-256 of {name}: {digest} ({verdict})")
        for title, items, when_empty in (("left out", self.left_out, ["nothing"]), ("notes", self.notes, [])):
            lines += [f"  {title}: {item}" for item in items[:10] or when_empty]
            if len(items) > 10:
                lines.append(f"  {title}: ... and {len(items) - 10} more")
        lines += [f"  WARNING: {item}" for item in self.warnings]
        return "\n".join(lines)


# ------------------------------------------------------------------- limits

_UNITS = {"": 1, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


@dataclass(frozen=True)
class Limits:
    """How far an archive may expand: bytes in all, bytes per file, and times its compressed size.

    The ratio counts only past the first :attr:`RATIO_SLACK` bytes of a file or an
    archive, so a small, very repetitive file (a CSV of zeros) is no bomb.
    """

    total: int = 64 << 30
    file: int = 8 << 30
    ratio: float = 100.0

    RATIO_SLACK = 1 << 20


#: The importer's limits unless raised: 64 GiB in all, 8 GiB per file, 100 times the compressed size.
DEFAULT_LIMITS = Limits()


def _human(size: float) -> str:
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


def _limits(total, file, ratio) -> Limits:
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
        f"{archive}: {what} would expand to {_human(size)}, more than the limit of {_human(limit)}. A crafted archive "
        "(a 'zip bomb') does this to fill the disk; nothing was placed. If the dataset really is that large, raise "
        f"the limit: {flag} {suggested} on the command line, or import_dataset(..., {keyword}=...)."
    )


class _Budget:
    """The limits applied to an archive's members: declared sizes first, then the bytes really written."""

    def __init__(self, archive: Path, limits: Limits):
        self.archive, self.limits, self.total = archive, limits, 0
        self.archive_size = max(archive.stat().st_size, 1)

    def _ratio(self, what: str, expanded: int, compressed: int):
        if expanded > self.limits.ratio * compressed + Limits.RATIO_SLACK:
            raise DatasetError(
                f"{self.archive}: {what} would expand {expanded / max(compressed, 1):,.0f} times (from "
                f"{_human(compressed)} to {_human(expanded)}), more than the limit of {self.limits.ratio:g} times. A "
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


def _check_space(folder: Path, needed: int, what: str, shown: Path | None = None):
    """Refuse when the disk of ``folder`` has less than ``needed`` bytes free; the message names ``shown``
    (the destination's folder, never the temporary folder that is removed when the import stops)."""
    free = shutil.disk_usage(folder).free
    if needed > free:
        raise DatasetError(
            f"{what} needs {_human(needed)}, but only {_human(free)} are free on the disk that holds "
            f"{shown if shown is not None else folder}. "
            "Free some space, or import into a folder on another disk with --into."
        )


# ------------------------------------------------------------ archive safety


def _escapes(name: str, base: str = "") -> bool:
    """True if the archive path ``name`` (seen from folder ``base``) leaves the extraction folder."""
    name = name.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return True
    joined = posixpath.normpath(posixpath.join(base, name))
    return joined == ".." or joined.startswith("../")


def _refuse(archive: Path, member: str, why: str):
    raise DatasetError(
        f"{archive}: the member {member!r} {why}, so extracting it could write outside the "
        "dataset folder. Nothing was extracted. Use an archive from the dataset's official source."
    )


def _refuse_kind(archive: Path, member: str, kind: str):
    raise DatasetError(
        f"{archive}: the member {member!r} is {kind}. Datasets hold only plain files and folders, and a link or "
        "special file can lead the extraction outside the dataset folder, so the importer refuses it. Nothing was "
        "extracted. Use an archive from the dataset's official source (or extract it yourself, check it, replace "
        "any link by the file it points to, and import the folder)."
    )


_KINDS = {stat.S_IFLNK: "a symbolic link", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFIFO: "a named pipe (FIFO)", stat.S_IFSOCK: "a socket"}


def _check_name(archive: Path, name: str) -> list[str]:
    """The parts of a member's path inside the extraction folder (refused if it would leave it)."""
    if _escapes(name) or "\x00" in name:
        _refuse(archive, name, "has an absolute path or climbs out with '..'")
    return [part for part in posixpath.normpath(name.replace("\\", "/")).split("/") if part not in ("", ".")]


def _zip_members(archive: Path, handle: zipfile.ZipFile, budget: _Budget) -> list[tuple[zipfile.ZipInfo, list[str]]]:
    """Every member of a zip, checked before anything is written."""
    members = []
    for info in handle.infolist():
        parts = _check_name(archive, info.filename)
        if info.flag_bits & 0x1:
            raise DatasetError(
                f"{archive} is password-protected ({info.filename}); extract it yourself with the password "
                "the dataset's owners gave you, then import the extracted folder."
            )
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind in _KINDS:
            target = ""
            if kind == stat.S_IFLNK and info.file_size <= 4096:
                target = handle.read(info).decode("utf-8", "replace")
            _refuse_kind(archive, info.filename, _KINDS[kind] + (f" (to {target!r})" if target else ""))
        if not info.is_dir():
            budget.member(info.filename, info.file_size, info.compress_size)
        if parts:
            members.append((info, parts))
    return members


def _tar_members(archive: Path, handle: tarfile.TarFile, budget: _Budget) -> list[tuple[tarfile.TarInfo, list[str]]]:
    """Every member of a tar, checked before anything is written (read header by header, so a
    member too large is refused before its data is decompressed)."""
    members = []
    for member in handle:
        parts = _check_name(archive, member.name)
        if member.issym():
            _refuse_kind(archive, member.name, f"a symbolic link (to {member.linkname!r})")
        if member.islnk():
            _refuse_kind(archive, member.name, f"a hard link (to {member.linkname!r})")
        if not (member.isreg() or member.isdir()):
            kind = {tarfile.CHRTYPE: "a character device", tarfile.BLKTYPE: "a block device",
                    tarfile.FIFOTYPE: "a named pipe (FIFO)"}.get(member.type, f"a special member (type {member.type!r})")
            _refuse_kind(archive, member.name, kind)
        if member.isreg():
            budget.member(member.name, member.size)
        if parts:
            members.append((member, parts))
    return members


def _folder(root: Path, parts: list[str], archive: Path, name: str) -> Path:
    """``root/parts...`` as plain folders made by the importer: every existing part is checked with
    ``lstat`` (never followed), missing ones are created."""
    path = root
    for part in parts:
        path = path / part
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            os.mkdir(path, 0o755)
            continue
        if not stat.S_ISDIR(info.st_mode):
            _refuse(archive, name, f"needs the folder {part!r}, but a file or link of that name came first")
    return path


def _write(source, target: Path, budget: _Budget, name: str) -> int:
    """Copy the stream ``source`` into the new file ``target``; the bytes are counted against the limits."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        handle = os.open(target, flags, 0o644)
    except FileExistsError:
        raise DatasetError(
            f"{budget.archive}: the member {name!r} appears twice (or as a file and a folder); a download holds "
            "each file once. It is damaged or crafted: download it again from the dataset's source."
        ) from None
    written = 0
    with os.fdopen(handle, "wb") as out:
        while chunk := source.read(1 << 20):
            written += len(chunk)
            budget.written(name, written, budget.total + written)
            out.write(chunk)
    budget.total += written
    return written


def _extract(archive: Path, into: Path, limits: Limits, destination: Path | None = None) -> None:
    """Check every member first, then extract them one by one into ``into``, the importer's own way.

    ``destination`` is the folder named when the disk is too full (the temporary ``into`` is not).
    """
    root = os.path.realpath(into)
    budget = _Budget(archive, limits)
    try:
        with contextlib.ExitStack() as stack:
            if zipfile.is_zipfile(archive):
                handle = stack.enter_context(zipfile.ZipFile(archive))
                members = _zip_members(archive, handle, budget)
                is_dir = lambda m: m.is_dir()  # noqa: E731
                size, open_member = (lambda m: m.file_size), handle.open
            else:
                handle = stack.enter_context(tarfile.open(archive))
                members = _tar_members(archive, handle, budget)
                is_dir = lambda m: m.isdir()  # noqa: E731
                size, open_member = (lambda m: m.size), handle.extractfile
            declared, budget.total = budget.total, 0
            _check_space(into, declared, f"Extracting {archive.name}", destination)
            with _bar(declared, f"extracting {archive.name}") as bar:
                for member, parts in members:
                    name = "/".join(parts)
                    if is_dir(member):
                        _folder(Path(root), parts, archive, name)
                        continue
                    folder = _folder(Path(root), parts[:-1], archive, name)
                    target = folder / parts[-1]
                    if os.path.commonpath([os.path.realpath(target), root]) != root:  # never, with no links
                        _refuse(archive, name, "resolves to a place outside the extraction folder")
                    with open_member(member) as source:
                        _write(source, target, budget, name)
                    bar.update(size(member))
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error, lzma.LZMAError, gzip.BadGzipFile) as error:
        raise DatasetError(
            f"{archive} is damaged and cannot be extracted ({type(error).__name__}: {error}); "
            "the download was probably cut short. Download it again."
        ) from None
    except OSError as error:
        raise DatasetError(
            f"{archive}: extracting it failed ({type(error).__name__}: {error}); the disk may be full or the archive "
            "damaged. Free some space or download it again."
        ) from None


def _check_tree(folder: Path, source: Path) -> None:
    """Walk a staged tree without following anything; refuse all but plain folders and plain files."""
    for parent, folders, files in os.walk(folder, followlinks=False):
        for entry in folders + files:
            path = Path(parent) / entry
            info = os.lstat(path)
            shown = path.relative_to(folder).as_posix()
            if stat.S_ISDIR(info.st_mode):
                continue
            if not stat.S_ISREG(info.st_mode):
                _refuse_kind(source, shown, _KINDS.get(stat.S_IFMT(info.st_mode), "a special file"))
            if info.st_nlink > 1:
                _refuse_kind(source, shown, "a hard link (a file with another name elsewhere)")


def _bar(total: int, desc: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="B", unit_scale=True, leave=False)


def _copy(source: Path, into: Path, destination: Path | None = None) -> None:
    """Copy a file or folder into ``into`` with a progress bar (the original is not touched).

    A folder's links and special files are refused before anything is copied: the
    copy must not pull in files from elsewhere on the disk.
    """
    if source.is_file():
        files = [(source, into / source.name)]
        folders = []
    else:
        files, folders = [], [into / source.name]
        for parent, subfolders, names in os.walk(source, followlinks=False):
            for entry in sorted(subfolders + names):
                path = Path(parent) / entry
                kind = stat.S_IFMT(os.lstat(path).st_mode)
                shown = path.relative_to(source).as_posix()
                if kind == stat.S_IFDIR:
                    folders.append(into / source.name / shown)
                elif kind == stat.S_IFREG:
                    files.append((path, into / source.name / shown))
                else:
                    raise DatasetError(
                        f"{source} holds {_KINDS.get(kind, 'a special file')} {shown}; datasets hold only plain files "
                        "and folders, and copying a link would pull in a file from elsewhere. Replace the link by "
                        "the file it points to (or remove it), then import again."
                    )
    total = sum(src.stat().st_size for src, _ in files)
    _check_space(into, total, f"Copying {source.name}", destination)
    with _bar(total, f"copying {source.name}") as bar:
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)
        for src, dst in files:
            shutil.copy2(src, dst)
            bar.update(os.path.getsize(src))


#: First bytes of the archive formats Python unpacks, and their names.
_MAGIC = {b"PK\x03\x04": "zip", b"PK\x05\x06": "zip", b"\x1f\x8b": "gzip-compressed", b"BZh": "bzip2-compressed",
          b"\xfd7zXZ\x00": "xz-compressed"}
_ARCHIVE_SUFFIXES = (".zip", ".tar", ".tgz", ".tbz", ".tbz2", ".txz", ".gz", ".bz2", ".xz")


def _damaged_archive(source: Path) -> tuple[str, str] | None:
    """``(kind, how we know)`` when ``source`` claims to be an archive (by its first bytes or its name)
    that Python cannot open, else ``None``."""
    with source.open("rb") as handle:
        head = handle.read(8)
    kind = next((kind for magic, kind in _MAGIC.items() if head.startswith(magic)), None)
    if kind is not None:
        return kind, "its first bytes"
    if source.suffix.lower() in _ARCHIVE_SUFFIXES:
        return source.suffix.lower().lstrip("."), "its name"
    return None


def _stage(source: Path, into: Path, limits: Limits, destination: Path | None = None) -> str:
    """Extract or copy the download into ``into``; returns how: ``"folder"``, ``"archive"`` or ``"file"``."""
    if source.is_dir():
        _copy(source, into, destination)
        kind = "folder"
    elif source.suffix.lower() in _UNPACK_FIRST:
        raise DatasetError(
            f"{source} is a {source.suffix} archive, which Python cannot unpack; extract it with a tool such "
            "as 7-Zip, then import the extracted folder."
        )
    elif zipfile.is_zipfile(source) or tarfile.is_tarfile(source):
        _extract(source, into, limits, destination)
        kind = "archive"
    elif (claim := _damaged_archive(source)) is not None:
        kind, evidence = claim
        single = "" if kind in ("zip", "tar") else (
            " (If it is one compressed file rather than a tar archive, decompress it yourself and import the result.)"
        )
        raise DatasetError(
            f"{source} is a {kind} archive by {evidence}, but it cannot be opened: it is damaged, probably cut short "
            f"by an interrupted download. Download it again.{single}"
        )
    else:
        _copy(source, into, destination)
        kind = "file"
    _check_tree(into, source)
    return kind


# ------------------------------------------------------ staging folders

_LOCK = ".lock"
_FRESH_SECONDS = 60.0  # a staging folder younger than this may not have its lock file yet


def _lock(handle) -> bool:
    """Lock an open file for this process without waiting; False if another process holds it."""
    try:
        if os.name == "nt":
            import msvcrt

            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _staging_prefixes() -> tuple[str, ...]:
    return tuple(f".{key}-import-" for key in LOADERS)


def _remove_stale_staging(parent: Path) -> list[str]:
    """Remove the temporary folders of imports that were killed before they could clean up.

    Each import holds a lock on ``<staging>/.lock`` while it runs (the system releases
    it when the process dies, however it dies), so a folder whose lock is free is
    stale; one without a lock file is stale once older than a minute.
    """
    removed = []
    if not parent.is_dir():
        return removed
    for folder in sorted(parent.iterdir()):
        if not folder.name.startswith(_staging_prefixes()):
            continue
        try:
            info = os.lstat(folder)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode):
            continue
        lock = folder / _LOCK
        if os.path.lexists(lock):
            if not stat.S_ISREG(os.lstat(lock).st_mode):
                continue
            with open(lock, "a") as handle:
                if not _lock(handle):
                    continue  # an import still running
        elif time.time() - info.st_mtime < _FRESH_SECONDS:
            continue
        size = sum(os.lstat(Path(p) / f).st_size for p, _, names in os.walk(folder) for f in names)
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(f"removed {folder.name} ({_human(size)}), left by an import that was stopped before it "
                       "could clean up")
    return removed


# ----------------------------------------------------------------- the steps


def _find_root(staging: Path, name: str, source: Path) -> Path:
    """The shallowest folder in ``staging`` that holds one of the dataset's marker patterns."""
    markers, layout = LAYOUTS[name]
    level = [staging]
    for _ in range(_SEARCH_DEPTH + 1):
        for folder in level:
            if any(next(folder.glob(pattern), None) is not None for pattern in markers):
                return folder
        level = sorted(
            sub for folder in level for sub in folder.iterdir()
            if sub.is_dir() and not sub.name.startswith((".", "__MACOSX"))
        )
    nested = sorted(
        _shown(file, staging) for file in staging.rglob("*")
        if file.is_file() and file.name.lower().endswith(NESTED_ARCHIVES)
    )
    if nested:
        shown = ", ".join(nested[:3]) + (f" and {len(nested) - 3} more" if len(nested) > 3 else "")
        raise DatasetError(
            f"{source} does not look like {name}: expected {layout}. It holds {shown}, an archive inside the "
            "download, which the importer does not extract: extract the download yourself and import that inner "
            "archive (or the folder it extracts to)."
        )
    raise DatasetError(f"{source} does not look like {name}: expected {layout}.")


def _left_out(staging: Path, root: Path) -> list[str]:
    """What the download holds beside the dataset's top folder (and its parents)."""
    extra = []
    folder = root
    while folder != staging:
        extra += [
            f"{_shown(sibling, staging)} (outside the dataset folder)"
            for sibling in sorted(folder.parent.iterdir()) if sibling != folder
        ]
        folder = folder.parent
    return extra


def _shown(path: Path, staging: Path) -> str:
    return path.relative_to(staging).as_posix() + ("/" if path.is_dir() else "")


def _check_known_files(name: str, root: Path, partial: bool) -> dict[str, str]:
    """SHA-256 (and header and row count for CSVs) of the dataset's fixed files."""
    found = {}
    for known in KNOWN_FILES:
        file = root / known.name
        if known.dataset != name or not file.is_file():
            continue
        found[known.name] = digest = assets.sha256(file)
        if known.sha256 and digest != known.sha256:
            raise DatasetError(
                f"{known.name} does not match the published file: SHA-256 {digest} instead of {known.sha256}. "
                "It is damaged or another version; download it again from the dataset's source."
            )
        if known.header is None and known.rows is None:
            continue
        with contextlib.closing(csv_rows(file, f"Download {known.name} again")) as lines:
            header = tuple(c.strip() for c in next(lines, (0, []))[1])
            rows = sum(1 for _, row in lines if row)
        if known.header and header != known.header:
            raise DatasetError(
                f"{known.name}, line 1: the header is {','.join(header)!r}, expected {','.join(known.header)!r}; "
                "this is not the published file. Download it again."
            )
        if known.rows and rows != known.rows and not partial:
            raise DatasetError(
                f"{known.name} has {rows:,} rows; the published file has {known.rows:,}. It is incomplete or "
                "another version: download it again (or pass --partial if you made a subset on purpose)."
            )
    return found


def _check_clips(dataset, root: Path) -> None:
    """Decode every frame of every clip now, not at the first ``sample()`` weeks later.

    A frame that does not decode raises the loader's :class:`DatasetError` naming the
    file; a clip that decodes to another number of frames than its header (a video)
    or its folder (frames) announces is refused here.
    """
    from tqdm.auto import tqdm

    table = dataset.table
    column = "file" if "file" in table.columns else "folder"
    for i in tqdm(range(len(dataset)), desc="decoding every clip", unit="clip", leave=False):
        frames = len(dataset.sample(i))
        expected = int(table["n_frames"].iloc[i])
        if frames != expected:
            announced = "its header announces" if column == "file" else "its folder holds"
            raise DatasetError(
                f"{root / table[column].iloc[i]}: {frames} frames decode, but {announced} {expected}. The clip is "
                "damaged: copy or download it again."
            )


def _splits(table) -> tuple[dict[str, int], dict[str, str], list[str]]:
    """Samples per split, how each split was obtained, and warnings for missing splits or none at all."""
    counts = table["split"].value_counts()
    split_counts = {side: int(counts[side]) for side in SPLITS if side in counts}
    sources, warned = {}, []
    if "split_source" in table.columns:
        made = [side for side in ("train", "val", "test")
                if (table.loc[table["split"] == side, "split_source"] == "made").any()]
        for side in split_counts:
            kinds = set(table.loc[table["split"] == side, "split_source"])
            others = [other for other in made if other != side]
            if kinds == {"official"}:
                sources[side] = "official" + (f", less the rows made into {' and '.join(others)}"
                                              if side == "train" and others else "")
            elif side == "train":
                sources[side] = "made: the rows left after making " + " and ".join(others)
            elif kinds == {"made"}:
                sources[side] = "made from the training rows, not an official split"
            else:
                sources[side] = "official and made"
    elif split_counts.keys() != {"unassigned"}:
        sources = {side: "from the download" for side in split_counts if side != "unassigned"}
    if split_counts and split_counts.keys() == {"unassigned"}:
        people = table["subject"].astype(str)
        advice = ("split by subject with fercourse.data.subject_split, or use fercourse.data.loso_folds, before "
                  "training" if (people != UNKNOWN_SUBJECT).any() else
                  "it records no subject ids either, so it cannot be split by subject: give each sample its person "
                  "(for video folders, a subjects.csv with the columns filename,subject)")
        warned.append(f"the download defines no train/val/test split: all {len(table)} samples are unassigned; "
                      + advice + ".")
    else:
        missing = [side for side in ("train", "val", "test") if side not in split_counts]
        if missing:
            present = [side for side in split_counts if side != "unassigned"]
            warned.append(f"the download has no {' and no '.join(missing)} split, only {' and '.join(present)}: "
                          "import the complete download, or make the missing split yourself before relying on it.")
    return split_counts, sources, warned


def _check(name: str, root: Path, partial: bool) -> ImportReport:
    """Check fixed files and load the whole dataset; the report's place is ``root``."""
    hashes = _check_known_files(name, root, partial)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        dataset = LOADERS[name](root)
    if dataset.kind == "video":
        _check_clips(dataset, root)
    elif name == "ckplus":  # imported as first and last frames, but a learner may read the sequences as clips
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # the same left-out items, reported above
            _check_clips(load_ckplus(root, video=True), root)
    table = dataset.table
    counts = table["label"].value_counts()
    notes = []
    if "notes" in table.columns:
        notes = [f"{row.folder}: {row.notes}" for row in table.itertuples() if row.notes]
    split_counts, split_sources, split_warnings = _splits(table)
    made = [str(w.message) for w in caught if issubclass(w.category, SplitWarning)]
    if made:  # the loader has said what is missing and what it did
        split_warnings = [w for w in split_warnings if "defines no train/val/test split" in w]
    return ImportReport(
        dataset=name,
        place=root,
        moved=False,
        kind=dataset.kind,
        samples=len(dataset),
        label_counts={label: int(counts.get(label, 0)) for label in dataset.labels if label in counts},
        subjects=sorted(table["subject"].unique()),
        sha256=hashes,
        left_out=[str(w.message) for w in caught
                  if issubclass(w.category, UserWarning) and not issubclass(w.category, SplitWarning)],
        notes=notes,
        split_counts=split_counts,
        split_sources=split_sources,
        description=dataset.description,
        warnings=made + split_warnings,
    )


def import_dataset(name: str, source, *, into=None, partial: bool = False, max_total_size=DEFAULT_LIMITS.total,
                   max_file_size=DEFAULT_LIMITS.file, max_ratio=DEFAULT_LIMITS.ratio) -> ImportReport:
    """Check the download ``source`` (archive, folder or file) and place it in ``data_dir()/name``.

    ``into`` places it elsewhere.  ``partial=True`` accepts fixed files whose row count
    differs from the published one (a subset made on purpose).  ``max_total_size``,
    ``max_file_size`` (bytes, or text such as ``"100G"``) and ``max_ratio`` raise the
    limits on what an archive may expand to (:data:`DEFAULT_LIMITS`).  Raises
    :class:`DatasetError` without writing anything into the destination when the
    destination already holds files, an archive member would escape it or is a link,
    the archive exceeds a limit or is damaged, or the dataset does not check out.  If
    ``source`` already is the destination, the dataset is only checked.
    """
    key = str(name).strip().lower()
    if key not in LOADERS:
        raise InvalidInputError(f"Unknown dataset {name!r}; the course can import: {', '.join(LOADERS)}.")
    limits = _limits(max_total_size, max_file_size, max_ratio)
    source = Path(source).expanduser()
    if not source.exists():
        raise DatasetError(
            f"{source} does not exist; give the downloaded archive (.zip, .tar, .tar.gz), "
            "the folder you extracted it to, or for fer2013 the CSV."
        )
    if not (source.is_file() or source.is_dir()):
        raise DatasetError(f"{source} is neither a file nor a folder; give the downloaded archive or a folder.")
    target = Path(into).expanduser() if into is not None else config.data_dir() / key
    if target.exists() and target.resolve() == source.resolve():
        return _check(key, target, partial)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise DatasetError(
            f"{target} already exists and is not empty. The importer never overwrites or deletes your files: "
            "move or rename that folder (or choose another place with --into) and run the import again."
        )
    if source.is_dir() and target.resolve().is_relative_to(source.resolve()):
        raise DatasetError(f"The destination {target} lies inside {source}; import from a folder outside it.")
    target.parent.mkdir(parents=True, exist_ok=True)
    stale = _remove_stale_staging(target.parent)
    staging = Path(tempfile.mkdtemp(prefix=f".{key}-import-", dir=target.parent))
    lock = open(staging / _LOCK, "w")  # held while this import runs: a later import sees it is not stale
    _lock(lock)
    content = staging / "content"  # made with the usual permissions (mkdtemp's are owner-only)
    kind = "folder" if source.is_dir() else "file"
    try:
        content.mkdir()
        kind = _stage(source, content, limits, target.parent)
        root = _find_root(content, key, source)
        report = _check(key, root, partial)
        report.left_out = _left_out(content, root) + report.left_out
        if target.exists():
            target.rmdir()  # an empty folder (checked above)
        os.replace(root, target)
    except FERCourseError as error:
        # The temporary folder is removed below: name the place in the learner's download instead.
        error.args = tuple(_in_download(a, staging, content, source, kind) if isinstance(a, str) else a
                           for a in error.args)
        raise
    finally:
        lock.close()
        shutil.rmtree(staging, ignore_errors=True)
    report.place, report.moved = target, True
    report.notes += stale
    for items in (report.left_out, report.notes, report.warnings):
        items[:] = [_in_download(item, staging, content, source, kind) for item in items]
    return report


def _in_download(text: str, staging: Path, content: Path, source: Path, kind: str) -> str:
    """``text`` with every path inside the import's temporary folder written as the place in the download.

    The temporary folder is gone when the learner reads a message, so a path in it helps
    nobody: ``<content>/<member>`` becomes ``<archive>, member <member>`` for an
    archive, ``<folder>/<path>`` for a folder, and the file itself for a single file.
    """
    pairs = []
    for base in dict.fromkeys([str(content), os.path.realpath(content)]):
        for sep in dict.fromkeys([os.sep, "/"]):
            if kind == "archive":
                pairs += [(base + sep, f"{source}, member "), (base, str(source))]
            else:  # a folder or a file was copied to <content>/<its name>
                pairs += [(base + sep + source.name, str(source)), (base + sep, str(source.parent) + sep),
                          (base, str(source.parent))]
    for base in dict.fromkeys([str(staging), os.path.realpath(staging)]):
        pairs.append((base, str(source)))
    for inner, outer in pairs:
        text = text.replace(inner, outer)
    return text


# ------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    """``python -m fercourse data import <dataset> <download>``; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m fercourse", description="Command-line tools of the course.")
    commands = parser.add_subparsers(dest="command", required=True)
    data = commands.add_parser("data", help="datasets in the data folder")
    actions = data.add_subparsers(dest="action", required=True)
    command = actions.add_parser(
        "import",
        help="check a dataset download and place it in the data folder",
        description=(
            "Check a dataset download and place it in the data folder "
            f"(set by {config.DATA_DIR_ENV}; now {config.data_dir()}). Existing files are never "
            "overwritten or deleted."
        ),
    )
    command.add_argument("dataset", choices=list(LOADERS), help="which dataset it is")
    command.add_argument("download", help="the downloaded archive (.zip, .tar, .tar.gz, ...), a folder, or fer2013.csv")
    command.add_argument("--into", metavar="FOLDER", help="place it in FOLDER instead of <data folder>/<dataset>")
    command.add_argument(
        "--partial", action="store_true", help="accept a fixed file with fewer or more rows (a subset made on purpose)"
    )
    command.add_argument(
        "--max-total-size", metavar="SIZE", default=DEFAULT_LIMITS.total,
        help="the most an archive may expand to in all (default 64G; K, M, G, T are powers of 1024)",
    )
    command.add_argument(
        "--max-file-size", metavar="SIZE", default=DEFAULT_LIMITS.file, help="the most one file may expand to (default 8G)"
    )
    command.add_argument(
        "--max-ratio", metavar="N", type=float, default=DEFAULT_LIMITS.ratio,
        help=f"the most a file or archive may expand, in times its compressed size (default {DEFAULT_LIMITS.ratio:g})",
    )
    args = parser.parse_args(argv)
    previous = None
    with contextlib.suppress(ValueError, AttributeError):  # not the main thread, or no SIGTERM: nothing to do
        # A plain `kill` ends the import like Ctrl-C does, so its temporary folder is removed.
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        report = import_dataset(args.dataset, args.download, into=args.into, partial=args.partial,
                                max_total_size=args.max_total_size, max_file_size=args.max_file_size,
                                max_ratio=args.max_ratio)
    except FERCourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    print(report)
    return 0
