"""Your own face as a test set: labelled snapshots kept in the data folder, never uploaded.

A model trained on synthetic faces has to prove itself on real ones, and the real face a
learner always has at hand is their own.  :func:`add_own_face` stores one labelled image
(a webcam snapshot, ``Webcam.snapshot()``, or a photo) as a PNG under
``data_dir()/own_faces/<label>/``; :func:`own_faces` reads them back as a
:class:`~fercourse.data.Dataset` that :func:`fercourse.live.evaluate` runs every model on.
Nothing here touches the network.  Without any recorded face, ``standins=True`` gives the
astronaut photo and a few synthetic portraits instead, and the description says so.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from fercourse import config
from fercourse.dataset import Dataset
from fercourse.emotions import FER2013_LABELS
from fercourse.errors import DatasetError, InvalidInputError

__all__ = ["OWN_FACES", "add_own_face", "own_faces", "own_faces_folder"]

#: The folder under :func:`fercourse.config.data_dir` that holds your labelled faces.
OWN_FACES = "own_faces"
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
_NAME = re.compile(r"^[a-z]+-(\d{3,})\.png$")


def own_faces_folder(folder=None) -> Path:
    """Where your faces are kept: ``folder``, or ``data_dir()/own_faces``.

    Parameters
    ----------
    folder : str or os.PathLike, optional
        Another folder to use.

    Returns
    -------
    pathlib.Path
        The folder (it may not exist yet).
    """
    return Path(folder) if folder is not None else config.data_dir() / OWN_FACES


def add_own_face(image, label: str, folder=None) -> Path:
    """Keep one labelled image of your face as ``<folder>/<label>/<label>-NNN.png``.

    The file is written to a temporary name and then renamed, so an interrupted call
    leaves no half-written image, and an existing file is never overwritten.

    Parameters
    ----------
    image : array_like or path
        Anything :func:`fercourse.face.as_rgb` takes: a ``Webcam.snapshot()``, an RGB or
        grey array, or a photo's path.
    label : str
        The expression you made: one of :data:`fercourse.emotions.FER2013_LABELS`.
    folder : str or os.PathLike, optional
        Where to keep it (default :func:`own_faces_folder`).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    InvalidInputError
        If the label is unknown or the image is not an image.
    """
    import cv2

    from fercourse import face

    if label not in FER2013_LABELS:
        raise InvalidInputError(f"label must be one of {', '.join(FER2013_LABELS)}, got {label!r}.")
    image = face.as_rgb(image, "image")
    target = own_faces_folder(folder) / label
    target.mkdir(parents=True, exist_ok=True)
    numbers = [int(m.group(1)) for p in target.iterdir() if (m := _NAME.match(p.name))]
    ok, encoded = cv2.imencode(".png", np.ascontiguousarray(image[..., ::-1]))
    if not ok:  # pragma: no cover - cv2 encodes any checked uint8 image
        raise InvalidInputError(f"The image could not be encoded as PNG (shape {image.shape}).")
    handle, temporary = tempfile.mkstemp(suffix=".tmp", dir=target)
    with os.fdopen(handle, "wb") as out:
        out.write(encoded.tobytes())
    number = max(numbers, default=0) + 1
    while True:
        file = target / f"{label}-{number:03d}.png"
        try:
            os.link(temporary, file)  # fails if the name is taken: nothing is overwritten
            break
        except FileExistsError:
            number += 1
        except OSError:  # a file system without hard links
            if not file.exists():
                os.replace(temporary, file)
                return file
            number += 1
    os.unlink(temporary)
    return file


def own_faces(standins: bool = False, folder=None) -> Dataset:
    """Your labelled faces from :func:`add_own_face` (or images you put there yourself).

    Every ``<folder>/<label>/*.png|jpg|jpeg`` is one face of that expression; folders
    that are not expression names are refused with the list of valid ones.  Each
    image is read with :func:`fercourse.face.load_image`, which refuses files that
    are not images or are too large.

    Parameters
    ----------
    standins : bool
        When no face is recorded yet, return stand-ins instead of raising: the
        astronaut photo (happy) and two synthetic colour portraits of each
        expression; the description says so.
    folder : str or os.PathLike, optional
        Where the faces are (default :func:`own_faces_folder`).

    Returns
    -------
    Dataset
        ``"own faces"`` (or ``"stand-ins"``): ``samples`` a list of RGB images of
        any size; ``table`` with ``label``, ``subject`` (``"you"``), ``split``
        (``"test"``) and ``file``.

    Raises
    ------
    DatasetError
        If there is no face yet (and ``standins`` is false), or a folder is not an
        expression name.
    InvalidInputError
        If a file cannot be read as an image.
    """
    from fercourse import face

    root = own_faces_folder(folder)
    shown = str(root) if folder is not None else f"the data directory's {OWN_FACES}/ folder"
    files = []
    if root.is_dir():
        for sub in sorted(p for p in root.iterdir() if p.is_dir()):
            if sub.name not in FER2013_LABELS:
                raise DatasetError(f"{sub} is not an expression name; name the folders {', '.join(FER2013_LABELS)}.")
            files += [(sub.name, p) for p in sorted(sub.iterdir())
                      if p.is_file() and p.suffix.lower() in _IMAGE_SUFFIXES]
    if files:
        samples = [face.load_image(p) for _, p in files]
        table = pd.DataFrame({"label": [label for label, _ in files], "subject": "you", "split": "test",
                              "file": [str(p) for _, p in files]})
        faces = Dataset("own faces", "image", FER2013_LABELS, samples, table)
        counts = table["label"].value_counts()
        faces.description = (f"Your own faces from {shown}: {len(faces)} images ("
                             + ", ".join(f"{counts[k]} {k}" for k in FER2013_LABELS if k in counts) + ").")
        return faces
    how = ("record some with data.add_own_face(live.snapshot(widget=run.widget), label), or put images in "
           f"{OWN_FACES}/<label>/ there")
    if not standins:
        raise DatasetError(f"No faces of yours are recorded in {root} yet; {how}.")
    return _standins(shown, how)


def _standins(shown: str, how: str) -> Dataset:
    from skimage.data import astronaut

    from fercourse import synth

    portraits = synth.faces(2 * len(FER2013_LABELS), size=256, color=True, framing="portrait", seed=11,
                            occlusion_rate=0.0, max_pose=(15.0, 10.0, 10.0), intensity=(0.8, 1.0), split=None)
    samples = [astronaut()] + [portraits.sample(i) for i in range(len(portraits))]
    table = pd.DataFrame({"label": ["happy"] + portraits.table["label"].tolist(),
                          "subject": ["astronaut"] + [f"synthetic {s}" for s in portraits.table["subject"]],
                          "split": "test", "file": ["skimage.data.astronaut"] + ["synthetic"] * len(portraits)})
    faces = Dataset("stand-ins", "image", FER2013_LABELS, samples, table)
    faces.description = (f"Stand-ins, not your faces: none are recorded in {shown} yet, so these are the astronaut "
                         f"photo (happy) and {len(portraits)} synthetic portraits (two of each expression); {how}.")
    return faces
