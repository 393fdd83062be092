import base64
import string

import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from heatwatch.lib import crypto
from heatwatch.lib.crypto import ConfigurationError, DecryptionError, KeyRing
from heatwatch.lib.tests import NEW_KEY as NEW
from heatwatch.lib.tests import OLD_KEY as OLD
from heatwatch.lib.tests import OTHER_KEY as OTHER
from heatwatch.lib.tests import key_entry

CONTEXT = "cases.youth.legal_name"
RING = KeyRing.from_string(f"{NEW},{OLD}")
# Any text that can be stored (no lone surrogates, which UTF-8 cannot encode).
storable_text = st.text(st.characters(exclude_categories=["Cs"]))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


# --- round trip -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "plaintext",
    ["Jess", "", " ", "Zoë Ñúñez-O’Brien", "李小龙", "👩‍👧 emoji", "a\x00b\x00", "x" * 10_000],
)
def test_round_trip(plaintext):
    token = RING.encrypt(plaintext, context=CONTEXT)
    assert RING.decrypt(token, context=CONTEXT) == plaintext


@given(plaintext=storable_text, context=st.text(string.ascii_letters + "._", min_size=1))
def test_round_trip_property(plaintext, context):
    assert RING.decrypt(RING.encrypt(plaintext, context=context), context=context) == plaintext


@given(plaintext=storable_text)
def test_token_never_contains_the_plaintext(plaintext):
    payload = RING.encrypt(plaintext, context=CONTEXT).split("$")[2]
    if len(plaintext) >= 8:  # shorter strings can turn up in random base64 by chance
        assert plaintext not in payload


def test_token_format():
    token = RING.encrypt("Jess", context=CONTEXT)
    version, key_id, payload = token.split("$")
    assert (version, key_id) == ("hw1", "new")
    assert set(payload) <= set(string.ascii_letters + string.digits + "-_")
    # 12-byte nonce + one 16-byte padded block + 16-byte tag
    assert len(base64.urlsafe_b64decode(payload + "==")) == 44


def test_same_plaintext_encrypts_differently_each_time():
    tokens = {RING.encrypt("Jess", context=CONTEXT) for _ in range(50)}
    assert len(tokens) == 50
    nonces = {base64.urlsafe_b64decode(t.split("$")[2] + "==")[:12] for t in tokens}
    assert len(nonces) == 50


def test_length_is_hidden_within_a_block():
    short = RING.encrypt("Al", context=CONTEXT)
    longer = RING.encrypt("Alexandra Smi", context=CONTEXT)
    assert len(short) == len(longer)


# --- failures ---------------------------------------------------------------------------------


def test_tampered_token_fails():
    token = RING.encrypt("Jess", context=CONTEXT)
    prefix, payload = token.rsplit("$", 1)
    raw = bytearray(base64.urlsafe_b64decode(payload + "=="))
    for position in (0, 12, len(raw) - 1):  # nonce, ciphertext, tag
        altered = bytearray(raw)
        altered[position] ^= 0x01
        tampered = f"{prefix}${_b64(bytes(altered)).rstrip('=')}"
        with pytest.raises(DecryptionError, match="failed authentication"):
            RING.decrypt(tampered, context=CONTEXT)


def test_token_relabelled_with_another_key_id_fails():
    token = RING.encrypt("Jess", context=CONTEXT)
    relabelled = token.replace("hw1$new$", "hw1$old$")
    with pytest.raises(DecryptionError):
        RING.decrypt(relabelled, context=CONTEXT)


def test_wrong_context_fails():
    token = RING.encrypt("Jess", context=CONTEXT)
    with pytest.raises(DecryptionError, match="cases.youth.alias"):
        RING.decrypt(token, context="cases.youth.alias")


def test_unknown_key_id_fails_and_names_the_id():
    token = KeyRing.from_string(OTHER).encrypt("Jess", context=CONTEXT)
    with pytest.raises(DecryptionError, match="key id 'other'") as excinfo:
        RING.decrypt(token, context=CONTEXT)
    assert "Jess" not in str(excinfo.value)


