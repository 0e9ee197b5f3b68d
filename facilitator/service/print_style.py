"""The stylesheet of the printed summaries, and its hash for the Content-Security-Policy.

The summaries carry their styles inside them (a saved file looks the same and loads
nothing), while the policy allows no inline styles: it names this one by its hash.
"""

from __future__ import annotations

import base64
import hashlib
from importlib.resources import files

from markupsafe import Markup

#: The stylesheet's text, exactly as each summary's <style> element holds it: a file of
#: this package, never anything a person typed, so it is inserted unescaped.
_TEXT = files("facilitator").joinpath("templates/summary.css").read_text("utf-8")
PRINT_STYLE = Markup(_TEXT)  # noqa: S704
#: The policy's source expression that allows it, and nothing else inline.
PRINT_STYLE_SOURCE = (
    f"'sha256-{base64.b64encode(hashlib.sha256(PRINT_STYLE.encode()).digest()).decode()}'"
)
