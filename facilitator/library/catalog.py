"""The protocols and instruments on offer: the shipped ones plus the user's own.

A protocol directory holds protocol files (`*.yaml`) and an `instruments/` folder of
instrument files, each with its translation files beside it (`group-ipt-8.es.yaml`).
Users add their own by dropping files into a directory of the same layout and naming it
in FACILITATOR_PROTOCOLS_DIR; no code changes. A translation may translate a protocol or
instrument of any directory, shipped ones included.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from facilitator.core.spec import PollSpec
from facilitator.library.loader import (
    Instrument,
    Problem,
    Protocol,
    ProtocolError,
    load_instrument,
    load_protocol,
    problems_at,
)
from facilitator.library.translation import (
    is_translation_file,
    read_translation,
    translate_instrument,
    translate_protocol,
    with_translation,
)
from facilitator.locations import PROTOCOLS_DIR

SHIPPED_DIR = PROTOCOLS_DIR
#: Names one or more extra protocol directories, separated like PATH.
DIR_VARIABLE = "FACILITATOR_PROTOCOLS_DIR"
INSTRUMENTS_FOLDER = "instruments"
T = TypeVar("T", bound="Protocol | Instrument")
SUFFIXES = (".yaml", ".yml")


def is_instrument_file(path: Path) -> bool:
    """Tell whether a file is an instrument file, by the folder it sits in."""
    return path.parent.name == INSTRUMENTS_FOLDER


def files_in(directory: Path) -> list[Path]:
    """Return the protocol files of a directory, then the instrument files."""
    found: list[Path] = []
    for folder in (directory, directory / INSTRUMENTS_FOLDER):
        if folder.is_dir():
            found += sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file())
    return found


def dirs_from_environment(environ: Mapping[str, str]) -> list[Path]:
    """Return the extra protocol directories named in the environment."""
    value = environ.get(DIR_VARIABLE, "")
    return [Path(part) for part in value.split(os.pathsep) if part]


class Catalog:
    """Protocols and instruments by id."""

    def __init__(
        self, protocols: Mapping[str, Protocol], instruments: Mapping[str, Instrument]
    ) -> None:
        self._protocols = dict(protocols)
        self._instruments = dict(instruments)

    @classmethod
    def load(cls, extra_dirs: Iterable[Path] = (), *, shipped: bool = True) -> Catalog:
        """Load the shipped and the extra directories, or raise ProtocolError with every problem."""
        dirs = [SHIPPED_DIR] if shipped else []
        dirs += list(extra_dirs)
        problems: list[Problem] = []
        files: list[Path] = []
        # A directory named twice (say, the shipped one in the environment too) would
        # otherwise report every id in it as taken.
        for directory in dict.fromkeys(d.resolve() for d in dirs):
            if directory.is_dir():
                files += files_in(directory)
            else:
                problems.append(Problem(directory, "", "is not a directory"))
        originals = [f for f in files if not is_translation_file(f)]
        instruments, found = _load_all(
            [f for f in originals if is_instrument_file(f)], load_instrument
        )
        protocols, more = _load_all(
            [f for f in originals if not is_instrument_file(f)],
            lambda path: load_protocol(path, instruments),
        )
        problems += found + more
        # Translations last: each is checked against the original it translates.
        for path in (f for f in files if is_translation_file(f)):
            try:
                translate_file(path, protocols, instruments)
            except ProtocolError as error:
                problems += error.problems
        if problems:
            raise ProtocolError(problems)
        return cls(protocols, instruments)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Catalog:
        """Load the shipped directory and those named by FACILITATOR_PROTOCOLS_DIR."""
        return cls.load(dirs_from_environment(os.environ if environ is None else environ))

    def protocols(self) -> tuple[Protocol, ...]:
        """Return every protocol, by id."""
        return tuple(self._protocols[key] for key in sorted(self._protocols))

    def protocol(self, protocol_id: str) -> Protocol:
        """Return one protocol, or raise KeyError."""
        try:
            return self._protocols[protocol_id]
        except KeyError:
            raise KeyError(f"no protocol {protocol_id!r}") from None

    def instruments(self) -> tuple[Instrument, ...]:
        """Return every instrument, by id."""
        return tuple(self._instruments[key] for key in sorted(self._instruments))

    def instrument(self, instrument_id: str) -> Instrument:
        """Return one instrument, or raise KeyError."""
        try:
            return self._instruments[instrument_id]
        except KeyError:
            raise KeyError(f"no instrument {instrument_id!r}") from None

    def instrument_of(self, spec: PollSpec) -> Instrument | None:
        """Return the instrument a poll asks, under whatever id the protocol gave it."""
        instrument_id = spec.instrument_id
        return None if instrument_id is None else self._instruments.get(instrument_id)

    def poll(self, protocol_id: str, poll_id: str) -> PollSpec:
        """Return a poll a step of the protocol may open: its own poll or an instrument."""
        protocol = self.protocol(protocol_id)
        if poll_id in protocol.polls:
            return protocol.polls[poll_id]
        if poll_id in self._instruments:
            return self._instruments[poll_id].poll
        raise KeyError(f"protocol {protocol_id!r} has no poll {poll_id!r}")

    def polls_for(self, protocol_id: str) -> dict[str, PollSpec]:
        """Return the protocol's own polls and the instruments its steps open, by id."""
        protocol = self.protocol(protocol_id)
        polls = dict(protocol.polls)
        for poll_id in protocol.poll_ids():
            if poll_id not in polls:
                polls[poll_id] = self._instruments[poll_id].poll
        return polls


