"""Who may see what: the permission-checked fetches every view and admin page goes through.

Rules: an object outside what a user may see is a 404 (never a hint that it exists); one they
may see but not change is a 403. Administrators work in the cooperatives they administer;
regulators read everything of their cooperative; member users see their own member; lab users
their own lab's work. A superuser sees everything.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.views.main import ERROR_FLAG, PAGE_VAR
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.forms import Media
from django.http import Http404, HttpRequest, HttpResponseRedirect

from coop_portal.admin_widgets import name_date_and_time_boxes
from coop_portal.params import record_id

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


def works_for(user: User | AnonymousUser, member: Member) -> bool:
    """Whether the user is one of the member's own users: a public page then offers what only
    the member may do (its objection, for one)."""
    return bool(
        user.is_authenticated
        and Role.objects.filter(user=user, member=member, kind=Role.Kind.MEMBER_USER).exists()
    )


def works_for_or_oversees(user: User | AnonymousUser, member: Member, *staff_kinds: str) -> bool:
    """Whether the user is one of the member's own users, or holds one of these staff roles
    in its cooperative (who decides what the member sent): a record the member sent the
    cooperative, such as the evidence of its objection, is for them alone."""
    if works_for(user, member):
        return True
    return isinstance(user, User) and user.has_role(member.cooperative, *staff_kinds)


def require(condition: bool) -> None:
    """403 for a user who may see the object but not make this change."""
    if not condition:
        raise PermissionDenied


def cooperative_path(model: type[Model]) -> str | None:
    """The lookup from a model to the cooperative its rows belong to, or None for a model
    outside every cooperative.

    The shortest chain of forward relations to ``Cooperative`` (``"member__cooperative"``,
    ``"cooperatives"`` for labs); people belong to the cooperatives they hold a role in.
    """
    if model is Cooperative:
        return "pk"
    if issubclass(model, User):
        return "roles__cooperative"
    return _COOPERATIVE_PATHS.setdefault(model, _shortest_path(model))


_COOPERATIVE_PATHS: dict[type[Model], str | None] = {}


def _shortest_path(model: type[Model], depth: int = 4) -> str | None:
    seen = {model}
    frontier: list[tuple[type[Model], str]] = [(model, "")]
    for _step in range(depth):
        following = []
        for current, prefix in frontier:
            for field in current._meta.get_fields():
                related = field.related_model
                if not (field.is_relation and field.concrete and isinstance(related, type)):
                    continue
                if not issubclass(related, Model):
                    continue
                path = f"{prefix}{field.name}"
                if related is Cooperative:
                    return path
                # Who did something (a user) says nothing of where a record belongs.
                if related not in seen and not issubclass(related, User):
                    seen.add(related)
                    following.append((related, f"{path}__"))
        frontier = following
    return None


def in_cooperatives(queryset: QuerySet[Any], cooperatives: QuerySet[Cooperative]) -> QuerySet[Any]:
    """The rows of the queryset that belong to one of the cooperatives; none for a model that
    belongs to no cooperative, so that nothing outside the administrator's shows by default."""
    path = cooperative_path(queryset.model)
    if path is None:
        return queryset.none()
    return queryset.filter(**{f"{path}__in": cooperatives}).distinct()


def administered_choices(queryset: QuerySet[Any], request: HttpRequest) -> QuerySet[Any]:
    """The choices an admin form or filter offers: all for a superuser, else only the rows of
    the cooperatives the user administers."""
    if request.user.is_superuser:
        return queryset
    return in_cooperatives(queryset, Cooperative.objects.administered_by(request.user))


