"""The engine imports no framework and does no I/O (DESIGN.md: pure core)."""

from __future__ import annotations

import ast
from pathlib import Path

import facilitator.core

FORBIDDEN = {
    "flask",
    "flask_socketio",
    "socketio",
    "engineio",
    "redis",
    "sqlite3",
    "gevent",
    "eventlet",
    "socket",
    "time",
    "datetime",
    "random",
    "secrets",
    "uuid",
    "os",
    "threading",
    "marshmallow",
}


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_modules_import_nothing_of_the_edges() -> None:
    files = sorted(Path(facilitator.core.__file__).parent.glob("*.py"))
    assert len(files) >= 5
    offenders = {f.name: sorted(_imported_roots(f) & FORBIDDEN) for f in files}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_core_imports_only_itself_and_the_standard_library() -> None:
    import sys

    files = Path(facilitator.core.__file__).parent.glob("*.py")
    roots = set().union(*(_imported_roots(f) for f in files))
    outside = {r for r in roots if r not in sys.stdlib_module_names and r != "facilitator"}
    assert outside == set()


def test_the_purity_check_catches_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import sqlite3\nfrom flask import Flask\n")
    assert _imported_roots(bad) & FORBIDDEN == {"sqlite3", "flask"}
