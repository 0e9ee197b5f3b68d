"""`facilitator serve`, with each build of the phones' shared view written down.

Run as `python -m tests.counted_views`: the server is the real one, started as the
command starts it; only `broadcast.room_view` is wrapped, to append the version and
language of each view it builds to the file FACILITATOR_TEST_BUILDS names. The test of
"one build per language in use, not per phone" reads that file.
"""

from __future__ import annotations

import os
import sys
from typing import Any


def main() -> None:
    sys.argv = [sys.argv[0], "serve"]
    from facilitator.config import Settings
    from facilitator.serving import patch_for

    # As the launcher does, before Flask and the rest load.
    patch_for(Settings.from_env().async_mode)
    from facilitator.service import broadcast

    build = broadcast.room_view  # type: ignore[attr-defined]
    path = os.environ["FACILITATOR_TEST_BUILDS"]

    def counted(state: Any, language: str | None = None, wording: Any = None) -> Any:
        with open(path, "a", encoding="utf-8") as out:
            out.write(f"{state.id} {state.public_version} {language}\n")
        return build(state, language, wording)

    broadcast.room_view = counted  # type: ignore[attr-defined]
    from facilitator.cli import main as cli

    cli()


if __name__ == "__main__":
    main()
