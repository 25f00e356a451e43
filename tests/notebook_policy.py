"""What every stored notebook of the book must satisfy (used by tests and tools)."""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"

# A path of the machine that produced the outputs: a home or temporary folder, or
# an installed package's location.
MACHINE_PATH = re.compile(r"(/root/|/home/[^/\s]+/|/tmp/|/Users/[^/\s]+/|site-packages|[A-Z]:\\\\Users)")
# Tracebacks and warnings that leaked into stdout or rich outputs.
NOISE = re.compile(r"(Traceback \(most recent call last\)|\w+Warning: |^[IWEF]\d{4} \d\d:\d\d:\d\d)", re.M)


def toc_files() -> list[str]:
    """Every `file:` entry of _toc.yml (the root included), without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    found = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc.get("parts", toc.get("chapters", [])))
    return found


# The first code cell of every notebook: installs the library where it is missing (Colab, a fresh kernel).
# Colab keeps its own PyTorch and TensorFlow; its OpenCV builds are removed first, because two
# packages that both provide cv2 overwrite each other's files, and the library's dependency
# (opencv-contrib-python) is then installed cleanly. tools/colab_like.py runs it in a Colab-like environment.
PACKAGE_SOURCE = "fercourse @ git+https://github.com/fercourse/fercourse"
SETUP_CELL = f"""\
# Setup: installs the course's library when it is missing (for example on Colab).
try:
    import fercourse
