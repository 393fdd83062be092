"""Coordinated case response: a youth, their case, the care team around them, consent,
the 72-hour stabilisation checklist, closed-loop referrals to directory services, contacts and
alerts. See docs/cases.md.

Everything that names or locates a youth, or says what happened to them, is encrypted at rest
(heatwatch.lib.fields). Plain columns hold only statuses, dates and references.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heatwatch.lib.fields import EncryptedDateField, EncryptedTextField


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    NON_BINARY = "non_binary", _("Non-binary")
    OTHER = "other", _("Another identity")
    UNKNOWN = "unknown", _("Not known or not said")


class Youth(models.Model):
    """The youth a case is about. Linked to the identity register (one youth, one record)."""

    person = models.ForeignKey(
        "identity.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="youths"
    )
    legal_name = EncryptedTextField()
    aliases = EncryptedTextField(blank=True)  # street names and nicknames, ";"-separated
    date_of_birth = EncryptedDateField(null=True, blank=True)
    estimated_age = models.PositiveSmallIntegerField(null=True, blank=True)
    gender = models.CharField(max_length=12, choices=Gender.choices, default=Gender.UNKNOWN)
    languages = models.CharField(max_length=100, blank=True)  # language codes, e.g. "en es"
    city = EncryptedTextField(blank=True)
    in_foster_care = models.BooleanField(default=False)
    on_probation = models.BooleanField(default=False)
    guardian_contact = EncryptedTextField(blank=True)
    safety_notes = EncryptedTextField(blank=True)
    version = models.PositiveIntegerField(default=1)  # optimistic locking of edits
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"youth {self.pk}"


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class IntakeSource(models.TextChoices):
    TIP = "tip", _("Tip")
    SCREENING = "screening", _("Screening")
    RECOVERY = "recovery", _("Law-enforcement recovery")
    DIRECT = "direct", _("Direct referral")


class Participation(models.TextChoices):
    """The youth's part in an investigation or prosecution: information only, never a
    condition for any service (DESIGN.md §5)."""

    NOT_ASKED = "not_asked", _("Not discussed")
    PARTICIPATING = "participating", _("Participating")
    UNDECIDED = "undecided", _("Undecided")
    DECLINED = "declined", _("Declined")


class ClosureReason(models.TextChoices):
    GOALS_MET = "goals_met", _("Goals met; aftercare")
    MOVED = "moved", _("Moved out of the area")
    AGED_OUT = "aged_out", _("Aged out of the program")
    DECLINED = "declined", _("Youth declined further services")
    TRANSFERRED = "transferred", _("Transferred to another program")
    DUPLICATE = "duplicate", _("Duplicate case")


class Case(models.Model):
    youth = models.ForeignKey(Youth, on_delete=models.PROTECT, related_name="cases")
    reference = models.CharField(max_length=20, unique=True)  # e.g. C-2026-004211
    status = models.CharField(max_length=8, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    intake_source = models.CharField(max_length=10, choices=IntakeSource.choices)
    # A tip reference, not a foreign key: closed tips are purged by retention, the reference
    # stays meaningful in the audit log and the tip line's own records.
    tip_reference = models.CharField(max_length=20, blank=True)
    participation = models.CharField(
        max_length=14, choices=Participation.choices, default=Participation.NOT_ASKED
    )
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closure_reason = models.CharField(max_length=12, choices=ClosureReason.choices, blank=True)
    aftercare_check_in_on = models.DateField(null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)  # optimistic locking of case edits
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["status", "opened_at"])]
        permissions = [
            # Restricted: granted by an administrator to named people (DESIGN.md §6); nobody
            # has it by role. Every deletion also needs a reason and is audited.
            ("delete_case_records", "Can delete case records, giving a reason"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status == CaseStatus.OPEN


class CaseEvent(models.Model):
    """The case's timeline. ``summary`` is written by the code (statuses, organisation and
    service names), never free text about the youth: notes live in encrypted fields."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    summary = models.CharField(max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class TeamRole(models.TextChoices):
    ADVOCATE = "advocate", _("Advocate")
    CASE_MANAGER = "case_manager", _("Case manager")
    INVESTIGATOR = "investigator", _("Investigator")
    PROSECUTION = "prosecution", _("Prosecution / victim-witness")
    HEALTH = "health", _("Health")
    PROBATION = "probation", _("Probation")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    COORDINATOR = "coordinator", _("Coordinator")


