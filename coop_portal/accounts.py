"""Accounts: log-in with TOTP two-factor, password reset, invitations to a member's team.

Staff (administrators, regulators, Django staff) may turn on two-factor log-in; those with
administrative rights (Django staff, superusers, cooperative administrators) must:
``TwoFactorRequiredMiddleware`` sends them to set it up before any other page. Once it is on,
the password alone no longer logs them in: ``LoginView`` checks the password, keeps the person
pending in the session and ``verify`` logs them in after a valid code from their app, or one of
their single-use recovery codes (django-otp's static tokens) when the phone is lost.
"""

from __future__ import annotations

from base64 import b32encode
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import (
    authenticate,
    password_validation,
    update_session_auth_hash,
)
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from coop_portal.refusal import Refused
from members.models import Role, User
from members.scoping import signed_in_user
from members.team import accept_invitation, find_invitation, register_invitee
from members.two_factor import must_use_two_factor

from .mail import mail_language, queue_mail
from .params import whole_number
from .pdf import qr_svg_data_uri
from .ratelimits import seconds_to_wait

PENDING_USER = "two_factor_user"
PENDING_BACKEND = "two_factor_backend"
PENDING_NEXT = "two_factor_next"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def is_staff_person(user: Any) -> bool:
    """Whether the user may turn on two-factor log-in: staff, administrators and regulators."""
    if not user.is_authenticated:
        return False
    return bool(
        user.is_staff
        or Role.objects.filter(
            user=user, kind__in=[Role.Kind.ADMINISTRATOR, Role.Kind.REGULATOR]
        ).exists()
    )


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Six-digit code from your authenticator app"),
        help_text=gettext_lazy("Lost your phone? Enter one of your recovery codes instead."),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )

    def clean_token(self) -> str:
        token = str(self.cleaned_data["token"]).strip().lower()
        if whole_number(token) is None and not (len(token) == 8 and token.isalnum()):
            raise forms.ValidationError(
                _("The code is six digits, or a recovery code of eight letters and digits.")
            )
        return token


