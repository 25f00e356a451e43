"""The stored notebooks: listed in the table of contents, clean outputs, chapter structure."""

import json

import pytest

from notebook_policy import BOOK, ROOT, SETUP_CELL, book_notebooks, problems, toc_files

NOTEBOOKS = book_notebooks()
REPO = "fercourse/fercourse"


def test_the_book_has_notebooks():
    assert NOTEBOOKS, "book/ holds no notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_is_in_the_table_of_contents(path):
    entry = path.relative_to(ROOT).with_suffix("").as_posix()
    assert entry in toc_files(), f"{entry} is missing from _toc.yml, so the book would not show it"


def test_every_toc_entry_exists():
    missing = [e for e in toc_files() if not any((ROOT / f"{e}{s}").is_file() for s in (".ipynb", ".md"))]
    assert not missing


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_outputs_are_clean(path):
    assert problems(path) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_structure(path):
    cells = json.loads(path.read_text())["cells"]
    first = "".join(cells[0]["source"])
    assert first.startswith("# "), "a chapter opens with its title"
    assert f"colab.research.google.com/github/{REPO}/blob/main/{path.relative_to(ROOT).as_posix()}" in first
    assert "Learning objectives" in first
    assert "".join(cells[1]["source"]) == SETUP_CELL, "the second cell installs the package when missing, as everywhere"
    markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert "## Summary" in markdown and "## Exercises" in markdown
    assert markdown.count("{exercise}") == markdown.count("{solution-start}") >= 1
    assert markdown.count("{solution-start}") == markdown.count("{solution-end}")


def test_problem_detector_catches_bad_outputs(tmp_path):
    nb = {
        "cells": [
            {"cell_type": "code", "source": "1/0", "execution_count": 1, "metadata": {},
             "outputs": [{"output_type": "error", "ename": "ZeroDivisionError", "evalue": "x", "traceback": []}]},
            {"cell_type": "code", "source": "x", "execution_count": 2, "metadata": {},
             "outputs": [{"output_type": "stream", "name": "stderr", "text": "W0000 00:00:17 noise"}]},
            {"cell_type": "code", "source": "y", "execution_count": 3, "metadata": {},
             "outputs": [{"output_type": "stream", "name": "stdout", "text": "/root/x/site-packages/a.py"}]},
            {"cell_type": "code", "source": "z", "execution_count": None, "metadata": {}, "outputs": []},
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }
    path = tmp_path / "bad.ipynb"
    path.write_text(json.dumps(nb))
    found = "\n".join(problems(path))
    assert "stored error ZeroDivisionError" in found
    assert "stored stderr" in found
    assert "path of the machine" in found
    assert "never executed" in found
    assert BOOK.is_dir()
