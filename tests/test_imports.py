"""The package's import structure: no import cycles, no use of another module's private names.

The checker reads the sources with :mod:`ast`; nothing is imported.  It counts every
import: at the top of a module, inside functions (where a cycle hides until the
function runs), under ``if TYPE_CHECKING``, and relative ones.  Importing
``fercourse.a.b`` from outside the package ``fercourse.a`` also runs
``fercourse/a/__init__.py``, so it depends on ``fercourse.a`` too.

Private names are those with one leading underscore.  A module may use its own, but
not another module's: ``from fercourse.x import _helper`` and ``x._helper`` are
refused, whatever the distance.  Dunder names (``__version__``) are public, and so is
``fercourse._env``, the documented module that sets up the environment on import.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = "fercourse"
PACKAGE_DIR = Path(__file__).resolve().parents[1] / PACKAGE
#: Private-looking modules that any module may import.
PUBLIC_PRIVATE_MODULES = {"fercourse._env"}

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp,
           ast.GeneratorExp)


# ---------------------------------------------------------------------------------- the checker


@dataclass(frozen=True)
class Source:
    """One module's text, and whether it is a package's ``__init__``."""

    text: str
    is_package: bool = False
    path: str = ""


def package_sources(directory: Path = PACKAGE_DIR, package: str = PACKAGE) -> dict[str, Source]:
    """Every module of the package under ``directory``, by dotted name."""
    sources = {}
    for file in sorted(directory.rglob("*.py")):
        parts = file.relative_to(directory).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        name = ".".join((package, *parts[:-1])) if is_package else ".".join((package, *parts))
        sources[name] = Source(file.read_text(encoding="utf-8"), is_package, str(file.relative_to(directory.parent)))
    return sources


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _is_private_module(module: str) -> bool:
    return module not in PUBLIC_PRIVATE_MODULES and any(_private(part) for part in module.split("."))


def _same_subpackage(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` lie in one sub-package (``fercourse.face.images`` and ``fercourse.face.crops``).

    A chapter module split into a package along its sections is still one unit: its parts may
    share private helpers, as the sections of one file did. The top-level package is not such a unit.
    """
    pa, pb = a.split("."), b.split(".")
    return pa[:2] == pb[:2] and max(len(pa), len(pb)) >= 3


