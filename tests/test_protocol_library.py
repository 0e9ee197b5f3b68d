"""The shipped protocols and instruments, and the catalog that offers them."""

from __future__ import annotations

from pathlib import Path

import pytest

from facilitator.core.answers import check_spec
from facilitator.core.spec import PollType, StepKind
from facilitator.library.catalog import (
    DIR_VARIABLE,
    SHIPPED_DIR,
    Catalog,
    check_files,
    files_in,
    is_instrument_file,
)
from facilitator.library.loader import (
    CourseSpec,
    Instrument,
    Phase,
    ProtocolError,
    load_instrument,
    load_protocol,
)
from facilitator.library.translation import is_translation_file

AREAS = ("grief", "disputes", "transitions", "isolation")

USER_PROTOCOL = """\
id: user-group
version: 2
title: A group of our own
source: written for this test
problem_areas: [isolation]
polls:
  mood: {question: "Mood today?", type: scale, min: 1, max: 5}
blocks:
  hello:
    - {kind: check_in, title: Hello, minutes: 5, poll: mood}
    - {kind: check_in, title: Round, minutes: 10}
  goodbye:
    - {kind: closing, title: Goodbye, minutes: 5, poll: user-scale}
sessions:
  - n: 1
    phase: initial
    title: First
    minutes: 30
    steps:
      - use: hello
      - {kind: discussion, title: Talk, minutes: 10}
      - use: goodbye
"""

USER_INSTRUMENT = """\
id: user-scale
title: A scale of our own
instructions: "Over the last week:"
options: [{label: Never, score: 0}, {label: Often, score: 2}]
items: [{id: a, text: I slept well}, {id: b, text: I saw friends}]
scoring: {min: 0, max: 4}
anonymous_allowed: true
licence: ours
attribution: ours
source: ours
"""


COURSE_PROTOCOL = """\
id: course-group
version: 1
title: A course of our own
source: written for this test
course:
  weekly_measure: my_mood
  steps_carried_forward: yes
  member_round_phases: [middle, termination]
polls:
  my_mood: {question: "Your mood this week?", type: scale, anonymous: false}
blocks:
  round:
    - {kind: check_in, title: Mood, minutes: 2, poll: my_mood}
    - {kind: member_round, title: Member round, minutes: 20, note: One member at a time.}
sessions:
  - n: 1
    phase: initial
    title: First
    measures: [phq-9, who-5]
    steps:
      - {kind: check_in, title: Mood, minutes: 2, poll: my_mood}
      - {kind: check_in, title: Questionnaires, minutes: 5, poll: phq-9}
      - {kind: check_in, title: Well-being, minutes: 5, poll: who-5}
      - {kind: closing, title: A step, minutes: 5}
  - n: 2
    phase: middle
    title: Second
    steps:
      - use: round
      - {kind: closing, title: A step, minutes: 5}
  - n: 3
    phase: termination
    title: Last
    measures: [phq-9]
    steps:
      - use: round
      - {kind: check_in, title: Questionnaire, minutes: 5, poll: phq-9}
      - {kind: closing, title: A step, minutes: 5}
"""


