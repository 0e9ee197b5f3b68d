"""The `facilitator` command line.

What it prints for a person is said in the language of the environment (LC_ALL,
LC_MESSAGES or LANG, as gettext reads them: `LANG=es_ES.UTF-8`), from the `server`
catalog domain; English when none is shipped. --help stays English.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from facilitator.catalogs import fill, shipped
from facilitator.cli_messages import help_text
from facilitator.languages import DEFAULT_LANGUAGE, language_tag
from facilitator.library.catalog import Catalog, check_files, dirs_from_environment
from facilitator.library.loader import CourseSpec, Instrument, Protocol, ProtocolError
from facilitator.library.translation import translation_template

if TYPE_CHECKING:
    from facilitator.storage.base import SessionRecord, Store

#: The catalog domain of the command line's words (the refusals' too).
DOMAIN = "server"


def cli_language() -> str:
    """Return the shipped language the environment asks for, English by default."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            # "fr_FR.UTF-8@euro" asks for fr-FR; "C" and "POSIX" for no language.
            tag = value.split(".")[0].split("@")[0].replace("_", "-")
            return shipped().best([] if tag in ("C", "POSIX") else [tag])
    return DEFAULT_LANGUAGE


def _(message: str, /, **params: Any) -> str:
    """Return `message` in the command line's language, its {placeholders} filled."""
    return fill(shipped().gettext(cli_language(), DOMAIN, message), params)


def _refusal(error: Exception) -> str:
    """Return a refusal's message in the command line's language."""
    from facilitator.errors import error_body

    message: str = error_body(error, cli_language(), shipped())["error"]["message"]
    return message


@click.group()
def main() -> None:
    """Run live group sessions of Interpersonal Psychotherapy."""


@main.command()
@click.option("--host", help="Address to listen on (FACILITATOR_HOST; default all).")
@click.option("--port", type=int, help="Port to listen on (FACILITATOR_PORT; default 8000).")
def serve(host: str | None, port: int | None) -> None:
    """Start the app: one process, SQLite in the data directory unless Redis is set."""
    from facilitator.config import Settings
    from facilitator.serving import serve as run

    overrides: dict[str, object] = {"host": host, "port": port}
    run(Settings.from_env(None, **{k: v for k, v in overrides.items() if v is not None}))


@main.group()
def users() -> None:
    """Manage facilitator accounts for shared deployments."""


@users.command("add")
@click.argument("name")
@click.password_option(help="The new account's password (asked for when not given).")
def add_user(name: str, password: str) -> None:
    """Create a facilitator account; passwords are kept as argon2 hashes."""
    from facilitator.service import accounts, audit

    with _store() as (store, now):
        accounts.add_user(store, name, password)
        _audit(store, now, audit.USER_ADDED, name)
    click.echo(_("Added facilitator {name}.", name=repr(name)))


@users.command("list")
def list_users() -> None:
    """List the facilitator accounts, with their sessions and who is an admin."""
    from facilitator.config import Settings

    admins = Settings.from_env().admins
    with _store() as (store, _now):
        names = store.users()
        counts = {name: len(_owned(store, name)) for name in names}
    if not names:
        click.echo(_("No accounts: the server prints a one-time sign-in link at start."))
    for name in names:
        role = _("admin") if name in admins else ""
        # Padded before the sentence is said: the columns line up in every language.
        padded, count = f"  {name:<24}", f"{counts[name]:>4}"
        line = _("{name} {count} sessions  {role}", name=padded, count=count, role=role)
        click.echo(line.rstrip())


@users.command("remove")
@click.argument("name")
def remove_user(name: str) -> None:
    """Delete an account: it no longer signs in. Its sessions stay until deleted."""
    from facilitator.service import accounts, audit

    with _store() as (store, now):
        accounts.remove_user(store, name)
        _audit(store, now, audit.USER_REMOVED, name)
        left = len(_owned(store, name))
    click.echo(
        _(
            "Removed facilitator {name}; {count} of their sessions are kept.",
            name=repr(name),
            count=left,
        )
    )


@users.command("passwd")
@click.argument("name")
@click.password_option(help="The new password (asked for when not given).")
def change_password(name: str, password: str) -> None:
    """Give an account a new password."""
    from facilitator.service import accounts, audit

    with _store() as (store, now):
        accounts.change_password(store, name, password)
        _audit(store, now, audit.PASSWORD_CHANGED, name)
    click.echo(_("Changed the password of {name}.", name=repr(name)))


@main.group()
def sessions() -> None:
    """List and delete stored sessions."""