def _absolute(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    """The module a ``from ... import`` statement reads from, relative imports resolved."""
    if not node.level:
        return node.module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _owner(target: str, modules) -> str | None:
    """The module that defines ``target`` (a dotted module or ``module.attribute``)."""
    while target and target not in modules:
        target = target.rpartition(".")[0]
    return target or None


def _bound_names(scope: ast.AST) -> set[str]:
    """The names a scope binds itself (its parameters, assignments, loop targets, ...)."""
    names = set()
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        arguments = scope.args
        for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg,
                    arguments.kwarg):
            if arg is not None:
                names.add(arg.arg)
    if isinstance(scope, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        for generator in scope.generators:
            names |= {n.id for n in ast.walk(generator.target) if isinstance(n, ast.Name)}
        return names
    for node in _own_nodes(scope):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not scope:
            names.add(node.name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def _own_nodes(scope: ast.AST):
    """The nodes of ``scope`` outside its nested scopes (a nested function's name and defaults are included)."""
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _SCOPES):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                stack.extend(node.args.defaults + [d for d in node.args.kw_defaults if d is not None])
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                stack.extend(node.decorator_list)
            continue
        stack.extend(ast.iter_child_nodes(node))


@dataclass(frozen=True)
class Finding:
    importer: str
    line: int
    target: str  # a module, or a module's private name as ``module.name``

    def __str__(self) -> str:
        return f"{self.importer} (line {self.line}): {self.target}"


class _ModuleReader:
    """Reads one module: the modules it depends on and the private names of others it uses."""

    def __init__(self, importer: str, source: Source, modules):
        self.importer, self.source, self.modules = importer, source, modules
        self.dependencies: list[Finding] = []
        self.private: list[Finding] = []

    # -- imports

    def _depend(self, target: str, line: int) -> None:
        owner = _owner(target, self.modules)
        if owner is None:
            return
        parts = owner.split(".")
        for k in range(1, len(parts) + 1):  # the module and the packages whose __init__ importing it runs
            module = ".".join(parts[:k])
            inside = self.importer == module or self.importer.startswith(module + ".")
            if module in self.modules and not inside:
                self.dependencies.append(Finding(self.importer, line, module))

    def _refuse(self, module: str, name: str, line: int) -> None:
        if module != self.importer and not _same_subpackage(module, self.importer):
            self.private.append(Finding(self.importer, line, f"{module}.{name}"))

    def _import_bindings(self, node) -> dict[str, str | None]:
        """Names an import statement binds, each to the package module it names (or None), noting what it uses."""
        bound = {}
        if isinstance(node, ast.Import):
            for alias in node.names:
                if not (alias.name == PACKAGE or alias.name.startswith(PACKAGE + ".")):
                    bound[alias.asname or alias.name.partition(".")[0]] = None
                    continue
                self._depend(alias.name, node.lineno)
                if _is_private_module(alias.name):
                    owner, _, name = alias.name.rpartition(".")
                    self._refuse(owner, name, node.lineno)
                bound[alias.asname or PACKAGE] = alias.name if alias.asname else PACKAGE
            return bound
        module = _absolute(node, self.importer, self.source.is_package)
        if not (module == PACKAGE or module.startswith(PACKAGE + ".")):
            return {alias.asname or alias.name: None for alias in node.names}
        for alias in node.names:
            full = f"{module}.{alias.name}"
            if full in self.modules:  # a module
                self._depend(full, node.lineno)
                if _is_private_module(full):
                    self._refuse(module, alias.name, node.lineno)
                bound[alias.asname or alias.name] = full
            else:  # a name defined in the module (or "*")
                self._depend(module, node.lineno)
                owner = _owner(module, self.modules)
                if owner != self.importer and (_private(alias.name) or _is_private_module(module)):
                    self._refuse(module, alias.name, node.lineno)
                bound[alias.asname or alias.name] = None
        return bound

    # -- scopes and attribute chains

    def read(self) -> _ModuleReader:
        tree = ast.parse(self.source.text)
        self._scope(tree, [])
        return self

    def _scope(self, scope: ast.AST, enclosing: list[dict]) -> None:
        bindings: dict[str, str | None] = {name: None for name in _bound_names(scope)}
        own = list(_own_nodes(scope))
        for node in own:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                bindings.update(self._import_bindings(node))
        chain = [bindings, *enclosing]
        for node in own:
            if isinstance(node, ast.Attribute):
                self._attribute(node, chain)
            elif isinstance(node, _SCOPES):
                self._scope(node, chain)

    def _attribute(self, node: ast.Attribute, chain: list[dict]) -> None:
        names = []
        value = node
        while isinstance(value, ast.Attribute):
            names.append(value.attr)
            value = value.value
        if not isinstance(value, ast.Name):
            return
        module = next((scope[value.id] for scope in chain if value.id in scope), None)
        if module is None:
            return
        for attribute in reversed(names):
            full = f"{module}.{attribute}"
            if full in self.modules:  # fercourse.face: a module reached as an attribute
                self._depend(full, node.lineno)
                if _is_private_module(full):
                    self._refuse(module, attribute, node.lineno)
                module = full
                continue
            if _private(attribute):
                self._refuse(module, attribute, node.lineno)
            return


def read_modules(sources: dict[str, Source]) -> dict[str, _ModuleReader]:
    """Every module's dependencies and uses of other modules' private names."""
    return {name: _ModuleReader(name, source, sources).read() for name, source in sources.items()}


def import_graph(sources: dict[str, Source]) -> dict[str, dict[str, int]]:
    """``{module: {module it depends on: first line that says so}}``."""
    graph: dict[str, dict[str, int]] = defaultdict(dict)
    for name, reader in read_modules(sources).items():
        graph[name]
        for found in reader.dependencies:
            if found.target != name:
                graph[name].setdefault(found.target, found.line)
    return dict(graph)


def strongly_connected(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components (Tarjan's algorithm, without recursion), each sorted."""
    index, low, on_stack, stack, components = {}, {}, set(), [], []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, {}))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph.get(successor, {})))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(sorted(component))
    return components


def one_cycle(graph: dict[str, dict[str, int]], component: list[str]) -> str:
    """A shortest cycle through the first module of a component, with the line of each import."""
    start, members = component[0], set(component)
    previous = {start: None}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for successor in sorted(graph.get(node, {})):
            if successor == start:
                path = [node]
                while previous[path[-1]] is not None:
                    path.append(previous[path[-1]])
                path = [*reversed(path), start]
                return " -> ".join(f"{a} (line {graph[a][b]})" for a, b in zip(path, path[1:])) + f" -> {start}"
            if successor in members and successor not in previous:
                previous[successor] = node
                queue.append(successor)
    return ", ".join(component)  # pragma: no cover - a component of two or more always has a cycle


def cycles(sources: dict[str, Source]) -> list[str]:
    """One readable cycle per strongly connected component of more than one module."""
    graph = import_graph(sources)
    return [one_cycle(graph, c) for c in strongly_connected(graph) if len(c) > 1]


def private_uses(sources: dict[str, Source]) -> list[Finding]:
    """Every use of another module's private name (once per line)."""
    found = [found for reader in read_modules(sources).values() for found in reader.private]
    return list(dict.fromkeys(found))


# ------------------------------------------------------------------------- the package itself


@pytest.fixture(scope="module")
def sources():
    return package_sources()


def test_the_checker_reads_every_module(sources):
    assert {"fercourse", "fercourse._env", "fercourse.config", "fercourse.synth", "fercourse.data",
            "fercourse.data.chapters", "fercourse.dataset", "fercourse.widgets.webcam"} <= set(sources)
    graph = import_graph(sources)
    assert "fercourse.dataset" in graph["fercourse.synth.datasets"]
    assert "fercourse.data" in graph["fercourse.graph.data"]  # importing a submodule runs its package too


