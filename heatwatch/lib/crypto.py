"""Field encryption (AES-256-GCM) with key rotation, and blind indexes for exact-match search.

Keys come from ``settings.HEATWATCH_FIELD_KEYS``, a comma-separated list of ``id:base64urlkey``
entries, each key 256 bits. The first entry is the *primary*: it encrypts every new value. All
entries decrypt, so a new key can be prepended and old values re-encrypted at leisure with
``heatwatch keys rotate`` (see heatwatch/lib/keys.py) before the old key is dropped.

A stored value is a token::

    hw1$<key id>$<base64url(nonce || ciphertext || tag), unpadded>

* ``hw1`` is the format version, so the format can change later without guessing.
* The nonce is 96 random bits, fresh for every encryption, so the same plaintext never gives the
  same token twice (which is also why encrypted columns cannot be searched: use a blind index).
* The associated data binds the token to its format version, key id and *context* (for model
  fields ``"<app_label>.<model_name>.<field>"``): a token copied into another column, or with its
  key id edited, fails to decrypt. It does not bind the token to a row: copying a token between
  two rows of the same column is not detected.
* Before encryption the plaintext is padded to a multiple of 16 bytes, so the stored length
  reveals the length of a value only to within 16 bytes (a short name and a long one look alike).

Error messages name key ids, contexts and positions in the configuration, never key material,
tokens or plaintext.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from heatwatch.lib.local_secrets import new_field_key

TOKEN_VERSION = "hw1"  # noqa: S105 - a format tag, not a secret
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # 96-bit nonce, the size GCM is designed for
TAG_BYTES = 16
PAD_BLOCK = 16
MIN_INDEX_KEY_CHARS = 32

# Key ids appear in tokens and in the configuration string, so they must not contain the
# separators used by either ("$", ":", ",").
_KEY_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")
_BASE64URL_RE = re.compile(r"[A-Za-z0-9_-]+={0,2}")
_WHITESPACE_RE = re.compile(r"\s+")


class ConfigurationError(ImproperlyConfigured):
    """The encryption or index keys are missing or malformed."""


class DecryptionError(Exception):
    """A token cannot be decrypted: unknown key id, tampered token or wrong context."""


def _b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding; raise ValueError on any other character."""
    if not _BASE64URL_RE.fullmatch(text):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("not base64url") from None


def _b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _pad(data: bytes) -> bytes:
    # ISO/IEC 7816-4 padding: 0x80 then zeros up to the next block boundary (always at least 1).
    padding = PAD_BLOCK - len(data) % PAD_BLOCK
    return data + b"\x80" + b"\x00" * (padding - 1)


def _unpad(data: bytes) -> bytes:
    stripped = data.rstrip(b"\x00")
    if not stripped.endswith(b"\x80") or len(data) - len(stripped) >= PAD_BLOCK:
        raise DecryptionError("decrypted value has invalid padding")
    return stripped[:-1]


def _associated_data(key_id: str, context: str) -> bytes:
    return f"{TOKEN_VERSION}${key_id}${context}".encode()


def _check_context(context: str) -> None:
    if not context:
        raise ValueError("an encryption context is required (e.g. 'cases.youth.legal_name')")