@sessions.command("list")
@click.option("--owner", help="Only the sessions of this account.")
def list_sessions(owner: str | None) -> None:
    """List stored sessions: id, owner, when opened, whether and when ended."""
    from facilitator.core.errors import DomainError
    from facilitator.service.loading import load_state

    with _store() as (store, _now):
        records = _owned(store, owner) if owner is not None else store.sessions()
        rows = []
        for record in records:
            try:
                state = load_state(store, record.id)
            except DomainError:
                continue  # deleted meanwhile
            ended = (
                _("ended {when}", when=_when(state.ended_at))
                if state.ended_at is not None
                else state.phase
            )
            padded, owner = f"  {record.id}", f"{record.owner:<16}"
            opened = _when(record.created_at)
            rows.append(
                _(
                    "{id}  {owner} opened {when}  {ended}",
                    id=padded,
                    owner=owner,
                    when=opened,
                    ended=ended,
                )
            )
    click.echo(_("{count} session(s)", count=len(rows)))
    for row in rows:
        click.echo(row)


@sessions.command("delete")
@click.argument("session_id")
def delete_session(session_id: str) -> None:
    """Erase a session: its log, answers, notes and snapshots."""
    from facilitator.service import audit

    with _store() as (store, now):
        record = next((r for r in store.sessions() if r.id == session_id), None)
        if record is None:
            raise click.ClickException(_("no session {id}", id=repr(session_id)))
        store.delete(session_id)
        _audit(store, now, audit.SESSION_DELETED, record.owner, session_id)
    click.echo(_("Deleted session {id}.", id=session_id))


@main.command()
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(min=0),
    required=True,
    help="Erase sessions that ended more than this many days ago.",
)
def purge(days: int) -> None:
    """Erase ended sessions now, as FACILITATOR_RETENTION_DAYS does on a timer."""
    from facilitator.service import audit, retention

    with _store() as (store, now):
        erased = retention.purge(
            store, now, days, actor=audit.command_line_actor(), address=audit.LOCAL
        )
    for session in erased:
        click.echo(
            _(
                "Erased {id} ({owner}, ended {when})",
                id=session.session_id,
                owner=session.owner,
                when=_when(session.ended_at),
            )
        )
    click.echo(
        _(
            "Erased {count} session(s) that ended more than {days} days ago.",
            count=len(erased),
            days=days,
        )
    )


@contextmanager
def _store() -> Iterator[tuple[Store, float]]:
    """Open the store the settings name, and the time now; errors become clear messages."""
    from facilitator.app import open_store
    from facilitator.config import Settings
    from facilitator.errors import Refused
    from facilitator.storage.base import StorageError

    store = open_store(Settings.from_env())
    try:
        yield store, time.time()
    except (Refused, StorageError) as error:
        raise click.ClickException(_refusal(error)) from None
    finally:
        store.close()


def _audit(store: Store, now: float, action: str, owner: str, session_id: str = "") -> None:
    from facilitator.service import audit

    audit.record(
        store,
        now,
        action,
        actor=audit.command_line_actor(),
        address=audit.LOCAL,
        owner=owner,
        session_id=session_id,
    )


