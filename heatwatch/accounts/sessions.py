"""A session engine whose database rows are useless to whoever copies them.

Django's database engine stores the cookie value as the row's primary key, so a backup or a
stolen database file is a list of live logins. This engine (``SESSION_ENGINE =
"heatwatch.accounts.sessions"``) keeps the same ``django_session`` table but stores:

* as ``session_key``, an HMAC-SHA256 of the cookie value keyed with ``HEATWATCH_INDEX_KEY``
  (a secret that is never in the database), cut to the column's 40 hex characters (160 bits).
  The cookie value never reaches the database, and a stored key cannot be turned back into a
  cookie without the secret;
* as ``session_data``, Django's signed payload encrypted with the field keys (AES-GCM, see
  heatwatch/lib/crypto.py), so the user id, the verified device and any half-finished
  two-factor enrolment (which holds a new TOTP seed) cannot be read from a copy either.

Everything else is Django's database engine: expiry, ``clearsessions``, ``cycle_key`` on
sign-in, deletion on sign-out. Ending every session of a user still works through the
``session_epoch`` in the session hash (accounts.services._end_sessions). A session whose data
was encrypted with a key that has since been removed from HEATWATCH_FIELD_KEYS just reads as
empty (signed out); sessions last 12 hours at most, so old keys need to stay that long.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.contrib.sessions.base_session import AbstractBaseSession
from django.utils import timezone

from heatwatch.lib import crypto

DATA_CONTEXT = "sessions.session.session_data"
_KEY_LABEL = b"heatwatch.accounts.sessions.session_key\x00"
STORED_KEY_CHARS = 40  # the length of django_session.session_key


def stored_key(session_key: str) -> str:
    """The value stored in ``django_session.session_key`` for a cookie value."""
    secret = (getattr(settings, "HEATWATCH_INDEX_KEY", "") or "").encode("utf-8")
    if len(secret) < crypto.MIN_INDEX_KEY_CHARS:
        raise crypto.ConfigurationError("HEATWATCH_INDEX_KEY is needed to store sessions")
    digest = hmac.new(secret, _KEY_LABEL + session_key.encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:STORED_KEY_CHARS]


class SessionStore(DBStore):
    """Django's database session store, keyed by an HMAC of the cookie and with encrypted data."""

    def _stored(self, session_key: str | None = None) -> str | None:
        key = self.session_key if session_key is None else session_key
        return stored_key(key) if key else None

    def _get_session_from_db(self) -> AbstractBaseSession | None:
        stored = self._stored()
        if stored is None:
            return None
        session = self.model.objects.filter(
            session_key=stored, expire_date__gt=timezone.now()
        ).first()
        if session is None:
            self._session_key = None
        return session

    async def _aget_session_from_db(self) -> AbstractBaseSession | None:
        stored = self._stored()
        if stored is None:
            return None
        session = await self.model.objects.filter(
            session_key=stored, expire_date__gt=timezone.now()
        ).afirst()
        if session is None:
            self._session_key = None
        return session

    def exists(self, session_key: str) -> bool:
        return bool(self.model.objects.filter(session_key=stored_key(session_key)).exists())

    async def aexists(self, session_key: str) -> bool:
        return bool(await self.model.objects.filter(session_key=stored_key(session_key)).aexists())

    def create_model_instance(self, data: dict[str, Any]) -> AbstractBaseSession:
        return self.model(
            session_key=stored_key(self._get_or_create_session_key()),  # type: ignore[attr-defined]
            session_data=self.encode(data),
            expire_date=self.get_expiry_date(),
        )

    async def acreate_model_instance(self, data: dict[str, Any]) -> AbstractBaseSession:
        return self.model(
            session_key=stored_key(
                await self._aget_or_create_session_key()  # type: ignore[attr-defined]
            ),
            session_data=self.encode(data),
            expire_date=await self.aget_expiry_date(),
        )

    def delete(self, session_key: str | None = None) -> None:
        stored = self._stored(session_key)
        if stored is not None:
            self.model.objects.filter(session_key=stored).delete()

    async def adelete(self, session_key: str | None = None) -> None:
        stored = self._stored(session_key)
        if stored is not None:
            await self.model.objects.filter(session_key=stored).adelete()

    def encode(self, session_dict: dict[str, Any]) -> str:
        return crypto.encrypt(super().encode(session_dict), context=DATA_CONTEXT)

    def decode(self, session_data: bytes | str) -> dict[str, Any]:
        try:
            text = session_data.decode() if isinstance(session_data, bytes) else session_data
            signed = crypto.decrypt(text, context=DATA_CONTEXT)
        except crypto.DecryptionError:
            # Written before this engine, tampered with, or under a removed key: signed out.
            return {}
        return dict(super().decode(signed))
