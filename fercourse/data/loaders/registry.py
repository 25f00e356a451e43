"""Every loader by dataset name, and :func:`load`, which picks one."""

from __future__ import annotations

from fercourse.data.loaders.actionunits import load_bp4d, load_disfa
from fercourse.data.loaders.fer2013 import load_fer2013
from fercourse.data.loaders.ferplus import load_ferplus
from fercourse.data.loaders.micro import load_casme2, load_samm, load_smic
from fercourse.data.loaders.posed import load_ckplus, load_jaffe
from fercourse.data.loaders.videos import load_video_folders
from fercourse.dataset import Dataset
from fercourse.errors import InvalidInputError

__all__ = ["LOADERS", "load"]

#: Every loader by dataset name (the names of the folders under ``data_dir()``).
LOADERS = {
    "fer2013": load_fer2013,
    "ferplus": load_ferplus,
    "ckplus": load_ckplus,
    "jaffe": load_jaffe,
    "casme2": load_casme2,
    "samm": load_samm,
    "smic": load_smic,
    "baum": load_video_folders,
    "disfa": load_disfa,
    "bp4d": load_bp4d,
}


def load(name: str, root=None) -> Dataset:
    """Load a dataset by name (``fer2013``, ``ferplus``, ``ckplus``, ``jaffe``, ``casme2``, ``samm``, ``smic``,
    ``baum``, ``disfa``, ``bp4d``).

    Parameters
    ----------
    name : str
        The dataset's name, a key of :data:`LOADERS` (case and surrounding spaces do not matter).
    root : str or pathlib.Path or None
        The dataset's folder; ``None`` reads ``data_dir()/<name>``.

    Returns
    -------
    Dataset
        What the dataset's loader returns, with its default options.

    Raises
    ------
    InvalidInputError
        If the course has no loader of that name.
    """
    key = str(name).strip().lower()
    if key not in LOADERS:
        raise InvalidInputError(f"Unknown dataset {name!r}; the course can load: {', '.join(LOADERS)}.")
    return LOADERS[key](root)
