"""The steps of an import: stage the download, find the dataset in it, check it, move it into place."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from fercourse import assets, config
from fercourse.data.importer.archives import stage_download
from fercourse.data.importer.limits import DEFAULT_LIMITS, resolve_limits
from fercourse.data.importer.staging import LOCK, import_lock, remove_stale_staging
from fercourse.data.loaders import LOADERS, SplitWarning, load_ckplus
from fercourse.data.loaders.common import NESTED_ARCHIVES, csv_rows
from fercourse.data.loaders.ferplus import FERPLUS_FILE, FERPLUS_HEADER
from fercourse.dataset import SPLITS, UNKNOWN_SUBJECT
from fercourse.errors import DatasetError, FERCourseError, InvalidInputError

__all__ = ["KNOWN_FILES", "LAYOUTS", "ImportReport", "KnownFile", "import_dataset"]


@dataclass(frozen=True)
class KnownFile:
    """A file that every copy of a dataset has byte for byte, and what is known about it.

    ``sha256`` stays ``None`` until a maintainer has checked the published file; the
    importer then prints the checksum it finds instead of comparing it.

    Parameters
    ----------
    dataset : str
        The dataset's name (``"fer2013"``).
    name : str
        The file's path inside the dataset folder.
    sha256 : str or None
        The published file's SHA-256 in hex, or ``None`` where none is recorded.
    rows : int or None
        The data rows of a CSV, the header not counted.
    header : tuple of str or None
        The column names of a CSV, without surrounding spaces.
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
    # FER+'s label file (Microsoft's FERPlus repository): one row for every row of fer2013.csv, which may sit
    # beside it.
    KnownFile("ferplus", FERPLUS_FILE, sha256=None, rows=35_887, header=FERPLUS_HEADER),
    KnownFile("ferplus", "fer2013.csv", sha256=None, rows=35_887, header=("emotion", "pixels", "Usage")),
    KnownFile("ferplus", "icml_face_data.csv", sha256=None, rows=35_887, header=("emotion", "Usage", "pixels")),
]