class ScopedRelatedFilter(admin.RelatedFieldListFilter):
    """A changelist filter on a related record that lists only the administrator's ones."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> Any:
        ordering = self.field_admin_ordering(field, request, model_admin)
        allowed = administered_choices(field.related_model._default_manager.all(), request)
        return field.get_choices(
            include_blank=False,
            ordering=ordering,
            limit_choices_to={"pk__in": allowed.values("pk")},
        )


class MemberFilter(admin.RelatedFieldListFilter):
    """A changelist filter on a member. A cooperative may have tens of thousands, so they are
    never listed: the member is picked by searching (the admin's member autocomplete, as in
    forms, within what the member list shows the administrator), and the filter names only the
    member chosen, when it is one of the administrator's. Another cooperative's member is never
    named, and the list (scoped already) shows nothing for it.

    Its parameter is the related filter's (``member__id__exact``), which a link from the
    member's page uses to open a list filtered on it."""

    template = "members/admin/member_filter.html"

    def __init__(
        self,
        field: Any,
        request: HttpRequest,
        params: Any,
        model: Any,
        model_admin: Any,
        field_path: str,
    ) -> None:
        self.admin_site = model_admin.admin_site
        super().__init__(field, request, params, model, model_admin, field_path)

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> Any:
        chosen = [record_id(str(value)) for value in self.lookup_val or []]
        chosen = [pk for pk in chosen if pk is not None]
        if not chosen:
            return []
        members = administered_choices(Member.objects.all(), request).filter(pk__in=chosen)
        return [(member.pk, str(member)) for member in members.order_by("name")]

    def has_output(self) -> bool:
        # The search is offered before any member is chosen.
        return True

    @property
    def picker_id(self) -> str:
        return f"id_filter_{self.lookup_kwarg}"

    def picker(self) -> str:
        """The member search (select2 over the admin's autocomplete view), showing the chosen
        member only if it is the administrator's: the field's queryset is theirs."""
        field = forms.ModelChoiceField(
            queryset=administered_choices(Member.objects.all(), self.request),
            required=False,
            widget=AutocompleteSelect(self.field, self.admin_site),
        )
        value = (self.lookup_val or [""])[0]
        return field.widget.render(self.lookup_kwarg, value, attrs={"id": self.picker_id})

    def kept_parameters(self) -> list[tuple[str, str]]:
        """The list's other parameters (search, other filters, ordering), which choosing a
        member keeps; the list starts again at its first page."""
        dropped = {self.lookup_kwarg, self.lookup_kwarg_isnull, PAGE_VAR, ERROR_FLAG}
        return [
            (name, value)
            for name, values in self.request.GET.lists()
            if name not in dropped
            for value in values
        ]


class ScopedValuesFilter(admin.AllValuesFieldListFilter):
    """A changelist filter on a field of a related record (``category__code``) that lists the
    values of the administrator's own rows only, never those of another cooperative."""

    def __init__(
        self,
        field: Any,
        request: HttpRequest,
        params: Any,
        model: Any,
        model_admin: Any,
        field_path: str,
    ) -> None:
        super().__init__(field, request, params, model, model_admin, field_path)
        self.lookup_choices = (
            model_admin.get_queryset(request)
            .order_by(field_path)
            .values_list(field_path, flat=True)
            .distinct()
        )


class ScopedChoicesMixin:
    """Every choice of a form (foreign keys, many-to-many, raw ids, autocompletes, which all
    read the form field's queryset) limited to the administrator's cooperatives: a POST naming
    another cooperative's record is refused as an invalid choice.

    A member is always picked by searching (the admin's autocomplete, which searches the
    member list's ``search_fields`` within what the member list shows the administrator): a
    cooperative has too many members for a drop-down list."""

    def get_autocomplete_fields(self, request: HttpRequest) -> Any:
        declared = list(super().get_autocomplete_fields(request))  # type: ignore[misc]
        model: type[Model] = self.model  # type: ignore[attr-defined]
        members = [
            field.name
            for field in [*model._meta.fields, *model._meta.many_to_many]
            if field.related_model is Member
            and field.name not in declared
            and field.name not in getattr(self, "raw_id_fields", ())
        ]
        return [*declared, *members]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]
        return name_date_and_time_boxes(field, db_field)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]
        if field is not None and hasattr(field, "queryset"):
            field.queryset = administered_choices(field.queryset, request)
        return field

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]
        if field is not None and hasattr(field, "queryset"):
            field.queryset = administered_choices(field.queryset, request)
        return field


class CooperativeScopedAdmin(ScopedChoicesMixin, admin.ModelAdmin):
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

    def get_list_filter(self, request: HttpRequest) -> Any:
        """Filters on related records list only the administrator's ones; a member is found
        by searching (``MemberFilter``)."""
        return [_scoped_filter(self.model, entry) for entry in super().get_list_filter(request)]

    @property
    def media(self) -> Media:
        media = super().media
        for entry in self.list_filter:
            scoped = _scoped_filter(self.model, entry)
            if isinstance(scoped, tuple) and scoped[1] is MemberFilter:
                field = get_fields_from_path(self.model, scoped[0])[-1]
                # The member filter's search is the admin's autocomplete (select2).
                return media + AutocompleteSelect(field, self.admin_site).media
        return media


def _scoped_filter(model: type[Model], entry: Any) -> Any:
    if not isinstance(entry, str):
        return entry
    field: Any = None
    current: Any = model
    for part in entry.split("__"):
        if current is None:
            return entry
        field = current._meta.get_field(part)
        current = field.related_model
    if field is not None and field.is_relation and field.concrete:
        return (entry, MemberFilter if field.related_model is Member else ScopedRelatedFilter)
    if "__" in entry and field is not None and not field.choices:
        return (entry, ScopedValuesFilter)
    return entry


class ScopedInlineMixin(ScopedChoicesMixin):
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


class ReadOnlyAdminMixin:
    """Workflow records (complaints, exit cases, objections …) are changed only by their
    services, from the pages that record events and history: the admin lists and shows them,
    and its actions may call those services."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ScopedTabularInline(ScopedInlineMixin, admin.TabularInline):
    pass


class ScopedStackedInline(ScopedInlineMixin, admin.StackedInline):
    pass
