"""The server's log output: one line per record, with control characters escaped.

Request lines, query strings and client packets reach the log; a raw escape sequence
or newline in them could repaint an operator's terminal or forge a log line.
"""

from __future__ import annotations

import logging
import re
from typing import Any

FORMAT = "%(asctime)s %(levelname)s %(message)s"
# C0 and C1 controls, DEL, line and paragraph separators, bidirectional overrides, and
# lone surrogates (which the log stream could not even encode).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def escape(text: str) -> str:
    """Return `text` with every unsafe character written as a visible escape."""
    return _UNSAFE.sub(_visible, text)


def _visible(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class EscapingFormatter(logging.Formatter):
    """A formatter whose message is one line, and whose tracebacks keep only newlines."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        return escape(super().formatMessage(record))

    def formatException(self, ei: Any) -> str:  # noqa: N802
        return _escape_lines(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:  # noqa: N802
        return _escape_lines(super().formatStack(stack_info))


def _escape_lines(text: str) -> str:
    return "\n".join(escape(line) for line in text.split("\n"))


class OneLineForBadInput(logging.Filter):
    """Write a library's error about input it could not read as one line, no traceback.

    engine.io logs a traceback for every long-polling body it cannot decode (not UTF-8,
    an empty packet): a ValueError raised by a client's bytes, not by a fault here.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, ValueError):
            record.msg = f"{record.getMessage()}: {type(error).__name__}: {error}"[:200]
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


def configure(level: str) -> None:
    """Send records at `level` and above to stderr through the escaping formatter."""
    handler = logging.StreamHandler()
    handler.setFormatter(EscapingFormatter(FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