class TwoFactorSetupForm(TokenForm):
    """Turning two-factor log-in on: the password again, then the first code."""

    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["password", "token"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = str(self.cleaned_data["password"])
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your password."))
        return password


class EmailLanguageForm(forms.ModelForm):
    """The language the portal writes a person's e-mails in (coop_portal.mail)."""

    language = forms.ChoiceField(
        label=gettext_lazy("Write my e-mails in"),
        choices=settings.LANGUAGES,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = User
        fields = ["language"]


class EmailAuthenticationForm(AuthenticationForm):
    def clean_username(self) -> str:
        # Addresses are stored in lower case (members.models.UserManager); people type them as
        # they like.
        return str(self.cleaned_data["username"]).strip().lower()

    def clean(self) -> dict[str, Any]:
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email is not None and password:
            # Passed by the user model's field name, so that django-axes (which reads the
            # credential named USERNAME_FIELD) counts failures per account, not only per address.
            self.user_cache = authenticate(self.request, email=email, password=password)
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


# Where each staff role works, by URL name with the cooperative's slug: a person with one of
# these roles in one cooperative lands there after log-in.
ROLE_LANDING: dict[str, str] = {
    Role.Kind.ADMINISTRATOR: "complaints:staff_list",
    Role.Kind.REGULATOR: "pledges:assessment_runs",
    Role.Kind.LAB_USER: "inspections:lab_home",
}


def landing_url(user: User) -> str:
    """Where a person lands after log-in: the page of their one staff role (the desk, the
    review, the lab page), else their portal when they hold any role (it lets a person with
    several choose), else the administration for Django staff, else the home page."""
    roles = {(kind, slug) for kind, slug in user.roles.values_list("kind", "cooperative__slug")}
    if len(roles) == 1:
        ((kind, slug),) = roles
        if kind in ROLE_LANDING:
            return reverse(ROLE_LANDING[kind], args=[slug])
    if roles:
        return reverse("portal:index")
    return reverse("admin:index" if user.is_staff else settings.LOGIN_REDIRECT_URL)


class LoginView(auth_views.LoginView):
    """Django's log-in, with a second step for people who turned on two-factor log-in."""

    form_class = EmailAuthenticationForm

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        # Without a ``next`` page the person lands where their role works.
        self.next_page = landing_url(user)
        if user_has_device(user, confirmed=True):
            self.request.session[PENDING_USER] = user.pk
            self.request.session[PENDING_BACKEND] = getattr(user, "backend", MODEL_BACKEND)
            self.request.session[PENDING_NEXT] = self.get_success_url()
            return redirect("accounts:two_factor_verify")
        return super().form_valid(form)


def _pending_user(request: HttpRequest) -> User | None:
    user_id = request.session.get(PENDING_USER)
    if user_id is None:
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of log-in: a code from the authenticator app."""
    user = _pending_user(request)
    if user is None:
        return redirect(settings.LOGIN_URL)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in devices_for_user(user, confirmed=True):
            if device.verify_token(form.cleaned_data["token"]):
                backend = request.session.get(PENDING_BACKEND, MODEL_BACKEND)
                next_url = request.session.get(PENDING_NEXT) or landing_url(user)
                auth_login(request, user, backend=backend)
                otp_login(request, device)
                for key in (PENDING_USER, PENDING_BACKEND, PENDING_NEXT):
                    request.session.pop(key, None)
                if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
                    next_url = landing_url(user)
                return HttpResponseRedirect(next_url)
        form.add_error("token", _("This code is not right, or it has expired. Try the next one."))
    return render(request, "registration/two_factor_verify.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Turn on two-factor log-in: scan the QR code, then confirm with a first code."""
    user = request.user
    if not is_staff_person(user):
        raise Http404
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if confirmed is not None:
        return render(
            request,
            "registration/two_factor_setup.html",
            {
                "enabled": True,
                # Shown once, right after they were made; only their number afterwards.
                "recovery_codes": request.session.pop(RECOVERY_CODES, None),
                "recovery_left": StaticToken.objects.filter(device__user=user).count(),
                "required": must_use_two_factor(user),
            },
        )
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "authenticator"}
    )
    form = TwoFactorSetupForm(request.POST or None, user=cast(User, user))
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            turn_on_two_factor(request, device, form.cleaned_data["password"])
            messages.success(
                request,
                _("Two-factor log-in is on. Your other sessions were logged out."),
            )
            return redirect("accounts:two_factor_setup")
        form.add_error("token", _("This code is not right, or it has expired. Try the next one."))
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "enabled": False,
            "form": form,
            "qr": qr_svg_data_uri(device.config_url),
            "secret": b32encode(device.bin_key).decode(),
        },
    )


@transaction.atomic
def turn_on_two_factor(request: HttpRequest, device: TOTPDevice, password: str) -> None:
    """Confirm the device and log the person's other sessions out: a session opened with the
    password alone (on another computer, or by whoever had the password) must not stay in
    without a code.

    Django keeps each session tied to a hash of the password's hash, and logs out the
    sessions whose hash no longer matches. Hashing the same password again gives it a new
    salt, hence a new hash: every other session ends, this one is carried over.
    """
    user = signed_in_user(request)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    user.set_password(password)
    user.save(update_fields=["password"])
    update_session_auth_hash(request, user)
    otp_login(request, device)
    request.session[RECOVERY_CODES] = new_recovery_codes(user)


# Recovery codes just made, kept in the session until the set-up page has shown them once.
RECOVERY_CODES = "two_factor_recovery_codes"
RECOVERY_CODE_COUNT = 10


