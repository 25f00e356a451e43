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
   datasets every frame of every clip is decoded now, for the action-unit datasets
   (DISFA, BP4D) the first and last coded frame of every video or sequence;
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
FER+ holds no faces: import its label file ``fer2013new.csv`` (or the download of Microsoft's
FERPlus repository) after FER2013, whose ``fer2013.csv`` gives the faces, or import a folder
that holds both files.  SMIC is imported from its download's ``HS/`` folder (or the folder
above it); the loader reads the high-speed camera's micro-expression clips only.

Limits (see :data:`DEFAULT_LIMITS`): 64 GiB expanded in all, 8 GiB per file, and no
file or archive may expand more than 100 times beyond its compressed size (past its
first MiB).  Real datasets stay far below: FER2013's CSV is 0.3 GB and compresses about
3 times, CASME II and SAMM are a few GB of JPEG frames that hardly compress.  Raise a
limit with ``--max-total-size``, ``--max-file-size`` or ``--max-ratio`` (or the
keywords of :func:`import_dataset`).
"""

from fercourse.data.importer.cli import main
from fercourse.data.importer.limits import DEFAULT_LIMITS, Limits
from fercourse.data.importer.steps import KNOWN_FILES, LAYOUTS, ImportReport, KnownFile, import_dataset

__all__ = ["KnownFile", "KNOWN_FILES", "LAYOUTS", "Limits", "DEFAULT_LIMITS", "ImportReport", "import_dataset", "main"]