class CareTeamMember(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="care_teams"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    team_role = models.CharField(max_length=14, choices=TeamRole.choices)
    is_lead = models.BooleanField(default=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-is_lead", "added_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "user"],
                condition=Q(removed_at__isnull=True),
                name="careteam_one_active_membership",
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(removed_at__isnull=True, is_lead=True),
                name="careteam_one_lead",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.case_id}"

    @property
    def is_active(self) -> bool:
        return self.removed_at is None


class ConsentGiver(models.TextChoices):
    YOUTH = "youth", _("The youth")
    GUARDIAN = "guardian", _("Parent or guardian")
    COURT = "court", _("Court order")


# What a consent can cover and a referral can share with the receiving agency.
class SharedField(models.TextChoices):
    NAME = "name", _("Legal name and aliases")
    AGE = "age", _("Date of birth or age")
    GENDER = "gender", _("Gender")
    LANGUAGES = "languages", _("Languages")
    CITY = "city", _("City")
    GUARDIAN = "guardian", _("Guardian contact")
    SAFETY = "safety", _("Safety notes")
    CARE_FLAGS = "care_flags", _("Foster care and probation involvement")


class Consent(models.Model):
    """Permission to share some of the youth's information with one organisation."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    scope = models.JSONField(default=list)  # SharedField values
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    given_by = models.CharField(max_length=10, choices=ConsentGiver.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"consent {self.pk} of {self.case_id}"


class StabilisationKind(models.TextChoices):
    SAFETY = "safety", _("Safety and placement")
    MEDICAL = "medical", _("Medical care")
    BASIC_NEEDS = "basic_needs", _("Basic needs (food, clothing, phone)")
    CRISIS = "crisis", _("Crisis support")
    GUARDIAN = "guardian", _("Guardian notification")


class StabilisationItem(models.Model):
    """One item of the first-72-hours checklist."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="stabilisation")
    kind = models.CharField(max_length=12, choices=StabilisationKind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind"], name="stabilisation_one_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.case_id}"


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    WAITLISTED = "waitlisted", _("On the waitlist")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    FIRST_CONTACT = "first_contact", _("First contact made")
    COMPLETED = "completed", _("Completed")
    DROPPED = "dropped", _("Dropped")
    REVOKED = "revoked", _("Revoked by the sender")


class Referral(models.Model):
    """A closed-loop referral of the youth to a directory service."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    service = models.ForeignKey(
        "directory.Service", on_delete=models.PROTECT, related_name="case_referrals"
    )
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=14, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    shared_fields = models.JSONField(default=list)  # SharedField values, within consent
    note = EncryptedTextField(blank=True)  # from the sender to the receiving agency
    decline_reason = EncryptedTextField(blank=True)
    sent_at = models.DateTimeField()
    status_changed_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["status", "sent_at"])]

    def __str__(self) -> str:
        return f"referral {self.pk} of {self.case_id}"


class ReferralEvent(models.Model):
    """One transition of a referral, timestamped."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=14, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(max_length=14, choices=ReferralStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.from_status} → {self.to_status}"


