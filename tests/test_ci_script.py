"""The CI script itself: it parses, and every step it runs names a function it defines.

A step whose function was renamed fails only after the whole test run inside CI; this catches it
in seconds.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

CI = Path(__file__).resolve().parents[1] / ".ci" / "run"


def defined_functions(text: str) -> set[str]:
    return set(re.findall(r"^([A-Za-z_][A-Za-z0-9_]*)\(\) *\{", text, flags=re.M))


def top_level_calls(text: str) -> list[str]:
    """The function each top-level ``step NAME FUNCTION ...`` line runs, and bare top-level calls."""
    calls = []
    for line in text.splitlines():
        step = re.match(r'^step "[^"]+" (\S+)', line)
        if step:
            calls.append(step.group(1))
        elif re.fullmatch(r"[a-z_]+", line.strip()) and not line.startswith((" ", "\t")):
            calls.append(line.strip())
    return calls


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_ci_script_parses():
    result = subprocess.run(["bash", "-n", str(CI)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_step_and_call_is_defined():
    text = CI.read_text()
    defined = defined_functions(text)
    calls = top_level_calls(text)
    assert "run_tests" in calls and "build_book" in calls, calls
    missing = [c for c in calls if c not in defined]
    assert not missing, f".ci/run calls {missing}, which it does not define (defined: {sorted(defined)})"


def test_checker_finds_a_missing_function():
    broken = CI.read_text().replace("wait_other_installs() {", "renamed_wait() {")
    assert "wait_other_installs" in [c for c in top_level_calls(broken) if c not in defined_functions(broken)]
