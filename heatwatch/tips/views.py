"""Tip line views: the public report and follow-up, and the staff triage screens.

Public views never look at the client address except to derive an opaque daily rate-limit key
(heatwatch.core.ratelimit); they set no cookie. Instead of Django's cookie-bound CSRF token
their forms carry a signed, single-use form token (heatwatch.core.csrf), so a tip can be sent
from a browser that blocks cookies.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from heatwatch.accounts.models import Role
from heatwatch.accounts.permissions import role_required, staff_user
from heatwatch.core import ratelimit
from heatwatch.core.actions import run_form_action
from heatwatch.core.csrf import (
    FORM_TOKEN_FIELD,
    FormTokenError,
    FormTokenExpired,
    form_token_read,
    posted_from_another_site,
)
from heatwatch.tips import selectors, services
from heatwatch.tips.extensions import linked_case_for
from heatwatch.tips.extensions import recovery_intake as recovery_intake_registered
from heatwatch.tips.forms import (
    CloseForm,
    FollowUpForm,
    LinkCaseForm,
    LinkForm,
    MessageForm,
    NoteForm,
    OutcomeForm,
    PhoneTipForm,
    ReferForm,
    TipForm,
    TipsterReplyForm,
    TriageForm,
)
from heatwatch.tips.models import Channel, RedFlag, Status, Tip, Urgency
from heatwatch.tips.permissions import can_triage, referrals_workable_by, tips_visible_to

# --- public -----------------------------------------------------------------------------------


def _too_large(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > settings.HEATWATCH_TIP_MAX_BODY_BYTES


def _read_post(request: HttpRequest) -> tuple[Any, Any] | None:
    """request.POST and request.FILES, or None when the body is over the limits."""
    if _too_large(request):
        return None
    try:
        return request.POST, request.FILES
    except RequestDataTooBig:
        return None


REPORT_FORM = "tips.report"
FOLLOW_UP_FORM = "tips.follow_up"


def _post_refused(request: HttpRequest, data: Any, *, purpose: str) -> str:
    """Why a public form's post is refused ("" when it is not), in place of the cookie check.

    ``cross-site``: the browser says another site (or a saved page) sent it; ``expired``,
    ``invalid``: the form token is too old, or missing, forged or for another form;
    ``replayed``: the token was used already. The caller shows the form again with what was
    typed; nothing is saved.
    """
    if getattr(request, "_dont_enforce_csrf_checks", False):
        return ""  # Django's test client without enforce_csrf_checks, as CsrfViewMiddleware
    if posted_from_another_site(request):
        return "cross-site"
    try:
        nonce = form_token_read(str(data.get(FORM_TOKEN_FIELD, "")), purpose=purpose)
    except FormTokenExpired:
        return "expired"
    except FormTokenError:
        return "invalid"
    if not services.form_token_spend(nonce=nonce):
        return "replayed"
    return ""


@csrf_exempt  # checked by _post_refused: a form token and the origin, no cookie needed
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """The public tip form (anonymous by default)."""
    if request.method == "POST":
        body = _read_post(request)
        if body is None:
            return render(
                request, "tips/report.html", {"form": TipForm(), "too_large": True}, status=413
            )
        refused = _post_refused(request, body[0], purpose=REPORT_FORM)
        if refused:
            # Everything typed is shown again (files cannot be), with how to send it.
            return render(
                request,
                "tips/report.html",
                {"form": TipForm(body[0]), "refused_post": refused},
                status=403,
            )
        form = TipForm(*body)
        if form.is_valid():
            result = services.tip_submit(
                data=form.to_input(language=get_language() or "en"),
                attachments=form.cleaned_data["attachments"],
                channel=Channel.WEB,
                source_key=ratelimit.source_key(request),
                honeypot_filled=bool(form.cleaned_data["website"]),
            )
            return render(
                request,
                "tips/receipt.html",
                {
                    "code": services.format_receipt(result.receipt_code or ""),
                    "refused": result.refused_files,
                    "immediate": result.tip.immediate_danger,
                    "ttl_days": settings.HEATWATCH_RECEIPT_TTL_DAYS,
                },
            )
        status = 400
    else:
        form = TipForm()
        status = 200
    return render(request, "tips/report.html", {"form": form}, status=status)


def _thread(
    request: HttpRequest,
    tip: Tip,
    *,
    code: str,
    reply_form: Form | None = None,
    refused: list[tuple[str, str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "tips/follow_up_thread.html",
        {
            "tip": tip,
            "thread": tip.messages.all(),
            "form": reply_form or TipsterReplyForm(initial={"code": code}),
            "refused": refused or [],
            "ttl_days": settings.HEATWATCH_RECEIPT_TTL_DAYS,
        },
        status=status,
    )


@csrf_exempt  # checked by _post_refused: a form token and the origin, no cookie needed
@require_http_methods(["GET", "POST"])
def follow_up(request: HttpRequest) -> HttpResponse:
    """The tipster's check-in: the code is posted with every request (no session cookie)."""
    if request.method == "GET":
        return render(request, "tips/follow_up.html", {"form": FollowUpForm()})
    body = _read_post(request)
    if body is None:
        return render(
            request, "tips/follow_up.html", {"form": FollowUpForm(), "too_large": True}, status=413
        )
    replying = "body" in body[0] or "attachments" in body[1]
    code = str(body[0].get("code", ""))
    refused_post = _post_refused(request, body[0], purpose=FOLLOW_UP_FORM)
    if refused_post:
        # The code and any answer typed are shown again in one form that sends both.
        return render(
            request,
            "tips/follow_up.html",
            {
                "form": FollowUpForm(initial={"code": code}),
                "reply": TipsterReplyForm(initial={"body": body[0].get("body", "")})
                if replying
                else None,
                "refused_post": refused_post,
            },
            status=403,
        )
    form: Form = TipsterReplyForm(*body) if replying else FollowUpForm(body[0])
    source_key = ratelimit.source_key(request)
    try:
        tip = services.receipt_open(code=code, source_key=source_key)
    except services.ReceiptThrottled as exc:
        return render(
            request, "tips/follow_up.html", {"form": FollowUpForm(), "error": str(exc)}, status=429
        )
    except services.ReceiptInvalid as exc:
        return render(
            request,
            "tips/follow_up.html",
            {"form": FollowUpForm(initial={"code": code}), "error": str(exc)},
            status=400,
        )
    if not replying:
        return _thread(request, tip, code=code)
    if not form.is_valid():
        return _thread(request, tip, code=code, reply_form=form, status=400)
    try:
        refused = services.tipster_reply(
            tip=tip,
            body=form.cleaned_data["body"],
            attachments=form.cleaned_data["attachments"],
            source_key=source_key,
        )
    except services.TipError as exc:
        form.add_error(None, str(exc))
        return _thread(request, tip, code=code, reply_form=form, status=400)
    messages.success(request, _("Thank you. We received your message."))
    return _thread(request, tip, code=code, refused=refused)