def test_the_package_has_no_import_cycles(sources):
    found = cycles(sources)
    assert not found, "import cycles (break each, e.g. by moving what both need into a lower module):\n" + "\n".join(found)


def test_no_module_uses_another_modules_private_names(sources):
    found = private_uses(sources)
    assert not found, (
        "private names used outside their module (make them public, or move them to where both can "
        "import them):\n" + "\n".join(map(str, found))
    )


# ----------------------------------------------------------------- the checker on small sources


def _package(modules: dict[str, str]) -> dict[str, Source]:
    """Sources by dotted name (without the leading ``fercourse.``); a name with submodules is a package."""
    names = {f"{PACKAGE}.{name}": text for name, text in modules.items()}
    names.setdefault(PACKAGE, "")
    return {name: Source(text, name == PACKAGE or any(other.startswith(name + ".") for other in names))
            for name, text in names.items()}


def test_checker_finds_a_cycle_hidden_in_a_function():
    sources = _package({"a": "from fercourse import b\n", "b": "def f():\n    from fercourse.a import thing\n    return thing\n"})
    (cycle,) = cycles(sources)
    assert "fercourse.a (line 1) -> fercourse.b (line 2) -> fercourse.a" == cycle


def test_checker_counts_the_package_init_a_submodule_import_runs():
    layered = {
        "data": "from fercourse.data.dataset import Dataset\nfrom fercourse.data.chapters import expressions\n",
        "data.dataset": "class Dataset: ...\n",
        "data.chapters": "def expressions():\n    from fercourse import synth\n",
        "synth": "def faces():\n    from fercourse.data.dataset import Dataset\n",
    }
    (cycle,) = cycles(_package(layered))
    assert "fercourse.synth" in cycle and "fercourse.data (line" in cycle
    layered["synth"] = "def faces():\n    from fercourse.dataset import Dataset\n"
    layered["dataset"] = "class Dataset: ...\n"
    assert cycles(_package(layered)) == []  # the container below the data package: no cycle


def test_checker_resolves_relative_imports():
    sources = _package({"widgets": "from .webcam import Webcam\n", "widgets.webcam": "from ..live import Reading\n",
                        "live": "def demo():\n    from fercourse.widgets import Webcam\n"})
    (cycle,) = cycles(sources)
    assert "fercourse.widgets.webcam" in cycle and "fercourse.live" in cycle
    assert cycles(_package({"config": "from . import _env\n", "_env": "X = 1\n"})) == []


@pytest.mark.parametrize("text, expected", [
    ("from fercourse.data.loaders import _probe_video, _read_video\n",
     ["fercourse.data.loaders._probe_video", "fercourse.data.loaders._read_video"]),
    ("from fercourse import face\n\ndef f(m):\n    return face._landmark_stack(m)\n", ["fercourse.face._landmark_stack"]),
    ("from fercourse import assets\nDIGEST = assets._sha256\n", ["fercourse.assets._sha256"]),
    ("def f():\n    from fercourse import cnn\n    return cnn._Classifier()\n", ["fercourse.cnn._Classifier"]),
    ("import fercourse.cnn as c\nx = c._Classifier\n", ["fercourse.cnn._Classifier"]),
    ("import fercourse.face\nx = fercourse.face._landmark_stack\n", ["fercourse.face._landmark_stack"]),
    ("from ..data import loaders\nx = loaders._probe_video\n", ["fercourse.data.loaders._probe_video"]),
    ("from fercourse import _env\nfrom fercourse._env import quiet_stderr\nx = _env.tensorflow, _env.__doc__\n", []),
    ("from fercourse import face\n\ndef f(face):\n    return face._crops\n", []),  # a parameter, not the module
    ("from fercourse import face\nx = [face._crops for face in range(3)]\n", []),
    ("from fercourse.face import FaceMesh\nx = FaceMesh._fields\n", []),  # a class's attribute, not a module's
    ("import numpy as np\nx = np._NoValue\n", []),  # not the package's business
])
def test_checker_finds_private_names_of_other_modules(text, expected):
    sources = _package({"data": "", "data.loaders": "", "face": "", "assets": "", "cnn": "", "_env": "", "live": "",
                        "live.user": text})
    assert sorted(found.target for found in private_uses(sources)) == expected


def test_parts_of_one_subpackage_may_share_private_names():
    assert _same_subpackage("fercourse.face.crops", "fercourse.face.images")
    assert _same_subpackage("fercourse.face", "fercourse.face.images")  # the package's __init__
    assert not _same_subpackage("fercourse.temporal", "fercourse.face")
    assert not _same_subpackage("fercourse.temporal", "fercourse.data.loaders")


def test_checker_lets_a_module_use_its_own_private_names():
    sources = _package({"face": "def _landmark_stack():\n    pass\n\nfrom fercourse import face\nx = face._landmark_stack\n"})
    assert private_uses(sources) == []