@pytest.mark.parametrize(
    "token",
    ["", "Jess", "hw1$new$", "hw1$new", "hw2$new$AAAA", "hw1$new$AAAA", "hw1$new$!!!!", "a$b$c$d"],
)
def test_malformed_token_fails(token):
    with pytest.raises(DecryptionError):
        RING.decrypt(token, context=CONTEXT)


def test_empty_context_is_refused():
    with pytest.raises(ValueError, match="context"):
        RING.encrypt("Jess", context="")


def test_decryption_error_never_shows_the_token():
    token = RING.encrypt("Jess", context=CONTEXT)
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(DecryptionError) as excinfo:
        RING.decrypt(tampered, context=CONTEXT)
    assert tampered.split("$")[2] not in str(excinfo.value)


# --- key configuration ------------------------------------------------------------------------

SECRET_B64 = _b64(bytes(range(32)))
SHORT_B64 = _b64(bytes(range(16)))


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (SECRET_B64, "entry 1 is not of the form 'id:base64urlkey'"),
        (f"k1:{SECRET_B64},", "entry 2 is empty"),
        (f"k1:{SECRET_B64},,k2:{SECRET_B64}", "entry 2 is empty"),
        (f":{SECRET_B64}", "not of the form"),
        ("k1:", "not of the form"),
        (f"k$1:{SECRET_B64}", "key id must be"),
        (f"{'k' * 33}:{SECRET_B64}", "key id must be"),
        ("k1:not*base64!", "entry 1 \\(id 'k1'\\): the key is not valid base64url"),
        (f"k1:{SHORT_B64}", "must be 32 bytes \\(256 bits\\), not 16 bytes"),
        (f"k1:{_b64(bytes(33))}", "not 33 bytes"),
        (f"k1:{SECRET_B64},k1:{_b64(bytes(32))}", "id 'k1'\\): the key id is used more than once"),
        (f"k1:{SECRET_B64},k2:{SECRET_B64}", "same key is already configured as id 'k1'"),
    ],
)
def test_malformed_key_configuration_is_explained(config, message):
    with pytest.raises(ConfigurationError, match=message) as excinfo:
        KeyRing.from_string(config)
    text = str(excinfo.value)
    assert "HEATWATCH_FIELD_KEYS" in text
    for material in (SECRET_B64, SHORT_B64, SECRET_B64.rstrip("=")):
        assert material not in text


def test_key_id_pasted_with_key_material_is_not_echoed():
    with pytest.raises(ConfigurationError) as excinfo:
        KeyRing.from_string(f"{SECRET_B64}:{SECRET_B64}")
    assert SECRET_B64.rstrip("=") not in str(excinfo.value)


def test_keys_accept_padding_or_not_and_surrounding_spaces():
    padded = KeyRing.from_string(f" k1 : {SECRET_B64} ")
    unpadded = KeyRing.from_string(f"k1:{SECRET_B64.rstrip('=')}")
    token = padded.encrypt("Jess", context=CONTEXT)
    assert unpadded.decrypt(token, context=CONTEXT) == "Jess"


def test_first_key_is_primary_and_all_keys_decrypt():
    ring = KeyRing.from_string(f"{NEW},{OLD}")
    assert ring.primary_id == "new"
    assert ring.key_ids == ("new", "old")
    old_token = KeyRing.from_string(OLD).encrypt("Jess", context=CONTEXT)
    assert ring.decrypt(old_token, context=CONTEXT) == "Jess"
    assert ring.needs_rotation(old_token)
    assert not ring.needs_rotation(ring.encrypt("Jess", context=CONTEXT))


def test_key_id_of():
    assert crypto.key_id_of(RING.encrypt("x", context=CONTEXT)) == "new"
    with pytest.raises(DecryptionError):
        crypto.key_id_of("plain text")


def test_keyring_repr_hides_keys():
    assert repr(RING) == "<KeyRing primary='new' ids=['new', 'old']>"


# --- configured key ring ----------------------------------------------------------------------


