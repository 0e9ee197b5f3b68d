"""Translation files: a protocol's or an instrument's words in another language.

A translation file sits beside the file it translates and is named after it with the
language before the suffix (`group-ipt-8.es.yaml`). Below a short header it repeats the
original's shape holding only the words people read: the same mapping keys, the same
list positions, each text in the new language. Ids, numbers and settings stay in the
original, so the two cannot disagree on them. Every text must be translated: a language
is offered whole or not at all, so that no session mixes two.

The words are laid over the original document and loaded through the original's schema,
so a translation is checked like the original (two options translated alike, a bare
"No" that YAML reads as false) and loads into the same values.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml
from marshmallow import Schema, ValidationError, fields

from facilitator.languages import language_tag
from facilitator.library.loader import (
    Instrument,
    Problem,
    Protocol,
    ProtocolError,
    build_instrument,
    build_protocol,
    problems_at,
    protocol_schema,
    read_yaml,
    validated,
)
from facilitator.library.schema import (
    NOT_TEXT,
    TRANSLATED,
    IdMap,
    InstrumentSchema,
    InstrumentTranslationSchema,
    PollEntry,
    ProtocolSchema,
    ProtocolTranslationSchema,
)

#: A translation file's name: the original's name, a language tag, the suffix.
NAME_RE = re.compile(r"^(?P<stem>[^.]+)\.(?P<language>[^.]+)\.ya?ml$")
#: Fields a list item may repeat from the original, to show which item it translates.
ECHOED = ("id", "use")


def is_translation_file(path: Path) -> bool:
    """Tell whether a file is a translation file, by its name."""
    return NAME_RE.match(path.name) is not None


@dataclass(frozen=True)
class Translation:
    """A translation file as read: its header, and its words in the original's shape."""

    path: Path
    translation_of: str
    language: str
    header: dict[str, Any]
    words: dict[str, Any]
    node: yaml.Node


def read_translation(path: Path, *, instrument: bool) -> Translation:
    """Read a translation file and check its header, or raise ProtocolError."""
    document, node = read_yaml(path)
    schema = InstrumentTranslationSchema() if instrument else ProtocolTranslationSchema()
    names = [name for name in schema.fields if name in document]
    header = validated(path, node, {name: document[name] for name in names}, schema)
    match = NAME_RE.match(path.name)
    named = match.group("language") if match else ""
    try:
        same = language_tag(named) == header["language"]
    except ValueError:
        same = False
    if not same:
        raise ProtocolError(
            problems_at(
                path,
                node,
                {"language": [f"must match the file name's language, {named!r}"]},
            )
        )
    words = {key: value for key, value in document.items() if key not in names}
    return Translation(path, header["translation_of"], header["language"], header, words, node)


def translate_protocol(
    protocol: Protocol, translation: Translation, instruments: Mapping[str, Instrument]
) -> Protocol:
    """Return the protocol in the translation's language, or raise ProtocolError."""
    problems = _header_problems(protocol, translation)
    if translation.header["version"] != protocol.version:
        problems.append(
            _problem(
                translation,
                ("version",),
                f"translates version {translation.header['version']}; the protocol is "
                f"version {protocol.version}: check the texts that changed, then set "
                f"version: {protocol.version}",
            )
        )
    schema = protocol_schema(instruments)
    data, document = _laid_over(protocol.document, schema, translation, "protocol", problems)
    return replace(build_protocol(data, instruments, document), language=translation.language)


def translate_instrument(instrument: Instrument, translation: Translation) -> Instrument:
    """Return the instrument in the translation's language, or raise ProtocolError."""
    problems = _header_problems(instrument, translation)
    data, document = _laid_over(
        instrument.document, InstrumentSchema(), translation, "instrument", problems
    )
    built = build_instrument(data, document)
    return replace(
        built,
        language=translation.language,
        source=translation.header["source"],
        attribution=translation.header.get("attribution", built.attribution),
    )


def with_translation(original: Any, translated: Any) -> Any:
    """Return the protocol or instrument with one more language offered."""
    translations = {**original.translations, translated.language: translated}
    return replace(original, translations=translations)


def _header_problems(original: Protocol | Instrument, translation: Translation) -> list[Problem]:
    problems = []
    if translation.language == original.language:
        problems.append(
            _problem(translation, ("language",), f"is the language of {original.id!r} itself")
        )
    elif translation.language in original.translations:
        problems.append(
            _problem(
                translation,
                ("language",),
                f"{original.id!r} already has a {translation.language} translation",
            )
        )
    return problems


