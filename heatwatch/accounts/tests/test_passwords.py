"""Password rules: Argon2id, 15+ characters, long passphrases, no composition, no common ones."""

from __future__ import annotations

import gzip

import pytest
from django.contrib.auth.password_validation import (
    CommonPasswordValidator,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.test import override_settings

from heatwatch.accounts import services
from heatwatch.accounts.passwords import _extra_list
from heatwatch.settings import PASSWORD_HASHERS as PRODUCTION_HASHERS


def test_fourteen_characters_are_too_short():
    with pytest.raises(ValidationError) as exc:
        validate_password("abcdefghijklmn")
    assert "at least 15" in str(exc.value)


def test_fifteen_characters_without_composition_rules_are_enough():
    validate_password("plainlowercasee")  # no digits, symbols or capitals needed


def test_long_passphrases_are_accepted_up_to_128():
    validate_password("a quiet river under the old bridge " * 3)  # 105 characters
    validate_password("x" * 7 + "-long passphrase is fine-" * 4 + "y" * 21)  # 128 exactly
    with pytest.raises(ValidationError):
        validate_password("z" * 129)


def test_common_password_is_refused():
    common = next(p for p in CommonPasswordValidator().passwords if len(p) >= 15)
    with pytest.raises(ValidationError) as exc:
        validate_password(common)
    assert "too common" in str(exc.value)


def test_installation_breached_list_is_used(tmp_path):
    breached = tmp_path / "breached.txt.gz"
    with gzip.open(breached, "wt") as fh:
        fh.write("Bayview-Harbor-2019!\nsomething else entirely\n")
    _extra_list.cache_clear()
    with override_settings(HEATWATCH_BREACHED_PASSWORDS_FILE=str(breached)):
        with pytest.raises(ValidationError) as exc:
            validate_password("bayview-harbor-2019!")
        assert "breach" in str(exc.value)
        validate_password("a different long passphrase")
    _extra_list.cache_clear()


@pytest.mark.django_db
def test_passwords_are_stored_with_argon2id():
    assert PRODUCTION_HASHERS[0].endswith("Argon2PasswordHasher")
    with override_settings(PASSWORD_HASHERS=PRODUCTION_HASHERS):
        user = services.user_create(
            username="hashme", email="h@example.test", password="a long enough passphrase", by=None
        )
        assert user.password.startswith("argon2$argon2id$")
        assert user.check_password("a long enough passphrase")


@pytest.mark.django_db
def test_weak_password_leaves_no_account_behind():
    with pytest.raises(ValidationError):
        services.user_create(username="weak", email="w@example.test", password="short", by=None)
    from heatwatch.accounts.models import User

    assert not User.objects.filter(username="weak").exists()


# --- strength estimate and the larger common-password list (issue 10, finding 9) ----------------


@pytest.mark.parametrize(
    ("password", "feedback"),
    [
        ("aaaaaaaaaaaaaaa", 'Repeats like "aaa" are easy to guess.'),
        ("passwordpassword", "Avoid repeated words and characters."),
    ],
)
def test_guessable_passwords_are_refused_with_a_clear_message(password, feedback):
    with pytest.raises(ValidationError) as exc:
        validate_password(password)
    messages = " ".join(exc.value.messages)
    assert "too easy to guess" in messages
    assert feedback in messages  # the estimator's own advice is shown


def test_good_passphrases_are_accepted():
    from heatwatch.accounts.seed import DEMO_PASSWORD
    from heatwatch.conftest import PASSWORD

    for password in (DEMO_PASSWORD, PASSWORD, "lantern orchard mosaic tuesday"):
        validate_password(password)


@pytest.mark.django_db
def test_strength_takes_the_users_own_names_into_account():
    from heatwatch.accounts.models import User
    from heatwatch.accounts.passwords import StrengthValidator

    user = User(
        username="zobuya", email="zobuya@example.test", first_name="Zephyrine", last_name="Obuya"
    )
    StrengthValidator().validate("zobuyazephyrine")  # strong for a stranger
    with pytest.raises(ValidationError) as exc:
        StrengthValidator().validate("zobuyazephyrine", user)  # not when it is your own name
    assert exc.value.code == "password_too_guessable"


def test_the_common_list_is_larger_than_djangos():
    from heatwatch.accounts.passwords import BreachedPasswordValidator

    django_list = CommonPasswordValidator().passwords
    ours = BreachedPasswordValidator().passwords
    assert django_list < ours
    assert len(ours) > 40_000
    # On zxcvbn's ranked list, not on Django's, and 15+ characters long.
    assert "momsanaladventure" not in django_list
    with pytest.raises(ValidationError) as exc:
        validate_password("momsanaladventure")
    assert "too common" in str(exc.value)
