from django.urls import path

from heatwatch.accounts import views

app_name = "staff"

urlpatterns = [
    path("", views.staff_home, name="home"),
    path("account/password/", views.password_change, name="password_change"),
    path("logout/", views.staff_logout, name="logout"),
    path("logout-everywhere/", views.logout_everywhere, name="logout_everywhere"),
]
