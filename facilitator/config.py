"""Settings, read from FACILITATOR_* environment variables (documented in README.md)."""

from __future__ import annotations

import dataclasses
import os
import secrets
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from facilitator.private_files import FILE_MODE, private_dir, private_file

ASYNC_MODES = ("gevent", "eventlet", "threading")


@dataclass(frozen=True)
class Settings:
    """Every setting with its default; `from_env` fills them from the environment."""

    # Where the SQLite file and the generated secret key live.
    data_dir: Path = Path("data")
    host: str = "0.0.0.0"  # noqa: S104 (phones in the room must reach the laptop)
    port: int = 8000
    # The address phones use, printed and put in the QR code; found from the LAN if empty.
    public_url: str = ""
    secret_key: str = ""
    protocols_dir: Path | None = None
    redis_url: str = ""
    async_mode: str = "gevent"
    # Origins allowed to open a Socket.IO connection besides the app's own.
    allowed_origins: tuple[str, ...] = ()
    # Largest Socket.IO message accepted, in bytes.
    max_payload: int = 16_384
    # Join attempts allowed per address (an IPv6 address by its /64) per minute, right
    # codes and wrong ones alike; docs/deploy.md shows what this means for guessing.
    join_attempts: int = 20
    # Failed sign-ins allowed in 15 minutes per account, and per address.
    login_failures_per_account: int = 10
    login_failures_per_address: int = 30
    # A sign-in ends after this long unused, and after this long in any case.
    signin_idle_minutes: int = 120
    signin_hours: int = 12
    # Join attempts allowed per code per minute: twice a 1,000-phone join storm.
    join_code_attempts: int = 2000
    # Proxies in front of the app that add X-Forwarded-For/-Proto (nginx: 1): rate limits
    # then count the client's address instead of the proxy's. 0 trusts no such header.
    trusted_proxies: int = 0
    # Client events per connection: a burst of this many, then `event_rate` a second.
    # People send a few a second at most: a member answers with one or two events, a
    # facilitator clicking fast sends two or three a second, a phone back online sends
    # its saved taps and a sync, the benchmark's console one every 200 ms. A phone
    # sending hundreds a second (2,000 signals in 14 s was seen) is refused after 60.
    event_burst: int = 60
    event_rate: int = 20
    # Secure cookies: on when public_url is https, or when set to true.
    secure_cookies: bool = False
    # A file (YAML) of crisis resources shown on every participant screen, in its
    # `language` (English if it names none).
    crisis_file: Path | None = None
    # A directory of crisis files, one per language (es.yaml), with regions inside;
    # service/crisis.py says which is shown to a course.
    crisis_dir: Path | None = None
    # Who facilitators call after a risk alert (e.g. "Dr Amani, 0700 000 000"): shown
    # on the console with every alert, beside the protocol's safety steps.
    supervisor_contact: str = ""
    log_level: str = "INFO"
    # Save a snapshot of a session's state every this many events.
    snapshot_every: int = 200
    # Purge ended sessions this many days after they ended; 0 keeps them.
    retention_days: int = 0
    # Accounts that may read every audit entry, not only their own.
    admins: tuple[str, ...] = ()
    # A file (YAML) of the consent text every phone shows before joining.
    consent_file: Path | None = None
    # The zone of the times in the printed summaries (e.g. "Africa/Nairobi"): a server
    # kept in UTC would otherwise print UTC times. Empty: the host's own zone.
    time_zone: str = ""
    # Two made-up languages that wrap every translated string (en-XA, and ar-XB right to
    # left): for checking that a page takes all its words from the catalogs.
    pseudo_languages: bool = False

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Return settings from FACILITATOR_* variables, then `overrides`."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(f"FACILITATOR_{f.name.upper()}")
            if raw is None:
                continue
            values[f.name] = _parse(f.name, f.type, raw)
        values.update(overrides)
        settings = cls(**values)
        if settings.async_mode not in ASYNC_MODES:
            raise ValueError(f"FACILITATOR_ASYNC_MODE must be one of {', '.join(ASYNC_MODES)}")
        if settings.retention_days < 0:
            raise ValueError("FACILITATOR_RETENTION_DAYS must be 0 (keep) or a number of days")
        settings.zone()  # an unknown zone is refused at start, not at the first export
        if settings.public_url.startswith("https://") and not settings.secure_cookies:
            settings = dataclasses.replace(settings, secure_cookies=True)
        return settings

    def zone(self) -> tzinfo | None:
        """Return the time zone of `time_zone`; None for the host's own (local time)."""
        if not self.time_zone:
            return None
        try:
            return ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"FACILITATOR_TIME_ZONE={self.time_zone!r} is not a time zone name,"
                " such as Europe/London or Africa/Nairobi"
            ) from None

    @property
    def database(self) -> Path:
        return self.data_dir / "facilitator.db"

    def resolved_secret_key(self) -> str:
        """Return the secret key, creating and keeping one in the data dir when unset."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        private_dir(self.data_dir)
        if not path.exists():
            # Created private (0600) so other users of the laptop cannot forge tokens.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_urlsafe(48))
        private_file(path)  # a key left readable by an older version is tightened
        return path.read_text().strip()


def _parse(name: str, kind: Any, raw: str) -> Any:
    kind = str(kind)
    try:
        if "Path" in kind:
            return Path(raw) if raw else None
        if kind == "int":
            return int(raw)
        if kind == "bool":
            if raw.lower() not in ("1", "true", "yes", "0", "false", "no", ""):
                raise ValueError(raw)
            return raw.lower() in ("1", "true", "yes")
        if "tuple" in kind:
            return tuple(part.strip() for part in raw.split(",") if part.strip())
    except ValueError:
        raise ValueError(f"FACILITATOR_{name.upper()}={raw!r} is not a valid {kind}") from None
    return raw
