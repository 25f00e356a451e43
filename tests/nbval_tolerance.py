"""Numeric tolerances for single notebook cells, on top of nbval.

Most numbers the book prints are bit-identical on every machine, and nbval
checks them exactly.  A few (a loss after training, a timing-free score computed
with threaded BLAS) can differ in their last digits between CPUs or operating
systems.  For those, and only those, a code cell may declare a tolerance in its
own metadata (Edit > Cell metadata in Jupyter, or the notebook JSON):

    "metadata": {
      "fercourse": {
        "tolerance": {
          "abs": 0.02,
          "reason": "validation accuracy varies with the BLAS library's summation order"
        }
      }
    }

``abs`` and ``rel`` are the allowed absolute and relative differences; give one
or both.  Each must be a number above 0; ``abs`` may not exceed 0.1 and ``rel``
may not exceed 0.2 (wider than that, the output is not worth checking this way;
mark the cell NBVAL_IGNORE_OUTPUT instead).  ``reason`` is required: one
non-empty line saying why the numbers can vary.  No other key is accepted, so a
typo such as ``"absolute"`` is caught.  A malformed declaration fails that
cell's test, with a message naming the notebook, the cell and the fault.  A
notebook cannot carry a tolerance in its own metadata; if it does, its first
code cell fails and says so.

How a cell with a tolerance is compared.  nbval first compares exactly, as for
any cell; only when that fails is the tolerant comparison tried.  It takes the
outputs as nbval does (same output fields, same flattening of outputs by
field, and the sanitising patterns of ``--nbval-sanitize-with`` are applied
first), and for each text value (stream text, ``text/plain``, ``text/html``,
any other ``text/*`` type, an exception's ``evalue``) it splits the text into
a skeleton and a list of decimal numbers:

* a decimal number has a decimal point followed by a digit, or an exponent,
  and may carry a sign: ``0.548``, ``-1.5e-03``, ``12.0``, ``.5``, ``3e-4``;
* integers (``12``, ``AU12``, ``conv2d_3``, epoch counts) are not decimal
  numbers: they stay in the skeleton and must match exactly;
* a number glued to a letter, digit, underscore or dot on either side is part
  of a word and stays in the skeleton: ``v1.2``, ``x2.5``, ``1.2.3``,
  ``12.5px``, ``3.0a``.  A full stop that ends a sentence does not glue
  (``was 0.5.`` gives the number 0.5); a numpy-style ``1.`` (no digit after
  the point) is not a decimal number;
* spaces and tabs right beside a decimal number are ignored, because column
  padding changes with a number's width (``  9.99`` and `` 10.01`` in a
  table); every other character of the skeleton, newlines included, must
  match exactly.

The skeletons must be equal, the two lists of numbers as long as each other,
and every pair must satisfy ``|test - ref| <= abs + rel * |ref|`` (ref being
the stored output; so with ``rel`` alone a stored 0.0 must stay exactly 0).
Other fields (``image/svg+xml``, JSON, and PNG or JPEG images, which nbval
compares only under ``--nbdime``) are still compared exactly, as are the set
of output fields and the number of outputs of each.  On a failure the message says which
number differed (reference, got, allowed) or shows the skeletons' difference.

Cells without the metadata are left entirely to nbval.  At the end of a run with
``--nbval`` (or ``--nbval-lax``) one summary line tells how many executed cells
carried a tolerance and which cell had the widest ``abs`` and ``rel``.

The plugin is registered from the root ``conftest.py``; elsewhere use
``-p nbval_tolerance`` with this folder on ``PYTHONPATH``.  It changes only the
cells that carry a declaration, by giving them a subclass of nbval's cell item
that overrides ``compare_outputs`` (and ``runtest``, for counting and for
malformed declarations).  Under pytest-xdist the summary covers only the cells
run by the controlling process.
"""

from __future__ import annotations

import functools
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Mapping

import pytest

METADATA_KEY = "fercourse"
TOLERANCE_KEY = "tolerance"
MAX_ABS = 0.1
MAX_REL = 0.2
# Float slack so that a declared bound is inclusive despite binary rounding
# (0.568 - 0.548 is 0.020000000000000018 in floating point).
_SLACK = 1e-9

# A decimal number: sign, then digits with a point and at least one digit after
# it, or a bare point and digits, or digits that carry an exponent; then an
# optional exponent.  Not preceded by a word character or a dot, and not followed
# by a word character or by a dot and a digit (so `v1.2`, `x2.5`, `1.2.3` and
# `12.5px` stay whole words, while a sentence's final full stop is allowed).
DECIMAL = re.compile(
    r"(?<![\w.])[-+]?(?:\d+\.\d+|\.\d+|\d+(?=[eE][-+]?\d))(?:[eE][-+]?\d+)?(?![\w]|\.\d)"
)
# Output fields whose text values get the tolerant comparison, besides text/*.
_TEXT_FIELDS = {"stdout", "stderr", "evalue"}


