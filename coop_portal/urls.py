"""The project's URL conf: every app's pages and API put together, on top of every app."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from charter import urls as charter_urls
from complaints import urls as complaints_urls
from inspections import urls as inspections_urls
from members import urls as members_urls
from members import views as member_views
from pledges import urls as pledges_urls
from pledges.portal import urls as portal_urls

from . import account_urls, accounts, api, views
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
    path("accounts/", include(account_urls)),
    path("portal/", include(portal_urls)),
    path("admin/", admin.site.urls),
    path("members/", include(members_urls)),
    path("charter/", include(charter_urls)),
    path("inspections/", include(inspections_urls)),
    path("complaints/", include(complaints_urls)),
    path("pledges/", include(pledges_urls)),
    path("api/v1/", include(api)),
]
