"""What every stored notebook of the book must satisfy (used by tests and tools)."""

from __future__ import annotations

import json
import re
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
