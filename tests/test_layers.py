"""The layers hold: blueprints → web → modules → core, and the domain never reaches for request state."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = next(folder for folder in Path(__file__).resolve().parents if (folder / ".importlinter").exists())
# What only a request has: the domain takes what it needs as arguments instead.
REQUEST_STATE = {"request", "session", "g", "flash", "abort"}


def test_the_import_contracts_hold():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def flask_names_used(source: str) -> set[str]:
    """Names taken from flask: ``from flask import x`` and ``flask.x``."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "flask":
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "flask":
            names.add(node.attr)
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "app" / "core").rglob("*.py")) + sorted((ROOT / "app" / "modules").rglob("*.py")),
                         ids=lambda path: str(path.relative_to(ROOT)))
def test_the_domain_and_core_never_touch_request_state(path):
    assert flask_names_used(path.read_text()) & REQUEST_STATE == set()


def test_the_request_state_check_sees_both_spellings():
    assert flask_names_used("from flask import abort, current_app\nimport flask\nflask.g.x = 1") == {"abort", "current_app", "g"}


WALL_CLOCK = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"), ("time", "time")}


def wall_clock_reads(source: str) -> set[str]:
    """Calls such as ``datetime.now()`` or ``date.today()``: the time read past the app's clock."""
    return {
        f"{node.func.value.id}.{node.func.attr}"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
        and (node.func.value.id, node.func.attr) in WALL_CLOCK
    }


@pytest.mark.parametrize("path", sorted((ROOT / "app").rglob("*.py")), ids=lambda path: str(path.relative_to(ROOT)))
def test_only_the_clock_reads_the_time(path):
    allowed = {"datetime.now"} if path == ROOT / "app" / "core" / "clock.py" else set()
    assert wall_clock_reads(path.read_text()) <= allowed


def test_the_clock_check_sees_a_wall_clock_read():
    assert wall_clock_reads("from datetime import date\nx = date.today()\ny = clock.now()") == {"date.today"}