class ContactKind(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    TEXT = "text", _("Text message")


class Contact(models.Model):
    """A contact with the youth."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(max_length=10, choices=ContactKind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"contact {self.pk} of {self.case_id}"


class AlertKind(models.TextChoices):
    NO_CONTACT = "no_contact", _("No contact recently")
    REFERRAL_UNANSWERED = "referral_unanswered", _("Referral not answered")
    STABILISATION_OVERDUE = "stabilisation_overdue", _("Stabilisation item overdue")
    NO_LEAD = "no_lead", _("Care team without a lead")
    DECLINED_AFTER_ACCEPTANCE = "declined_after_acceptance", _("Declined after acceptance")
    MISSING_OVER_24H = "missing_over_24h", _("Missing for more than 24 hours")
    MISSING_REPORTS_DUE = "missing_reports_due", _("Missing-person reports not recorded")
    PLAN_REVIEW_OVERDUE = "plan_review_overdue", _("Service-plan review overdue")
    AFTERCARE_CHECK_IN_DUE = "aftercare_check_in_due", _("Aftercare check-in due")
    ACTION_ITEM_OVERDUE = "action_item_overdue", _("Meeting action item overdue")


class Alert(models.Model):
    """Something about a case that has gone quiet. ``key`` identifies the condition (one open
    alert per condition); ``message`` is written by the code and names no one."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=30, choices=AlertKind.choices)
    key = models.CharField(max_length=60)
    message = models.CharField(max_length=300)
    due_at = models.DateTimeField(null=True, blank=True)
    raised_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Set when a person resolved it by hand (``resolution_note`` says why); empty when the
    # scheduled task resolved it because the condition no longer holds.
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution_note = EncryptedTextField(blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notified_at = models.DateTimeField(null=True, blank=True)  # e-mail to the care team
    escalated_at = models.DateTimeField(null=True, blank=True)  # e-mail to the coordinators

    class Meta:
        ordering = ["raised_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "key"],
                condition=Q(resolved_at__isnull=True),
                name="alert_one_open_per_condition",
            )
        ]
        indexes = [models.Index(fields=["resolved_at", "raised_at"])]

    def __str__(self) -> str:
        return f"{self.kind} on {self.case_id}"


class BreakGlass(models.Model):
    """An emergency read of a case by someone outside its care team: time-limited, with a
    reason, audited as BREAK_GLASS and listed for coordinators."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="break_glass")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = EncryptedTextField()
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self) -> str:
        return f"break-glass {self.pk} on {self.case_id}"


# === Case records: service plan, identification, placements, missing episodes, court ===========
# (issue 4; see docs/cases.md "Case records"). Free text about the youth is encrypted; plain
# columns hold choices, dates and references only, so timeline summaries can name them.


class GoalDomain(models.TextChoices):
    SAFETY = "safety", _("Safety")
    HEALTH = "health", _("Health")
    EDUCATION = "education", _("Education")
    HOUSING = "housing", _("Housing")
    LEGAL = "legal", _("Legal")
    WELLBEING = "wellbeing", _("Wellbeing")


class GoalStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ACHIEVED = "achieved", _("Achieved")
    DROPPED = "dropped", _("Dropped")


class ServicePlan(models.Model):
    """The case's service plan: when it is next reviewed and when it last was. Goals and
    steps hang off the case; this row exists once a review date is set."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="service_plan")
    next_review_on = models.DateField(null=True, blank=True)
    last_reviewed_at = models.DateTimeField(null=True, blank=True)
    last_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["next_review_on"])]

    def __str__(self) -> str:
        return f"service plan of {self.case_id}"


