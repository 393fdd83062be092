from django.urls import path

from heatwatch.accounts import user_admin, views

app_name = "staff"

urlpatterns = [
    path("", views.staff_home, name="home"),
    path("account/password/", views.password_change, name="password_change"),
    path("logout/", views.staff_logout, name="logout"),
    path("logout-everywhere/", views.logout_everywhere, name="logout_everywhere"),
    path("account/enrol/<str:token>/", views.enrol, name="enrol"),
    path("account/invitation/<str:token>/", user_admin.invitation, name="invitation"),
    path("account/profile/", user_admin.profile, name="profile"),
    # user administration (administrators; docs/staff.md)
    path("users/", user_admin.user_list, name="users"),
    path("users/invite/", user_admin.user_invite, name="user_invite"),
    path("users/<int:pk>/", user_admin.user_detail, name="user_detail"),
    path("users/<int:pk>/edit/", user_admin.user_edit, name="user_edit"),
    path("users/<int:pk>/roles/", user_admin.user_membership_add, name="user_membership_add"),
    path(
        "users/<int:pk>/roles/<int:membership_pk>/revoke/",
        user_admin.user_membership_revoke,
        name="user_membership_revoke",
    ),
    path("users/<int:pk>/deactivate/", user_admin.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/reactivate/", user_admin.user_reactivate, name="user_reactivate"),
    path(
        "users/<int:pk>/two-factor-reset/",
        user_admin.user_two_factor_reset,
        name="user_two_factor_reset",
    ),
    path("users/<int:pk>/unlock/", user_admin.user_unlock, name="user_unlock"),
    path(
        "users/<int:pk>/enrolment-link/",
        user_admin.user_enrolment_link,
        name="user_enrolment_link",
    ),
    path(
        "account/two_factor/enrolment-needed/",
        views.enrolment_needed,
        name="enrolment_needed",
    ),
    # These take the addresses of django-two-factor-auth's own views (its urls are included
    # after these), so reverse("two_factor:setup") etc. lead here.
    path("account/login/", views.StaffLoginView.as_view(), name="login"),
    path("account/two_factor/setup/", views.EnrolSetupView.as_view(), name="two_factor_setup"),
    path(
        "account/two_factor/backup/tokens/",
        views.backup_codes,
        name="backup_codes",
    ),
    path("account/two_factor/disable/", views.two_factor_disable, name="two_factor_disable"),
]
