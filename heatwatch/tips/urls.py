from django.urls import path

from heatwatch.tips import views

app_name = "tips"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("phone/", views.phone_tip, name="phone"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/triage/", views.triage, name="triage"),
    path("<int:pk>/message/", views.message, name="message"),
    path("<int:pk>/note/", views.note, name="note"),
    path("<int:pk>/refer/", views.refer, name="refer"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
    path("<int:pk>/link/", views.link, name="link"),
    path("<int:pk>/link-case/", views.link_case, name="link_case"),
    path("<int:pk>/spam/", views.spam, name="spam"),
    path("<int:pk>/receipt/", views.issue_receipt, name="issue_receipt"),
    path("<int:pk>/referrals/<int:referral_pk>/outcome/", views.outcome, name="outcome"),
    path(
        "<int:pk>/referrals/<int:referral_pk>/acknowledge/",
        views.acknowledge,
        name="acknowledge",
    ),
    path(
        "<int:pk>/referrals/<int:referral_pk>/intake/",
        views.recovery_intake,
        name="recovery_intake",
    ),
    path("<int:pk>/files/<int:attachment_pk>/", views.attachment, name="attachment"),
]

public_urlpatterns = [
    path("report/", views.report, name="report"),
    path("report/follow-up/", views.follow_up, name="follow_up"),
]