def _shipped_instruments() -> dict[str, Instrument]:
    return {i.id: i for i in Catalog.load().instruments()}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The shipped catalog."""
    return Catalog.load()


@pytest.fixture
def user_dir(tmp_path: Path) -> Path:
    """A user directory holding one protocol and one instrument."""
    (tmp_path / "instruments").mkdir()
    (tmp_path / "user-group.yaml").write_text(USER_PROTOCOL, encoding="utf-8")
    (tmp_path / "instruments" / "user-scale.yml").write_text(USER_INSTRUMENT, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("path", files_in(SHIPPED_DIR), ids=lambda p: p.name)
def test_shipped_file_loads(path: Path) -> None:
    if is_translation_file(path):
        [report] = check_files([path])
        assert report.problems == ()
        assert report.loaded is not None
        assert (report.loaded.id, report.loaded.language) == tuple(path.stem.split("."))
    elif is_instrument_file(path):
        assert load_instrument(path).id == path.stem
    else:
        assert load_protocol(path, _shipped_instruments()).id == path.stem


def test_catalog_offers_the_shipped_protocols_and_instruments(catalog: Catalog) -> None:
    assert [p.id for p in catalog.protocols()] == ["group-ipt-8", "ipt-g-12"]
    assert [i.id for i in catalog.instruments()] == ["gad-7", "phq-2", "phq-9", "who-5"]


@pytest.mark.parametrize(
    ("protocol_id", "phases"),
    [
        ("group-ipt-8", ["pre_group", "initial"] + ["middle"] * 6 + ["termination"]),
        ("ipt-g-12", ["pre_group"] + ["initial"] * 3 + ["middle"] * 7 + ["termination"] * 2),
    ],
)
def test_shipped_protocol_has_a_pre_group_meeting_then_numbered_phases(
    catalog: Catalog, protocol_id: str, phases: list[str]
) -> None:
    sessions = catalog.protocol(protocol_id).sessions
    assert [s.n for s in sessions] == list(range(len(phases)))
    assert [s.phase for s in sessions] == phases


@pytest.mark.parametrize("protocol_id", ["group-ipt-8", "ipt-g-12"])
def test_shipped_agendas_fill_the_session_with_positive_timed_scripted_steps(
    catalog: Catalog, protocol_id: str
) -> None:
    for session in catalog.protocol(protocol_id).sessions:
        assert all(step.minutes > 0 and step.note.strip() for step in session.steps)
        assert session.agenda_minutes == session.minutes
        assert session.minutes == (45 if session.phase is Phase.PRE_GROUP else 90)
        assert session.fidelity


@pytest.mark.parametrize("protocol_id", ["group-ipt-8", "ipt-g-12"])
def test_group_sessions_open_with_the_mood_check_in_and_close_with_a_step(
    catalog: Catalog, protocol_id: str
) -> None:
    for session in catalog.protocol(protocol_id).sessions[1:]:
        first, last = session.steps[0], session.steps[-1]
        assert (first.kind, first.poll) == (StepKind.CHECK_IN, "mood10")
        assert (last.kind, last.poll) == (StepKind.CLOSING, "useful_today")


@pytest.mark.parametrize("protocol_id", ["group-ipt-8", "ipt-g-12"])
def test_every_middle_session_runs_a_role_play(catalog: Catalog, protocol_id: str) -> None:
    protocol = catalog.protocol(protocol_id)
    for session in protocol.sessions:
        if session.phase is Phase.MIDDLE:
            plays = [s.role_play for s in session.steps if s.kind is StepKind.ROLE_PLAY]
            assert plays and all(play in protocol.role_plays for play in plays)


@pytest.mark.parametrize("protocol_id", ["group-ipt-8", "ipt-g-12"])
@pytest.mark.parametrize("area", AREAS)
def test_each_problem_area_has_two_role_plays_with_observers_and_a_debrief(
    catalog: Catalog, protocol_id: str, area: str
) -> None:
    plays = catalog.protocol(protocol_id).role_plays_for(area)
    assert len(plays) >= 2
    for play in plays:
        assert play.role("protagonist") is not None
        assert [role.id for role in play.roles if role.observer] == ["observers"]
        assert len(play.debrief) == 5


@pytest.mark.parametrize("protocol_id", ["group-ipt-8", "ipt-g-12"])
def test_check_in_polls_are_the_agreed_ones(catalog: Catalog, protocol_id: str) -> None:
    polls = catalog.protocol(protocol_id).polls
    mood, tried, useful = polls["mood10"], polls["tried_step"], polls["useful_today"]
    assert (mood.type, mood.min, mood.max, mood.anonymous) == (PollType.SCALE, 0, 10, True)
    assert tried.type is PollType.SINGLE_CHOICE
    assert tried.options == ("Yes", "Partly", "No", "Not this week")
    assert (useful.type, useful.anonymous) == (PollType.SCALE, True)
    named = polls["mood_named"]
    assert (named.type, named.min, named.max) == (PollType.SCALE, 0, 10)
    assert (named.anonymous, named.facilitator_only) == (False, True)


@pytest.mark.parametrize("protocol_id", ["group-ipt-8", "ipt-g-12"])
def test_shipped_protocols_run_as_courses(catalog: Catalog, protocol_id: str) -> None:
    protocol = catalog.protocol(protocol_id)
    assert protocol.course == CourseSpec(
        weekly_measure="mood_named",
        steps_carried_forward=True,
        member_round_phases=(Phase.MIDDLE,),
    )
    for session in protocol.sessions:
        polls = [step.poll for step in session.steps]
        kinds = [step.kind for step in session.steps]
        # The named mood at every meeting's check-in, beside the anonymous one for the room.
        assert "mood_named" in polls
        assert StepKind.CLOSING in kinds
        rounds = [step for step in session.steps if step.kind is StepKind.MEMBER_ROUND]
        if session.phase is Phase.MIDDLE:
            [round_step] = rounds
            assert kinds.index(StepKind.MEMBER_ROUND) == polls.index("mood_named") + 1
            assert all(word in round_step.note for word in ("one by one", "goal", "step", "try"))
        else:
            assert not rounds


@pytest.mark.parametrize(("protocol_id", "middle"), [("group-ipt-8", 5), ("ipt-g-12", 7)])
def test_shipped_protocols_measure_phq9_first_half_way_and_last(
    catalog: Catalog, protocol_id: str, middle: int
) -> None:
    sessions = catalog.protocol(protocol_id).sessions
    measured = {session.n: session.measures for session in sessions if session.measures}
    first = next(s.n for s in sessions if s.phase is Phase.INITIAL)
    assert measured == {first: ("phq-9",), middle: ("phq-9",), sessions[-1].n: ("phq-9",)}
    assert sessions[middle].phase is Phase.MIDDLE
    for n in measured:
        assert "phq-9" in [step.poll for step in sessions[n].steps]


def test_a_course_section_loads_with_each_session_s_measures(tmp_path: Path) -> None:
    path = tmp_path / "course-group.yaml"
    path.write_text(COURSE_PROTOCOL, encoding="utf-8")
    protocol = load_protocol(path, _shipped_instruments())
    assert protocol.course == CourseSpec("my_mood", True, (Phase.MIDDLE, Phase.TERMINATION))
    assert [s.measures for s in protocol.sessions] == [("phq-9", "who-5"), (), ("phq-9",)]
    round_step = protocol.session(2).steps[1]
    assert (round_step.kind, round_step.title) == (StepKind.MEMBER_ROUND, "Member round")
    assert round_step.note == "One member at a time."


def test_a_course_section_may_leave_out_every_field(user_dir: Path) -> None:
    path = user_dir / "user-group.yaml"
    path.write_text(USER_PROTOCOL + "course: {}\n", encoding="utf-8")
    scale = load_instrument(user_dir / "instruments" / "user-scale.yml")
    assert load_protocol(path, {"user-scale": scale}).course == CourseSpec(None, False, ())


def test_a_protocol_without_a_course_section_has_none(user_dir: Path) -> None:
    protocol = Catalog.load([user_dir]).protocol("user-group")
    assert protocol.course is None
    assert [session.measures for session in protocol.sessions] == [()]


def test_every_poll_a_step_opens_is_one_the_engine_accepts(catalog: Catalog) -> None:
    for protocol in catalog.protocols():
        polls = catalog.polls_for(protocol.id)
        assert set(protocol.poll_ids()) <= set(polls)
        for spec in polls.values():
            check_spec(spec)


def test_phq9_is_named_facilitator_only_with_item_9_as_its_risk_item(catalog: Catalog) -> None:
    phq9 = catalog.instrument("phq-9")
    assert [item.id for item in phq9.poll.items if item.risk] == ["9"]
    assert (phq9.anonymous_allowed, phq9.poll.anonymous, phq9.poll.facilitator_only) == (
        False,
        False,
        True,
    )
    assert phq9.poll.options == (
        "Not at all",
        "Several days",
        "More than half the days",
        "Nearly every day",
    )


@pytest.mark.parametrize(
    ("instrument_id", "cut_offs"),
    [
        ("phq-9", [(0, 4), (5, 9), (10, 14), (15, 19), (20, 27)]),
        ("gad-7", [(0, 4), (5, 9), (10, 14), (15, 21)]),
        ("phq-2", [(0, 2), (3, 6)]),
        ("who-5", [(0, 28), (29, 50), (51, 100)]),
    ],
)
def test_instrument_severity_bands_are_the_published_cut_offs(
    catalog: Catalog, instrument_id: str, cut_offs: list[tuple[int, int]]
) -> None:
    instrument = catalog.instrument(instrument_id)
    assert [(b.min, b.max) for b in instrument.severity] == cut_offs
    assert instrument.licence and instrument.attribution and instrument.source


def test_who5_total_is_the_raw_sum_times_four(catalog: Catalog) -> None:
    who5 = catalog.instrument("who-5")
    assert who5.poll.multiplier == 4
    assert who5.total([0] * 5) == 100  # option 0 is "All of the time", score 5
    band = who5.band(who5.total([4, 4, 4, 4, 3]))  # raw 6, total 24
    assert band is not None and band.label == "likely depression"


def test_phq2_three_or_more_is_a_positive_screen(catalog: Catalog) -> None:
    phq2 = catalog.instrument("phq-2")
    band = phq2.band(phq2.total([1, 2]))
    assert band is not None and band.label.startswith("positive")


def test_poll_lookup_finds_protocol_polls_and_instruments(catalog: Catalog) -> None:
    assert catalog.poll("group-ipt-8", "mood10").type is PollType.SCALE
    assert catalog.poll("group-ipt-8", "who-5").type is PollType.INSTRUMENT
    with pytest.raises(KeyError, match="no poll 'nothing'"):
        catalog.poll("group-ipt-8", "nothing")
    with pytest.raises(KeyError, match="no protocol 'nothing'"):
        catalog.protocol("nothing")


def test_catalog_picks_up_protocols_and_instruments_from_a_user_directory(
    user_dir: Path,
) -> None:
    catalog = Catalog.load([user_dir])
    assert catalog.protocol("user-group").version == 2
    assert catalog.poll("user-group", "user-scale").items[1].text == "I saw friends"
    assert catalog.poll("user-group", "phq-9").facilitator_only
    assert "group-ipt-8" in [p.id for p in catalog.protocols()]


def test_catalog_reads_the_user_directory_from_the_environment(user_dir: Path) -> None:
    catalog = Catalog.from_environment({DIR_VARIABLE: str(user_dir)})
    assert catalog.instrument("user-scale").score_max == 4


def test_blocks_expand_in_order_where_they_are_used(user_dir: Path) -> None:
    session = Catalog.load([user_dir]).protocol("user-group").session(1)
    assert [step.title for step in session.steps] == ["Hello", "Round", "Talk", "Goodbye"]
    assert session.agenda_minutes == session.minutes == 30


def test_user_file_reusing_a_taken_id_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "mine.yaml"
    copy.write_text((SHIPPED_DIR / "group-ipt-8.yaml").read_text(encoding="utf-8"))
    with pytest.raises(ProtocolError, match=r"mine.yaml: id: 'group-ipt-8' is already used by"):
        Catalog.load([tmp_path])


def test_broken_user_file_stops_the_catalog_naming_the_file(user_dir: Path) -> None:
    (user_dir / "typo.yaml").write_text(USER_PROTOCOL.replace("minutes: 30", "minuts: 30"))
    with pytest.raises(ProtocolError, match=r"typo.yaml:\d+: sessions\[0\].minuts: unknown"):
        Catalog.load([user_dir])


def test_missing_user_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ProtocolError, match="is not a directory"):
        Catalog.load([tmp_path / "absent"])


def test_a_ranking_poll_loads_from_a_protocol_with_its_options_in_order() -> None:
    path = Path(__file__).parent / "browser" / "protocols" / "browser-check.yaml"
    poll = load_protocol(path).polls["priorities"]
    assert (poll.type, poll.anonymous, poll.reveal_threshold) == (PollType.RANKING, True, 3)
    assert poll.options == ("Sleep", "Seeing friends", "Work", "Exercise")
    check_spec(poll)


@pytest.mark.parametrize("protocol_id", ["group-ipt-8", "ipt-g-12"])
def test_the_last_sessions_check_self_harm_and_the_referral_check(
    catalog: Catalog, protocol_id: str
) -> None:
    for protocol in [catalog.protocol(protocol_id)]:
        last = protocol.sessions[-1].fidelity
        assert any("self-harm" in item for item in last), protocol.id
        assert any("referral check" in item for item in last), protocol.id
        pre_group = protocol.session(0).fidelity
        assert any("refer elsewhere" in item for item in pre_group), protocol.id


NAMED_INSTRUMENTS = """\
id: named-instruments
version: 1
title: Instruments by name
source: test file
polls:
  who5_named: {instrument: who-5, anonymous: false}
  phq2_room: {instrument: phq-2, anonymous: true}
  phq9_shared: {instrument: phq-9, anonymous: false, facilitator_only: false}
