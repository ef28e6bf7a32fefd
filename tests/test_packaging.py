"""The installation: one source of pins, the shipped model inside the package, and a package without cycles."""

import ast
import re
import tomllib
from pathlib import Path

import pytest

import vitiscore
from vitiscore.face.landmarks import MEDIAPIPE
from vitiscore.segment import DEFAULT_MODEL, available_models
from vitiscore.segment.registry import shipped_models_dir

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "vitiscore"
PIN = re.compile(r"^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==([^;\s]+)$")


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _pins(requirements) -> dict[str, str]:
    pins = {}
    for requirement in requirements:
        if requirement.startswith("vitiscore"):
            continue  # an extra naming another extra
        match = PIN.match(requirement)
        assert match, f"{requirement!r} is not pinned to one version (name==version)"
        pins[_name(match[1])] = match[2]
    return pins


def _lock() -> dict[str, str]:
    lines = [line.strip() for line in (ROOT / "requirements.lock").read_text().splitlines()]
    return _pins(line for line in lines if line and not line.startswith("#"))


def test_every_declared_dependency_is_pinned_and_agrees_with_the_lock():
    project = _pyproject()
    declared = _pins(project["project"]["dependencies"])
    for requirements in project["project"]["optional-dependencies"].values():
        declared.update(_pins(requirements))
    declared.update(_pins(project["tool"]["vitiscore"]["no-deps"]))
    lock = _lock()
    for name, version in declared.items():
        assert name in lock, f"{name} is declared in pyproject.toml but missing from requirements.lock"
        # torch is locked as its CPU build (2.13.0+cpu), which satisfies ==2.13.0.
        assert lock[name].split("+")[0] == version, f"{name}: pyproject {version}, lock {lock[name]}"
    for required in ("torch", "torchvision", "segmentation-models-pytorch", "safetensors", "timm", "numpy"):
        assert required in declared, f"{required} is a runtime dependency and must be declared"


def test_mediapipe_pin_is_the_one_the_error_message_names():
    assert _pyproject()["tool"]["vitiscore"]["no-deps"] == [MEDIAPIPE]


def test_version_has_one_source():
    project = _pyproject()
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"]["attr"] == "vitiscore.version.__version__"
    assert re.fullmatch(r"\d+\.\d+\.\d+", vitiscore.__version__)


def test_the_default_model_ships_inside_the_package():
    folder = shipped_models_dir() / DEFAULT_MODEL
    assert folder.parent == PACKAGE / "models"
    assert DEFAULT_MODEL in available_models()
    patterns = _pyproject()["tool"]["setuptools"]["package-data"]["vitiscore"]
    for file in folder.iterdir():
        relative = file.relative_to(PACKAGE).as_posix()
        assert any(Path(relative).match(p) for p in patterns), f"{relative} would not be installed"
    assert {"config.json", "weights.safetensors", "thresholds.json", "README.md"} <= {p.name for p in folder.iterdir()}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> dict[str, set[str]]:
    """Module -> the vitiscore modules it imports (anywhere in the file, function bodies included)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        edges = set()
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                edges |= {a.name for a in node.names if a.name.startswith("vitiscore")}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + [base]).strip(".")
                if not base.startswith("vitiscore"):
                    continue
                for alias in node.names:
                    target = f"{base}.{alias.name}"
                    edges.add(target if target in modules else base)
        graph[name] = {e for e in edges if e in modules and e != name}
    return graph


def test_no_import_cycles():
    graph = _import_graph()
    state: dict[str, int] = {}

    def visit(node, trail):
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = trail[trail.index(nxt) :] + [nxt] if nxt in trail else [node, nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


# The floors of the data flow, lowest first (CONTRIBUTING.md draws them): a module may import its own floor and
# the floors below it, never one above, so each floor can be read, tested and replaced without those above it.
FLOORS = (
    ("vitiscore.version", "vitiscore.errors", "vitiscore.colour", "vitiscore.progress"),
    ("vitiscore.files",),
    ("vitiscore.face", "vitiscore.schema"),
    ("vitiscore.segment",),
    ("vitiscore.measure",),
    ("vitiscore.pipeline", "vitiscore.intervals", "vitiscore.score_options"),
    ("vitiscore.visits", "vitiscore.agreement"),
    ("vitiscore.report",),
    ("vitiscore.review",),
    ("vitiscore.training",),
    ("vitiscore.engines", "vitiscore.batch"),
    ("vitiscore.commands", "vitiscore.parser"),
    ("vitiscore.cli",),
)


def _floor(module: str) -> int:
    for level, names in enumerate(FLOORS):
        if any(module == n or module.startswith(n + ".") for n in names):
            return level
    pytest.fail(f"{module} is on no floor of FLOORS: add it where it belongs in the data flow")


def test_no_module_imports_a_floor_above_its_own():
    graph = _import_graph()
    upward = [
        f"{module} -> {target}"
        for module, targets in sorted(graph.items())
        if module != "vitiscore"  # the package's lazy public API (vitiscore.__getattr__) names the top floors
        for target in sorted(targets)
        if _floor(target) > _floor(module)
    ]
    assert not upward, "imports against the data flow:\n" + "\n".join(upward)


def test_the_layer_check_sees_an_upward_import():
    # The check itself: a measure module importing the report floor is caught.
    assert _floor("vitiscore.report.plots") > _floor("vitiscore.measure.fvasi")
    assert _floor("vitiscore.batch.score") > _floor("vitiscore.pipeline")


def test_the_package_never_imports_research_or_tests():
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            assert not any(n.split(".")[0] in ("research", "tests") for n in names), path


MAX_LINES = 400
# Modules allowed to be longer, each with the reason.
LONG_MODULES = {
    # Declarations only (every output column: name, type, unit, meaning), the one source of docs/outputs.md.
    "schema.py": "declarations",
}


def test_no_module_of_the_package_is_over_400_lines():
    lengths = {p.relative_to(PACKAGE).as_posix(): len(p.read_text().splitlines()) for p in PACKAGE.rglob("*.py")}
    long = {name: n for name, n in lengths.items() if n > MAX_LINES and name not in LONG_MODULES}
    assert not long, f"split these by what they do: {long}"
    assert all(lengths.get(name, 0) > MAX_LINES for name in LONG_MODULES), "an exception no longer needed"


# The one command that trains (it needs the [train] extra and says so when it is missing).
TRAINING_COMMANDS = {"vitiscore.commands.finetune"}


def test_scoring_never_imports_the_training_package():
    graph = _import_graph()
    runtime = [m for m in graph if not m.startswith("vitiscore.training") and m not in TRAINING_COMMANDS]
    for module in runtime:
        assert not any(e.startswith("vitiscore.training") for e in graph[module]), module
