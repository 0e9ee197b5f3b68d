"""Babel extractor for the command line's help: each command's docstring and each
option's `help=`, which click shows with --help. cli.py says them in the language of
the environment (translate_help), from the `server` catalog like the rest of its words.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from typing import IO, Any

#: Decorators whose function's docstring is a command's help: @x.command(), @x.group().
COMMAND_DECORATORS = ("command", "group")


def extract_cli(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Yield (line, function, message, comments) for each help text, as Babel asks."""
    tree = ast.parse(fileobj.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and any(_is_command(d) for d in node.decorator_list):
            docstring = ast.get_docstring(node, clean=True)
            if docstring:
                yield node.lineno, None, docstring, []
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                value = keyword.value
                text = value.value if isinstance(value, ast.Constant) else None
                if keyword.arg == "help" and isinstance(text, str):
                    yield node.lineno, None, text, []


def _is_command(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(target, ast.Attribute) and target.attr in COMMAND_DECORATORS


def help_text(text: str) -> str:
    """Return a help text as its message id: as click shows it, cleaned of indentation."""
    return inspect.cleandoc(text)
