"""The layers import only downwards: transport -> service -> storage and core.

Transport turns events and requests into calls of the service's one entry point
(service/api.py); it never builds a domain command or reads the store itself. The
check reads every import, those inside functions too, of every module of each layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import facilitator

PACKAGE = Path(facilitator.__file__).resolve().parent

#: What each layer may never import, by package prefix.
FORBIDDEN = {
    "transport": ("facilitator.core", "facilitator.storage"),
    "service": ("facilitator.transport",),
    "storage": ("facilitator.service", "facilitator.transport"),
    "core": (
        "facilitator.service",
        "facilitator.storage",
        "facilitator.transport",
        "facilitator.library",
    ),
    "library": ("facilitator.service", "facilitator.storage", "facilitator.transport"),
}


def imported(source: str, module: str) -> set[str]:
    """Return every module name `source` (the text of `module`) imports, resolved."""
    names: set[str] = set()
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{anchor}.{base}" if base else anchor
            names.add(base)
            # `from facilitator import core` imports a package by its attribute name.
            names |= {f"{base}.{alias.name}" for alias in node.names}
    return names


def offences(layer: str, source: str, module: str) -> list[str]:
    """Return each forbidden import of `module`, which sits in `layer`."""
    banned = FORBIDDEN[layer]
    return sorted(
        f"{module} imports {name}"
        for name in imported(source, module)
        if any(name == prefix or name.startswith(prefix + ".") for prefix in banned)
    )


def _modules(layer: str) -> list[tuple[str, Path]]:
    folder = PACKAGE / layer
    return [
        (f"facilitator.{layer}.{path.relative_to(folder).with_suffix('').as_posix()}", path)
        for path in sorted(folder.rglob("*.py"))
    ]


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_each_layer_imports_nothing_above_it(layer: str) -> None:
    modules = _modules(layer)
    assert modules, f"no modules found in facilitator/{layer}"
    found = [
        offence
        for module, path in modules
        for offence in offences(layer, path.read_text(encoding="utf-8"), module)
    ]
    assert found == []


# -- the checker itself ---------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "from facilitator.core import commands as c",
        "import facilitator.storage.base",
        "from facilitator import core",
        "def f():\n    from facilitator.storage.sqlite import SQLiteStore\n",
        "from ..core.errors import DomainError",
        "from .. import storage",
    ],
)
def test_the_checker_finds_transport_importing_core_or_storage(source: str) -> None:
    assert offences("transport", source, "facilitator.transport.socket_events") != []


@pytest.mark.parametrize(
    "source",
    [
        "from facilitator.service.api import Service",
        "from facilitator.errors import Refused",
        "from facilitator.transport import schemas as s",
        "from . import schemas",
        "import facilitator.lengths",
        "from facilitator.corelike import x",
    ],
)
def test_the_checker_lets_transport_import_the_service_and_itself(source: str) -> None:
    assert offences("transport", source, "facilitator.transport.socket_events") == []