class KeyRing:
    """The field encryption keys: the primary encrypts, every key decrypts.

    Build it with :meth:`from_string` from the HEATWATCH_FIELD_KEYS format, or use
    :func:`get_keyring` for the keys configured in settings.
    """

    __slots__ = ("_ciphers", "_primary_id")

    def __init__(self, keys: Sequence[tuple[str, bytes]]) -> None:
        """Build a key ring from ``(key_id, 32-byte key)`` pairs, the primary first."""
        if not keys:
            raise ConfigurationError("at least one field encryption key is required")
        ciphers: dict[str, AESGCM] = {}
        seen_keys: dict[bytes, str] = {}
        for position, (key_id, key) in enumerate(keys, start=1):
            where = f"key {position}"
            if not _KEY_ID_RE.fullmatch(key_id):
                raise ConfigurationError(
                    f"{where}: the key id must be 1-32 characters of A-Z, a-z, 0-9, '_' or '-'"
                )
            where = f"key {position} (id {key_id!r})"
            if key_id in ciphers:
                raise ConfigurationError(f"{where}: the key id is used more than once")
            if len(key) != KEY_BYTES:
                raise ConfigurationError(
                    f"{where}: the key must be {KEY_BYTES} bytes (256 bits), not {len(key)} bytes"
                )
            if key in seen_keys:
                raise ConfigurationError(
                    f"{where}: the same key is already configured as id {seen_keys[key]!r}"
                )
            seen_keys[key] = key_id
            ciphers[key_id] = AESGCM(key)
        self._ciphers = ciphers
        self._primary_id = keys[0][0]

    @classmethod
    def from_string(cls, value: str, *, setting: str = "HEATWATCH_FIELD_KEYS") -> KeyRing:
        """Parse ``"id1:base64urlkey,id2:base64urlkey"`` (first = primary).

        Raises :class:`ConfigurationError` naming the setting and the position of the bad
        entry, without repeating any key material.
        """
        if not value or not value.strip():
            raise ConfigurationError(
                f"{setting} is empty: it needs at least one 'id:base64urlkey' entry "
                "(create one with `heatwatch keys generate`)"
            )
        pairs: list[tuple[str, bytes]] = []
        for position, entry in enumerate(value.split(","), start=1):
            entry = entry.strip()
            where = f"{setting} entry {position}"
            if not entry:
                raise ConfigurationError(f"{where} is empty (stray comma?)")
            key_id, sep, encoded = entry.partition(":")
            key_id, encoded = key_id.strip(), encoded.strip()
            if not sep or not key_id or not encoded:
                raise ConfigurationError(f"{where} is not of the form 'id:base64urlkey'")
            if not _KEY_ID_RE.fullmatch(key_id):
                # Do not echo the id: a malformed entry may be key material pasted in the wrong
                # place.
                raise ConfigurationError(
                    f"{where}: the key id must be 1-32 characters of A-Z, a-z, 0-9, '_' or '-'"
                )
            try:
                key = _b64url_decode(encoded)
            except ValueError:
                raise ConfigurationError(
                    f"{where} (id {key_id!r}): the key is not valid base64url"
                ) from None
            pairs.append((key_id, key))
        try:
            return cls(pairs)
        except ConfigurationError as exc:
            raise ConfigurationError(f"{setting}: {exc}") from None

    def __repr__(self) -> str:
        return f"<KeyRing primary={self._primary_id!r} ids={list(self._ciphers)!r}>"

    @property
    def primary_id(self) -> str:
        """The id of the key used to encrypt new values."""
        return self._primary_id

    @property
    def key_ids(self) -> tuple[str, ...]:
        """All configured key ids, the primary first."""
        return tuple(self._ciphers)

    def encrypt(self, plaintext: str, *, context: str) -> str:
        """Encrypt ``plaintext`` with the primary key, bound to ``context``; return a token."""
        _check_context(context)
        key_id = self._primary_id
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._ciphers[key_id].encrypt(
            nonce, _pad(plaintext.encode("utf-8")), _associated_data(key_id, context)
        )
        return f"{TOKEN_VERSION}${key_id}${_b64url_encode(nonce + sealed)}"

    def decrypt(self, token: str, *, context: str) -> str:
        """Return the plaintext of ``token``, which must have been encrypted for ``context``.

        Raises :class:`DecryptionError` if the token is malformed, its key id is not in the
        ring, it was altered, or it belongs to another context.
        """
        _check_context(context)
        try:
            key_id = key_id_of(token)
        except DecryptionError:
            raise DecryptionError(f"value for {context} is not a {TOKEN_VERSION} token") from None
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise DecryptionError(
                f"value for {context} was encrypted with key id {key_id!r}, "
                "which is not in HEATWATCH_FIELD_KEYS"
            )
        try:
            blob = _b64url_decode(token.rsplit("$", 1)[1])
        except ValueError:
            raise DecryptionError(f"value for {context} is not a valid token") from None
        if len(blob) < NONCE_BYTES + TAG_BYTES + PAD_BLOCK:
            raise DecryptionError(f"value for {context} is truncated")
        nonce, sealed = blob[:NONCE_BYTES], blob[NONCE_BYTES:]
        try:
            padded = cipher.decrypt(nonce, sealed, _associated_data(key_id, context))
        except InvalidTag:
            raise DecryptionError(
                f"value for {context} failed authentication: it was altered, or it was "
                "encrypted for another field"
            ) from None
        try:
            return _unpad(padded).decode("utf-8")
        except UnicodeDecodeError:
            raise DecryptionError(f"value for {context} is not valid UTF-8") from None

    def needs_rotation(self, token: str) -> bool:
        """True if ``token`` was encrypted with a key other than the primary."""
        return key_id_of(token) != self._primary_id