def translate_file(
    path: Path, protocols: dict[str, Protocol], instruments: dict[str, Instrument]
) -> Protocol | Instrument:
    """Load a translation file and add its language to the original it translates.

    Return the original in the new language; the original, with the language added,
    replaces itself in `protocols` or `instruments`. Raise ProtocolError if the file has
    problems, or its original is not among those given.
    """
    if is_instrument_file(path):
        translation = read_translation(path, instrument=True)
        instrument = _original(translation, instruments, "instrument")
        translated_instrument = translate_instrument(instrument, translation)
        instruments[instrument.id] = with_translation(instrument, translated_instrument)
        return translated_instrument
    translation = read_translation(path, instrument=False)
    protocol = _original(translation, protocols, "protocol")
    translated = translate_protocol(protocol, translation, instruments)
    protocols[protocol.id] = with_translation(protocol, translated)
    return translated


def _original(translation: Any, originals: Mapping[str, T], what: str) -> T:
    try:
        return originals[translation.translation_of]
    except KeyError:
        known = ", ".join(sorted(originals)) or "none"
        message = (
            f"unknown {what} {translation.translation_of!r} (or its file has problems); "
            f"known: {known}"
        )
        raise ProtocolError(
            problems_at(translation.path, translation.node, {"translation_of": [message]})
        ) from None


@dataclass(frozen=True)
class FileReport:
    """The outcome of checking one file: what it loaded as, or its problems."""

    path: Path
    loaded: Protocol | Instrument | None
    problems: tuple[Problem, ...]


def check_files(paths: Iterable[Path], extra_dirs: Iterable[Path] = ()) -> list[FileReport]:
    """Check files (or the files of directories) one by one and report on each.

    A protocol's polls may name the instruments given, those shipped, those in the
    extra directories, and those in an instruments folder beside the protocol file. A
    protocol file is checked with the translation files beside it; a translation file
    against its original, found the same way.
    """
    files: list[Path] = []
    for path in paths:
        files += files_in(path) if path.is_dir() else [path, *_translations_beside(path)]
    files = list(dict.fromkeys(files))
    originals = [f for f in files if not is_translation_file(f)]
    reports = {f: _check(f, load_instrument) for f in originals if is_instrument_file(f)}
    known = {r.loaded.id: r.loaded for r in reports.values() if isinstance(r.loaded, Instrument)}
    around = [SHIPPED_DIR, *extra_dirs, *{f.parent for f in files}]
    for file in _originals_in(around, instruments=True):
        if file not in reports:
            loaded = _check(file, load_instrument).loaded
            if isinstance(loaded, Instrument):
                known.setdefault(loaded.id, loaded)
    for file in originals:
        if file not in reports:
            reports[file] = _check(file, lambda path: load_protocol(path, known))
    protocols = {r.loaded.id: r.loaded for r in reports.values() if isinstance(r.loaded, Protocol)}
    if len(reports) < len(files):
        for file in _originals_in(around, instruments=False):
            if file not in reports:
                loaded = _check(file, lambda path: load_protocol(path, known)).loaded
                if isinstance(loaded, Protocol):
                    protocols.setdefault(loaded.id, loaded)
    for file in files:
        if file not in reports:
            reports[file] = _check(file, lambda path: translate_file(path, protocols, known))
    return [reports[file] for file in files]


def _translations_beside(path: Path) -> list[Path]:
    """Return the translation files of an original file, which sit beside it."""
    stem = path.name.split(".")[0]
    if is_translation_file(path) or not path.parent.is_dir():
        return []
    return sorted(
        p
        for p in path.parent.iterdir()
        if p.is_file() and is_translation_file(p) and p.name.split(".")[0] == stem
    )


def _originals_in(directories: Iterable[Path], *, instruments: bool) -> Iterator[Path]:
    for directory in directories:
        for file in files_in(directory):
            if not is_translation_file(file) and is_instrument_file(file) == instruments:
                yield file


def _check(path: Path, load: Callable[[Path], Protocol | Instrument]) -> FileReport:
    try:
        return FileReport(path, load(path), ())
    except ProtocolError as error:
        return FileReport(path, None, error.problems)


def _load_all(
    files: Iterable[Path], load: Callable[[Path], T]
) -> tuple[dict[str, T], list[Problem]]:
    """Load files by id, collecting every file's problems and any id used twice."""
    loaded: dict[str, T] = {}
    origins: dict[str, Path] = {}
    problems: list[Problem] = []
    for path in files:
        try:
            value = load(path)
        except ProtocolError as error:
            problems += error.problems
            continue
        if value.id in origins:
            problems.append(
                Problem(path, "id", f"{value.id!r} is already used by {origins[value.id]}")
            )
            continue
        loaded[value.id], origins[value.id] = value, path
    return loaded, problems
