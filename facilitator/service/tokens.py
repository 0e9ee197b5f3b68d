"""Signed tokens that bind a connection to one role in one session."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from facilitator.errors import Refused


class Role(StrEnum):
    FACILITATOR = "facilitator"
    PARTICIPANT = "participant"
    DISPLAY = "display"


@dataclass(frozen=True)
class Actor:
    """Who is acting: the role and session come from a verified token, never a payload."""

    role: Role
    session_id: str
    participant_id: str = ""
    user: str = ""
    # Where the connection came from, for the audit log; not part of who the actor is.
    address: str = field(default="", compare=False)
    # The sign-in a console or display token was issued under: it ends with it.
    signin: str = ""


# A participant's token lives on their phone for the whole course of sessions.
MAX_AGE = {Role.FACILITATOR: 24 * 3600, Role.DISPLAY: 24 * 3600, Role.PARTICIPANT: 120 * 86400}


class TokenSigner:
    """Issue and verify the tokens presented when a Socket.IO connection opens."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="facilitator.socket")

    def issue(self, actor: Actor) -> str:
        """Return a token for `actor`."""
        data = [actor.role.value, actor.session_id, actor.participant_id, actor.user]
        if actor.signin:
            data.append(actor.signin)
        return str(self._serializer.dumps(data))

    def verify(self, token: object) -> Actor:
        """Return the actor a token was issued for, or raise Refused."""
        if not isinstance(token, str) or not token or len(token) > 1000:
            raise Refused("unauthenticated", "A token is needed to connect.")
        try:
            # Participants' tokens have no sign-in: four fields, as before sign-ins were kept.
            role, session_id, participant_id, user, *rest = self._serializer.loads(token)
            signin = str(rest[0]) if rest else ""
            actor = Actor(Role(role), session_id, participant_id, user, signin=signin)
            self._serializer.loads(token, max_age=MAX_AGE[actor.role])
        except SignatureExpired:
            raise Refused("expired", "This link has expired. Ask for a new one.") from None
        except (BadSignature, ValueError, TypeError):
            raise Refused("unauthenticated", "This token is not valid.") from None
        return actor


@dataclass(frozen=True)
class Membership:
    """A phone's place in a course: kept on the phone, shown to the server each week."""

    course_id: str
    member_id: str
    # Raised each time the member is re-linked to a new phone: an older token stops working.
    generation: int


class MembershipSigner:
    """Issue and verify the course memberships phones keep between meetings."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="facilitator.course")

    def issue(self, membership: Membership) -> str:
        data = [membership.course_id, membership.member_id, membership.generation]
        return str(self._serializer.dumps(data))

    def verify(self, token: object) -> Membership:
        """Return the membership a token was issued for, or raise Refused."""
        if not isinstance(token, str) or not token or len(token) > 1000:
            raise Refused("unauthenticated", "This phone holds no course membership.")
        try:
            course_id, member_id, generation = self._serializer.loads(
                token, max_age=MAX_AGE[Role.PARTICIPANT]
            )
            return Membership(str(course_id), str(member_id), int(generation))
        except SignatureExpired:
            raise Refused("expired", "This membership has expired. Ask for a new code.") from None
        except (BadSignature, ValueError, TypeError):
            raise Refused("unauthenticated", "This membership is not valid.") from None