# --- staff --------------------------------------------------------------------------------------

staff_only = role_required(Role.COORDINATOR, Role.OFFICER)
coordinator_only = role_required(Role.COORDINATOR)


@staff_only
def queue(request: HttpRequest) -> HttpResponse:
    """The triage queue (coordinators) or the referral inbox (officers)."""
    if not can_triage(request.user):
        return render(
            request, "tips/inbox.html", {"referrals": selectors.referral_inbox(user=request.user)}
        )
    spam = request.GET.get("queue") == "spam"
    status = request.GET.get("status", "")
    urgency = request.GET.get("urgency", "")
    tips = selectors.triage_queue(
        user=request.user,
        status=status if status in Status.values else "",
        urgency=urgency if urgency in Urgency.values else "",
        likely_spam=spam,
        assigned_to_me=request.GET.get("mine") == "1",
    )[:200]
    return render(
        request,
        "tips/queue.html",
        {
            "recoveries": selectors.recoveries_waiting_context(user=request.user),
            "tips": tips,
            "spam": spam,
            "status": status,
            "urgency": urgency,
            "statuses": Status.choices,
            "urgencies": Urgency.choices,
        },
    )


@coordinator_only
@require_http_methods(["GET", "POST"])
def phone_tip(request: HttpRequest) -> HttpResponse:
    """Log a tip taken on the phone line; optionally give the caller a receipt code."""
    form = PhoneTipForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        result = services.tip_submit(
            data=form.to_input(language=get_language() or "en"),
            attachments=form.cleaned_data["attachments"],
            channel=Channel.PHONE,
            logged_by=staff_user(request),
            issue_receipt=form.cleaned_data["issue_receipt"],
        )
        if result.receipt_code:
            return render(
                request,
                "tips/receipt_staff.html",
                {"tip": result.tip, "code": services.format_receipt(result.receipt_code)},
            )
        messages.success(request, _("Tip %(ref)s logged.") % {"ref": result.tip.reference})
        return redirect("tips:detail", pk=result.tip.pk)
    return render(
        request,
        "tips/phone_tip.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


def _detail(request: HttpRequest, tip: Tip, *, status: int = 200, **forms: Form) -> HttpResponse:
    coordinator = can_triage(request.user)
    labels = dict(RedFlag.choices)
    context: dict[str, Any] = {
        "tip": tip,
        "red_flag_labels": [labels.get(flag, flag) for flag in tip.red_flags],
        "coordinator": coordinator,
        "thread": tip.messages.select_related("author"),
        "referrals": tip.referrals.select_related("organisation", "referred_by", "outcome_by"),
        "attachments": tip.attachments.defer("blob"),
        "workable": set(
            referrals_workable_by(request.user).filter(tip=tip).values_list("pk", flat=True)
        ),
        "outcome_form": forms.get("outcome_form") or OutcomeForm(),
        # The linked case's reference and link only for someone who may open that case.
        "linked_case": linked_case_for(user=request.user, reference=tip.case_reference),
    }
    if coordinator:
        context.update(
            notes=tip.notes.select_related("author"),
            related=selectors.related_tips(user=request.user, tip=tip),
            linked=selectors.linked_tips(user=request.user, tip=tip),
            triage_form=forms.get("triage_form")
            or TriageForm(
                initial={
                    "urgency": tip.urgency,
                    "red_flags": tip.red_flags,
                    "assignee": tip.assignee_id,
                    "version": tip.version,
                }
            ),
            message_form=forms.get("message_form") or MessageForm(),
            note_form=forms.get("note_form") or NoteForm(),
            refer_form=forms.get("refer_form") or ReferForm(),
            close_form=forms.get("close_form") or CloseForm(initial={"version": tip.version}),
            link_form=forms.get("link_form") or LinkForm(),
            link_case_form=forms.get("link_case_form")
            or LinkCaseForm(initial={"version": tip.version}),
        )
    return render(request, "tips/detail.html", context, status=status)


@staff_only
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One tip, in full (audited)."""
    tip = selectors.tip_get_for_user(user=request.user, pk=pk)
    return _detail(request, tip)


def _act(
    request: HttpRequest, pk: int, form_class: type[Form], form_name: str, action: Any
) -> HttpResponse:
    """Run a coordinator action from the detail page; on a bad form show it with its errors."""
    tip = selectors.tip_get_for_user(user=request.user, pk=pk, audit=False)
    return run_form_action(
        request,
        form=form_class(request.POST),
        action=lambda data: action(tip, data),
        errors=services.TipError,
        success_url=reverse("tips:detail", args=[tip.pk]),
        render_invalid=lambda form: _detail(request, tip, status=400, **{form_name: form}),
    )


@coordinator_only
@require_POST
def triage(request: HttpRequest, pk: int) -> HttpResponse:
    def action(tip: Tip, d: dict[str, Any]) -> str:
        services.tip_triage(
            tip=tip,
            by=staff_user(request),
            urgency=d["urgency"],
            red_flags=d["red_flags"],
            assignee=d["assignee"],
            version=d["version"],
        )
        return _("Triage saved.")

    return _act(request, pk, TriageForm, "triage_form", action)


@coordinator_only
@require_POST
def message(request: HttpRequest, pk: int) -> HttpResponse:
    def action(tip: Tip, d: dict[str, Any]) -> str:
        services.tip_message_tipster(tip=tip, by=staff_user(request), body=d["body"])
        return _("Message sent. The tipster sees it at their next check-in.")

    return _act(request, pk, MessageForm, "message_form", action)


@coordinator_only
@require_POST
def note(request: HttpRequest, pk: int) -> HttpResponse:
    def action(tip: Tip, d: dict[str, Any]) -> str:
        services.tip_add_note(tip=tip, by=staff_user(request), body=d["body"])
        return _("Note added.")

    return _act(request, pk, NoteForm, "note_form", action)


@coordinator_only
@require_POST
def refer(request: HttpRequest, pk: int) -> HttpResponse:
    def action(tip: Tip, d: dict[str, Any]) -> str:
        services.tip_refer(
            tip=tip,
            by=staff_user(request),
            organisation=d["organisation"],
            note=d["note"],
        )
        return _("Referred to %(org)s.") % {"org": d["organisation"]}

    return _act(request, pk, ReferForm, "refer_form", action)


@coordinator_only
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    def action(tip: Tip, d: dict[str, Any]) -> str:
        services.tip_close(
            tip=tip, by=staff_user(request), reason=d["reason"], version=d["version"]
        )
        return _("Tip closed.")

    return _act(request, pk, CloseForm, "close_form", action)


@coordinator_only
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    tip = selectors.tip_get_for_user(user=request.user, pk=pk, audit=False)
    try:
        services.tip_reopen(tip=tip, by=staff_user(request))
    except services.TipError as exc:
        messages.error(request, str(exc))
    return redirect("tips:detail", pk=tip.pk)


@coordinator_only
@require_POST
def link(request: HttpRequest, pk: int) -> HttpResponse:
    def action(tip: Tip, d: dict[str, Any]) -> str:
        reference = d["reference"].strip().upper()
        other = tips_visible_to(request.user).filter(reference=reference).first()
        if other is None:
            raise services.TipError(_("No tip with that reference."))
        services.tip_link(tip=tip, other=other, by=staff_user(request), reason=d["reason"])
        return _("Tips linked.")

    return _act(request, pk, LinkForm, "link_form", action)


@coordinator_only
@require_POST
def link_case(request: HttpRequest, pk: int) -> HttpResponse:
    def action(tip: Tip, d: dict[str, Any]) -> str:
        services.tip_link_case(
            tip=tip,
            by=staff_user(request),
            case_reference=d["case_reference"],
            version=d["version"],
        )
        return _("Tip linked to the case.")

    return _act(request, pk, LinkCaseForm, "link_case_form", action)


@coordinator_only
@require_POST
def spam(request: HttpRequest, pk: int) -> HttpResponse:
    tip = selectors.tip_get_for_user(user=request.user, pk=pk, audit=False)
    likely = request.POST.get("likely_spam") == "1"
    services.tip_mark_spam(tip=tip, by=staff_user(request), likely_spam=likely)
    messages.success(
        request, _("Moved to the likely-spam queue.") if likely else _("Moved to the triage queue.")
    )
    return redirect("tips:detail", pk=tip.pk)


@coordinator_only
@require_POST
def issue_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    tip = selectors.tip_get_for_user(user=request.user, pk=pk, audit=False)
    code = services.tip_issue_receipt(tip=tip, by=staff_user(request))
    return render(
        request, "tips/receipt_staff.html", {"tip": tip, "code": services.format_receipt(code)}
    )


@role_required(Role.OFFICER)
@require_POST
def outcome(request: HttpRequest, pk: int, referral_pk: int) -> HttpResponse:
    """An officer records what came of a referral to their agency."""
    tip = selectors.tip_get_for_user(user=request.user, pk=pk, audit=False)
    referral = selectors.referral_get_for_user(user=request.user, tip=tip, pk=referral_pk)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        services.referral_record_outcome(
            referral=referral,
            by=staff_user(request),
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("Outcome recorded."))
        return redirect("tips:detail", pk=tip.pk)
    return _detail(request, tip, status=400, outcome_form=form)


@role_required(Role.OFFICER)
@require_POST
def acknowledge(request: HttpRequest, pk: int, referral_pk: int) -> HttpResponse:
    """An officer says their agency has the referral (stops its escalation)."""
    tip = selectors.tip_get_for_user(user=request.user, pk=pk, audit=False)
    referral = selectors.referral_get_for_user(user=request.user, tip=tip, pk=referral_pk)
    services.referral_acknowledge(referral=referral, by=staff_user(request))
    messages.success(request, _("Referral acknowledged."))
    if request.POST.get("next") == "inbox":
        return redirect("tips:queue")
    return redirect("tips:detail", pk=tip.pk)


def _recovery_page(
    request: HttpRequest,
    tip: Tip,
    referral: Any,
    form: Any,
    *,
    status: int = 200,
    candidates: Any = None,
) -> HttpResponse:
    return render(
        request,
        "tips/recovery_intake.html",
        {
            "tip": tip,
            "referral": referral,
            "form": form,
            "candidates": candidates,
            "identity_check": candidates is not None,
        },
        status=status,
    )


@coordinator_only
@require_http_methods(["GET", "POST"])
def recovery_intake(request: HttpRequest, pk: int, referral_pk: int) -> HttpResponse:
    """The coordinators open the case of a youth an agency recovered: the cases intake
    (through tips.extensions), with the tip linked and the agency as referrer."""
    intake = recovery_intake_registered()
    if intake is None:
        raise Http404
    user = staff_user(request)
    tip = selectors.tip_get_for_user(user=user, pk=pk)
    referral = selectors.recovery_get(tip=tip, pk=referral_pk)
    if tip.case_reference:
        messages.info(request, _("This tip is already linked to a case."))
        return redirect("tips:detail", pk=tip.pk)
    initial = intake.initial(tip_reference=tip.reference)
    form = intake.form(request.POST or None, user=user, initial=initial)
    # The tip and the source come from here, not from what is typed.
    for name in ("tip_reference", "intake_source"):
        form.fields[name].disabled = True
    if request.method != "POST" or not form.is_valid():
        return _recovery_page(
            request, tip, referral, form, status=400 if request.method == "POST" else 200
        )
    try:
        case = services.recovery_open_case(referral=referral, by=user, form=form)
    except intake.identity_check as exc:
        return _recovery_page(request, tip, referral, form, candidates=exc.candidates)  # type: ignore[attr-defined]
    except (intake.error, services.TipError) as exc:
        form.add_error(None, str(exc))
        return _recovery_page(request, tip, referral, form, status=400)
    messages.success(
        request,
        _("Case %(ref)s opened from tip %(tip)s.") % {"ref": case.reference, "tip": tip.reference},
    )
    return redirect(intake.case_url(case))


@staff_only
def attachment(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    """Download an attachment (decrypted; audited; never cached; never rendered inline)."""
    download = selectors.attachment_for_download(
        user=request.user, tip_pk=pk, attachment_pk=attachment_pk
    )
    response = HttpResponse(download.content, content_type=download.content_type)
    response["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
