"""The crisis resources every phone shows, in the course's language, for its region.

Resources are YAML files, one per language (`es.yaml`), each with the language's text
and contacts and, optionally, other contacts per region (`regions: {MX: {...}}`). The
shipped files (protocols/crisis/) name no number: a number that is wrong for where the
group meets is worse than none. An operator writes theirs in a directory of the same
layout named by FACILITATOR_CRISIS_DIR, or in the one file FACILITATOR_CRISIS_FILE names.

For a course in language L and region R the first of these that exists is shown:
1. the operator's file for L (or the language L narrows, `es` for `es-MX`): its entry
   for R, else its text for every region;
2. the shipped file for L, the same way;
3. all of the above for the default language, English, so that a region's numbers
   reach a course whose language has no file;
4. the built-in English text.
The operator's one file (FACILITATOR_CRISIS_FILE) counts as the operator's file for its
`language` (English if it names none) when the directory has none for that language.
Files are read at every request, so that an edit shows at once; a file with a problem is
skipped with a warning naming it, and the next in the order is shown.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from facilitator.languages import DEFAULT_LANGUAGE, broader, language_tag, region_code
from facilitator.locations import CRISIS_DIR

log = logging.getLogger(__name__)

DEFAULT_CRISIS: dict[str, Any] = {
    "title": "If you are in danger or thinking of harming yourself",
    "text": (
        "You do not have to face this alone. If you might act on thoughts of harming "
        "yourself, or you are in danger now, contact your local emergency services at "
        "once. Tell someone you trust how you feel, or ask the facilitator for help."
    ),
    "contacts": [
        {"name": "Local emergency services", "detail": "Call your local emergency number."},
        {"name": "Someone you trust", "detail": "A friend, a family member or a neighbour."},
        {"name": "Your facilitator", "detail": "Tap 'I need support', or speak to them."},
    ],
}
FIELDS = ("title", "text", "contacts")


class CrisisFileError(ValueError):
    """A crisis file that cannot be used; the message names what is wrong and where."""


@dataclass(frozen=True)
class CrisisFile:
    """One language's crisis resources: for every region, and per region."""

    language: str
    # The title, text and contacts the file gives for every region; a field it leaves
    # out is the shipped file's for the language (an operator may write only contacts).
    fields: dict[str, Any]
    # Per region (ISO 3166 code, e.g. MX, or a UN M.49 area, e.g. 419): the fields it
    # changes; the others are the file's.
    regions: dict[str, dict[str, Any]] = field(default_factory=dict)

    def resources(self, region: str | None, base: dict[str, Any]) -> dict[str, Any]:
        """Return the resources for a region: its own entry, else the file's, else `base`'s."""
        own = self.regions.get(region or "", {})
        chosen = {name: own.get(name, self.fields.get(name, base[name])) for name in FIELDS}
        return {
            **chosen,
            "contacts": [dict(contact) for contact in chosen["contacts"]],
            "language": self.language,
            "region": region if region in self.regions else None,
        }