class PlanGoal(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plan_goals")
    domain = models.CharField(max_length=10, choices=GoalDomain.choices)
    description = EncryptedTextField()
    status = models.CharField(max_length=8, choices=GoalStatus.choices, default=GoalStatus.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status_changed_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["domain", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.domain} goal {self.pk} of {self.case_id}"


class PlanStep(models.Model):
    goal = models.ForeignKey(PlanGoal, on_delete=models.CASCADE, related_name="steps")
    description = EncryptedTextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["done_at", "due_on", "pk"]

    def __str__(self) -> str:
        return f"step {self.pk} of goal {self.goal_id}"


class ExploitationStatus(models.TextChoices):
    AT_RISK = "at_risk", _("At risk")
    SUSPECTED = "suspected", _("Suspected")
    CONFIRMED = "confirmed", _("Confirmed")


class IdentifiedWhen(models.TextChoices):
    BEFORE_CARE = "before_care", _("Before entering care")
    IN_CARE = "in_care", _("While in care")
    WHILE_MISSING = "while_missing", _("While missing from care")
    UNKNOWN = "unknown", _("Not known")


class Identification(models.Model):
    """One recorded exploitation status. Rows are never changed: the newest is the current
    status, the older ones are its history."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="identifications")
    status = models.CharField(max_length=10, choices=ExploitationStatus.choices)
    identified_when = models.CharField(max_length=14, choices=IdentifiedWhen.choices)
    identified_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.status} on {self.case_id}"


class ConcernLevel(models.TextChoices):
    NO_CONCERN = "none", _("No concern")
    POSSIBLE = "possible", _("Possible concern")
    CLEAR = "clear", _("Clear concern")
    INCONCLUSIVE = "inconclusive", _("Inconclusive / not completed")


class Screening(models.Model):
    """The result of an exploitation screening tool (e.g. a validated questionnaire)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="screenings")
    tool_name = models.CharField(max_length=100)
    tool_version = models.CharField(max_length=30, blank=True)
    screened_on = models.DateField()
    result = models.CharField(max_length=12, choices=ConcernLevel.choices)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    notes = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-screened_on", "-pk"]

    def __str__(self) -> str:
        return f"screening {self.pk} of {self.case_id}"


class PlacementKind(models.TextChoices):
    FAMILY = "family", _("Family or kinship care")
    FOSTER = "foster", _("Foster home")
    GROUP = "group", _("Group home")
    SPECIALISED = "specialised", _("Specialised residential for exploited youth")
    SHELTER = "shelter", _("Emergency shelter")
    INDEPENDENT = "independent", _("Independent or transitional living")
    OTHER = "other", _("Other")


class Placement(models.Model):
    """Where the youth lives, from when to when."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="placements")
    kind = models.CharField(max_length=12, choices=PlacementKind.choices)
    specialised = models.BooleanField(default=False)  # specialised for exploited youth
    provider_name = EncryptedTextField(blank=True)  # a family's or provider's name: encrypted
    service = models.ForeignKey(
        "directory.Service",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_placements",
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(ended_on__isnull=True),
                name="placement_one_open_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"placement {self.pk} of {self.case_id}"

    def length_of_stay(self, today: date | None = None) -> int:
        """Days in this placement (to today while it is open)."""
        end = self.ended_on or today or timezone.localdate()
        return max((end - self.started_on).days, 0)


class MissingReporter(models.TextChoices):
    GUARDIAN = "guardian", _("Parent or guardian")
    PLACEMENT = "placement", _("Placement staff")
    CARE_TEAM = "care_team", _("Care team")
    POLICE = "police", _("Police")
    OTHER = "other", _("Other")


class MissingEpisode(models.Model):
    """A time the youth ran away or went missing, the reports owed within the deadline, the
    return and the debrief."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="missing_episodes")
    started_at = models.DateTimeField()
    reported_by = models.CharField(max_length=10, choices=MissingReporter.choices)
    police_report_at = models.DateTimeField(null=True, blank=True)
    police_reference = EncryptedTextField(blank=True)
    national_report_at = models.DateTimeField(null=True, blank=True)
    national_reference = EncryptedTextField(blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    found_where = EncryptedTextField(blank=True)
    debrief_at = models.DateTimeField(null=True, blank=True)
    debrief_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    debrief_notes = EncryptedTextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(returned_at__isnull=True),
                name="missing_one_open_per_case",
            )
        ]
        indexes = [models.Index(fields=["returned_at", "started_at"])]

    def __str__(self) -> str:
        return f"missing episode {self.pk} of {self.case_id}"

    @property
    def is_open(self) -> bool:
        return self.returned_at is None


class CourtKind(models.TextChoices):
    YOUTH_COURT = "youth_court", _("Youth court")
    DEPENDENCY = "dependency", _("Dependency")
    PROBATION = "probation", _("Probation")
    WITNESS = "witness", _("Criminal case (youth as victim or witness)")


class CourtStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class HearingKind(models.TextChoices):
    FIRST_APPEARANCE = "first_appearance", _("first appearance")
    ADJUDICATION = "adjudication", _("adjudication or trial")
    DISPOSITION = "disposition", _("disposition or sentencing")
    REVIEW = "review", _("review")
    PERMANENCY = "permanency", _("permanency")
    STATUS = "status", _("status conference")
    TESTIMONY = "testimony", _("testimony")
    OTHER = "other", _("other")


class CourtMatter(models.Model):
    """A court matter involving the youth (information for the team and the MDT briefing)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="court_matters")
    kind = models.CharField(max_length=12, choices=CourtKind.choices)
    court_name = models.CharField(max_length=150)
    docket_number = EncryptedTextField(blank=True)
    status = models.CharField(max_length=6, choices=CourtStatus.choices, default=CourtStatus.OPEN)
    next_hearing_on = models.DateField(null=True, blank=True)
    next_hearing_kind = models.CharField(max_length=16, choices=HearingKind.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["status", "next_hearing_on", "pk"]

    def __str__(self) -> str:
        return f"court matter {self.pk} of {self.case_id}"