sessions:
  - n: 1
    phase: initial
    title: One
    steps:
      - {kind: check_in, title: Well-being, minutes: 5, poll: who5_named}
      - {kind: check_in, title: Screen, minutes: 5, poll: phq2_room}
      - {kind: check_in, title: Questionnaire, minutes: 5, poll: phq9_shared}
"""


def test_a_protocol_asks_an_instrument_by_name_under_its_own_poll_id(tmp_path: Path) -> None:
    path = tmp_path / "named-instruments.yaml"
    path.write_text(NAMED_INSTRUMENTS, encoding="utf-8")
    instruments = _shipped_instruments()
    polls = load_protocol(path, instruments).polls
    who5 = instruments["who-5"].poll
    named = polls["who5_named"]
    assert (named.id, named.instrument_id, named.type) == ("who5_named", "who-5", who5.type)
    assert (named.question, named.options, named.scores) == (
        who5.question,
        who5.options,
        who5.scores,
    )
    assert (named.items, named.multiplier) == (who5.items, 4)
    assert (named.anonymous, named.facilitator_only) == (False, True)
    assert who5.anonymous  # the instrument's own poll is still anonymous
    room = polls["phq2_room"]
    assert (room.instrument_id, room.anonymous, room.facilitator_only) == ("phq-2", True, False)
    # A risk instrument keeps its risk item under another id.
    shared = polls["phq9_shared"]
    assert shared.has_risk_item and not shared.anonymous and not shared.facilitator_only
    check_spec(shared)


def test_ipt_g_12_asks_the_half_way_who5_by_name(catalog: Catalog) -> None:
    protocol = catalog.protocol("ipt-g-12")
    [step] = [s for s in protocol.session(7).steps if s.poll == "who5_named"]
    spec = catalog.poll("ipt-g-12", "who5_named")
    assert (spec.instrument_id, spec.anonymous, spec.facilitator_only) == ("who-5", False, True)
    assert catalog.instrument_of(spec) is catalog.instrument("who-5")
    assert catalog.polls_for("ipt-g-12")["who5_named"] == spec
    assert step.minutes == 5
