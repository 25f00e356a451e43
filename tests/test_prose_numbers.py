"""Figures in the prose cannot drift from the stored outputs.

Every *figure* (a number written with a decimal point: 0.548, .75, the 65.5 of "65.5 %") in
a markdown cell of a book notebook must be

(a) printed in that notebook's stored outputs (stream text, text/plain, text/html,
    text/markdown), exactly as written and as a whole number token: 0.54 is not found in
    0.548 or 10.5481, and "about 0.45" is not found in 0.452.  A percentage also counts when
    the output prints the proportion (65.5 % and 0.655), and a proportion when the output
    prints the percentage with its % sign (0.655 and 65.5 %); nothing else is converted;
(b) a published figure next to its source: a {cite}, {cite:p} or {cite:t} role in the same
    sentence, or in the same list item or table row; or
(c) listed in ALLOWED below, with a one-line reason: parameters and settings written in the
    prose, and arithmetic that no re-execution can change.  Never a result of a code cell.

Not read at all (see tests/notebook_policy.py): code, that is fenced code blocks and inline
`code` (so the parameters a learner types, `smoothing=0.5`, need no entry), math ($…$ and
$$…$$), URLs, link targets and DOIs, HTML tags, directive options (`:alt: …`), version numbers
with two or more dots (3.11.4) and section numbers (one that opens a heading of the notebook,
"### 7.1 · …", wherever it appears there).  Numbers without a decimal point are not figures.

How to fix a failure: copy the number exactly as the output prints it (or print it in a code
cell), cite its source in the same sentence, or, only for a parameter or fixed arithmetic,
add it to ALLOWED.
"""

import json

import pytest

from notebook_policy import book_notebooks, prose_figures, unsupported_figures

NOTEBOOKS = book_notebooks()

# (notebook name without suffix, figure as written, why it is not an output)
ALLOWED = [
    ("01_background", "2.5", "arithmetic: at 200 fps a frame is within half of 5 ms of the apex"),
    ("03_preprocessing", "0.5", "IoU threshold at which a detection counts as a hit (a setting)"),
    ("03_preprocessing", "1.05", "arithmetic on the crop defaults: 2.1 d / 2"),
    ("03_preprocessing", "1.07", "arithmetic on the crop defaults: 3.2 d / 3"),
    ("03_preprocessing", "2.13", "arithmetic on the crop defaults: 3.2 d x 2/3"),
    ("03_preprocessing", "0.05", "worked example of the IOD unit (0.05 IOD of 6 cm is 3 mm)"),
    ("04_classical", "0.6", "default `close` threshold of features.detect_blinks"),
    ("04_classical", "0.85", "default `reopen` threshold of features.detect_blinks"),
    ("04_classical", "0.03", "exercise parameter: standard deviation of the added noise"),
    ("04_classical", "0.1", "worked example: how few frames a 0.1 s blink is shut at 30 fps"),
    ("05_cnns", "0.5", "exercise parameter: lowest temperature T to try"),
    ("07_temporal", "1.5", "clip length of the embedded default data set (a setting)"),
    ("07_temporal", "0.25", "lower bound of the generator's micro-expression intensity (a setting)"),
    ("07_temporal", "0.5", "upper bound of the generator's intensity; MEGC's IoU threshold for spotting"),
    ("live_demos", "0.15", "exercise parameter: EAR below which the eyes count as closed"),
]


def allowed_in(path):
    return {figure for name, figure, _ in ALLOWED if name == path.stem}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_figures_in_prose_are_in_outputs_or_cited(path):
    bad = unsupported_figures(path, allowed_in(path))
    if bad:
        lines = [f'  cell {f.cell}: {f.figure}{" %" if f.percent else ""} in "{f.sentence}"' for f in bad]
        pytest.fail(
            f"{path.name}: {len(bad)} figure(s) in the prose are neither printed in the stored outputs "
            "(exactly, as a whole number) nor cited in the same sentence, list item or table row:\n"
            + "\n".join(lines)
            + "\nCopy the number as the output prints it, cite its source in the same sentence, or, for "
            "a parameter or fixed arithmetic only, add it to ALLOWED in tests/test_prose_numbers.py.",
            pytrace=False,
        )


def test_allowlist_entries_are_still_needed_somewhere():
    """Each entry names a notebook and a figure its prose still contains, with a reason."""
    by_name = {p.stem: p for p in NOTEBOOKS}
    for name, figure, reason in ALLOWED:
        assert name in by_name, f"ALLOWED names {name}, which is not a book notebook"
        assert reason.strip(), f"ALLOWED entry {name} {figure} has no reason"
        written = {f.figure for f in prose_figures(json.loads(by_name[name].read_text()))}
        assert figure in written, f"ALLOWED entry {name} {figure}: the prose no longer has it; remove it"
    assert len({(n, f) for n, f, _ in ALLOWED}) == len(ALLOWED), "ALLOWED lists an entry twice"


def _markdown(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _code(output):
    return {"cell_type": "code", "execution_count": 1, "metadata": {}, "source": "print(...)",
            "outputs": [{"output_type": "stream", "name": "stdout", "text": output}]}


def test_checker_on_a_small_notebook(tmp_path):
    nb = {
        "cells": [
            _code("accuracy 0.548, recall 10.5481\n"),
            _code("share 0.655, kept 91.2 %\n"),
            _markdown(
                "The model reaches 0.548 on the test split. Its recall is 0.54, they say.\n\n"
                "A published VGG reaches 73.28 % {cite:p}`khaireddin2021facial`. About 65.5 % of\n"
                "faces are kept, a share of 0.912. The old value was 0.731.\n\n"
                "| method | UF1 |\n|---|---|\n| LBP-TOP {cite:p}`see2019megc` | 0.588 |\n| ours | 0.612 |\n\n"
                "- a list item {cite:t}`see2019megc` with 0.42 in a later sentence. Still 0.43.\n\n"
                "### 7.1 · A section\n\nAs section 7.1 shows, call `fit(alpha=0.25)` or $x^{0.5}$; "
                "see https://doi.org/10.1000/x.5 and Python 3.11.4, e.g. 0.777.\n"
            ),
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }
    path = tmp_path / "tiny.ipynb"
    path.write_text(json.dumps(nb))

    flagged = {f.figure: f for f in unsupported_figures(path)}
    assert "0.548" not in flagged  # printed by the first cell
    assert "0.54" in flagged  # not matched inside 0.548 (nor 10.5481)
    assert flagged["0.54"].sentence == "Its recall is 0.54, they say."
    assert flagged["0.54"].cell == 2
    assert "73.28" not in flagged  # cited in the same sentence
    assert "65.5" not in flagged  # the output prints the proportion 0.655
    assert "0.912" not in flagged  # the output prints the percentage 91.2 %
    assert "0.731" in flagged  # absent from the outputs
    assert "0.588" not in flagged and "0.612" in flagged  # a citation counts in its own table row only
    assert "0.42" not in flagged and "0.43" not in flagged  # ... and anywhere in its list item
    assert "0.777" in flagged  # "e.g." does not end the sentence, the figure is still checked
    assert not {"7.1", "0.25", "0.5", "10.1000", "3.11", "3.11.4"} & set(flagged)  # section, code, math, URL, version
    assert set(flagged) == {"0.54", "0.731", "0.612", "0.777"}
    assert {f.figure for f in unsupported_figures(path, {"0.731"})} == {"0.54", "0.612", "0.777"}
