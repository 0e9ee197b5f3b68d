"""Settings come from FACILITATOR_* variables, and every one is documented."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from facilitator.config import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(Settings)])
def test_every_setting_is_in_the_readme_table(name: str) -> None:
    assert f"| `FACILITATOR_{name.upper()}` |" in README


def test_settings_are_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "FACILITATOR_PORT": "9001",
            "FACILITATOR_DATA_DIR": "/tmp/x",
            "FACILITATOR_ALLOWED_ORIGINS": "https://a.example, https://b.example",
            "FACILITATOR_PUBLIC_URL": "https://groups.example",
        }
    )
    assert settings.port == 9001
    assert settings.database == Path("/tmp/x/facilitator.db")
    assert settings.allowed_origins == ("https://a.example", "https://b.example")
    assert settings.secure_cookies is True


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("FACILITATOR_PORT", "eighty", "FACILITATOR_PORT='eighty' is not a valid int"),
        ("FACILITATOR_SECURE_COOKIES", "maybe", "FACILITATOR_SECURE_COOKIES='maybe'"),
        ("FACILITATOR_ASYNC_MODE", "asyncio", "must be one of gevent, eventlet, threading"),
        ("FACILITATOR_TIME_ZONE", "Mars/Olympus", "'Mars/Olympus' is not a time zone name"),
        ("FACILITATOR_TIME_ZONE", "../etc/passwd", "is not a time zone name"),
    ],
)
def test_a_bad_setting_is_refused_with_its_name(variable: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings.from_env({variable: value})


def test_the_secret_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = settings.resolved_secret_key()
    assert len(first) > 40
    assert settings.resolved_secret_key() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_the_time_zone_is_a_zone_by_name_and_the_host_s_own_by_default() -> None:
    nairobi = Settings.from_env({"FACILITATOR_TIME_ZONE": "Africa/Nairobi"}).zone()
    assert nairobi is not None and str(nairobi) == "Africa/Nairobi"
    assert Settings.from_env({}).zone() is None
