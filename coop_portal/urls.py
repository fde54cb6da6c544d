from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from members import views as member_views

from . import accounts, views
from .language import set_language

urlpatterns = [
    path("", member_views.home, name="home"),
    path("privacy/", views.privacy, name="privacy"),
    path("i18n/setlang/", set_language, name="set_language"),
    # One log-in for everyone, with the two-factor step for staff who enabled it and the
    # lockout per account; the admin's own log-in page would skip both.
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("coop_portal.account_urls")),
    path("portal/", include("pledges.portal.urls")),
    path("admin/", admin.site.urls),
    path("members/", include("members.urls")),
    path("charter/", include("charter.urls")),
    path("inspections/", include("inspections.urls")),
    path("complaints/", include("complaints.urls")),
    path("pledges/", include("pledges.urls")),
    path("api/v1/", include("coop_portal.api")),
]