except ImportError:
    %pip uninstall --quiet --yes opencv-python opencv-python-headless opencv-contrib-python opencv-contrib-python-headless
    %pip install --quiet "{PACKAGE_SOURCE}"
    import fercourse"""


def book_notebooks() -> list[Path]:
    return sorted(p for p in BOOK.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def toc_notebooks() -> list[Path]:
    return [ROOT / f"{entry}.ipynb" for entry in toc_files() if (ROOT / f"{entry}.ipynb").is_file()]


def output_text(output: dict) -> str:
    text = output.get("text", "")
    data = output.get("data", {})
    parts = [text if isinstance(text, str) else "".join(text)]
    for key in ("text/plain", "text/html", "text/markdown"):
        value = data.get(key, "")
        parts.append(value if isinstance(value, str) else "".join(value))
    return "".join(parts)


def problems(path: Path) -> list[str]:
    """Everything wrong with the stored outputs of one notebook, as readable lines."""
    nb = json.loads(path.read_text())
    found = []
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        if source.rstrip().endswith(";"):
            found.append(f"cell {index}: ends with ';', which nbval does not honour; end with plt.show() instead")
        if source.strip() and cell.get("execution_count") is None:
            found.append(f"cell {index}: never executed, so the book shows no result")
        for output in cell.get("outputs", []):
            kind = output["output_type"]
            if kind == "error":
                found.append(f"cell {index}: stored error {output.get('ename')}: {output.get('evalue')}")
            elif kind == "stream" and output.get("name") == "stderr":
                found.append(f"cell {index}: stored stderr output {output_text(output)[:120]!r}")
            text = output_text(output)
            if NOISE.search(text):
                found.append(f"cell {index}: output contains a traceback, warning or log line")
            if MACHINE_PATH.search(text):
                found.append(f"cell {index}: output shows a path of the machine that ran it")
    return found


# ---------------------------------------------------------------------------
# Figures in the prose (tests/test_prose_numbers.py)
#
# A *figure* is a number written with a decimal point in a markdown cell: 0.548, .75,
# 65.5 (in "65.5 %"), 1,234.5.  Numbers without a decimal point (counts, years, "48 × 48")
# are not figures.  Not read at all: code (fenced code blocks and inline `code`, which
# includes the parameters a learner types and the targets of MyST roles), math ($…$ and
# $$…$$), URLs, link targets and DOIs, HTML tags, directive option lines (`:alt: …`),
# version numbers (two or more dots: 3.11.4; a two-part version such as Python 3.11 goes in
# the allowlist) and section numbers (a number that opens a heading of the notebook,
# "### 7.1 · …", wherever it appears in that notebook).
# ---------------------------------------------------------------------------

# A number token: greedy and not glued to a letter, digit or dot before it, nor to a digit
# or an exponent after it, so that 0.54 is never found inside 0.548, 10.548, v0.54 or
# 0.54e-3; thousands separators stay part of it (1,234.5).
NUMBER = re.compile(r"(?<![\w.])(?:\d{1,3}(?:,\d{3})+\.\d+|\d*\.\d+(?:\.\d+)*)(?!\d|[eE][-+]?\d)")
PERCENT_AFTER = re.compile(r"(?:\s|&nbsp;|&#160;)*(?:%|per ?cent\b)")
CITE = re.compile(r"\{cite(?::\w+)?\}`")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})(.*)$")
_CODE_DIRECTIVES = ("{code", "{code-block", "{code-cell", "{math", "{sourcecode")
_SKIPPED_SPANS = [
    re.compile(r"\$\$.*?\$\$", re.S),  # display math
    re.compile(r"(`+).*?\1", re.S),  # inline code and role targets
    re.compile(r"\$[^$\n]+\$"),  # inline math
    re.compile(r"<[^>\n]+>"),  # HTML tags and <autolinks>
    re.compile(r"\]\([^)\n]*\)"),  # markdown link targets
    re.compile(r"(?:https?://|www\.|doi:\s*|\b10\.\d{4,}/)\S+"),  # URLs and DOIs
    re.compile(r"^[ \t]*:[\w-]+:.*$", re.M),  # directive options (:alt:, :width:, …)
]
_HEADING_NUMBER = re.compile(r"^#{1,6}[ \t]+(\d+(?:\.\d+)+)", re.M)
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+")
_NOT_A_SENTENCE_END = ("e.g.", "i.e.", "al.", "vs.", "cf.", "fig.", "eq.", "approx.", "resp.")


@dataclass(frozen=True)
class ProseFigure:
    cell: int
    figure: str  # as written, e.g. "0.548" or "65.5"
    percent: bool  # written as a percentage ("65.5 %")
    sentence: str  # the sentence (or table row) it sits in, whitespace collapsed
    cited: bool  # a {cite} role is in the same sentence, list item or table row


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def _mask(source: str) -> str:
    """The markdown with every part that holds no prose figures blanked out (same length)."""
    lines, fence, skip = source.splitlines(keepends=True), None, False
    for i, line in enumerate(lines):
        match = _FENCE.match(line)
        if match and fence is None:  # opening fence: code unless a MyST directive with prose
            fence, info = match.group(1), match.group(2).strip()
            skip = not info.startswith("{") or info.startswith(_CODE_DIRECTIVES)
        elif match and match.group(1).startswith(fence or "\0") and not match.group(2).strip():
            fence, skip = None, True  # closing fence (blanked; the next line is not code)
        if skip or match:
            lines[i] = re.sub(r"[^\n]", " ", line)
        if fence is None:
            skip = False
    text = "".join(lines)
    for pattern in _SKIPPED_SPANS:
        for found in list(pattern.finditer(text)):
            text = _blank(text, found.start(), found.end())
    return text


def _unit(source: str, pos: int) -> tuple[int, int, bool]:
    """Bounds of the table row, list item or paragraph that holds position `pos`, and whether a
    citation anywhere in it counts (it does in a row or an item, not in a paragraph)."""
    lines = source.splitlines(keepends=True)
    offsets = [0, *accumulate(len(line) for line in lines)]
    index = bisect_right(offsets, pos) - 1

    def row(i):
        return lines[i].lstrip().startswith("|")

    def outside(i):  # a line that ends a paragraph: blank, a fence or a table row
        return not lines[i].strip() or _FENCE.match(lines[i]) or row(i)

    if row(index):
        return offsets[index], offsets[index + 1], True
    first = last = index
    while first > 0 and not _LIST_ITEM.match(lines[first]) and not outside(first - 1):
        first -= 1
    while last + 1 < len(lines) and not _LIST_ITEM.match(lines[last + 1]) and not outside(last + 1):
        last += 1
    return offsets[first], offsets[last + 1], bool(_LIST_ITEM.match(lines[first]))


def _sentence(source: str, start: int, end: int, pos: int) -> tuple[int, int]:
    """Bounds of the sentence within source[start:end] that holds position `pos`."""
    cuts = [start]
    for found in re.finditer(r"[.!?][\"')\]*_]*\s+", source[start:end]):
        word = source[start : start + found.start() + 1].split()[-1].lower().lstrip("([*_\"'")
        if word not in _NOT_A_SENTENCE_END:
            cuts.append(start + found.end())
    cuts.append(end)
    for left, right in zip(cuts, cuts[1:]):
        if left <= pos < right:
            return left, right
    return start, end


def _collapse(text: str) -> str:
    return " ".join(text.split())


def prose_figures(nb: dict) -> list[ProseFigure]:
    """Every figure in the markdown cells of a notebook, with its sentence."""
    cells = [(i, "".join(c["source"])) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "markdown"]
    sections = {m.group(1) for _, source in cells for m in _HEADING_NUMBER.finditer(source)}
    found = []
    for index, source in cells:
        masked = _mask(source)
        for match in NUMBER.finditer(masked):
            figure = match.group()
            if figure.count(".") > 1 or figure in sections:
                continue
            start, end, whole = _unit(source, match.start())
            left, right = _sentence(source, start, end, match.start())
            found.append(
                ProseFigure(
                    cell=index,
                    figure=figure,
                    percent=bool(PERCENT_AFTER.match(masked, match.end())),
                    sentence=_collapse(source[left:right]),
                    cited=bool(CITE.search(source[left:right]) or whole and CITE.search(source[start:end])),
                )
            )
    return found


def output_numbers(nb: dict) -> tuple[set[str], set[str]]:
    """The number tokens in a notebook's stored outputs, and those of them printed as percentages."""
    tokens, percents = set(), set()
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            text = output_text(output)
            for match in NUMBER.finditer(text):
                tokens.add(match.group())
                if PERCENT_AFTER.match(text, match.end()):
                    percents.add(match.group())
    return tokens, percents


def _shift(figure: str, places: int) -> str:
    """The figure with its decimal point moved, as a string: ("65.5", -2) -> "0.655"."""
    return format(Decimal(figure.replace(",", "")).scaleb(places), "f")


def shown_in_outputs(figure: ProseFigure, tokens: set[str], percents: set[str]) -> bool:
    """Whether the outputs print the figure exactly as written (65.5 % also as 0.655, 0.655 also as 65.5 %)."""
    if figure.figure in tokens:
        return True
    if figure.percent:
        return _shift(figure.figure, -2) in tokens
    return _shift(figure.figure, 2) in percents


def unsupported_figures(path: Path, allowed: set[str] = frozenset()) -> list[ProseFigure]:
    """Figures of the prose that are neither in the stored outputs, nor cited, nor in `allowed`."""
    nb = json.loads(path.read_text())
    tokens, percents = output_numbers(nb)
    return [
        f
        for f in prose_figures(nb)
        if not f.cited and f.figure not in allowed and not shown_in_outputs(f, tokens, percents)
    ]
