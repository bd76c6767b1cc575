"""The package's layout holds: each side imports only its own side, the sides before
it and the shared modules; engines import only shared modules."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "audiobook"
SIDES = ("text", "casting", "audio", "output")
SHARED = {"models", "config", "errors", "files", "tools"}


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "audiobook":
                found.update(f"audiobook.{alias.name}" for alias in node.names)
            elif node.module.startswith("audiobook."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("audiobook."))
    return found


def _side(module: str) -> str:
    """"text", "casting", "audio", "output", "shared" or "top" (cli, pipeline, batch)."""
    part = module.split(".")[1] if "." in module else ""
    if part in SIDES:
        return part
    return "shared" if part in SHARED else "top"


def test_every_import_points_to_an_earlier_side_or_a_shared_module():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module(path)
        side = _side(module)
        for target in _imports(path):
            other = _side(target)
            if side == "top" or other == "shared":
                continue
            if side == "shared":
                wrong.append(f"{module} (shared) imports {target}")
            elif other == "top" or SIDES.index(other) > SIDES.index(side):
                wrong.append(f"{module} ({side}) imports {target} ({other})")
            elif module.startswith("audiobook.audio.engines") and not target.startswith(
                "audiobook.audio.engines"
            ):
                wrong.append(f"{module} (an engine) imports {target}")
    assert wrong == []


def test_the_checker_sees_a_wrong_import():
    assert _side("audiobook.audio.assemble") == "audio"
    assert _side("audiobook.tools") == "shared" and _side("audiobook.pipeline") == "top"
    assert "audiobook.casting.plan" in _imports(PACKAGE / "audio" / "workers.py")


def test_no_module_is_over_400_lines():
    long = {
        str(path.relative_to(PACKAGE)): n
        for path in PACKAGE.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long == {}