def read_crisis_file(path: Path, language: str | None = None) -> CrisisFile:
    """Read a crisis file, or raise CrisisFileError.

    Its language is its `language` field, else `language` (from the file's name in a
    directory), else English.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise CrisisFileError(f"{path}: cannot read: {error}") from None
    if not isinstance(data, dict):
        raise CrisisFileError(f"{path}: must be a YAML mapping of fields")
    unknown = sorted(set(data) - {*FIELDS, "language", "regions"}, key=str)
    if unknown:
        raise CrisisFileError(f"{path}: {unknown[0]}: unknown field (check the spelling)")
    try:
        written = language_tag(data["language"]) if "language" in data else None
    except ValueError as error:
        raise CrisisFileError(f"{path}: language: {error}") from None
    if written is not None and language is not None and written != language:
        raise CrisisFileError(f"{path}: language: {written} in a file named for {language}")
    fields = _fields(path, "", data)
    regions: dict[str, dict[str, Any]] = {}
    raw_regions = data.get("regions") or {}
    if not isinstance(raw_regions, dict):
        raise CrisisFileError(f"{path}: regions: must be a mapping of region codes")
    for code, entry in raw_regions.items():
        region = _region(path, code)
        if not isinstance(entry, dict):
            raise CrisisFileError(f"{path}: regions.{code}: must be a mapping")
        regions[region] = _fields(path, f"regions.{code}.", entry)
    return CrisisFile(written or language or DEFAULT_LANGUAGE, fields, regions)


def _region(path: Path, code: object) -> str:
    try:
        return region_code(code)
    except ValueError as error:
        raise CrisisFileError(f"{path}: regions.{code}: {error}") from None


def _fields(path: Path, where: str, data: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in ("title", "text"):
        if name in data:
            if not isinstance(data[name], str) or not data[name].strip():
                raise CrisisFileError(f"{path}: {where}{name}: must be text")
            found[name] = data[name]
    if "contacts" in data:
        found["contacts"] = tuple(_contacts(path, where, data["contacts"]))
    unknown = sorted(set(data) - set(FIELDS), key=str) if where else []
    if unknown:
        raise CrisisFileError(f"{path}: {where}{unknown[0]}: unknown field (check the spelling)")
    return found


def _contacts(path: Path, where: str, contacts: Any) -> Iterator[dict[str, str]]:
    if not isinstance(contacts, list) or not contacts:
        raise CrisisFileError(f"{path}: {where}contacts: must list at least one contact")
    for index, contact in enumerate(contacts):
        here = f"{path}: {where}contacts[{index}]"
        if not isinstance(contact, dict) or set(contact) - {"name", "detail"}:
            raise CrisisFileError(f"{here}: must have a name and a detail, and nothing else")
        if not all(
            isinstance(contact.get(k), str) and contact[k].strip() for k in ("name", "detail")
        ):
            raise CrisisFileError(f"{here}: name and detail must be text")
        yield {"name": contact["name"], "detail": contact["detail"]}


class CrisisResources:
    """The crisis resources of a deployment: the operator's files, then the shipped ones."""

    def __init__(
        self,
        directory: Path | None = None,
        file: Path | None = None,
        shipped: Path = CRISIS_DIR,
    ) -> None:
        self.directory = directory
        self.file = file
        self.shipped = shipped

    def for_course(self, language: str | None = None, region: str | None = None) -> dict[str, Any]:
        """Return the resources for a course's language and region, by the order above.

        A language or region that is not a valid code is taken as not given: a phone in
        crisis gets resources, never an error.
        """
        tags = _tags(language)
        code = _region_or_none(region)
        for tag in (*tags, *(() if DEFAULT_LANGUAGE in tags else (DEFAULT_LANGUAGE,))):
            shipped = self._read(self.shipped / f"{tag}.yaml", tag)
            base = DEFAULT_CRISIS if shipped is None else shipped.resources(None, DEFAULT_CRISIS)
            for found in (self._operator(tag), shipped):
                if found is not None:
                    return found.resources(code, base)
        return {**DEFAULT_CRISIS, "language": DEFAULT_LANGUAGE, "region": None}

    def _operator(self, tag: str) -> CrisisFile | None:
        if self.directory is not None:
            found = self._read(self.directory / f"{tag}.yaml", tag)
            if found is not None:
                return found
        if self.file is not None:
            single = self._read(self.file, None)
            if single is not None and single.language == tag:
                return single
        return None

    @staticmethod
    def _read(path: Path, language: str | None) -> CrisisFile | None:
        if language is not None and not path.is_file():
            return None
        try:
            return read_crisis_file(path, language)
        except CrisisFileError as error:
            log.warning("crisis file skipped: %s", error)
            return None


def _tags(language: str | None) -> tuple[str, ...]:
    try:
        return broader(language_tag(language)) if language else (DEFAULT_LANGUAGE,)
    except ValueError:
        return (DEFAULT_LANGUAGE,)


def _region_or_none(code: object) -> str | None:
    try:
        return region_code(code) if code else None
    except ValueError:
        return None


def crisis_resources(path: Path | None) -> dict[str, Any]:
    """Return the resources every phone showed before courses chose a language."""
    return CrisisResources(file=path).for_course()
