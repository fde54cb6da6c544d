"""Account pages: password reset, invitations, two-factor set-up (coop_portal/accounts.py)."""

from django.urls import URLPattern, URLResolver, path

from . import accounts

app_name = "accounts"

urlpatterns: list[URLPattern | URLResolver] = [
    path("sign-in/", accounts.LoginView.as_view(), name="login"),
    path("password-reset/", accounts.password_reset, name="password_reset"),
    path("password-reset/sent/", accounts.password_reset_done, name="password_reset_done"),
    path("reset/<uidb64>/<token>/", accounts.password_reset_confirm, name="password_reset_confirm"),
    path("reset/done/", accounts.password_reset_complete, name="password_reset_complete"),
    path("two-factor/", accounts.two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", accounts.two_factor_verify, name="two_factor_verify"),
    path("two-factor/disable/", accounts.two_factor_disable, name="two_factor_disable"),
    path(
        "two-factor/recovery-codes/",
        accounts.two_factor_recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path("email-language/", accounts.email_language, name="email_language"),
    path("invitations/<str:token>/", accounts.invitation, name="invitation"),
]
