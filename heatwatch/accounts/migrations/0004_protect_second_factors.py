"""A database copy must not be a login (docs/security.md, "Signing in").

* Every django-otp TOTPDevice becomes a TOTPAuthenticator, whose seed is encrypted with the
  field keys; the plaintext rows are deleted.
* Every backup code (django-otp StaticToken) is replaced by its keyed hash, which is what the
  login compares from now on.
* Every stored session is deleted: their rows hold the cookie values in clear. Everybody signs
  in again once.
"""

import hashlib
import hmac

from django.conf import settings
from django.db import migrations

DEVICE_FIELDS = (
    "user_id",
    "name",
    "confirmed",
    "throttling_failure_timestamp",
    "throttling_failure_count",
    "created_at",
    "last_used_at",
    "key",
    "step",
    "t0",
    "digits",
    "tolerance",
    "drift",
    "last_t",
)


def _backup_code_hash(code):
    # The same as accounts.services.backup_code_hash, frozen here.
    secret = settings.HEATWATCH_INDEX_KEY.encode("utf-8")
    message = b"accounts.backupcode\x00" + code.strip().lower().replace(" ", "").encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:16]


def forwards(apps, schema_editor):
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    TOTPAuthenticator = apps.get_model("accounts", "TOTPAuthenticator")
    StaticToken = apps.get_model("otp_static", "StaticToken")
    Session = apps.get_model("sessions", "Session")
    for old in TOTPDevice.objects.all().order_by("pk"):
        TOTPAuthenticator.objects.create(**{f: getattr(old, f) for f in DEVICE_FIELDS})
    TOTPDevice.objects.all().delete()
    for token in StaticToken.objects.all():
        token.token = _backup_code_hash(token.token)
        token.save(update_fields=["token"])
    Session.objects.all().delete()


def backwards(apps, schema_editor):
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    TOTPAuthenticator = apps.get_model("accounts", "TOTPAuthenticator")
    for new in TOTPAuthenticator.objects.all().order_by("pk"):
        TOTPDevice.objects.create(**{f: getattr(new, f) for f in DEVICE_FIELDS})
    TOTPAuthenticator.objects.all().delete()
    # Hashed backup codes cannot be turned back: they are removed.
    apps.get_model("otp_static", "StaticToken").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_two_factor_devices"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
