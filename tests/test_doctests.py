"""The examples in the library's docstrings run and print what they show.

Every module of the package is searched for ``>>>`` examples; each module with examples
is one test. Examples marked ``# doctest: +SKIP`` (a camera, a download) are not run;
:func:`test_most_examples_run` keeps those few.
"""

import doctest
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "fercourse"

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def module_names() -> list[str]:
    """Every module of the package whose source holds a ``>>>`` example (found without importing it)."""
    names = []
    for file in sorted(PACKAGE.rglob("*.py")):
        if ">>> " in file.read_text(encoding="utf-8") and file.name != "__main__.py":
            parts = file.relative_to(PACKAGE.parent).with_suffix("").parts
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def examples(name: str) -> list[doctest.DocTest]:
    module = importlib.import_module(name)
    tests = doctest.DocTestFinder(exclude_empty=True).find(module, name)
    # Only the module's own docstrings: a name it imports from elsewhere is tested at home.
    return [t for t in tests if t.examples and (t.filename or "").endswith(module.__file__.rsplit("/", 1)[-1])]


def _is_skipped(example: doctest.Example) -> bool:
    return bool(example.options.get(doctest.SKIP))


WITH_EXAMPLES = module_names()


def test_modules_with_examples_are_found():
    assert "fercourse.detector" in WITH_EXAMPLES, WITH_EXAMPLES


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_docstring_examples(name):
    assert examples(name), f"{name} has '>>> ' in its source but no docstring example was found"
    # verbose=False: by default doctest turns verbose when "-v" is on the command line (pytest's -v).
    runner = doctest.DocTestRunner(verbose=False, optionflags=FLAGS)
    report = []
    for test in examples(name):
        runner.run(test, out=report.append)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {name} failed:\n" + "".join(report)


def test_most_examples_run():
    run = skipped = 0
    for name in WITH_EXAMPLES:
        for test in examples(name):
            for example in test.examples:
                skipped += _is_skipped(example)
                run += not _is_skipped(example)
    assert run >= 2 * skipped, f"only {run} docstring examples run and {skipped} are skipped"
