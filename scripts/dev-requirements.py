"""Print what the tests, linters and wheel build need beyond the app, for pip-compile.

pip-compile reads no dependency groups; this keeps pyproject.toml the one place where
their bounds are written. The runtime lock constrains every shared package, so the two
locks never pin one package twice at different versions.
"""

import tomllib
from pathlib import Path

project = tomllib.loads(Path("pyproject.toml").read_text(encoding="utf-8"))
print("-c requirements.lock")
for requirement in (
    *project["build-system"]["requires"],
    *project["project"]["optional-dependencies"]["eventlet"],
    *project["dependency-groups"]["dev"],
):
    print(requirement)
