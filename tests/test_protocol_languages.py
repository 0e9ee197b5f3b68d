"""Protocols and instruments in several languages: translation files and what they offer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from facilitator.languages import broader, language_tag
from facilitator.library.catalog import SHIPPED_DIR, Catalog, check_files
from facilitator.library.loader import Protocol, ProtocolError
from facilitator.library.schema import InstrumentSchema, ProtocolSchema
from facilitator.library.translation import translation_template, words_of

SHIPPED_LANGUAGES = ("en", "es", "fr")
ORIGINAL = Path(__file__).parent / "broken_protocols" / "translations" / "original.yaml"

#: A complete Spanish translation of ORIGINAL.
ORIGINAL_ES = """\
translation_of: translated
version: 2
language: es
title: Un protocolo para traducir
source: Escrito para las pruebas.
polls:
  mood: {question: "¿Tu ánimo esta semana?"}
  tried: {question: "¿Intentaste dar tu paso?", options: ["Sí", "No"]}
role_plays:
  invite:
    title: Invitar a un vecino
    scenario: Una persona invita a su vecino a tomar un té.
    roles:
      - {id: protagonist, name: La persona, setup: Invita a tu vecino.}
      - {name: Vecino, setup: Estás ocupado pero eres amable.}
    debrief: ["¿Cómo te sentiste?"]
blocks:
  opening:
    - {title: Ánimo, note: Abre la encuesta.}
safety:
  script: [Habla a solas con la persona.]
sessions:
  - title: Primera
    steps:
      - use: opening
      - {title: A practicar, note: Prepara la escena.}
      - {title: Un paso, note: Pide un paso.}
    fidelity: [Empecé a tiempo]
"""

#: Words that stand in for an official translation; no such translation is shipped.
PHQ2_OFFICIAL_ES = """\
translation_of: phq-2
language: es
source: Official Spanish form, as published (named here for the test).
attribution: The publisher's attribution for the Spanish form.
title: Título de prueba
instructions: Instrucciones de prueba
options: [{label: Opción 0}, {label: Opción 1}, {label: Opción 2}, {label: Opción 3}]
items: [{id: "1", text: Pregunta 1}, {id: "2", text: Pregunta 2}]
severity: [{label: Banda 1}, {label: Banda 2}]
"""


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


@pytest.fixture
def translated_dir(tmp_path: Path) -> Path:
    """A protocol directory with ORIGINAL and its Spanish translation."""
    (tmp_path / "original.yaml").write_text(ORIGINAL.read_text(encoding="utf-8"), "utf-8")
    (tmp_path / "original.es.yaml").write_text(ORIGINAL_ES, encoding="utf-8")
    return tmp_path


def _shape(protocol: Protocol) -> Any:
    """Return everything of a protocol but its words: ids, numbers, kinds, references."""
    return (
        protocol.id,
        protocol.version,
        protocol.defaults,
        protocol.problem_areas,
        protocol.course,
        [(s.n, s.phase, s.minutes, s.measures, len(s.fidelity)) for s in protocol.sessions],
        [[(t.kind, t.minutes, t.poll, t.role_play) for t in s.steps] for s in protocol.sessions],
        {
            key: (p.type, p.anonymous, p.facilitator_only, len(p.options), p.min, p.max)
            for key, p in protocol.polls.items()
        },
        {
            key: (p.area, [(r.id, r.observer) for r in p.roles], len(p.debrief))
            for key, p in protocol.role_plays.items()
        },
        None if protocol.safety is None else len(protocol.safety.script),
    )


def _texts(protocol: Protocol) -> list[str]:
    found = [protocol.title, protocol.source]
    for session in protocol.sessions:
        found += [session.title, *session.fidelity]
        found += [text for step in session.steps for text in (step.title, step.note)]
    for poll in protocol.polls.values():
        if not poll.instrument:
            found += [poll.question, *poll.options]
    for play in protocol.role_plays.values():
        found += [play.title, play.scenario, *play.debrief]
        found += [text for role in play.roles for text in (role.name, role.setup)]
    if protocol.safety is not None:
        found += [*protocol.safety.script, protocol.safety.contacts_note]
    return found


@pytest.mark.parametrize("protocol_id", ["group-ipt-8", "ipt-g-12"])
def test_shipped_protocols_are_offered_in_english_spanish_and_french(
    catalog: Catalog, protocol_id: str
) -> None:
    assert catalog.protocol(protocol_id).languages == SHIPPED_LANGUAGES


@pytest.mark.parametrize("language", ["es", "fr"])
@pytest.mark.parametrize("protocol_id", ["group-ipt-8", "ipt-g-12"])
def test_a_translated_protocol_keeps_every_id_number_and_step(
    catalog: Catalog, protocol_id: str, language: str
) -> None:
    original = catalog.protocol(protocol_id)
    translated = original.in_language(language)
    assert translated.language == language
    assert _shape(translated) == _shape(original)


@pytest.mark.parametrize("language", ["es", "fr"])
@pytest.mark.parametrize("protocol_id", ["group-ipt-8", "ipt-g-12"])
def test_a_shipped_translation_is_not_the_english_words(
    catalog: Catalog, protocol_id: str, language: str
) -> None:
    original = catalog.protocol(protocol_id)
    pairs = list(zip(_texts(original), _texts(original.in_language(language)), strict=True))
    # A few words are the same in both languages ("Questionnaire", "Pause" in French).
    same = [english for english, translated in pairs if english == translated and english]
    assert len(same) <= len(pairs) // 20, same


def test_the_spanish_protocol_speaks_to_the_member_with_tu(catalog: Catalog) -> None:
    protocol = catalog.protocol("group-ipt-8").in_language("es")
    assert protocol.polls["mood10"].question.startswith("¿Cómo ha estado tu ánimo")
    assert protocol.polls["tried_step"].options == ("Sí", "En parte", "No", "Esta semana no tocaba")
    assert protocol.role_plays["grief_empty_chair"].debrief[0] == (
        "¿Cómo te sentiste al decir esas palabras?"
    )


def test_the_french_protocol_speaks_to_the_member_with_tu(catalog: Catalog) -> None:
    protocol = catalog.protocol("ipt-g-12").in_language("fr")
    assert protocol.polls["tried_step"].question == "As-tu essayé ta petite action cette semaine ?"
    assert protocol.session(12).title == "Se dire au revoir"


def test_a_language_the_protocol_does_not_offer_is_refused_without_a_fallback(
    catalog: Catalog,
) -> None:
    protocol = catalog.protocol("group-ipt-8")
    with pytest.raises(KeyError, match="not offered in de; only in en, es, fr"):
        protocol.in_language("de")
    with pytest.raises(ValueError, match="unknown language 'sp'"):
        protocol.in_language("sp")


def test_a_language_is_asked_for_in_any_case(catalog: Catalog) -> None:
    protocol = catalog.protocol("group-ipt-8")
    assert protocol.in_language("ES") is protocol.in_language("es")
    assert protocol.in_language("en") is protocol


def test_a_translated_poll_keeps_its_settings_and_takes_its_words(translated_dir: Path) -> None:
    protocol = Catalog.load([translated_dir]).protocol("translated")
    spanish = protocol.in_language("es")
    assert spanish.polls["tried"].options == ("Sí", "No")
    assert spanish.polls["tried"].type == protocol.polls["tried"].type
    # A poll that asks an instrument has no words of its own: the instrument's stay.
    assert spanish.polls["wellbeing"] == protocol.polls["wellbeing"]
    assert [step.title for step in spanish.session(1).steps] == ["Ánimo", "A practicar", "Un paso"]


def test_places_that_share_words_in_the_original_each_take_their_own(tmp_path: Path) -> None:
    (tmp_path / "shared.yaml").write_text(
        """\
