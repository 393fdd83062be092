"""Model fields whose values are stored encrypted (see heatwatch/lib/crypto.py).

``EncryptedTextField`` holds a ``str`` and ``EncryptedDateField`` a ``datetime.date`` (encrypted
as ISO text). Both use a text column holding a ``hw1$...`` token. Values are encrypted in
``get_prep_value`` (every write: ``save``, ``update``, ``bulk_create``, ``bulk_update``) and
decrypted in ``from_db_value`` (every read), so model code only ever sees plaintext.

* ``None`` is stored as NULL, so ``filter(field__isnull=True)`` works and says only whether a
  value exists. ``""`` is stored as ``""`` (not encrypted): an empty value carries nothing to
  protect, and it keeps Django's ``blank=True`` convention for text. A date has no empty value:
  ``""`` becomes NULL.
* The encryption context is ``"<app_label>.<model_name>.<field name>"``, so a token copied to
  another column fails to decrypt. **Renaming the app label, the model or the field changes the
  context** and makes existing values unreadable; when renaming, pass the old context
  explicitly: ``EncryptedTextField(context="cases.youth.legal_name")``.
* Ciphertexts are randomised, so a database lookup can never match them. Every lookup except
  ``isnull`` (and ``exact``/``exclude`` with ``None``, which Django turns into ``isnull``) raises
  ``FieldError`` instead of silently matching nothing; search a blind index column instead
  (``crypto.blind_index``). For the same reason these fields cannot be ``unique``, indexed or a
  primary key, and cannot have a ``db_default`` (the database would store it in clear).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from django import forms
from django.apps import apps
from django.core.exceptions import FieldError, ValidationError
from django.db import models
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from heatwatch.lib import crypto

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.expressions import Combinable, Expression
    from django.db.models.lookups import Lookup, Transform
    from django.utils.functional import _StrOrPromise

# The fields are generic like Django's (set type, get type) so that the django-stubs mypy plugin
# types model attributes (``str``, ``date``, ``| None`` when null=True) instead of ``Any``.
_ST = TypeVar("_ST", contravariant=True)
_GT = TypeVar("_GT", covariant=True)

if TYPE_CHECKING:
    _TextField = models.TextField
else:
    # Django's field classes cannot be subscripted at run time; this one can.
    class _TextField(models.TextField, Generic[_ST, _GT]):
        pass


_REFUSED_OPTIONS = ("primary_key", "unique", "db_index")


def _refusal(field: models.Field[Any, Any], what: str) -> str:
    label = getattr(field, "context", "") or field.name
    return (
        f"{label} is encrypted: {what} cannot match its randomised ciphertext and would "
        "silently find nothing. Only isnull works; to search, store a blind index "
        "(heatwatch.lib.crypto.blind_index) in a plain column and filter on that."
    )


class _ExactNoneOnly(Exact[Any]):
    """``exact`` that only accepts ``None`` (which Django rewrites to ``isnull``)."""

    def __init__(self, lhs: Any, rhs: Any) -> None:
        if rhs is not None:
            raise FieldError(_refusal(lhs.output_field, "the lookup 'exact'"))
        super().__init__(lhs, rhs)


class EncryptedField(_TextField[_ST, _GT]):
    """Base for encrypted fields: a text column holding an AES-GCM token.

    Subclasses convert between the Python value and its text form with :meth:`to_text` and
    :meth:`from_text`.
    """

    description = _("Encrypted value")
    empty_value: ClassVar[object] = ""

    def __init__(self, *args: Any, context: str | None = None, **kwargs: Any) -> None:
        """Accept the usual field options plus ``context`` to pin the encryption context."""
        for option in _REFUSED_OPTIONS:
            if kwargs.get(option):
                raise TypeError(
                    f"{type(self).__name__} cannot be {option}: its values are randomised "
                    "ciphertexts. Put a blind index column beside it instead."
                )
        if "db_default" in kwargs:
            # A database default is written by the database, unencrypted.
            raise TypeError(f"{type(self).__name__} cannot have a db_default; use default")
        if context is not None and not context:
            raise ValueError("context must be a non-empty string")
        self.explicit_context = context
        self.context = context or ""
        super().__init__(*args, **kwargs)

    def contribute_to_class(
        self, cls: type[models.Model], name: str, private_only: bool = False
    ) -> None:
        """Attach the field and derive its context from the model it lands on."""
        super().contribute_to_class(cls, name, private_only=private_only)
        if self.explicit_context is None:
            self.context = f"{cls._meta.app_label}.{cls._meta.model_name}.{name}"

    def deconstruct(self) -> tuple[str, str, Any, dict[str, Any]]:
        """Describe the field for migrations (``context`` only when given explicitly)."""
        name, path, args, kwargs = super().deconstruct()
        if self.explicit_context is not None:
            kwargs["context"] = self.explicit_context
        return name, path, args, kwargs

    def to_text(self, value: Any) -> str:
        """Return the text form of a (non-empty) Python value, which is what gets encrypted."""
        return str(value)

    def from_text(self, text: str) -> Any:
        """Return the Python value for decrypted text."""
        return text

    def _context(self) -> str:
        if not self.context:
            raise FieldError(f"{type(self).__name__} is not attached to a model")
        return self.context

    def get_prep_value(self, value: Any) -> Any:
        """Encrypt the value for storage; ``None`` and the empty value are stored as they are."""
        value = super().get_prep_value(value)  # to_python(): the field's Python type
        if value is None or value == "":
            return value
        return crypto.encrypt(self.to_text(value), context=self._context())

    def from_db_value(
        self, value: str | None, expression: Expression, connection: BaseDatabaseWrapper
    ) -> Any:
        """Decrypt a stored token; raises ``crypto.DecryptionError`` naming the field."""
        if value is None:
            return None
        if value == "":
            return self.empty_value
        return self.from_text(crypto.decrypt(value, context=self._context()))

    def get_lookup(self, lookup_name: str) -> type[Lookup[Any]] | None:
        """Allow ``isnull`` (and ``exact`` with ``None``); refuse every other lookup."""
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        if lookup_name == "exact":
            return _ExactNoneOnly
        raise FieldError(_refusal(self, f"the lookup {lookup_name!r}"))

    def get_transform(self, lookup_name: str) -> type[Transform] | None:
        """Refuse transforms (``__lower``, ``__year``…): they would work on ciphertext."""
        raise FieldError(_refusal(self, f"the transform {lookup_name!r}"))


class EncryptedTextField(EncryptedField[_ST, _GT]):
    """A ``str`` stored encrypted. ``""`` is stored as ``""``, ``None`` as NULL."""

    description = _("Encrypted text")
    _pyi_private_set_type: str | Combinable
    _pyi_private_get_type: str


class EncryptedDateField(EncryptedField[_ST, _GT]):
    """A ``datetime.date`` stored encrypted as ISO ``YYYY-MM-DD`` text; empty means NULL."""

    description = _("Encrypted date")
    empty_value = None
    # Tell the django-stubs mypy plugin the Python type of the attribute.
    _pyi_private_set_type: datetime.date | str | Combinable  # type: ignore[assignment]
    _pyi_private_get_type: datetime.date  # type: ignore[assignment]

    # The message does not repeat the value: it may be a victim's date of birth and error
    # messages end up in logs.
    default_error_messages: ClassVar[dict[str, _StrOrPromise]] = {
        "invalid": _("Enter a valid date in YYYY-MM-DD format."),
    }

    def to_python(self, value: Any) -> datetime.date | None:
        """Convert a date, datetime or ISO string to a date (``""``/``None`` give ``None``)."""
        if value is None or value == "":
            return None
        if isinstance(value, datetime.datetime):
            return timezone.localdate(value) if timezone.is_aware(value) else value.date()
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, str):
            try:
                parsed = parse_date(value.strip())
            except ValueError:
                parsed = None
            if parsed is not None:
                return parsed
        raise ValidationError(self.error_messages["invalid"], code="invalid")

    def to_text(self, value: Any) -> str:
        """Return the ISO form of the date."""
        assert isinstance(value, datetime.date)  # noqa: S101 - guaranteed by to_python()
        return value.isoformat()

    def from_text(self, text: str) -> datetime.date:
        """Parse the decrypted ISO date."""
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            raise crypto.DecryptionError(
                f"value for {self.context} decrypted, but is not an ISO date"
            ) from None

    def value_to_string(self, obj: models.Model) -> str:
        """Serialise as ISO text (``""`` for no date), like ``DateField``."""
        value = self.value_from_object(obj)
        return value.isoformat() if isinstance(value, datetime.date) else ""

    def formfield(
        self,
        form_class: type[forms.Field] | None = None,
        choices_form_class: type[forms.ChoiceField] | None = None,
        **kwargs: Any,
    ) -> forms.Field | None:
        """Use a date form field rather than a textarea."""
        # Skip TextField.formfield(), which would add a Textarea and max_length.
        return models.Field.formfield(
            self,
            form_class=form_class or forms.DateField,
            choices_form_class=choices_form_class,
            **kwargs,
        )


def encrypted_fields_by_model() -> dict[type[models.Model], list[EncryptedField[Any, Any]]]:
    """Return every installed concrete model that has encrypted fields, with those fields.

    A field is listed once, on the model whose table holds it (not on proxies or on children
    of multi-table inheritance), which is what key rotation needs.
    """
    found: dict[type[models.Model], list[EncryptedField[Any, Any]]] = {}
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        fields = [
            field
            for field in model._meta.local_concrete_fields
            if isinstance(field, EncryptedField)
        ]
        if fields:
            found[model] = fields
    return found
