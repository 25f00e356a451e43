"""Check a dataset download and put it where the course looks for it.

From a terminal::

    python -m fercourse data import fer2013 ~/Downloads/fer2013.tar.gz
    python -m fercourse data import casme2 ~/Downloads/CASME2/        # a folder works too

or from Python, ``import_dataset("fer2013", "fer2013.tar.gz")``.  The importer

1. refuses at once if the destination (``data_dir()/<dataset>``, or ``--into``) already
   holds files: it never overwrites or deletes anything of yours;
2. checks every member of an archive before writing anything: a member whose path
   would land outside the destination (``../x``, ``/etc/x``, a link pointing out of it)
   stops the import;
3. extracts (or copies) into a temporary folder beside the destination, finds the
   dataset's top folder inside it, checks fixed files (size, header, SHA-256) and
   loads the whole dataset with its loader, which validates every file;
4. only then moves the dataset into place in one rename, and prints a summary:
   samples per label, subjects, what was left out, the SHA-256 of fixed files.

If anything fails, the temporary folder is removed and your download is untouched.
"""

from __future__ import annotations

import argparse
import csv
import os
import posixpath
import re
import shutil
import stat
import sys
import tarfile
import tempfile
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from fercourse import config
from fercourse.assets import _sha256
from fercourse.data.loaders import LOADERS
from fercourse.errors import DatasetError, FERCourseError, InvalidInputError

__all__ = ["KnownFile", "KNOWN_FILES", "LAYOUTS", "ImportReport", "import_dataset", "main"]


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
]

