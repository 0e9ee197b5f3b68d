"""Sign-ins: passwords checked under limits, each sign-in kept and ended on the server.

The browser holds only a random secret in its (signed) cookie; the store keeps the
secret's hash, the user and two times. Signing out deletes the record, so a copied
cookie stops working at once. Console and display tokens carry that hash (the
reference, never the secret) and work only while their sign-in lasts.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

from facilitator.errors import Refused
from facilitator.service import accounts, audit
from facilitator.service.accounts import Offload
from facilitator.storage.base import Store

# Failures are counted over this window; a lock lifts when its oldest failure ages out.
FAILURE_WINDOW = 15 * 60.0
# A sign-in's last use is written at most this often, not on every request.
TOUCH_EVERY = 60.0
DEVICE_LIFETIME = 180 * 86400
DEVICE_COOKIE = "facilitator_device"


@dataclass(frozen=True)
class Limits:
    """How many failed sign-ins are let through, and how long a sign-in lasts."""

    failures_per_account: int = 10
    failures_per_address: int = 30
    idle: float = 2 * 3600.0
    lifetime: float = 12 * 3600.0


@dataclass(frozen=True)
class Granted:
    """A new sign-in: the secret for the browser's cookie, and its device token."""

    user: str
    secret: str
    device: str


class SignIns:
    """Sign people in and out, and tell who a cookie or console token belongs to."""

    def __init__(
        self,
        store: Store,
        secret_key: str,
        limits: Limits | None = None,
        offload: Offload = accounts.inline,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.limits = limits or Limits()
        self._offload = offload
        self._clock = clock
        self._devices = URLSafeTimedSerializer(secret_key, salt="facilitator.device")
        self._key = hashlib.sha256(b"facilitator.failures:" + secret_key.encode()).digest()

    def sign_in(self, name: str, password: str, address: str, device: str = "") -> Granted:
        """Check a password under the failure limits; return a new sign-in or raise Refused.

        A browser that signed in to this account before (its device token) is counted on
        its own: failures by others, from any address, never lock it out.
        """
        name, password, now = name[:40], password[:1000], self._clock()
        known = self._device_of(device, name)
        counted = (
            {f"login-failed:device:{known}": self.limits.failures_per_account}
            if known
            else {
                f"login-failed:account:{self._pseudonym(name)}": self.limits.failures_per_account,
                f"login-failed:address:{address}": self.limits.failures_per_address,
            }
        )
        for key, limit in counted.items():
            # Refused before the password is looked at: a lock must not tell right from wrong.
            if self.store.attempts(key, now, FAILURE_WINDOW) >= limit:
                raise Refused(
                    "rate_limited",
                    "Too many failed sign-ins; wait 15 minutes, or sign in from a browser "
                    "that has signed in to this account before.",
                )
        if not accounts.check_password(self.store, name, password, self._offload):
            for key in counted:
                self.store.count_attempt(key, now, FAILURE_WINDOW)
            audit.record_sign_in(self.store, now, name, address, succeeded=False, method="password")
            raise Refused("wrong_password", "That user name and password do not match.")
        audit.record_sign_in(self.store, now, name, address, succeeded=True, method="password")
        return self._grant(name, now)

    def sign_in_with_link(self, token: str, address: str) -> Granted:
        """Use up a one-time link and sign in as the local account, or raise Refused."""
        now = self._clock()
        if not accounts.use_login_link(self.store, token, now):
            audit.record_sign_in(
                self.store, now, "", address, succeeded=False, method="one-time link"
            )
            raise Refused(
                "link_invalid",
                "This sign-in link does not work: it was used already, it has expired, or "
                "accounts have been set up since (sign in with a user name and password).",
            )
        audit.record_sign_in(
            self.store, now, accounts.LOCAL_USER, address, succeeded=True, method="one-time link"
        )
        return self._grant(accounts.LOCAL_USER, now)

    def user_of(self, secret: object) -> str | None:
        """Return who a cookie's sign-in secret belongs to; None once it has ended."""
        if not isinstance(secret, str) or not secret or len(secret) > 100:
            return None
        return self._current(accounts.digest(secret))

    def reference(self, secret: object) -> str:
        """Return the reference of a sign-in that its console and display tokens carry."""
        return accounts.digest(secret) if isinstance(secret, str) and secret else ""

    def sign_out(self, secret: object) -> None:
        """End one sign-in, so that its cookie and its tokens work nowhere any more."""
        if isinstance(secret, str) and secret:
            self.store.end_signin(accounts.digest(secret))

    def sign_out_everywhere(self, user: str) -> None:
        """End every sign-in of `user`, and with them their console and display tokens."""
        self.store.end_signins(user)

    def in_use(self, reference: str) -> bool:
        """Tell whether a token's sign-in lasts; an open console or display counts as use."""
        return bool(reference) and self._current(reference) is not None

    def check_token(self, reference: str) -> None:
        """Refuse a console or display token whose sign-in has ended."""
        if not self.in_use(reference):
            raise Refused(
                "revoked",
                "This link has ended with the sign-in that opened it. Sign in and open it again.",
            )

    def _current(self, key: str) -> str | None:
        now = self._clock()
        record = self.store.signin(key)
        if record is None:
            return None
        if (
            now - record.created_at > self.limits.lifetime
            or now - record.last_seen > self.limits.idle
        ):
            self.store.end_signin(key)
            return None
        if now - record.last_seen > TOUCH_EVERY:
            self.store.touch_signin(key, now)
        return record.user

    def _grant(self, user: str, now: float) -> Granted:
        secret = secrets.token_urlsafe(32)
        self.store.add_signin(accounts.digest(secret), user, now, self.limits.lifetime)
        device = str(self._devices.dumps([user, secrets.token_urlsafe(12)]))
        return Granted(user, secret, device)

    def _pseudonym(self, name: str) -> str:
        # People type passwords into the name field: the failure count is kept under a
        # keyed hash of what was typed, never the text itself.
        return hmac.new(self._key, name.encode(), hashlib.sha256).hexdigest()[:32]

    def _device_of(self, token: str, name: str) -> str:
        """Return the device id of a browser that signed in as `name` before, else ""."""
        if not token or len(token) > 300:
            return ""
        try:
            user, device = self._devices.loads(token, max_age=DEVICE_LIFETIME)
        except (BadSignature, ValueError, TypeError):
            return ""
        return str(device) if user == name else ""