def test_get_keyring_follows_settings_changes():
    with override_settings(HEATWATCH_FIELD_KEYS=OLD):
        assert crypto.get_keyring().primary_id == "old"
        token = crypto.encrypt("Jess", context=CONTEXT)
        with override_settings(HEATWATCH_FIELD_KEYS=f"{NEW},{OLD}"):
            assert crypto.get_keyring().primary_id == "new"
            assert crypto.needs_rotation(token)
            assert crypto.decrypt(token, context=CONTEXT) == "Jess"
        with override_settings(HEATWATCH_FIELD_KEYS=NEW):
            with pytest.raises(DecryptionError, match="key id 'old'"):
                crypto.decrypt(token, context=CONTEXT)
    assert crypto.get_keyring().primary_id not in {"old", "new"}


def test_get_keyring_is_cached():
    assert crypto.get_keyring() is crypto.get_keyring()


@override_settings(HEATWATCH_FIELD_KEYS="k1:short")
def test_get_keyring_raises_on_bad_settings():
    with pytest.raises(ConfigurationError, match="HEATWATCH_FIELD_KEYS"):
        crypto.get_keyring()


def test_generate_key_entry_is_valid_and_avoids_existing_ids():
    generated = crypto.generate_key_entry()
    ring = KeyRing.from_string(generated)
    assert ring.decrypt(ring.encrypt("Jess", context=CONTEXT), context=CONTEXT) == "Jess"
    assert crypto.generate_key_entry() != generated
    taken = ring.primary_id
    assert not crypto.generate_key_entry(existing_ids=[taken]).startswith(f"{taken}:")


# --- start-up check ---------------------------------------------------------------------------


def test_check_keys_passes_with_valid_settings():
    crypto.check_keys()


@pytest.mark.parametrize("field_keys", ["", "k1", f"k1:{SHORT_B64}"])
def test_check_keys_refuses_bad_field_keys(field_keys):
    with override_settings(HEATWATCH_FIELD_KEYS=field_keys):
        with pytest.raises(ConfigurationError, match="HEATWATCH_FIELD_KEYS"):
            crypto.check_keys()


@pytest.mark.parametrize("index_key", ["", "too-short"])
def test_check_keys_refuses_missing_or_short_index_key(index_key):
    with override_settings(HEATWATCH_INDEX_KEY=index_key):
        with pytest.raises(ConfigurationError, match="HEATWATCH_INDEX_KEY"):
            crypto.check_keys()


# --- blind index ------------------------------------------------------------------------------


def test_blind_index_is_stable_hex():
    index = crypto.blind_index("Jess", context=CONTEXT)
    assert index == crypto.blind_index("Jess", context=CONTEXT)
    assert len(index) == 64
    assert set(index) <= set(string.hexdigits.lower())
    assert "jess" not in index.lower()


@pytest.mark.parametrize(
    "variant", ["jess", "  JESS ", "Jess", "JESS\n", "ｊｅｓｓ"]
)  # last one: fullwidth letters, folded by NFKC
def test_blind_index_is_normalised(variant):
    assert crypto.blind_index(variant, context=CONTEXT) == crypto.blind_index(
        "jess", context=CONTEXT
    )


def test_blind_index_collapses_inner_whitespace_and_folds_case():
    expected = crypto.blind_index("mary ann straße", context=CONTEXT)
    assert crypto.blind_index("Mary \t  Ann  STRASSE", context=CONTEXT) == expected


def test_blind_index_distinguishes_values_and_contexts():
    jess = crypto.blind_index("Jess", context=CONTEXT)
    assert crypto.blind_index("Jessie", context=CONTEXT) != jess
    assert crypto.blind_index("Jess", context="cases.youth.alias") != jess


def test_blind_index_depends_on_the_key():
    before = crypto.blind_index("Jess", context=CONTEXT)
    with override_settings(HEATWATCH_INDEX_KEY="another-index-key-of-at-least-32-chars"):
        assert crypto.blind_index("Jess", context=CONTEXT) != before


def test_blind_index_refuses_missing_key():
    with override_settings(HEATWATCH_INDEX_KEY=""):
        with pytest.raises(ConfigurationError, match="HEATWATCH_INDEX_KEY"):
            crypto.blind_index("Jess", context=CONTEXT)


def test_key_entry_helper_builds_distinct_keys():
    assert key_entry("a", 1).split(":")[1] != key_entry("a", 2).split(":")[1]
