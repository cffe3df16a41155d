"""Sessions and sign-in: the use cases behind the sign-in form, every page's session check,
and sign-out."""
from __future__ import annotations

import datetime as dt
from typing import Callable, Optional

from ..domain.people import Person, plausible_username
from ..domain.session import Session
from .ports import Directory, SessionStore, SignInRefused
from .throttle import FailureThrottle


# How often a page restarts the session's idle clock in the store: the timeout then ends a session
# between idle - TOUCH_EVERY and idle after its last page (29 to 30 minutes).
TOUCH_EVERY = dt.timedelta(minutes=1)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Sessions:
    def __init__(self, store: SessionStore, directory: Directory, throttle: FailureThrottle,
                 idle: dt.timedelta, clock: Callable[[], dt.datetime] = _utcnow):
        self.store, self.directory, self.throttle = store, directory, throttle
        self.idle, self.clock = idle, clock

    def current(self, session_id: Optional[str]) -> tuple[Optional[Session], bool]:
        """The live session of the cookie (its idle clock restarted), or None; the flag says
        the cookie named a session that timed out (the page then says so)."""
        if not session_id:
            return None, False
        session = self.store.get(session_id)
        if session is None:
            return None, False
        now = self.clock()
        if session.idle_out(now, self.idle):
            self.store.delete(session_id)
            return None, session.person is not None
        if now - session.last_seen >= TOUCH_EVERY:  # not a write for every page (the store's ~5 ms each)
            session.last_seen = now
            self.store.put(session)
        return session, False

    def anonymous(self) -> Session:
        """A session without a person: it carries the sign-in form's CSRF token."""
        session = Session.start(self.clock())
        self.store.put(session)
        return session

    def sign_in(self, previous: Optional[Session], username: str, password: str, client: str) -> Session:
        """A new session for the person (a new id: the anonymous one is dropped, against
        session fixation). SignInRefused for a wrong password, an unknown or locked user or
        one without a role, all alike; TooManyFailures before the directory is asked."""
        username = username.strip()
        self.throttle.check(username, client)
        try:
            if not plausible_username(username) or not password:
                raise SignInRefused()
            person = self.directory.authenticate(username, password)
        except SignInRefused:
            self.throttle.failed(username, client)
            raise
        session = Session.start(self.clock(), person)
        if previous is not None:
            self.store.delete(previous.id)
            if previous.once.get("draft"):  # a form whose session ran out: typed again for them
                session.once["draft"] = previous.once["draft"]
        self.store.put(session)
        return session

    def anonymous_with_draft(self, draft: dict) -> Session:
        """After an idle timeout: a session for signing in again that keeps what the person had
        typed into the form they sent (never a password, never files), to fill it in again."""
        session = Session.start(self.clock())
        session.once["draft"] = draft
        self.store.put(session)
        return session

    def take_draft(self, session: Session) -> Optional[dict]:
        draft = session.once.pop("draft", None)
        if draft is not None:
            self.store.put(session)
        return draft

    def remember_once(self, session: Session, **values) -> None:
        session.once.update(values)
        self.store.put(session)

    def sign_out(self, session: Session) -> None:
        self.store.delete(session.id)


def person_of(session: Optional[Session]) -> Optional[Person]:
    return session.person if session else None