@transaction.atomic
def new_recovery_codes(user: User) -> list[str]:
    """Single-use recovery codes (django-otp's static tokens) replacing any earlier ones."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": "recovery codes", "confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@login_required
@require_http_methods(["GET", "POST"])
def email_language(request: HttpRequest) -> HttpResponse:
    """Choose the language of one's e-mails; without a choice they are in Chinese, the
    cooperative's language, whatever language the pages are read in."""
    user = signed_in_user(request)
    form = EmailLanguageForm(
        request.POST or None,
        instance=user,
        initial={"language": mail_language(user.language or None)},
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved: your e-mails will be written in this language."))
        return redirect("accounts:email_language")
    return render(request, "registration/email_language.html", {"form": form})


@login_required
@require_POST
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    """Make new recovery codes (the old ones stop working); only from a verified session."""
    user = cast(User, request.user)
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise Http404
    if not user.is_verified():  # type: ignore[attr-defined]
        messages.error(request, _("Log in with your code first to make new recovery codes."))
        return redirect("accounts:two_factor_setup")
    request.session[RECOVERY_CODES] = new_recovery_codes(user)
    messages.success(request, _("New recovery codes were made; the earlier ones no longer work."))
    return redirect("accounts:two_factor_setup")


@login_required
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    """Turn two-factor log-in off; only from a session that was verified with a code."""
    user = request.user
    if not is_staff_person(user):
        raise Http404
    if not user.is_verified():  # type: ignore[union-attr]
        messages.error(request, _("Log in with your code first to turn two-factor log-in off."))
        return redirect("accounts:two_factor_setup")
    if must_use_two_factor(user):
        messages.error(
            request, _("Accounts with administrative rights must keep two-factor log-in on.")
        )
        return redirect("accounts:two_factor_setup")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    messages.success(request, _("Two-factor log-in is off."))
    return redirect("accounts:two_factor_setup")


# Reset links one address may ask for in an hour: enough for a lost e-mail, too few to flood
# somebody's mailbox with them.
RESET_LINK_RATE = "5/h"
# Reset links one account may be sent in an hour, whatever addresses ask: anyone with a few
# addresses could otherwise flood one user's mailbox. Over it, the page is the same and
# nothing is sent, so the limit tells nobody whether the account exists.
RESET_LINKS_PER_ACCOUNT = "3/h"


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, whose e-mail goes through the outbox like every other: written in
    the language of the request, sent after commit, retried while the mail server is down, and
    its one-time link blanked in the outbox once it has gone out."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        template = email_template_name.removesuffix(".txt")
        language = mail_language(context["user"].language or get_language())
        queue_mail([to_email], template, context, language=language, redact=[context["token"]])


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset; the e-mail is written in the account holder's language."""

    form_class = OutboxPasswordResetForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "email/accounts/password_reset.txt"
    subject_template_name = "email/accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Counted in the database when the cache is down: the limit keeps mailboxes from
        # being flooded whatever state Redis is in.
        if seconds_to_wait(request, "password-reset", RESET_LINK_RATE, must_limit=True) is not None:
            form = self.get_form()
            form.is_valid()
            form.add_error(
                None,
                _("Too many reset links were asked for from your address. Try again in an hour."),
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        account = form.cleaned_data["email"].strip().lower()
        if (
            seconds_to_wait(
                self.request,
                "password-reset-account",
                RESET_LINKS_PER_ACCOUNT,
                must_limit=True,
                per=account,
            )
            is not None
        ):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


# Password reset: Django's views, our templates and translated e-mail.
password_reset = PasswordResetView.as_view()
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="registration/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="registration/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="registration/password_reset_complete.html"
)


# Invitations ----------------------------------------------------------------------------------


class InviteeForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=150)
    password1 = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("At least 8 characters; not only digits, not a common password."),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                password_validation.validate_password(first, User(email=self.email))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Join a member's team: set a password (new person) or confirm (logged-in invitee)."""
    found = find_invitation(token)
    if found is None:
        raise Http404
    member = found.member
    existing = User.objects.filter(email__iexact=found.email).first()
    context: dict[str, Any] = {"invitation": found, "member": member, "existing": existing}
    if existing is not None:
        if request.user.is_authenticated and request.user.pk == existing.pk:
            if request.method == "POST":
                try:
                    accept_invitation(found, user=existing)
                except Refused as error:
                    messages.error(request, error.messages[0])
                    return redirect("home")
                messages.success(
                    request,
                    _("You are now on the team of %(member)s.") % {"member": member.display_name},
                )
                return redirect("portal:dashboard", member.pk)
            context["confirm"] = True
        else:
            context["login_url"] = f"{reverse(settings.LOGIN_URL)}?next={request.path}"
        return render(request, "registration/invitation.html", context)
    if request.user.is_authenticated:
        context["other_user"] = True
        return render(request, "registration/invitation.html", context)
    form = InviteeForm(request.POST or None, email=found.email)
    if request.method == "POST" and form.is_valid():
        user = register_invitee(
            found, name=form.cleaned_data["name"], password=form.cleaned_data["password1"]
        )
        auth_login(request, user, backend=MODEL_BACKEND)
        messages.success(
            request,
            _("Welcome! You are now on the team of %(member)s.") % {"member": member.display_name},
        )
        return redirect("portal:dashboard", member.pk)
    context["form"] = form
    return render(request, "registration/invitation.html", context)