#: Per dataset: glob patterns that mark its top folder inside a download, and the layout in words.
LAYOUTS: dict[str, tuple[tuple[str, ...], str]] = {
    "fer2013": (
        ("fer2013.csv", "train/*/*", "test/*/*", "*.csv"),
        "fer2013.csv (emotion,pixels,Usage), or train/<emotion>/*.png and test/<emotion>/*.png",
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

    def __str__(self) -> str:
        what = "images" if self.kind == "image" else "clips"
        action = "checked and placed in" if self.moved else "checked in place at"
        lines = [f"{self.dataset}: {self.samples} {what} {action} {self.place}"]
        lines.append("  per label: " + ", ".join(f"{k} {v}" for k, v in self.label_counts.items()))
        if self.subjects == ["unknown"]:
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
        return "\n".join(lines)


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


def _check_zip(archive: Path, handle: zipfile.ZipFile) -> None:
    members = handle.infolist()
    for info in members:
        if _escapes(info.filename):
            _refuse(archive, info.filename, "has an absolute path or climbs out with '..'")
        if info.flag_bits & 0x1:
            raise DatasetError(
                f"{archive} is password-protected ({info.filename}); extract it yourself with the password "
                "the dataset's owners gave you, then import the extracted folder."
            )
    for info in members:
        if stat.S_ISLNK(info.external_attr >> 16):
            target = handle.read(info).decode("utf-8", "replace")
            if _escapes(target, posixpath.dirname(info.filename)):
                _refuse(archive, info.filename, f"is a link to {target!r}")


def _check_tar(archive: Path, members: list[tarfile.TarInfo]) -> None:
    for member in members:
        if _escapes(member.name):
            _refuse(archive, member.name, "has an absolute path or climbs out with '..'")
        if member.issym() and _escapes(member.linkname, posixpath.dirname(member.name)):
            _refuse(archive, member.name, f"is a link to {member.linkname!r}")
        if member.islnk() and _escapes(member.linkname):
            _refuse(archive, member.name, f"is a hard link to {member.linkname!r}")
        if member.isdev():
            _refuse(archive, member.name, "is a device file")


def _bar(total: int, desc: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="B", unit_scale=True, leave=False)


def _extract(archive: Path, into: Path) -> None:
    """Check every member first, then extract them all into ``into``."""
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as handle:
                _check_zip(archive, handle)
                members = handle.infolist()
                with _bar(sum(m.file_size for m in members), f"extracting {archive.name}") as bar:
                    for member in members:
                        handle.extract(member, into)
                        bar.update(member.file_size)
        else:
            with tarfile.open(archive) as handle:
                members = handle.getmembers()
                _check_tar(archive, members)
                # Python's own "data" filter (3.11.4 and later) repeats the checks above while extracting.
                safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
                with _bar(sum(m.size for m in members), f"extracting {archive.name}") as bar:
                    for member in members:
                        handle.extract(member, into, **safe)
                        bar.update(member.size)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error) as error:
        raise DatasetError(
            f"{archive} is damaged and cannot be extracted ({type(error).__name__}: {error}); "
            "the download was probably cut short. Download it again."
        ) from None


def _copy(source: Path, into: Path) -> None:
    """Copy a file or folder into ``into`` with a progress bar (the original is not touched)."""
    files = [source] if source.is_file() else [p for p in source.rglob("*") if p.is_file()]
    with _bar(sum(f.stat().st_size for f in files), f"copying {source.name}") as bar:

        def copy(src, dst):
            shutil.copy2(src, dst)
            bar.update(os.path.getsize(src))

        if source.is_file():
            copy(source, into / source.name)
        else:
            shutil.copytree(source, into / source.name, copy_function=copy)


def _stage(source: Path, into: Path) -> None:
    if source.is_dir():
        _copy(source, into)
    elif source.suffix.lower() in _UNPACK_FIRST:
        raise DatasetError(
            f"{source} is a {source.suffix} archive, which Python cannot unpack; extract it with a tool such "
            "as 7-Zip, then import the extracted folder."
        )
    elif zipfile.is_zipfile(source) or tarfile.is_tarfile(source):
        _extract(source, into)
    else:
        _copy(source, into)


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
        found[known.name] = digest = _sha256(file)
        if known.sha256 and digest != known.sha256:
            raise DatasetError(
                f"{known.name} does not match the published file: SHA-256 {digest} instead of {known.sha256}. "
                "It is damaged or another version; download it again from the dataset's source."
            )
        if known.header is None and known.rows is None:
            continue
        with file.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = tuple(c.strip() for c in next(reader, []))
            rows = sum(1 for row in reader if row)
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


def _check(name: str, root: Path, partial: bool) -> ImportReport:
    """Check fixed files and load the whole dataset; the report's place is ``root``."""
    hashes = _check_known_files(name, root, partial)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        dataset = LOADERS[name](root)
    table = dataset.table
    counts = table["label"].value_counts()
    notes = []
    if "notes" in table.columns:
        notes = [f"{row.folder}: {row.notes}" for row in table.itertuples() if row.notes]
    return ImportReport(
        dataset=name,
        place=root,
        moved=False,
        kind=dataset.kind,
        samples=len(dataset),
        label_counts={label: int(counts.get(label, 0)) for label in dataset.labels if label in counts},
        subjects=sorted(table["subject"].unique()),
        sha256=hashes,
        left_out=[str(w.message) for w in caught if issubclass(w.category, UserWarning)],
        notes=notes,
    )


def import_dataset(name: str, source, *, into=None, partial: bool = False) -> ImportReport:
    """Check the download ``source`` (archive, folder or file) and place it in ``data_dir()/name``.

    ``into`` places it elsewhere.  ``partial=True`` accepts fixed files whose row count
    differs from the published one (a subset made on purpose).  Raises
    :class:`DatasetError` without writing anything into the destination when the
    destination already holds files, an archive member would escape it, or the
    dataset does not check out.  If ``source`` already is the destination, the dataset
    is only checked.
    """
    key = str(name).strip().lower()
    if key not in LOADERS:
        raise InvalidInputError(f"Unknown dataset {name!r}; the course can import: {', '.join(LOADERS)}.")
    source = Path(source).expanduser()
    if not source.exists():
        raise DatasetError(
            f"{source} does not exist; give the downloaded archive (.zip, .tar, .tar.gz), "
            "the folder you extracted it to, or for fer2013 the CSV."
        )
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
    staging = Path(tempfile.mkdtemp(prefix=f".{key}-import-", dir=target.parent))
    try:
        content = staging / "content"  # made with the usual permissions (mkdtemp's are owner-only)
        content.mkdir()
        _stage(source, content)
        root = _find_root(content, key, source)
        report = _check(key, root, partial)
        report.left_out = _left_out(content, root) + report.left_out
        if target.exists():
            target.rmdir()  # an empty folder (checked above)
        os.replace(root, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report.place, report.moved = target, True
    return report


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
    args = parser.parse_args(argv)
    try:
        report = import_dataset(args.dataset, args.download, into=args.into, partial=args.partial)
    except FERCourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(report)
    return 0
