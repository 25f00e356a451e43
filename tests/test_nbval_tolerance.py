"""Tests of the nbval tolerance plugin (tests/nbval_tolerance.py)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from nbval_tolerance import (
    Tolerance,
    ToleranceError,
    compare_flat,
    compare_text,
    flatten_outputs,
    masked,
    parse_tolerance,
    split_numbers,
)

pytest_plugins = ["pytester"]

TESTS = Path(__file__).resolve().parent
ABS = Tolerance(abs=0.02, reason="test")
REL = Tolerance(rel=0.05, reason="test")


def declared(**tolerance) -> dict:
    return {"fercourse": {"tolerance": tolerance}}


def stdout(text: str):
    return new_output("stream", name="stdout", text=text)


def result(plain: str, html: str | None = None):
    data = {"text/plain": plain}
    if html is not None:
        data["text/html"] = html
    return new_output("execute_result", data=data, execution_count=1)


SKIP = ("metadata", "traceback", "prompt_number", "output_type", "name", "execution_count")


# ------------------------------------------------------------ splitting text


@pytest.mark.parametrize(
    "text, numbers",
    [
        ("acc 0.548, loss -1.5e-03 at 12.0 s", ["0.548", "-1.5e-03", "12.0"]),
        ("12 epochs, AU12, conv2d_3, 7 faces", []),  # integers and labels stay whole
        ("v1.2 x2.5 1.2.3 12.5px 3.0a lr1e-3", []),  # glued to a word: part of it
        ("accuracy was 0.5.", ["0.5"]),  # a sentence's full stop does not glue
        ("[-0.5 +.25 3e-4 1E+2]", ["-0.5", "+.25", "3e-4", "1E+2"]),
        ("<td>0.548</td> 54.8%", ["0.548", "54.8"]),
        ("numpy's 1. is no decimal", []),
    ],
)
def test_split_numbers_finds_decimals_only(text, numbers):
    assert split_numbers(text)[1] == numbers


def test_skeleton_ignores_padding_beside_numbers_only():
    assert split_numbers("a   9.99\n")[0] == split_numbers("a  10.01\n")[0]
    assert split_numbers("a  b 9.99")[0] != split_numbers("a b 9.99")[0]
    assert masked("loss 0.5 | acc 0.9 v1.2") == "loss <num> | acc <num> v1.2"


# ------------------------------------------------------------ comparing text


def test_passes_within_tolerance():
    assert compare_text("acc 0.548 after 12 epochs", "acc 0.561 after 12 epochs", ABS) is None
    assert compare_text("loss 100.0", "loss 104.9", REL) is None
    assert compare_text("loss -0.001", "loss 0.001", ABS) is None  # a sign flip near zero
    assert compare_text("x 0.548", "x 0.568", ABS) is None  # the bound is inclusive


def test_fails_on_a_number_outside_its_tolerance():
    problem = compare_text("acc 0.548 loss 1.25", "acc 0.549 loss 1.30", ABS)
    assert problem.kind == "number" and problem.index == 1
    assert "reference 1.25, got 1.30, allowed ±0.02" in problem.message
    assert problem.ref == "acc 0.548 loss 1.25"
    assert compare_text("loss 100.0", "loss 105.1", REL).kind == "number"


def test_fails_on_a_changed_label_or_word():
    assert compare_text("happy 0.548", "sad 0.548", ABS).kind == "skeleton"
    assert compare_text("AU12 0.548", "AU15 0.548", ABS).kind == "skeleton"
    assert compare_text("model v1.2 0.5", "model v1.3 0.5", ABS).kind == "skeleton"


def test_fails_on_a_changed_integer():
    assert compare_text("acc 0.548 after 12 epochs", "acc 0.548 after 13 epochs", ABS).kind == "skeleton"
    assert compare_text("7 faces: 0.5", "8 faces: 0.5", REL).kind == "skeleton"


def test_fails_on_a_different_number_of_numbers():
    problem = compare_text("0.5 0.6", "0.5 0.6 0.7", ABS)
    assert problem.kind == "count" and "2 decimal number(s)" in problem.message


# ------------------------------------------------------------ comparing outputs as nbval arranges them


def test_outputs_within_tolerance_across_fields():
    ref = [stdout("acc 0.548\n"), result("0.25", "<td>0.25</td>")]
    test = [stdout("acc 0.550\n"), result("0.26", "<td>0.26</td>")]
    assert compare_flat(flatten_outputs(ref, SKIP), flatten_outputs(test, SKIP), ABS) is None


def test_fails_on_a_different_number_of_outputs():
    ref = [result("0.5"), result("0.6")]
    problem = compare_flat(flatten_outputs(ref, SKIP), flatten_outputs(ref[:1], SKIP), ABS)
    assert problem.kind == "structure" and problem.key == "text/plain"
    problem = compare_flat(flatten_outputs([stdout("0.5\n")], SKIP), flatten_outputs([result("0.5")], SKIP), ABS)
    assert problem.kind == "structure"


def test_non_text_fields_stay_exact():
    ref = [new_output("display_data", data={"image/svg+xml": "<path d='M 0.5'/>"})]
    test = [new_output("display_data", data={"image/svg+xml": "<path d='M 0.51'/>"})]
    assert compare_flat(flatten_outputs(ref, SKIP), flatten_outputs(test, SKIP), ABS).kind == "exact"


def test_sanitising_comes_before_the_comparison():
    def sanitize(s):
        return re.sub(r"at 0x[0-9a-f]+", "at 0xADDRESS", s) if isinstance(s, str) else s

    ref = flatten_outputs([stdout("<obj at 0xdeadbeef> 0.5\n")], SKIP, sanitize)
    test = flatten_outputs([stdout("<obj at 0x7f001234> 0.51\n")], SKIP, sanitize)
    assert compare_flat(ref, test, ABS) is None


# ------------------------------------------------------------ declarations


def test_a_cell_without_tolerance_is_unaffected():
    assert parse_tolerance({}) is None
    assert parse_tolerance({"tags": ["nbval-ignore-output"]}) is None
    assert parse_tolerance({"fercourse": {}}) is None


def test_well_formed_declarations():
    assert parse_tolerance(declared(abs=0.02, reason="BLAS")) == Tolerance(abs=0.02, reason="BLAS")
    assert parse_tolerance(declared(rel=0.2, abs=0.1, reason=" r ")) == Tolerance(abs=0.1, rel=0.2, reason="r")


@pytest.mark.parametrize(
    "tolerance, fault",
    [
        ({"abs": 0.02}, "reason"),
        ({"abs": 0.02, "reason": "  "}, "reason"),
        ({"abs": 0.02, "reason": "two\nlines"}, "single line"),
        ({"abs": -0.01, "reason": "r"}, "above 0"),
        ({"rel": 0, "reason": "r"}, "above 0"),
        ({"abs": 0.5, "reason": "r"}, "too wide"),
        ({"rel": 0.3, "reason": "r"}, "too wide"),
        ({"abs": "0.01", "reason": "r"}, "finite number"),
        ({"abs": True, "reason": "r"}, "finite number"),
        ({"abs": float("nan"), "reason": "r"}, "finite number"),
        ({"reason": "r"}, "'abs' or 'rel'"),
        ({"absolute": 0.01, "reason": "r"}, "unknown key"),
    ],
)
def test_malformed_declarations_are_refused(tolerance, fault):
    with pytest.raises(ToleranceError, match=re.escape(fault)):
        parse_tolerance({"fercourse": {"tolerance": tolerance}})


def test_a_declaration_that_is_no_mapping_is_refused():
    with pytest.raises(ToleranceError):
        parse_tolerance({"fercourse": {"tolerance": 0.01}})
    with pytest.raises(ToleranceError):
        parse_tolerance({"fercourse": "tolerance"})


# ------------------------------------------------------------ end to end, with a kernel


def _code(source, outputs, **tolerance):
    return new_code_cell(source, metadata=declared(**tolerance) if tolerance else {}, outputs=outputs, execution_count=1)


def _run(pytester, monkeypatch, *args):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(TESTS), os.environ.get("PYTHONPATH")) if p))
    return pytester.runpytest_subprocess(
        "-p", "nbval_tolerance", "--nbval", "--nbval-current-env", "--color=no", "-v", "-p", "no:cacheprovider",
        *args, timeout=180,
    )


def test_end_to_end_with_and_without_tolerance(pytester, monkeypatch):
    ref = "val acc 0.548 after 12 epochs\n"
    nb = new_notebook(
        cells=[
            new_markdown_cell("# A chapter"),
            # Cell 0: the number differs a little, the cell declares a tolerance: passes.
            _code('print("val acc 0.5512 after 12 epochs")', [stdout(ref)], abs=0.02, reason="BLAS order"),
            # Cell 1: the same without the declaration: nbval's exact comparison fails it.
            _code('print("val acc 0.5512 after 12 epochs")', [stdout(ref)]),
            # Cell 2: a label changes: fails despite the tolerance.
            _code('print("val loss 0.5512 after 12 epochs")', [stdout(ref)], abs=0.02, reason="BLAS order"),
            # Cell 3: a number beyond the tolerance.
            _code('print("val acc 0.6 after 12 epochs")', [stdout(ref)], abs=0.02, reason="BLAS order"),
            # Cell 4: malformed (no reason); the cell itself would pass.
            _code('print("val acc 0.548 after 12 epochs")', [stdout(ref)], abs=0.02),
            # Cell 5: sanitised first, then compared within a relative tolerance; rich outputs too.
            _code(
                'from IPython.display import HTML\nprint(f"<obj at 0x{id(HTML):x}> 1.003")\nHTML("<td>0.2505</td>")',
                [
                    stdout("<obj at 0xdeadbeef> 1.0\n"),
                    new_output("execute_result", data={"text/html": "<td>0.25</td>",
                                                       "text/plain": "<IPython.core.display.HTML object>"},
                               execution_count=1),
                ],
                rel=0.01, reason="rounding",
            ),
        ]
    )
    nbformat.write(nb, pytester.path / "chapter.ipynb")
    (pytester.path / "sanitize.cfg").write_text("[addresses]\nregex: at 0x[0-9a-fA-F]+\nreplace: at 0xADDRESS\n")
    res = _run(pytester, monkeypatch, "--nbval-sanitize-with=sanitize.cfg")
    out = res.stdout.str()
    res.stdout.fnmatch_lines(
        [
            "*chapter*Cell 0 PASSED*",
            "*chapter*Cell 1 FAILED*",
            "*chapter*Cell 2 FAILED*",
            "*chapter*Cell 3 FAILED*",
            "*chapter*Cell 4 FAILED*",
            "*chapter*Cell 5 PASSED*",
        ]
    )
    res.assert_outcomes(passed=2, failed=4)
    cell1 = out.split("chapter.ipynb::Cell 1 _")[1].split("chapter.ipynb::Cell 2 _")[0]
    assert "mismatch 'stdout'" in cell1 and "tolerance" not in cell1  # nbval's own exact report
    assert "the text around the decimal numbers differs" in out  # cell 2
    assert "reference 0.548, got 0.6, allowed ±0.02" in out  # cell 3
    assert "test line:      'val acc 0.6 after 12 epochs'" in out
    assert "Malformed tolerance declaration in chapter.ipynb::Cell 4 (cell 5 of the notebook file" in out
    assert "needs a 'reason'" in out
    res.stdout.fnmatch_lines(
        ["nbval tolerance: 4 executed cell(s) carried a tolerance; widest abs 0.02 at chapter.ipynb::Cell 0; "
         "widest rel 0.01 at chapter.ipynb::Cell 5"]
    )


def test_a_notebook_cannot_carry_a_tolerance(pytester, monkeypatch):
    nb = new_notebook(
        cells=[_code('print("0.51")', [stdout("0.5\n")]), _code('print("ok")', [stdout("ok\n")])],
        metadata={"fercourse": {"tolerance": {"abs": 0.02, "reason": "whole notebook"}}},
    )
    nbformat.write(nb, pytester.path / "whole.ipynb")
    res = _run(pytester, monkeypatch)
    res.assert_outcomes(passed=1, failed=1)
    res.stdout.fnmatch_lines(["*whole*Cell 0 FAILED*", "*the notebook's own metadata carries*"])


def test_summary_counts_cells_run_in_parallel_workers(pytester, monkeypatch):
    # With pytest-xdist the cells run in worker processes; the summary is printed by the controller.
    for name in ("first", "second"):
        nb = new_notebook(cells=[_code('print("0.51")', [stdout("0.5\n")], abs=0.02, reason="BLAS order")])
        nbformat.write(nb, pytester.path / f"{name}.ipynb")
    res = _run(pytester, monkeypatch, "-n", "2", "--dist", "loadfile")
    res.assert_outcomes(passed=2)
    res.stdout.fnmatch_lines(["nbval tolerance: 2 executed cell(s) carried a tolerance; widest abs 0.02 at *"])