def is_token(value: str) -> bool:
    """True if ``value`` has the shape of an encrypted token (it is not decrypted)."""
    try:
        key_id_of(value)
    except DecryptionError:
        return False
    return True


def key_id_of(token: str) -> str:
    """Return the id of the key that encrypted ``token`` (without decrypting it)."""
    parts = token.split("$")
    if len(parts) != 3 or parts[0] != TOKEN_VERSION or not _KEY_ID_RE.fullmatch(parts[1]):
        raise DecryptionError(f"value is not a {TOKEN_VERSION} token")
    return parts[1]


def needs_rotation(token: str) -> bool:
    """True if ``token`` was not encrypted with the configured primary key."""
    return get_keyring().needs_rotation(token)


# --- the configured key ring ------------------------------------------------------------------

_keyring: KeyRing | None = None


def get_keyring() -> KeyRing:
    """Return the key ring for ``settings.HEATWATCH_FIELD_KEYS``, parsed once and cached.

    The cache is dropped whenever the setting changes through ``override_settings`` (see
    :func:`reset_keyring_cache`).
    """
    global _keyring
    if _keyring is None:
        _keyring = KeyRing.from_string(settings.HEATWATCH_FIELD_KEYS)
    return _keyring


def reset_keyring_cache() -> None:
    """Forget the cached key ring so the next :func:`get_keyring` re-reads settings."""
    global _keyring
    _keyring = None


@receiver(setting_changed)
def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "HEATWATCH_FIELD_KEYS":
        reset_keyring_cache()


def encrypt(plaintext: str, *, context: str) -> str:
    """Encrypt ``plaintext`` with the configured primary key (see :meth:`KeyRing.encrypt`)."""
    return get_keyring().encrypt(plaintext, context=context)


def decrypt(token: str, *, context: str) -> str:
    """Decrypt ``token`` with the configured keys (see :meth:`KeyRing.decrypt`)."""
    return get_keyring().decrypt(token, context=context)


def generate_key_entry(*, existing_ids: Iterable[str] = ()) -> str:
    """Return a new random ``id:base64urlkey`` entry whose id is not in ``existing_ids``."""
    taken = set(existing_ids)
    while True:
        entry = new_field_key()
        if entry.partition(":")[0] not in taken:
            return entry


# --- blind indexes ----------------------------------------------------------------------------


def normalise_for_index(value: str) -> str:
    """Return ``value`` as a blind index sees it: NFKC, case-folded, whitespace collapsed."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold())
    return _WHITESPACE_RE.sub(" ", folded).strip()


def blind_index(value: str, *, context: str) -> str:
    """Return a keyed hash of ``value`` for exact-match search on an encrypted field.

    Encrypted values are randomised, so ``filter(legal_name="Jess")`` cannot work. Store
    ``blind_index(name, context="cases.youth.legal_name")`` in a plain indexed column beside the
    encrypted one and search with ``filter(legal_name_index=blind_index(query, context=...))``.
    The index is HMAC-SHA256 keyed with ``settings.HEATWATCH_INDEX_KEY`` over the context and
    the normalised value (see :func:`normalise_for_index`: ``"  JESS "`` matches ``"jess"``), in
    hex. Without the key it cannot be reversed or guessed, even for short values such as dates
    of birth; the context keeps equal values in different columns from sharing an index. It
    reveals which rows hold equal values, so use it only for fields that must be searched.
    Store NULL, not the index of ``""``, for a missing value.
    """
    _check_context(context)
    message = context.encode("utf-8") + b"\x00" + normalise_for_index(value).encode("utf-8")
    return hmac.new(_index_key(), message, hashlib.sha256).hexdigest()


def _index_key() -> bytes:
    key: str = getattr(settings, "HEATWATCH_INDEX_KEY", "") or ""
    if len(key) < MIN_INDEX_KEY_CHARS:
        raise ConfigurationError(
            f"HEATWATCH_INDEX_KEY must be set to a random string of at least "
            f"{MIN_INDEX_KEY_CHARS} characters"
        )
    return key.encode("utf-8")


# --- start-up check ---------------------------------------------------------------------------


def check_keys() -> None:
    """Raise :class:`ConfigurationError` unless the field and index keys are usable.

    Call it at start-up (e.g. from an ``AppConfig.ready`` or a system check) so a bad key
    configuration stops the process with a clear message instead of failing on the first
    encrypted read.
    """
    KeyRing.from_string(getattr(settings, "HEATWATCH_FIELD_KEYS", "") or "")
    _index_key()