def _when(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M UTC")


@main.command("login-link")
def login_link() -> None:
    """Print a fresh one-time sign-in link, while no account exists."""
    import time

    from facilitator.app import open_store
    from facilitator.config import Settings
    from facilitator.service import accounts
    from facilitator.serving import lan_address
    from facilitator.serving import login_link as address
    from facilitator.storage.base import StorageError

    settings = Settings.from_env()
    store = open_store(settings)
    try:
        if store.has_users():
            raise click.ClickException(
                _("accounts exist: sign in with a user name and password (no links any more)")
            )
        token = accounts.new_login_link(store, time.time())
    except StorageError as error:
        raise click.ClickException(_refusal(error)) from None
    finally:
        store.close()
    base = settings.public_url or f"http://{lan_address()}:{settings.port}"
    minutes = round(accounts.LINK_LIFETIME / 60)
    click.echo(
        _(
            "Sign in once, within {minutes} minutes, with: {address}",
            minutes=minutes,
            address=address(base, token),
        )
    )


@main.group()
def protocols() -> None:
    """List, show and check protocol and instrument files."""


@protocols.command("list")
def list_protocols() -> None:
    """List the protocols and instruments on offer."""
    catalog = _catalog()
    click.echo(_("Protocols:"))
    for protocol in catalog.protocols():
        count = len(protocol.sessions)
        languages = ", ".join(protocol.languages)
        # Columns are padded before the line is said: they line up in every language.
        padded, counted = f"  {protocol.id:<16}", f"{count:>2}"
        line = _(
            "{id} v{version}  {count} sessions  {title}  [{languages}]",
            id=padded,
            version=protocol.version,
            count=counted,
            title=protocol.title,
            languages=languages,
        )
        click.echo(line)
    click.echo(_("Instruments:"))
    for instrument in catalog.instruments():
        privacy = _("anonymous allowed") if instrument.anonymous_allowed else _("private only")
        items = len(instrument.poll.items)
        languages = ", ".join(instrument.languages)
        padded, counted, privacy = f"  {instrument.id:<16}", f"{items:>2}", f"{privacy:<17}"
        line = _(
            "{id} {count} items  {privacy}  {title}  [{languages}]",
            id=padded,
            count=counted,
            privacy=privacy,
            title=instrument.title,
            languages=languages,
        )
        click.echo(line)


@protocols.command("show")
@click.argument("protocol_id")
@click.option("--language", help="Show the texts in this language (e.g. es); default its own.")
def show_protocol(protocol_id: str, language: str | None) -> None:
    """Show a protocol's agenda, session by session."""
    catalog = _catalog()
    try:
        protocol = catalog.protocol(protocol_id)
        if language is not None:
            protocol = protocol.in_language(language)
    except (KeyError, ValueError) as error:
        raise click.ClickException(str(error.args[0])) from None
    click.echo(
        _(
            "{title} ({id}, version {version})",
            title=protocol.title,
            id=protocol.id,
            version=protocol.version,
        )
    )
    click.echo(_("Source: {source}", source=protocol.source))
    click.echo(_("Language: {language}", language=protocol.language))
    if protocol.course is not None:
        click.echo(_("Course: {course}", course=_describe_course(protocol.course)))
    for session in protocol.sessions:
        click.echo("")
        listed = ", ".join(session.measures)
        measures = _("  measures: {measures}", measures=listed) if session.measures else ""
        line = _(
            "Session {n} [{phase}] {title}: {minutes} of {of} min{measures}",
            n=session.n,
            phase=session.phase,
            title=session.title,
            minutes=session.agenda_minutes,
            of=session.minutes,
            measures=measures,
        )
        click.echo(line)
        for step in session.steps:
            extra = _("  poll: {poll}", poll=step.poll) if step.poll else ""
            if step.role_play:
                extra += _("  role-play: {role_play}", role_play=step.role_play)
            minutes, kind = f"  {step.minutes:>3}", f"{step.kind:<15}"
            line = _(
                "{minutes} min  {kind} {title}{extra}",
                minutes=minutes,
                kind=kind,
                title=step.title,
                extra=extra,
            )
            click.echo(line)
    click.echo("")
    click.echo(_("Role-plays:"))
    for area in protocol.problem_areas:
        ids = ", ".join(play.id for play in protocol.role_plays_for(area))
        click.echo(f"  {area}: {ids or '-'}")


@protocols.command("translate")
@click.argument("original_id")
@click.argument("language")
def translate_template(original_id: str, language: str) -> None:
    """Print a translation file to fill in: the original's texts, in its shape."""
    catalog = _catalog()
    try:
        tag = language_tag(language)
        original: Protocol | Instrument = catalog.protocol(original_id)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    except KeyError:
        try:
            original = catalog.instrument(original_id)
        except KeyError:
            raise click.ClickException(
                _("no protocol or instrument {id}", id=repr(original_id))
            ) from None
    click.echo(translation_template(original, tag), nl=False)


@protocols.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def validate_files(paths: tuple[Path, ...]) -> None:
    """Check protocol and instrument files (or directories of them); exit 1 if any is invalid."""
    reports = check_files(paths, dirs_from_environment(os.environ))
    for report in reports:
        for problem in report.problems:
            click.echo(str(problem), err=True)
        if report.loaded is not None:
            click.echo(_("OK {path}: {what}", path=report.path, what=_describe(report.loaded)))
    if any(report.problems for report in reports):
        raise SystemExit(1)


def _describe_course(course: CourseSpec) -> str:
    return "; ".join(
        [
            _("weekly measure: {measure}", measure=course.weekly_measure or "-"),
            _("steps carried forward: yes")
            if course.steps_carried_forward
            else _("steps carried forward: no"),
            _("member rounds in: {phases}", phases=", ".join(course.member_round_phases) or "-"),
        ]
    )


def _describe(loaded: Protocol | Instrument) -> str:
    # A translation file loads as its original in the translation's language.
    if isinstance(loaded, Protocol):
        if loaded.language == DEFAULT_LANGUAGE:
            return _("protocol {id}, {count} sessions", id=loaded.id, count=len(loaded.sessions))
        return _(
            "protocol {id} in {language}, {count} sessions",
            id=loaded.id,
            language=loaded.language,
            count=len(loaded.sessions),
        )
    if loaded.language == DEFAULT_LANGUAGE:
        return _("instrument {id}, {count} items", id=loaded.id, count=len(loaded.poll.items))
    return _(
        "instrument {id} in {language}, {count} items",
        id=loaded.id,
        language=loaded.language,
        count=len(loaded.poll.items),
    )


def _catalog() -> Catalog:
    try:
        return Catalog.from_environment(os.environ)
    except ProtocolError as error:
        raise click.ClickException(
            _("invalid protocol files:\n{problems}", problems=error)
        ) from None


def translate_help(command: click.Command) -> None:
    """Put `command`'s help, its options' and its subcommands' in the command line's
    language (read once, as the process starts: a command line does not change it)."""
    if command.help:
        command.help = _(help_text(command.help))
    for param in command.params:
        if isinstance(param, click.Option) and param.help:
            param.help = _(param.help)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            translate_help(sub)


translate_help(main)


if __name__ == "__main__":
    main()


def _owned(store: Store, owner: str) -> list[SessionRecord]:
    # An account's own sessions: those it co-facilitates are another owner's.
    return [record for record in store.sessions_of(owner) if record.owner == owner]
