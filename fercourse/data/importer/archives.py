"""Archive safety: check every member before writing, extract the importer's own way, copy folders."""

from __future__ import annotations

import contextlib
import gzip
import lzma
import os
import posixpath
import re
import shutil
import stat
import tarfile
import zipfile
import zlib
from pathlib import Path

from fercourse.data.importer.limits import Limits, Budget, check_space
from fercourse.errors import DatasetError

__all__: list[str] = []

_UNPACK_FIRST = (".rar", ".7z")

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


def _zip_members(archive: Path, handle: zipfile.ZipFile, budget: Budget) -> list[tuple[zipfile.ZipInfo, list[str]]]:
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


def _tar_members(archive: Path, handle: tarfile.TarFile, budget: Budget) -> list[tuple[tarfile.TarInfo, list[str]]]:
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


def _write(source, target: Path, budget: Budget, name: str) -> int:
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
    budget = Budget(archive, limits)
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
            check_space(into, declared, f"Extracting {archive.name}", destination)
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
    check_space(into, total, f"Copying {source.name}", destination)
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


def stage_download(source: Path, into: Path, limits: Limits, destination: Path | None = None) -> str:
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