id: shared
version: 1
title: Shared
source: test
sessions:
  - {n: 1, phase: initial, title: One, steps: [&talk {kind: discussion, title: Talk, minutes: 5}]}
  - {n: 2, phase: middle, title: Two, steps: [*talk]}
""",
        encoding="utf-8",
    )
    (tmp_path / "shared.fr.yaml").write_text(
        """\
translation_of: shared
version: 1
language: fr
title: Partagé
source: test
sessions:
  - {title: Une, steps: [{title: Parler}]}
  - {title: Deux, steps: [{title: Discuter}]}
""",
        encoding="utf-8",
    )
    french = Catalog.load([tmp_path], shipped=False).protocol("shared").in_language("fr")
    assert [s.steps[0].title for s in french.sessions] == ["Parler", "Discuter"]


def test_a_translation_may_translate_a_shipped_protocol_from_a_user_directory(
    catalog: Catalog, tmp_path: Path
) -> None:
    template = translation_template(catalog.protocol("group-ipt-8"), "sw")
    (tmp_path / "group-ipt-8.sw.yaml").write_text(template, encoding="utf-8")
    loaded = Catalog.load([tmp_path]).protocol("group-ipt-8")
    assert loaded.languages == ("en", "es", "fr", "sw")


def test_a_second_translation_into_the_same_language_is_refused(
    catalog: Catalog, tmp_path: Path
) -> None:
    template = translation_template(catalog.protocol("group-ipt-8"), "es")
    (tmp_path / "ours.es.yaml").write_text(template, encoding="utf-8")
    with pytest.raises(ProtocolError) as caught:
        Catalog.load([tmp_path])
    [problem] = caught.value.problems
    assert problem.path == "language"
    assert problem.message == "'group-ipt-8' already has a es translation"


def test_a_broken_translation_stops_the_catalog_naming_its_file_and_path(
    translated_dir: Path,
) -> None:
    path = translated_dir / "original.es.yaml"
    path.write_text(ORIGINAL_ES.replace(", note: Prepara la escena.", ""), encoding="utf-8")
    with pytest.raises(ProtocolError) as caught:
        Catalog.load([translated_dir])
    assert [str(p).split(": ", 1)[1] for p in caught.value.problems] == [
        "sessions[0].steps[1].note: missing in es"
    ]
    assert caught.value.problems[0].file == path


def test_the_template_holds_every_text_and_nothing_else(catalog: Catalog, tmp_path: Path) -> None:
    protocol = catalog.protocol("ipt-g-12")
    path = tmp_path / "ipt-g-12.pt-BR.yaml"
    path.write_text(translation_template(protocol, "pt-BR"), encoding="utf-8")
    [report] = check_files([path])
    assert report.problems == ()
    assert isinstance(report.loaded, Protocol) and report.loaded.language == "pt-BR"
    assert _texts(report.loaded) == _texts(protocol)


def test_the_words_of_a_protocol_are_its_translated_fields_only(catalog: Catalog) -> None:
    words = words_of(ProtocolSchema(), catalog.protocol("group-ipt-8").document)
    assert set(words) == {"title", "source", "safety", "polls", "role_plays", "blocks", "sessions"}
    assert (
        "who5_named"
        not in words_of(ProtocolSchema(), catalog.protocol("ipt-g-12").document)["polls"]
    )
    assert words["sessions"][1]["steps"][-1] == {}  # `use: closing`: nothing to translate
    assert set(words["sessions"][1]) == {"title", "steps", "fidelity"}


# Instruments: only official translations, each naming its source.


@pytest.mark.parametrize("instrument_id", ["phq-9", "phq-2", "gad-7", "who-5"])
def test_no_instrument_translation_is_shipped(catalog: Catalog, instrument_id: str) -> None:
    # Instruments ship a language only from an official published translation, whose
    # text cannot be checked against its publication here; so none ships yet.
    assert catalog.instrument(instrument_id).languages == ("en",)
    assert not list((SHIPPED_DIR / "instruments").glob(f"{instrument_id}.*.yaml"))


def test_without_an_official_translation_the_english_form_is_offered_and_says_so(
    catalog: Catalog,
) -> None:
    phq9 = catalog.instrument("phq-9")
    form = phq9.form_for("es")
    assert form.in_requested_language is False
    assert (form.requested, form.language) == ("es", "en")
    assert form.instrument is phq9
    assert form.official_source == phq9.source
    assert phq9.form_for("en-GB").in_requested_language is True


def test_an_official_translation_is_offered_with_its_source(tmp_path: Path) -> None:
    (tmp_path / "instruments").mkdir()
    (tmp_path / "instruments" / "phq-2.es.yaml").write_text(PHQ2_OFFICIAL_ES, encoding="utf-8")
    phq2 = Catalog.load([tmp_path]).instrument("phq-2")
    assert phq2.languages == ("en", "es")
    form = phq2.form_for("es-MX")  # no Mexican form: the Spanish one
    assert form.in_requested_language is True
    assert form.language == "es"
    assert form.official_source == "Official Spanish form, as published (named here for the test)."
    assert form.instrument.attribution == "The publisher's attribution for the Spanish form."
    spanish = form.instrument.poll
    assert spanish.question == "Instrucciones de prueba"
    assert [item.text for item in spanish.items] == ["Pregunta 1", "Pregunta 2"]
    # The scoring, bands and privacy of the published form stay.
    assert spanish.scores == phq2.poll.scores and spanish.anonymous == phq2.poll.anonymous
    assert [(b.min, b.max) for b in form.instrument.severity] == [
        (b.min, b.max) for b in phq2.severity
    ]
    assert form.instrument.severity[1].label == "Banda 2"
    assert phq2.form_for("fr").in_requested_language is False


def test_the_words_of_an_instrument_leave_its_licence_and_scoring(catalog: Catalog) -> None:
    words = words_of(InstrumentSchema(), catalog.instrument("phq-9").document)
    assert set(words) == {"title", "instructions", "options", "items", "severity"}
    assert words["items"][8] == {"text": catalog.instrument("phq-9").poll.items[8].text}


# Language tags


@pytest.mark.parametrize(
    ("written", "tag"),
    [
        ("es", "es"),
        ("FR", "fr"),
        ("pt-br", "pt-BR"),
        ("es-419", "es-419"),
        ("sr-latn-rs", "sr-Latn-RS"),
        ("ach", "ach"),
    ],
)
def test_a_language_tag_is_read_in_its_usual_spelling(written: str, tag: str) -> None:
    assert language_tag(written) == tag


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("sp", "unknown language 'sp'"),
        ("es_ES", "not a language tag"),
        ("fr-XY", "unknown region 'XY'"),
        ("en-GB-oxendict", "only a language, a script and a region"),
        ("", "must be a language tag"),
        (None, "must be a language tag"),
    ],
)
def test_an_unknown_or_malformed_language_tag_is_refused(written: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        language_tag(written)


def test_a_tag_falls_back_to_the_broader_ones() -> None:
    assert broader("sr-Latn-RS") == ("sr-Latn-RS", "sr-Latn", "sr")
    assert broader("es") == ("es",)
