from django.urls import path

from heatwatch.cases import views

app_name = "cases"

# Mounted at /staff/cases/.
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.intake, name="intake"),
    path("break-glass/", views.break_glass, name="break_glass"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path(
        "dashboard/break-glass/<int:grant_pk>/reviewed/",
        views.break_glass_reviewed,
        name="break_glass_reviewed",
    ),
    path("referrals/", views.inbox, name="inbox"),
    path("referrals/<int:referral_pk>/", views.inbox_referral, name="inbox_referral"),
    path("referrals/<int:referral_pk>/<str:step>/", views.inbox_answer, name="inbox_answer"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/participation/", views.participation, name="participation"),
    path("<int:pk>/team/", views.team_add, name="team_add"),
    path("<int:pk>/team/<int:member_pk>/remove/", views.team_remove, name="team_remove"),
    path("<int:pk>/team/<int:member_pk>/lead/", views.team_lead, name="team_lead"),
    path("<int:pk>/consents/", views.consent_add, name="consent_add"),
    path(
        "<int:pk>/consents/<int:consent_pk>/revoke/",
        views.consent_revoke,
        name="consent_revoke",
    ),
    path("<int:pk>/stabilisation/<int:item_pk>/done/", views.item_done, name="item_done"),
    path("<int:pk>/referrals/", views.referral_send, name="referral_send"),
    path(
        "<int:pk>/referrals/<int:referral_pk>/revoke/",
        views.referral_revoke,
        name="referral_revoke",
    ),
    path(
        "<int:pk>/referrals/<int:referral_pk>/reopen/",
        views.referral_reopen,
        name="referral_reopen",
    ),
    path("<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
]
