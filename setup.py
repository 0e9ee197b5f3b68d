"""Build step: a wheel carries the screens, their npm vendor files and the protocols.

They live outside the package in the checkout (client/, protocols/), where the app reads
them when run from source. Building copies them under facilitator/shipped/ in the build
directory, and installs the vendor files fresh from client/package-lock.json with
`npm ci` in a temporary directory: nothing is written into the checkout. An editable
install copies nothing and keeps reading the checkout.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import tempfile
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
#: What the pages need from client/: the pages, their modules and styles.
CLIENT_FILES = ("*.html", "js/*.js", "css/*.css")


def _vendor_sources() -> dict[str, str]:
    # Read the one list of vendor files the app serves, without importing the package.
    spec = importlib.util.spec_from_file_location("_locations", HERE / "facilitator/locations.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(module.VENDOR_SOURCES)


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def _install_vendor_files(target: Path) -> None:
    if shutil.which("npm") is None:
        raise SystemExit("building a wheel needs npm (Node.js 20 or newer) for the vendor files")
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(HERE / "client" / name, work / name)
        subprocess.run(
            ["npm", "ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund"],
            cwd=work,
            check=True,
        )
        modules = work / "node_modules"
        for path in _vendor_sources().values():
            _copy(modules / path, target / path)
            package = path.split("/")[0]
            # Each vendor package's licence travels with its file.
            for notice in (modules / package).glob("LICEN[CS]E*"):
                _copy(notice, target / package / notice.name)


class BuildWithShippedFiles(build_py):
    """Build the package, then add the files it serves and loads from outside it."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        shipped = Path(self.build_lib) / "facilitator" / "shipped"
        shutil.rmtree(shipped, ignore_errors=True)
        for pattern in CLIENT_FILES:
            for path in sorted((HERE / "client").glob(pattern)):
                _copy(path, shipped / "client" / path.relative_to(HERE / "client"))
        for path in sorted((HERE / "protocols").rglob("*")):
            if path.is_file():
                _copy(path, shipped / "protocols" / path.relative_to(HERE / "protocols"))
        _install_vendor_files(shipped / "client" / "node_modules")
        _compile_catalogs(Path(self.build_lib) / "facilitator" / "locales")


def _compile_catalogs(locales: Path) -> None:
    # Each language's .po files compiled to .mo beside them: the app reads the .mo files
    # of a wheel, and compiles a checkout's .po files itself when it starts.
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for source in sorted(locales.glob("*/LC_MESSAGES/*.po")):
        with source.open("rb") as handle:
            catalog = read_po(handle, locale=source.parent.parent.name.replace("-", "_"))
        with source.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, catalog)


setup(cmdclass={"build_py": BuildWithShippedFiles})
