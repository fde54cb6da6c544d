"""Who may see what: the permission-checked fetches every view and admin page goes through.

Rules: an object outside what a user may see is a 404 (never a hint that it exists); one they
may see but not change is a 403. Administrators work in the cooperatives they administer;
regulators read everything of their cooperative; member users see their own member; lab users
their own lab's work. A superuser sees everything.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponseRedirect

from .models import Cooperative, Member, Role, User


def signed_in_user(request: HttpRequest) -> User:
    """The user of a request that only signed-in users reach (behind ``login_required`` or
    the admin site): typed as the portal's user."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def roles_of(user: User | AnonymousUser, *kinds: str) -> QuerySet[Role]:
    if not user.is_authenticated:
        return Role.objects.none()
    roles = Role.objects.filter(user=user)
    return roles.filter(kind__in=kinds) if kinds else roles


def cooperative_for(user: User | AnonymousUser, slug: str, *kinds: str) -> Cooperative:
    """The cooperative with this slug if the user holds one of the roles in it, else 404."""
    cooperatives = Cooperative.objects.with_role(user, *kinds)
    try:
        return cooperatives.get(slug=slug)
    except Cooperative.DoesNotExist:
        raise Http404 from None


def member_of(user: User | AnonymousUser, member_id: int | None = None) -> Member:
    """The member the user works for (a member user), optionally a given one of several; 404 else."""
    members = (
        Member.objects.filter(roles__user=user, roles__kind=Role.Kind.MEMBER_USER)
        if user.is_authenticated
        else Member.objects.none()
    )
    if member_id is not None:
        members = members.filter(pk=member_id)
    member = members.select_related("cooperative").order_by("pk").first()
    if member is None:
        raise Http404
    return member


def require(condition: bool) -> None:
    """403 for a user who may see the object but not make this change."""
    if not condition:
        raise PermissionDenied


class CooperativeScopedAdmin(admin.ModelAdmin):
    """Admin pages that show an administrator only the cooperatives they administer.

    Set ``cooperative_path`` to the lookup from the model to its cooperative
    (``"cooperative"``, ``"member__cooperative"`` …). Foreign-key choices are limited the same
    way, so an administrator cannot attach a record to another cooperative's member either.
    """

    cooperative_path = "cooperative"

    def administered(self, request: HttpRequest) -> QuerySet[Cooperative]:
        return Cooperative.objects.administered_by(request.user)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(
            **{f"{self.cooperative_path}__in": self.administered(request)}
        ).distinct()

    def _get_obj_does_not_exist_redirect(
        self, request: HttpRequest, opts: Any, object_id: str
    ) -> HttpResponseRedirect:
        # Another cooperative's record is "not found", never a hint that it exists.
        raise Http404

    def _is_administrator(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_active
            and user.is_staff
            and (user.is_superuser or self.administered(request).exists())
        )

    def _in_scope(self, request: HttpRequest, obj: Model | None) -> bool:
        if obj is None or request.user.is_superuser:
            return True
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._is_administrator(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._is_administrator(request) and self._in_scope(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._is_administrator(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._is_administrator(request) and self._in_scope(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._is_administrator(request) and self._in_scope(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if not request.user.is_superuser:
            related = db_field.related_model
            administered = self.administered(request)
            if related is Cooperative:
                kwargs["queryset"] = administered
            elif related is not None and hasattr(related, "cooperative"):
                kwargs["queryset"] = related._default_manager.filter(cooperative__in=administered)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedInlineMixin:
    """An inline that follows its page's cooperative scoping rather than model permissions,
    so that an administrator sees and edits the rows of the records they may change."""

    admin_site: admin.AdminSite
    parent_model: Any

    def _page(self) -> Any:
        return self.admin_site._registry[self.parent_model]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(self._page().has_view_permission(request, obj))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        page = self._page()
        return bool(
            page.has_change_permission(request, obj) if obj else page.has_add_permission(request)
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        page = self._page()
        return bool(
            page.has_change_permission(request, obj) if obj else page.has_add_permission(request)
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)


class ScopedTabularInline(ScopedInlineMixin, admin.TabularInline):
    pass


class ScopedStackedInline(ScopedInlineMixin, admin.StackedInline):
    pass