def _laid_over(
    original: Mapping[str, Any],
    schema: Schema,
    translation: Translation,
    what: str,
    problems: list[Problem],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check the words against the original's texts, lay them over it and load the result."""
    texts = words_of(schema, original)
    for parts, message in _differences(
        texts, original, translation.words, (), translation.language, what
    ):
        problems.append(_problem(translation, parts, message))
    if problems:
        raise ProtocolError(problems)
    document = _overlay(original, texts, translation.words)
    try:
        data: dict[str, Any] = schema.load(document)
    except ValidationError as error:
        raise ProtocolError(
            problems_at(translation.path, translation.node, error.messages)
        ) from error
    return data, document


def _problem(translation: Translation, parts: tuple[Any, ...], message: str) -> Problem:
    [problem] = problems_at(translation.path, translation.node, _nested(parts, message))
    return problem


def _nested(parts: tuple[Any, ...], message: str) -> Any:
    messages: Any = [message]
    for part in reversed(parts):
        messages = {part: messages}
    return messages


# The words of a document: its translated fields, in its own shape.

#: What a field holds when nothing in it is translated.
NOTHING: Any = None


def words_of(schema: Schema, document: Any) -> Any:
    """Return the translated texts of a valid document in its shape, or NOTHING.

    Mappings keep only the keys that hold texts; lists keep every position, with an
    empty mapping for an item that holds none (a step that uses a block), so that the
    positions of a translation line up with the original's.
    """
    if not isinstance(document, dict):
        return NOTHING
    found: dict[str, Any] = {}
    for name, each in schema.fields.items():
        key = each.data_key or name
        if key in document:
            texts = _words_of_field(each, document[key])
            if texts is not NOTHING:
                found[key] = texts
    return found or NOTHING


def _words_of_field(field: fields.Field[Any], value: Any) -> Any:
    if field.metadata.get(TRANSLATED):
        return value if isinstance(value, str) else NOTHING
    if isinstance(field, fields.Nested):
        assert isinstance(field.schema, Schema)
        return words_of(field.schema, value)
    if isinstance(field, PollEntry):
        return words_of(field.schema_for(value), value) if isinstance(value, dict) else NOTHING
    if isinstance(field, IdMap) and isinstance(value, dict):
        entries = {key: _words_of_field(field.values, item) for key, item in value.items()}
        found = {key: texts for key, texts in entries.items() if texts is not NOTHING}
        return found or NOTHING
    if isinstance(field, fields.List) and isinstance(value, list):
        items = [_words_of_field(field.inner, item) for item in value]
        if all(item is NOTHING for item in items):
            return NOTHING
        return [{} if item is NOTHING else item for item in items]
    return NOTHING


def _differences(
    texts: Any, original: Any, given: Any, parts: tuple[Any, ...], language: str, what: str
) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Yield (path, message) for each text missing, extra or of the wrong type."""
    if isinstance(texts, str):
        if not isinstance(given, str):
            yield parts, NOT_TEXT
        elif not given.strip() and texts.strip():
            yield parts, "must not be empty"
    elif isinstance(texts, list):
        if not isinstance(given, list):
            yield parts, f"must be a list, as in the {what}"
            return
        for index, item in enumerate(texts):
            if index < len(given):
                yield from _differences(
                    item, original[index], given[index], (*parts, index), language, what
                )
            else:
                yield (*parts, index), f"missing in {language}"
        for index in range(len(texts), len(given)):
            yield (*parts, index), f"not in the {what}, which has {len(texts)} here"
    elif isinstance(texts, dict):
        if not isinstance(given, dict):
            yield parts, f"must be a mapping, as in the {what}"
            return
        for key, item in texts.items():
            if key in given:
                yield from _differences(
                    item, original[key], given[key], (*parts, key), language, what
                )
            else:
                yield (*parts, key), f"missing in {language}"
        for key in given:
            if key in texts:
                continue
            where = (*parts, key)
            if key in ECHOED and isinstance(original, dict) and key in original:
                if given[key] != original[key]:
                    yield where, f"must be {original[key]!r}, as in the {what}"
            elif isinstance(original, dict) and key in original:
                yield (
                    where,
                    (f"is not translated: ids, numbers and settings stay in the {what} file"),
                )
            else:
                yield where, f"not in the {what} (check the spelling)"


def _overlay(original: Any, texts: Any, given: Any) -> Any:
    """Return a copy of the original with the given words in place of its texts.

    Every container on the way is new: YAML aliases make the original share one mapping
    between places (a role used by several role-plays), and each place takes its own words.
    """
    if isinstance(texts, str):
        return given
    if isinstance(texts, list):
        return [_overlay(o, t, g) for o, t, g in zip(original, texts, given, strict=True)]
    if isinstance(texts, dict):
        copy = dict(original)
        for key, item in texts.items():
            copy[key] = _overlay(original[key], item, given[key])
        return copy
    return original


def translation_template(original: Protocol | Instrument, language: str) -> str:
    """Return a translation file to fill in: its header, then the original's texts."""
    header: dict[str, Any] = {"translation_of": original.id, "language": language}
    if isinstance(original, Instrument):
        schema: Schema = InstrumentSchema()
        what = "official published translation"
        header["source"] = "The official translation: its authors, year and where it is published."
    else:
        schema, what = ProtocolSchema(), "translation"
        header["version"] = original.version
    words = words_of(schema, original.document) or {}
    body = yaml.safe_dump(
        {**header, **words}, allow_unicode=True, sort_keys=False, width=88, default_flow_style=False
    )
    return (
        f"# The {language} {what} of {original.id}: replace every text below with its\n"
        "# translation, keeping the keys and the order of list items as they are.\n" + body
    )
