"""Every chapter notebook runs to the end with real data, on stand-ins in the real download formats.

The stored outputs are those of the synthetic default.  This module checks the other
way of running the course: ``FERCOURSE_DATA=real`` with the small budget.  It writes
small stand-ins of the real downloads (:mod:`real_standins`: FER2013 in its three
forms, CASME II and SAMM, DISFA), imports each with the course's importer into a data
folder, and executes every notebook of the book against it.  A notebook passes when
every cell runs and no output calls the real data synthetic: the only mentions of
synthetic data allowed are a section's ``[real data] ... stays synthetic: <why>`` line
the live demos' stand-in clip when no camera is attached, and the stand-ins for your own
recorded faces before you have recorded any.

Each FER2013 form feeds different chapters, so all three are exercised; chapter 07
reads CASME II and SAMM together (the MEGC composite), and chapter 04b reads DISFA (beside FER2013).  Nothing is compared with the
stored outputs here: the numbers of a real-data run are not the book's.
"""

from __future__ import annotations

import re
import warnings

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from notebook_policy import BOOK, book_notebooks
from real_standins import write_standins

from fercourse.data.importer import import_dataset

NOTEBOOKS = book_notebooks()
#: Which FER2013 download each chapter reads (the others read none, or only the micro datasets).
FORM_OF = {"02_data": "fer2013", "04_classical": "fer2013-kaggle", "05_cnns": "fer2013-folders",
           "06_graphs": "fer2013-folders", "08_adversarial": "fer2013-kaggle"}
DEFAULT_FORM = "fer2013"
#: What a chapter that reads real data must say it shows.
NAMES_SHOWN = {"02_data": "FER2013", "04_classical": "FER2013", "05_cnns": "FER2013", "06_graphs": "FER2013",
               "08_adversarial": "FER2013", "07_temporal": "CASME II", "04b_action_units": "DISFA"}
ALLOWED = (
    re.compile(r"^\[real data\] .+ stays synthetic: .+"),  # a section that says why it keeps the generator
    re.compile(r"synthetic clip"),  # the live demos' stand-in for a webcam
    re.compile(r"^Stand-ins, not your faces"),  # data.own_faces(standins=True) before you record your face
)
TIMEOUT = 900


@pytest.fixture(scope="module")
def data_folders(tmp_path_factory):
    """One data folder per FER2013 form, each also holding CASME II and SAMM; the default one also SMIC and DISFA."""
    root = tmp_path_factory.mktemp("real-data")
    downloads = write_standins(root / "downloads", n_faces=300, n_clips=8, seed=0)
    downloads.update(write_standins(root / "downloads-au", seed=0, only=["disfa"]))
    downloads.update(write_standins(root / "downloads-smic", n_clips=8, seed=0, only=["smic"]))
    folders = {}
    for form in ("fer2013", "fer2013-kaggle", "fer2013-folders"):
        folder = root / form
        with warnings.catch_warnings():  # the folder version has no validation split: the loader says so
            warnings.simplefilter("ignore", UserWarning)
            import_dataset("fer2013", downloads[form], into=folder / "fer2013", partial=True)
        for name in ("casme2", "samm") + (("smic", "disfa") if form == DEFAULT_FORM else ()):
            import_dataset(name, downloads[name], into=folder / name)
        folders[form] = folder
    return folders


def _text(output) -> str:
    if output.get("output_type") == "stream":
        return output.get("text", "")
    if output.get("output_type") == "error":
        return "\n".join(output.get("traceback", []))
    return output.get("data", {}).get("text/plain", "")


def _called_synthetic(nb) -> list[str]:
    bad = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("name") == "stderr":
                continue  # progress bars and library warnings
            for line in _text(output).splitlines():
                if "synthetic" in line.lower() and not any(p.search(line) for p in ALLOWED):
                    bad.append(f"cell {index}: {line.strip()[:200]}")
    return bad


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_runs_with_real_data(path, data_folders, monkeypatch):
    monkeypatch.setenv("FERCOURSE_DATA", "real")
    monkeypatch.setenv("FERCOURSE_BUDGET", "small")
    monkeypatch.setenv("FERCOURSE_DATA_DIR", str(data_folders[FORM_OF.get(path.stem, DEFAULT_FORM)]))
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(BOOK)}})
    try:
        client.execute()
    except CellExecutionError as error:
        pytest.fail(f"{path.name} stops with real data:\n{str(error)[-3000:]}", pytrace=False)
    bad = _called_synthetic(nb)
    assert not bad, f"{path.name} calls real data synthetic:\n" + "\n".join(bad)
    if path.stem in NAMES_SHOWN:
        shown = "\n".join(_text(o) for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
        assert NAMES_SHOWN[path.stem] in shown, f"{path.name} never says that it shows {NAMES_SHOWN[path.stem]}"
