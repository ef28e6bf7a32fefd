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


# The one command that trains (it needs the [train] extra and says so when it is missing).
TRAINING_COMMANDS = {"vitiscore.commands.finetune"}


def test_scoring_never_imports_the_training_package():
    graph = _import_graph()
    runtime = [m for m in graph if not m.startswith("vitiscore.training") and m not in TRAINING_COMMANDS]
    for module in runtime:
        assert not any(e.startswith("vitiscore.training") for e in graph[module]), module
