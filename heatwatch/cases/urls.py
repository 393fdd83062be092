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
    path("<int:pk>/stabilisation/<int:item_pk>/owner/", views.item_owner, name="item_owner"),
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
    # the youth's details, alerts handled by hand, deletion (docs/cases.md)
    path("<int:pk>/youth/", views.youth_edit, name="youth_edit"),
    path(
        "<int:pk>/alerts/<int:alert_pk>/acknowledge/",
        views.alert_acknowledge,
        name="alert_acknowledge",
    ),
    path("<int:pk>/alerts/<int:alert_pk>/resolve/", views.alert_resolve, name="alert_resolve"),
    path("<int:pk>/delete/", views.case_delete, name="case_delete"),
    path("<int:pk>/delete/<str:kind>/<int:obj_pk>/", views.record_delete, name="record_delete"),
    # case records: service plan, identification, placements, missing episodes, court
    path("<int:pk>/plan/goals/", views.plan_goal_add, name="plan_goal_add"),
    path(
        "<int:pk>/plan/goals/<int:goal_pk>/status/",
        views.plan_goal_status,
        name="plan_goal_status",
    ),
    path("<int:pk>/plan/goals/<int:goal_pk>/steps/", views.plan_step_add, name="plan_step_add"),
    path("<int:pk>/plan/steps/<int:step_pk>/done/", views.plan_step_done, name="plan_step_done"),
    path("<int:pk>/plan/review/", views.plan_review, name="plan_review"),
    path("<int:pk>/identification/", views.identification_add, name="identification_add"),
    path("<int:pk>/screenings/", views.screening_add, name="screening_add"),
    path("<int:pk>/placements/", views.placement_add, name="placement_add"),
    path("<int:pk>/placements/<int:placement_pk>/end/", views.placement_end, name="placement_end"),
    path("<int:pk>/missing/", views.missing_start, name="missing_start"),
    path("<int:pk>/missing/<int:episode_pk>/report/", views.missing_report, name="missing_report"),
    path("<int:pk>/missing/<int:episode_pk>/return/", views.missing_return, name="missing_return"),
    path(
        "<int:pk>/missing/<int:episode_pk>/debrief/",
        views.missing_debrief,
        name="missing_debrief",
    ),
    path("<int:pk>/court/", views.court_add, name="court_add"),
    path("<int:pk>/court/<int:matter_pk>/", views.court_update, name="court_update"),
]