#: Per dataset: glob patterns that mark its top folder inside a download, and the layout in words.
LAYOUTS: dict[str, tuple[tuple[str, ...], str]] = {
    "fer2013": (
        ("fer2013.csv", "icml_face_data.csv", "train.csv", "train/*/*", "test/*/*", "*.csv"),
        "fer2013.csv (emotion,pixels,Usage; the classic fer2013.tar.gz), or Kaggle's competition download "
        "(icml_face_data.csv and/or train.csv, with test.csv), or Kaggle's folder version (train/<emotion>/*.png and "
        "test/<emotion>/*.png)",
    ),
    "ferplus": (
        (FERPLUS_FILE,),
        f"{FERPLUS_FILE} (FER+'s label file from Microsoft's FERPlus repository, or the repository's download), "
        "alone or beside FER2013's fer2013.csv; alone, its faces are read from the imported FER2013 (import fer2013 "
        "first)",
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
    "smic": (
        ("HS/s*/micro/*/*", "s*/micro/*/*"),
        "HS/s1/micro/negative/s1_ne_01/image000001.bmp ... (SMIC-HS: one folder of frames a clip under "
        "HS/<subject>/micro/<negative|positive|surprise>/; non_micro/, NIR/ and VIS/ may be there too and are not "
        "read)",
    ),
    "baum": (("*/*.mp4", "*/*.avi", "*/*.mov", "*/*.mkv"), "<label>/*.mp4 or *.avi, optionally subjects.csv"),
    "disfa": (
        ("ActionUnit_Labels/SN*/SN*_au*.txt",),
        "ActionUnit_Labels/SN001/SN001_au1.txt ... beside Videos_LeftCamera/LeftVideoSN001_comp.avi ... "
        "(DISFA comes as several archives: extract the labels and the videos into one folder and import that folder)",
    ),
    "bp4d": (
        ("AUCoding/AU_OCC/*.csv",),
        "AUCoding/AU_OCC/F001_T1.csv ... (and optionally AUCoding/AU_INT/) beside Sequences/F001/T1/0001.jpg ... "
        "(put the AU codes and the extracted frames in one folder and import that folder)",
    ),
}
#: Datasets of lazy frames (one row a coded frame): the first and last frame of each recording are read at import.
_FRAME_DATASETS = {"disfa": "camera", "bp4d": "task"}
_SEARCH_DEPTH = 4


@dataclass
class ImportReport:
    """What an import checked and did; ``str(report)`` is the summary the command prints.

    Parameters
    ----------
    dataset : str
        The dataset's name.
    place : pathlib.Path
        The folder that holds the dataset now.
    moved : bool
        Whether the import placed it there (``False``: it was checked where it was).
    kind : str
        ``"image"`` or ``"video"``.
    samples : int
        How many images or clips the dataset has.
    label_counts : dict of str to int
        Samples per label.
    subjects : list of str
        The subject ids, sorted.
    sha256 : dict of str to str
        The SHA-256 of each fixed file found, by its path in the dataset folder.
    left_out : list of str
        What the download holds that is not part of the dataset.
    notes : list of str
        Repairs the loader made and temporary folders removed.
    split_counts : dict of str to int
        Samples per split.
    split_sources : dict of str to str
        How each split was obtained.
    description : str
        The loader's sentences about the data.
    warnings : list of str
        The summary's WARNING lines.
    """

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


def _check_frames(dataset, recording: str) -> None:
    """Read the first and last kept frame of every video or sequence now (a truncated video, a damaged JPEG).

    Reading every frame of an action-unit dataset would take hours; its ends show most damage.
    """
    from tqdm.auto import tqdm

    groups = dataset.table.groupby(["subject", recording], sort=False).indices
    for rows in tqdm(groups.values(), desc="reading the ends of every recording", unit="recording", leave=False):
        for i in dict.fromkeys((int(rows[0]), int(rows[-1]))):
            dataset.sample(i)


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
    elif name in _FRAME_DATASETS:
        _check_frames(dataset, _FRAME_DATASETS[name])
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

    Parameters
    ----------
    name : str
        The dataset's name, a key of :data:`~fercourse.data.loaders.LOADERS`.
    source : str or pathlib.Path
        The download: an archive (``.zip``, ``.tar``, ``.tar.gz`` ...), a folder or a file.
    into : str or pathlib.Path or None
        Where to place the dataset; ``None`` means ``data_dir()/<name>``.
    partial : bool
        Accept fixed files with another row count than the published one.
    max_total_size : int or str
        The most an archive may expand to in all.
    max_file_size : int or str
        The most one member may expand to.
    max_ratio : float
        The most a member or the archive may expand, in times its compressed size.

    Returns
    -------
    ImportReport
        What was checked and where the dataset is now; ``print`` it for the summary.

    Raises
    ------
    InvalidInputError
        If the dataset name or a limit is invalid.
    DatasetError
        If the download is refused or does not check out; nothing is placed then.
    """
    key = str(name).strip().lower()
    if key not in LOADERS:
        raise InvalidInputError(f"Unknown dataset {name!r}; the course can import: {', '.join(LOADERS)}.")
    limits = resolve_limits(max_total_size, max_file_size, max_ratio)
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
    stale = remove_stale_staging(target.parent)
    staging = Path(tempfile.mkdtemp(prefix=f".{key}-import-", dir=target.parent))
    lock = open(staging / LOCK, "w")  # held while this import runs: a later import sees it is not stale
    import_lock(lock)
    content = staging / "content"  # made with the usual permissions (mkdtemp's are owner-only)
    kind = "folder" if source.is_dir() else "file"
    try:
        content.mkdir()
        kind = stage_download(source, content, limits, target.parent)
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