class ToleranceError(ValueError):
    """A cell's tolerance declaration is malformed."""


@dataclass(frozen=True)
class Tolerance:
    abs: float = 0.0
    rel: float = 0.0
    reason: str = ""

    def allowed(self, ref: float) -> float:
        return self.abs + self.rel * abs(ref)

    def describe(self) -> str:
        parts = [f"{name}={value:g}" for name, value in (("abs", self.abs), ("rel", self.rel)) if value]
        return ", ".join(parts)


@dataclass(frozen=True)
class Mismatch:
    """Why two outputs differ beyond a tolerance.

    kind is "structure" (output fields or their numbers of outputs differ),
    "exact" (a non-text field differs), "count" (not as many decimal numbers),
    "skeleton" (the text around the numbers differs) or "number".
    """

    kind: str
    key: str = ""
    message: str = ""
    ref: object = None  # the reference value (whole text) concerned
    test: object = None  # the test value concerned
    index: int = -1  # which decimal number (0-based), for kind "number"
    allowed: float = 0.0


# ---------------------------------------------------------------- pure logic


def parse_tolerance(metadata: Mapping | None) -> Tolerance | None:
    """The tolerance a cell's metadata declares, or None when it declares none.

    Raises ToleranceError, with a plain message, when the declaration is malformed.
    """
    if not metadata or METADATA_KEY not in metadata:
        return None
    ours = metadata[METADATA_KEY]
    if not isinstance(ours, Mapping):
        raise ToleranceError(f"metadata '{METADATA_KEY}' must be a mapping, not {type(ours).__name__}")
    if TOLERANCE_KEY not in ours:
        return None
    decl = ours[TOLERANCE_KEY]
    where = f"'{METADATA_KEY}.{TOLERANCE_KEY}'"
    if not isinstance(decl, Mapping):
        raise ToleranceError(f"{where} must be a mapping with 'abs' and/or 'rel' and 'reason', not {decl!r}")
    unknown = sorted(set(decl) - {"abs", "rel", "reason"})
    if unknown:
        raise ToleranceError(f"{where} has unknown key(s) {unknown}; only 'abs', 'rel' and 'reason' are allowed")
    if "abs" not in decl and "rel" not in decl:
        raise ToleranceError(f"{where} must give 'abs' or 'rel' (or both)")
    values = {}
    for name, limit in (("abs", MAX_ABS), ("rel", MAX_REL)):
        if name not in decl:
            continue
        value = decl[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ToleranceError(f"{where} '{name}' must be a finite number, not {value!r}")
        if value <= 0:
            raise ToleranceError(f"{where} '{name}' must be above 0, not {value!r}")
        if value > limit:
            raise ToleranceError(
                f"{where} '{name}' = {value!r} is too wide (at most {limit}); "
                "such an output is not worth checking this way: use NBVAL_IGNORE_OUTPUT"
            )
        values[name] = float(value)
    reason = decl.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise ToleranceError(f"{where} needs a 'reason': one non-empty line saying why the numbers vary")
    if "\n" in reason.strip() or "\r" in reason:
        raise ToleranceError(f"{where} 'reason' must be a single line")
    return Tolerance(reason=reason.strip(), **values)


def split_numbers(text: str) -> tuple[tuple[str, ...], list[str]]:
    """Split text into its skeleton (the pieces between decimal numbers) and the numbers.

    The skeleton has one piece more than there are numbers.  Spaces and tabs
    right beside a number (column padding) are dropped from the pieces.
    """
    pieces, numbers, start = [], [], 0
    for match in DECIMAL.finditer(text):
        pieces.append(text[start : match.start()])
        numbers.append(match.group())
        start = match.end()
    pieces.append(text[start:])
    if numbers:
        pieces[0] = pieces[0].rstrip(" \t")
        pieces[-1] = pieces[-1].lstrip(" \t")
        pieces[1:-1] = [piece.strip(" \t") for piece in pieces[1:-1]]
    return tuple(pieces), numbers


def line_of_number(text: str, index: int) -> str:
    """The line of text that holds its decimal number at position index (0-based)."""
    for i, match in enumerate(DECIMAL.finditer(text)):
        if i == index:
            start = text.rfind("\n", 0, match.start()) + 1
            end = text.find("\n", match.end())
            return text[start : end if end >= 0 else len(text)]
    return ""


def masked(text: str, placeholder: str = "<num>") -> str:
    """Text with each decimal number replaced by placeholder (for failure messages)."""
    return DECIMAL.sub(placeholder, text)


def is_text_field(key: str) -> bool:
    return key.startswith("text/") or key in _TEXT_FIELDS


def compare_text(ref: str, test: str, tol: Tolerance, key: str = "") -> Mismatch | None:
    """None when test equals ref up to the tolerance on its decimal numbers."""
    ref_skel, ref_nums = split_numbers(ref)
    test_skel, test_nums = split_numbers(test)
    if len(ref_nums) != len(test_nums):
        return Mismatch(
            "count",
            key,
            f"the reference has {len(ref_nums)} decimal number(s), the test output {len(test_nums)}",
            ref,
            test,
        )
    if ref_skel != test_skel:
        return Mismatch("skeleton", key, "the text around the decimal numbers differs", ref, test)
    for i, (r, t) in enumerate(zip(ref_nums, test_nums)):
        rv, tv = float(r), float(t)
        if r == t or rv == tv:
            continue
        allowed = tol.allowed(rv)
        if not abs(tv - rv) <= allowed * (1 + _SLACK):
            return Mismatch(
                "number",
                key,
                f"decimal number {i + 1} of {len(ref_nums)} differs beyond the tolerance: "
                f"reference {r}, got {t}, allowed ±{allowed:.6g} ({tol.describe()}), off by {abs(tv - rv):.6g}",
                ref,
                test,
                i,
                allowed,
            )
    return None


def flatten_outputs(outputs, skip_compare, sanitize: Callable = lambda s: s) -> dict[str, list]:
    """Outputs as nbval's compare_outputs arranges them: field -> list of its values.

    Stream outputs become fields named after the stream; the MIME types of
    'data' become fields of their own; fields in skip_compare are dropped;
    every value goes through sanitize.
    """
    from nbval.plugin import transform_streams_for_comparison

    flat: dict[str, list] = defaultdict(list)
    for output in transform_streams_for_comparison(outputs):
        for key, value in output.items():
            if key in skip_compare:
                continue
            if key == "data":
                for mime, data in value.items():
                    if mime not in skip_compare:
                        flat[mime].append(sanitize(data))
            else:
                flat[key].append(sanitize(value))
    return dict(flat)


def compare_flat(ref: Mapping[str, list], test: Mapping[str, list], tol: Tolerance) -> Mismatch | None:
    """None when flattened test outputs equal the reference up to the tolerance."""
    if set(ref) != set(test):
        missing, extra = sorted(set(ref) - set(test)), sorted(set(test) - set(ref))
        return Mismatch(
            "structure",
            message=f"output fields differ: missing from the test {missing}, unexpected {extra}",
            ref=sorted(ref),
            test=sorted(test),
        )
    for key in ref:
        if len(ref[key]) != len(test[key]):
            return Mismatch(
                "structure",
                key,
                f"dissimilar number of outputs for '{key}': {len(ref[key])} in the reference, {len(test[key])} in the test",
                ref[key],
                test[key],
            )
        for r, t in zip(ref[key], test[key]):
            if r == t:
                continue
            if is_text_field(key) and isinstance(r, str) and isinstance(t, str):
                problem = compare_text(r, t, tol, key)
                if problem is not None:
                    return problem
            else:
                return Mismatch("exact", key, f"'{key}' is not text and is compared exactly", r, t)
    return None


# ---------------------------------------------------------------- pytest side

# (cell id, tolerance) of each executed cell that carried a valid tolerance, per run.
_EXECUTED = pytest.StashKey[list]()


_PROPERTY = "nbval_tolerance"  # a cell's tolerance travels in its report (also from pytest-xdist workers)


def _executed(config) -> list[tuple[str, Tolerance]]:
    return config.stash.setdefault(_EXECUTED, [])


class _ToleranceReports:
    """Collects, in the process that prints the summary, the tolerances of the cells that ran."""

    def __init__(self, config):
        self.config = config

    def pytest_runtest_logreport(self, report):
        if report.when != "call":
            return
        for name, value in report.user_properties:
            if name == _PROPERTY:
                where, tol_abs, tol_rel, reason = value
                _executed(self.config).append((where, Tolerance(tol_abs, tol_rel, reason)))


def pytest_configure(config):
    config.pluginmanager.register(_ToleranceReports(config), "nbval-tolerance-reports")


def _cell_index(item) -> int:
    """The cell's index among all cells of the notebook (markdown included), or -1."""
    cells = getattr(getattr(item, "parent", None), "nb", None)
    for i, cell in enumerate(cells.cells if cells is not None else []):
        if cell is item.cell:
            return i
    return -1


def _cell_id(item) -> str:
    """The cell's test id, as nbval reports it: notebook path (from the rootdir) and code-cell number."""
    return f"{item.fspath.relto(item.config.rootdir) or item.fspath}::Cell {item.cell_num}"


def _where(item) -> str:
    index = _cell_index(item)
    extra = f" (cell {index} of the notebook file, counting markdown cells)" if index >= 0 else ""
    return _cell_id(item) + extra


def _short(values) -> str:
    text = repr(values)
    return text if len(text) <= 400 else text[:400] + "...<cut>"


@functools.lru_cache(maxsize=None)
def _tolerant_class():
    from nbval.plugin import IPyNbCell

    class TolerantNbCell(IPyNbCell):
        """An nbval cell that compares its decimal numbers within a declared tolerance."""

        tolerance: Tolerance | None = None
        tolerance_error: str | None = None

        def runtest(self):
            if self.tolerance_error is None:
                if not self.options["skip"]:
                    tol = self.tolerance
                    self.user_properties.append((_PROPERTY, (_cell_id(self), tol.abs, tol.rel, tol.reason)))
                return super().runtest()
            # Run the cell anyway, so the kernel's state stays what later cells expect.
            outcome = ""
            try:
                super().runtest()
            except (Exception, pytest.skip.Exception) as exc:  # noqa: BLE001 - reported below
                outcome = f"\n(Besides, the cell itself: {str(exc).strip() or type(exc).__name__}.)"
            self.raise_cell_error(
                f"Malformed tolerance declaration in {_where(self)}: {self.tolerance_error}{outcome}"
            )

        def compare_outputs(self, test, ref, skip_compare=None):
            if super().compare_outputs(test, ref, skip_compare):
                return True
            if self.tolerance is None:
                return False
            skip = skip_compare or self.parent.skip_compare
            problem = compare_flat(
                flatten_outputs(ref, skip, self.sanitize), flatten_outputs(test, skip, self.sanitize), self.tolerance
            )
            if problem is None:
                self.comparison_traceback = []
                return True
            cc = self.colors
            note = (
                cc.OKBLUE
                + f" cell has a tolerance ({self.tolerance.describe()}; {self.tolerance.reason}), "
                + "which covers decimal numbers only:"
                + cc.ENDC
            )
            if problem.kind == "structure":
                self.comparison_traceback = [
                    note,
                    cc.FAIL + f"  {problem.message}" + cc.ENDC,
                    f"  reference: {_short(problem.ref)}",
                    f"  test:      {_short(problem.test)}",
                ]
            elif problem.kind == "exact":
                self.comparison_traceback = [note]
                self.format_output_compare(problem.key, problem.ref, problem.test)
            elif problem.kind == "number":
                self.comparison_traceback = [
                    note,
                    cc.OKBLUE + f" mismatch '{problem.key}'" + cc.FAIL,
                    f"  {problem.message}",
                    f"  reference line: {line_of_number(problem.ref, problem.index)!r}",
                    f"  test line:      {line_of_number(problem.test, problem.index)!r}",
                    cc.ENDC,
                ]
            else:  # count or skeleton: show the two texts with their numbers masked
                self.comparison_traceback = [note, cc.FAIL + f"  {problem.message}" + cc.ENDC]
                self.format_output_compare(problem.key, masked(problem.ref), masked(problem.test))
            return False

    return TolerantNbCell


def pytest_collection_modifyitems(session, config, items):
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:  # pragma: no cover - nbval is a test dependency
        return
    tolerant = None
    flagged_notebooks = set()
    for item in items:
        if type(item) is not IPyNbCell:
            continue
        error = tol = None
        nb = getattr(item.parent, "nb", None)
        nb_meta = getattr(nb, "metadata", {}) or {}
        if isinstance(nb_meta.get(METADATA_KEY), Mapping) and TOLERANCE_KEY in nb_meta[METADATA_KEY]:
            if id(item.parent) not in flagged_notebooks:
                flagged_notebooks.add(id(item.parent))
                error = (
                    f"the notebook's own metadata carries '{METADATA_KEY}.{TOLERANCE_KEY}'; "
                    "a tolerance may only be declared on the cells that need it"
                )
        if error is None:
            try:
                tol = parse_tolerance(item.cell.get("metadata"))
            except ToleranceError as exc:
                error = str(exc)
            if tol is None and error is None:
                continue
        tolerant = tolerant or _tolerant_class()
        item.__class__ = tolerant
        item.tolerance, item.tolerance_error = tol, error


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    opt = config.option
    if not (getattr(opt, "nbval", False) or getattr(opt, "nbval_lax", False)):
        return
    executed = _executed(config)
    if not executed:
        terminalreporter.write_line("nbval tolerance: no executed cell carried a tolerance")
        return
    parts = [f"nbval tolerance: {len(executed)} executed cell(s) carried a tolerance"]
    for name in ("abs", "rel"):
        carried = [(getattr(tol, name), where) for where, tol in executed if getattr(tol, name)]
        if carried:
            value, where = max(carried, key=lambda pair: pair[0])
            parts.append(f"widest {name} {value:g} at {where}")
        else:
            parts.append(f"no {name}")
    terminalreporter.write_line("; ".join(parts))
