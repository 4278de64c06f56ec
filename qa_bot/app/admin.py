"""Who may add, remove and replace documents in the app.

With `QA_BOT_ADMIN_PASSWORD` set, only a session that gave that password may; the
password is compared in constant time and wrong attempts are rate-limited per
client (after `MAX_FAILURES` within `WINDOW_S` seconds, each further attempt waits
out a lock-out that doubles up to `MAX_LOCK_S`). Without a password the app is
read-only for visitors, except when it listens on the local machine only (then
whoever can reach it is on that machine).
"""

from __future__ import annotations

import hmac
import threading
import time

__all__ = ["ADMIN_ENV", "Gate", "is_local_address"]

ADMIN_ENV = "QA_BOT_ADMIN_PASSWORD"
MAX_FAILURES = 5
WINDOW_S = 300.0
FIRST_LOCK_S = 30.0
MAX_LOCK_S = 900.0
_LOCAL = {"127.0.0.1", "localhost", "::1", "[::1]"}


def is_local_address(address: str | None) -> bool:
    """True when the server listens on the loopback interface only (not '' or 0.0.0.0: every interface)."""
    return (address or "").strip() in _LOCAL


class Gate:
    """The admin check of one app: the password (or none) and each client's recent failures."""

    def __init__(self, password: str | None, local_only: bool, clock: object = time.monotonic) -> None:
        self._password = (password or "").encode("utf-8")
        self.local_only = local_only
        self._clock = clock
        self._failures: dict[str, list[float]] = {}
        self._locked_until: dict[str, float] = {}
        self._strikes: dict[str, int] = {}
        self._lock = threading.Lock()

    @property
    def needs_password(self) -> bool:
        """True when managing documents needs the admin password."""
        return bool(self._password)

    @property
    def open_to_all(self) -> bool:
        """True when anyone who can reach the app may manage documents (no password, local only)."""
        return not self._password and self.local_only

    def wait_s(self, client: str) -> float:
        """Seconds `client` must wait before its next attempt (0 when it may try now)."""
        with self._lock:
            return max(0.0, self._locked_until.get(client, 0.0) - self._clock())

    def check(self, attempt: str, client: str) -> bool:
        """True when `attempt` is the password and `client` is not locked out; a failure counts."""
        if not self._password:
            return False
        with self._lock:
            now = self._clock()
            if self._locked_until.get(client, 0.0) > now:
                return False
            good = hmac.compare_digest(attempt.encode("utf-8"), self._password)
            if good:
                self._failures.pop(client, None)
                self._strikes.pop(client, None)
                return True
            recent = [t for t in self._failures.get(client, []) if now - t < WINDOW_S] + [now]
            self._failures[client] = recent
            if len(recent) >= MAX_FAILURES:
                strikes = self._strikes.get(client, 0)
                self._locked_until[client] = now + min(FIRST_LOCK_S * 2 ** strikes, MAX_LOCK_S)
                self._strikes[client] = strikes + 1
                self._failures[client] = []
            return False
