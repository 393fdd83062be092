from django.urls import path

from heatwatch.accounts import views

app_name = "staff"

urlpatterns = [
    path("", views.staff_home, name="home"),
    path("account/password/", views.password_change, name="password_change"),
    path("logout/", views.staff_logout, name="logout"),
    path("logout-everywhere/", views.logout_everywhere, name="logout_everywhere"),
    path("account/enrol/<str:token>/", views.enrol, name="enrol"),
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
