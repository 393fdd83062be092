"""The append-only, tamper-evident audit log.

Every entry is one row of ``AuditEntry`` with a contiguous sequence number and an HMAC that
covers its own contents and the HMAC of the entry before it (a hash chain). ``AuditHead`` holds
the sequence number and HMAC of the newest entry: it is the lock that serialises writers and
the marker that reveals a deleted tail. Entries are written only by
``heatwatch.audit.services.audit_log`` and are never changed or deleted: the ORM refuses it
here and database triggers refuse it below the ORM (migration 0002). See docs/audit.md.

What is stored is deliberately small: who (user id and username at the time), in which
organisation, did what to which object, with which outcome, and the *names* of changed fields.
Never field values, IP addresses, user agents or anything else about the request.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

#: ``prev_hash`` of the first entry and ``entry_hash`` of the empty log's head.
GENESIS_HASH = "0" * 64
#: Primary key of the single ``AuditHead`` row.
HEAD_PK = 1


class AuditEntryImmutableError(Exception):
    """Raised on any attempt to change or delete an audit entry through the ORM."""


class Action(models.TextChoices):
    READ = "read", _("Read")
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    DELETE = "delete", _("Delete")
    EXPORT = "export", _("Export")
    LOGIN = "login", _("Log in")
    LOGIN_FAILED = "login_failed", _("Failed log-in")
    LOGOUT = "logout", _("Log out")
    PERMISSION_CHANGE = "permission_change", _("Permission change")
    ACCESS_DENIED = "access_denied", _("Access denied")
    BREAK_GLASS = "break_glass", _("Break-glass access")
    # 2FA enrolled or removed, "log out everywhere", key rotation, account disabled, ...
    SECURITY = "security", _("Security event")


class Outcome(models.TextChoices):
    SUCCESS = "success", _("Success")
    DENIED = "denied", _("Denied")
    FAILURE = "failure", _("Failure")


def _refuse(what: str) -> NoReturn:
    raise AuditEntryImmutableError(
        f"Audit entries are append-only: {what} is not allowed. "
        "Write new entries with heatwatch.audit.services.audit_log()."
    )


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    """Read-only queryset: every bulk write path raises.

    Also used as the base manager (``Meta.base_manager_name``), so Django's internal update and
    delete paths cannot reach the table either.
    """

    def update(self, **kwargs: Any) -> NoReturn:
        _refuse("QuerySet.update()")

    def _update(self, values: Any) -> NoReturn:
        _refuse("QuerySet._update()")

    def delete(self) -> NoReturn:
        _refuse("QuerySet.delete()")

    def _raw_delete(self, using: Any) -> NoReturn:
        _refuse("QuerySet._raw_delete()")

    def bulk_update(self, objs: Any, fields: Any, batch_size: Any = None) -> NoReturn:
        _refuse("QuerySet.bulk_update()")

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> NoReturn:
        # Entries must be chained one by one under the head lock; see services.audit_log.
        _refuse("QuerySet.bulk_create()")

    def update_or_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("QuerySet.update_or_create()")


class AuditEntry(models.Model):
    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    # Set by the service (not auto_now_add) so the exact stored value is covered by the HMAC.
    created_at = models.DateTimeField(editable=False)
    # Plain integers, not foreign keys: deleting a user or organisation must never cascade
    # into (or be blocked by) the log, and the name at the time is kept alongside.
    actor_id = models.BigIntegerField(null=True, blank=True, editable=False)
    actor_username = models.CharField(max_length=150, blank=True, editable=False)
    organisation_id = models.BigIntegerField(null=True, blank=True, editable=False)
    organisation_name = models.CharField(max_length=200, blank=True, editable=False)
    action = models.CharField(max_length=32, choices=Action.choices, editable=False)
    # ``app_label.modelname`` (Model._meta.label_lower), e.g. "accounts.user".
    object_type = models.CharField(max_length=150, blank=True, editable=False)
    object_id = models.CharField(max_length=255, blank=True, editable=False)
    outcome = models.CharField(
        max_length=16, choices=Outcome.choices, default=Outcome.SUCCESS, editable=False
    )
    # Why (for denials, break-glass, failures). Never personal data about a child or a case.
    reason = models.TextField(blank=True, editable=False)
    # Names of the fields changed; never their values.
    fields = models.JSONField(default=list, blank=True, editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    entry_hash = models.CharField(max_length=64, editable=False)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        base_manager_name = "objects"
        default_manager_name = "objects"
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_entry_object_idx"),
            models.Index(fields=["actor_id"], name="audit_entry_actor_idx"),
            models.Index(fields=["created_at"], name="audit_entry_created_idx"),
            models.Index(fields=["action"], name="audit_entry_action_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(seq__gte=1), name="audit_entry_seq_positive"),
            models.CheckConstraint(
                condition=Q(action__in=Action.values), name="audit_entry_action_valid"
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=Outcome.values), name="audit_entry_outcome_valid"
            ),
        ]

    def __str__(self) -> str:
        target = f"{self.object_type}:{self.object_id}" if self.object_type else "-"
        who = self.actor_username or "anonymous"
        return f"#{self.seq} {self.action} {target} by {who} ({self.outcome})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Insert a new entry; refuse to write over an existing one.

        Only ``services.audit_log`` should call this (through ``objects.create``): it computes
        ``seq`` and the hashes under the head lock.
        """
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields"):
            _refuse("saving an existing entry")
        if args:
            _refuse("positional arguments to save()")
        kwargs["force_insert"] = True
        super().save(**kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("deleting an entry")


class AuditHead(models.Model):
    """The single row (pk 1) naming the newest entry of the chain.

    ``audit_log`` locks it with SELECT ... FOR UPDATE, so entries are numbered without gaps or
    duplicates, and ``audit_verify`` compares it with the last entry to detect a deleted tail.
    It is updated with a queryset ``update()``; that is the only row in this app that changes.
    """

    seq = models.PositiveBigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit head")
        constraints = [
            models.CheckConstraint(condition=Q(id=HEAD_PK), name="audit_head_single_row"),
        ]

    def __str__(self) -> str:
        return f"audit head #{self.seq} {self.entry_hash}"
