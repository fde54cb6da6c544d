"""Whole public pages kept in the cache for anonymous readers, and dropped when data changes.

What is cached: the 200 answer to a GET of a page named in ``PUBLIC_PAGES`` (the directory,
member, pledge, assessment, charter and statistics pages, home), for a request that carries
no cookie other than the language and CSRF ones and no ``Authorization`` header — a reader
who is not logged in. The key is the host, scheme, path with its query string and the active
language, so each language and each query string is an entry of its own.

What is never stored: an answer that is not 200, sets a cookie (a page that rendered a CSRF
token, a message left for the next page), carries a message added while it was rendered,
is streamed, or says ``Cache-Control: private/no-store/no-cache``.

Query strings: each page of ``PUBLIC_PAGES`` names the parameters it reads. For an anonymous
reader the request keeps those alone (sorted by name) before the view runs, and the key is made
from that: ``?utm=<random>`` or a reordered query string finds the same entry, and a value longer
than any link of the portal is rendered but never stored. The cache's entries all expire (the
TTL below, or ``CACHES["default"]["TIMEOUT"]``), and the Redis that holds them should have a
memory cap with an eviction policy (docs/operations.md, "The processes").

Invalidation: the cache holds *generation* numbers: one per cooperative, one for the pages
outside any cooperative (home, which shows them all: bumped with each cooperative's), and one
for the whole site. Every entry is stored with the generations read before its page was
rendered, and is served only while they are still the current ones: a page of a cooperative
(its ``slug`` in the URL) with the site's and that cooperative's, another page with the site's
and the shared one. A change in one cooperative therefore drops that cooperative's pages and
home, never another cooperative's. Generations are bumped

- by ``post_save`` and ``m2m_changed`` of every model of the public apps, and ``post_delete``
  of those which are not deleted in bulk (``_BULK_DELETED``: their deletions go with a save
  of their parent or an explicit bump), for the cooperative the row belongs to (followed
  through its foreign keys, ``_cooperative_paths``); a row of no single cooperative (a lab,
  a cooperative itself, whose name home shows) bumps the site's;
- explicitly (``data_changed(cooperative_id)``) by the paths that write without signals: the
  CSV imports (coop_portal/csvimport.py, used by the members, pledges, inspections and
  complaints imports, whose bulk_create, bulk_update and SQL staging send none), and the
  services that use ``QuerySet.update``/``bulk_create`` on public data;
- when a setting changes (tests).

A process that starts does not bump anything: the keys of the entries hold a digest of the
code, templates and translations the process runs (``release()``), so the pages of another
release are never served, and a restart or a worker recycle of the same release keeps them.

A bump inside a transaction happens at once *and* again on commit (``transaction.on_commit``):
the first keeps a page rendered by the same transaction from being served, the second keeps a
page that another request rendered from the old data while the transaction ran from being
served after it. A transaction's many writes make one bump of each cooperative on commit.
Entries also expire after ``PUBLIC_PAGE_CACHE_SECONDS`` (300 s; 0 switches the cache off), the bound on what depends
on the date alone (a charter version coming into force at midnight) and the safety net.

If the cache is unreachable, pages are rendered without it (for ``_RETRY_SECONDS`` after each
failure, without trying it) and the failure is logged; a bump that failed is made again by the
process before it next serves from the cache. A process that never learns of a failed bump
(another gunicorn worker) may serve the old page until its entry expires: the bounded TTL.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import connection, transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.utils.cache import cc_delim_re, patch_vary_headers
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

GENERATION_KEY = "public-pages:generation"
PAGE_KEY_PREFIX = "public-pages:page:"

# Views (namespace:name) whose anonymous answer is the same for every reader, each with the
# query-string parameters it reads. The cache key holds those parameters and no others, and the
# view sees only them: noise such as ``?utm=<random>`` neither makes a new entry nor reaches
# the page (tests/security/test_query_parameters.py records what each page reads).
_NONE: frozenset[str] = frozenset()
_RESULTS = frozenset({"q", "grade", "status", "page"})
PUBLIC_PAGES: dict[str, frozenset[str]] = {
    "home": _NONE,
    "members:cooperative": _NONE,
    "members:directory": frozenset({"q", "kind", "scale", "status", "page"}),
    "members:member": _NONE,
    "charter:current": _NONE,
    "charter:archive": _NONE,
    "charter:version": _NONE,
    "charter:diff": frozenset({"older", "newer"}),
    "charter:methodology": _NONE,
    "charter:public_exits": _NONE,
    "pledges:cooperative_pledges": frozenset({"q", "page"}),
    "pledges:standards": _NONE,
    "pledges:member": _NONE,
    "pledges:version": _NONE,
    "pledges:public_periods": _NONE,
    "pledges:public_member_history": _NONE,
    "pledges:public_period": _RESULTS,
    "pledges:public_member": _NONE,
    "pledges:public_revision": _RESULTS,
    "pledges:public_result": _NONE,
    "pledges:public_verify_run": _NONE,
    "pledges:public_verify_member": _NONE,
    "inspections:statistics": _NONE,
    "inspections:public_member": frozenset({"page"}),
    "complaints:statistics": _NONE,
    "complaints:member_statistics": _NONE,
}
# A read parameter longer than this is no link of the portal (searches take 100 characters):
# such a page is rendered, never stored.
_LONGEST_VALUE = 200

# The model of a cooperative, whose slug names its pages.
COOPERATIVE_MODEL = "members.Cooperative"

# Apps whose data the public pages show.
PUBLIC_APPS = ("members", "charter", "inspections", "complaints", "pledges")

# Models of those apps that are deleted in bulk (QuerySet.delete of thousands of rows): a
# post_delete receiver would make Django fetch and signal each row instead of one DELETE.
# Their deletions happen with a save of their parent or an explicit data_changed().
_BULK_DELETED = frozenset(
    {
        "inspections.itemresult",
        "pledges.memberassessment",
        "pledges.runchunk",
        "pledges.commitment",
        "pledges.productline",
    }
)

# Models whose rows no public page shows and which change on every log-in or request.
_NOT_PUBLIC = frozenset(
    {
        "members.user",
        "members.membernotice",
        "inspections.labapitoken",
        "complaints.referencecounter",
    }
)

_NO_STORE = frozenset({"private", "no-store", "no-cache"})
_RETRY_SECONDS = 10.0


# Whether this thread read a generation for a page since it last bumped one, and the
# cooperatives its current transaction changed (``_Pending``).
_local = threading.local()

# The generation of the whole site, and of the pages outside any cooperative.
SITE = "site"
SHARED = "shared"


def _timeout() -> int:
    return int(getattr(settings, "PUBLIC_PAGE_CACHE_SECONDS", 300))


def _new_generation() -> int:
    # A fresh start (an empty or flushed cache) never meets an entry of an earlier one.
    return time.time_ns()


def generation_key(scope: str) -> str:
    """The key of a generation: ``SITE``, ``SHARED`` or a cooperative's (``cooperative_scope``)."""
    return f"{GENERATION_KEY}:{scope}"


def current_generation(scope: str = SITE) -> int:
    key = generation_key(scope)
    generation = cache.get(key)
    if generation is None:
        cache.add(key, _new_generation(), timeout=None)
        generation = cache.get(key)
    return int(generation)


_release: str | None = None
# What a page is made of besides the data: a new release renders pages otherwise.
_RELEASE_SUFFIXES = (".py", ".html", ".txt", ".mo")
_RELEASE_SKIPPED = frozenset({".venv", "node_modules", "var", "tests", ".git", "benchmarks"})


def release() -> str:
    """A digest of the code, templates and translations this process runs, computed once.

    Every process of one deploy computes the same digest, so a restart keeps the cache; a
    deploy that changes any of them starts with keys no earlier page was stored under.
    """
    global _release
    if _release is None:
        digest = hashlib.sha256()
        base = settings.BASE_DIR
        for path in sorted(base.rglob("*")):
            parts = path.relative_to(base).parts
            if path.suffix in _RELEASE_SUFFIXES and not _RELEASE_SKIPPED & set(parts):
                digest.update(str(path.relative_to(base)).encode())
                digest.update(path.read_bytes())
        _release = digest.hexdigest()[:16]
    return _release


# While the cache is unreachable, pages skip it until this time (time.monotonic()).
_unavailable_until = 0.0
# Bumps this process could not make: made before it serves from the cache again.
_bumps_missed: set[str] = set()


def _cache_failed(what: str) -> None:
    global _unavailable_until
    if time.monotonic() >= _unavailable_until:
        logger.warning("The public pages' cache is unreachable (%s).", what, exc_info=True)
    _unavailable_until = time.monotonic() + _RETRY_SECONDS


def _bump(scopes: set[str]) -> bool:
    """Bump the generations of ``scopes``; a cooperative's change drops the shared pages too."""
    scopes = set(scopes) | ({SHARED} if scopes - {SITE} else set())
    try:
        for scope in sorted(scopes):
            key = generation_key(scope)
            try:
                cache.incr(key)
            except ValueError:  # not there (first start, flushed, evicted)
                cache.add(key, _new_generation(), timeout=None)
    except Exception:
        _bumps_missed.update(scopes)
        _cache_failed("a change could not drop the cached pages")
        return False
    _bumps_missed.difference_update(scopes)
    return True


class _Pending:
    """The cooperatives a transaction changed, bumped once when it commits.

    Every change registers ``commit`` with ``transaction.on_commit``; the first call bumps
    them all and the later ones find nothing left. After a rollback (when Django drops the
    callbacks) the next transaction's own registration bumps what is left, which costs at
    most an extra bump, never a missed one.
    """

    def __init__(self) -> None:
        self.scopes: set[str] = set()

    def commit(self) -> None:
        scopes, self.scopes = self.scopes, set()
        if scopes:
            _bump(scopes)


def _pending() -> _Pending:
    pending = getattr(_local, "pending", None)
    if pending is None:
        pending = _local.pending = _Pending()
    return pending


def _cooperative_model() -> type[Model]:
    # By its app and name: the portal's own modules stand below the apps (STYLE.md).
    return apps.get_model(COOPERATIVE_MODEL)


def cooperative_scope(slug: str) -> str:
    return f"cooperative:{slug}"


def _scope_of(cooperative_id: int | None) -> str:
    if cooperative_id is None:
        return SITE
    slug = _slugs.get(cooperative_id)
    if slug is None:
        slug = (
            _cooperative_model()
            ._default_manager.filter(pk=cooperative_id)
            .values_list("slug", flat=True)
            .first()
        )
        if slug is None:
            return SITE
        _slugs[cooperative_id] = slug
    return cooperative_scope(slug)


# Cooperatives' slugs by id, for this process: a cooperative's page is found by its slug.
_slugs: dict[int, str] = {}


def data_changed(cooperative_id: int | None = None, **_ignored: Any) -> None:
    """Public data of a cooperative changed (or will, when the current transaction commits):
    drop its pages (and home). None: data of no single cooperative, drop every page.

    Inside a transaction: once now and once on commit.
    """
    scope = _scope_of(cooperative_id)
    if not connection.in_atomic_block:
        _bump({scope})
        return
    pending = _pending()
    # A page rendered by this thread since the last bump may have read the transaction's own
    # writes: bump again for the writes that follow.
    if scope not in pending.scopes or getattr(_local, "read", False):
        _local.read = False
        _bump({scope})
    pending.scopes.add(scope)
    transaction.on_commit(pending.commit)


def _cooperative_paths() -> dict[type[Model], list[str]]:
    """For each model of the public apps, the foreign keys that lead from a row to its
    cooperative (the shortest way), e.g. ``["run", "period", "cooperative"]``."""
    Cooperative = _cooperative_model()
    paths: dict[type[Model], list[str]] = {}
    for model in apps.get_models():
        if model._meta.app_label not in PUBLIC_APPS or model is Cooperative:
            continue
        frontier: list[tuple[type[Model], list[str]]] = [(model, [])]
        for _depth in range(5):
            found = None
            following: list[tuple[type[Model], list[str]]] = []
            for current, path in frontier:
                for field in current._meta.concrete_fields:
                    if not field.many_to_one and not field.one_to_one:
                        continue
                    target = field.related_model
                    if not isinstance(target, type):
                        continue
                    if target is Cooperative:
                        found = [*path, field.name]
                        break
                    if target._meta.app_label in PUBLIC_APPS and target is not model:
                        following.append((target, [*path, field.name]))
                if found:
                    break
            if found:
                paths[model] = found
                break
            frontier = following
    return paths


_paths: dict[type[Model], list[str]] = {}


def cooperative_of(instance: Any) -> int | None:
    """The id of the cooperative a row of the public apps belongs to (None: no single one),
    from the relations already loaded, else with one query."""
    path = _paths.get(type(instance))
    if not path:
        return None
    current = instance
    for index, name in enumerate(path):
        field = current._meta.get_field(name)
        value = getattr(current, field.attname)
        if value is None or index == len(path) - 1:
            return value
        if not field.is_cached(current):
            rest = "__".join(path[index + 1 :])
            return (
                field.related_model._base_manager.filter(pk=value)
                .values_list(rest, flat=True)
                .first()
            )
        current = getattr(current, name)
    return None


def _model_changed(sender: type, instance: Any = None, **_ignored: Any) -> None:
    if isinstance(instance, _cooperative_model()):
        # Its slug or name changed: every page that names it, home among them.
        _slugs.clear()
        data_changed()
        return
    data_changed(cooperative_of(instance) if instance is not None else None)


def _m2m_changed(sender: Any, action: str, instance: Any = None, **_ignored: Any) -> None:
    if action.startswith("post_") and sender._meta.app_label in PUBLIC_APPS:
        _model_changed(type(instance), instance=instance)


def _setting_changed(**_ignored: Any) -> None:
    _bump({SITE})


def connect_signals() -> None:
    """Called once from the app's ready()."""
    _paths.update(_cooperative_paths())
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label not in PUBLIC_APPS or label in _NOT_PUBLIC:
            continue
        post_save.connect(_model_changed, sender=model, dispatch_uid=f"public-cache-{label}")
        if label not in _BULK_DELETED:
            post_delete.connect(_model_changed, sender=model, dispatch_uid=f"public-cache-{label}")
    m2m_changed.connect(_m2m_changed, dispatch_uid="public-cache-m2m")
    setting_changed.connect(_setting_changed, dispatch_uid="public-cache-settings")


def _cacheable_request(request: HttpRequest) -> bool:
    if request.method != "GET" or "HTTP_AUTHORIZATION" in request.META:
        return False
    allowed = {settings.LANGUAGE_COOKIE_NAME, settings.CSRF_COOKIE_NAME}
    return all(name in allowed for name in request.COOKIES)


def page_key(request: HttpRequest) -> str:
    """The entry of a page: the release, scheme, host, path, the query string as the page saw
    it (see ``_keep_read_parameters``) and the language."""
    identity = "\n".join(
        (
            release(),
            request.scheme or "",
            request.get_host(),
            request.get_full_path(),
            get_language() or "",
        )
    )
    return PAGE_KEY_PREFIX + hashlib.sha256(identity.encode()).hexdigest()


def _keep_read_parameters(request: HttpRequest, read: frozenset[str]) -> bool:
    """Leave the request only the parameters its page reads, in one order; says whether the
    page may be stored (no read parameter holds a value longer than any link of the portal).

    Done for every anonymous reader of a public page, whether the cache answers or not, so
    that the page is the same function of its address in both cases.
    """
    kept = QueryDict(mutable=True)
    for name in sorted(set(request.GET) & read):
        kept.setlist(name, request.GET.getlist(name))
    query_string = kept.urlencode()
    if query_string != request.META.get("QUERY_STRING", ""):
        kept._mutable = False
        request.GET = kept  # type: ignore[assignment]
        request.META["QUERY_STRING"] = query_string
    return all(len(value) <= _LONGEST_VALUE for _name, values in kept.lists() for value in values)


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    storage = getattr(request, "_messages", None)
    if storage is not None and getattr(storage, "added_new", False):
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    control = {
        part.split("=", 1)[0].strip().lower()
        for part in cc_delim_re.split(response.get("Cache-Control", ""))
    }
    if control & _NO_STORE:
        return False
    return "*" not in response.get("Vary", "")


class PublicPageCacheMiddleware:
    """Serves the pages of PUBLIC_PAGES to anonymous readers from the cache.

    Goes after LocaleMiddleware (the key holds the active language) and before the
    middleware that may set cookies or add messages (CSRF, messages), so that it sees the
    final answer of those before storing it. A page served from the cache still goes back
    through every middleware's response step, as any answer does.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        pending = getattr(request, "_public_cache_miss", None)
        if (
            pending is not None
            and isinstance(response, HttpResponse)
            and _storable(request, response)
        ):
            key, generation = pending
            patch_vary_headers(response, ("Cookie", "Accept-Language"))
            entry = (generation, response.status_code, response.content, list(response.items()))
            try:
                cache.set(key, entry, _timeout())
            except Exception:
                _cache_failed("a page could not be stored")
        return response

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or match.view_name not in PUBLIC_PAGES:
            return None
        if not _cacheable_request(request):
            return None
        storable = _keep_read_parameters(request, PUBLIC_PAGES[match.view_name])
        if _timeout() <= 0:  # switched off
            return None
        if not storable or time.monotonic() < _unavailable_until:
            return None
        if _bumps_missed and not _bump(set(_bumps_missed)):
            return None
        key = page_key(request)
        slug = match.kwargs.get("slug")
        scopes = (SITE, cooperative_scope(slug) if slug else SHARED)
        try:
            found = cache.get_many([key, *(generation_key(scope) for scope in scopes)])
            generation = tuple(
                found.get(generation_key(scope)) or current_generation(scope) for scope in scopes
            )
        except Exception:
            _cache_failed("pages are rendered without it")
            return None
        _local.read = True
        entry = found.get(key)
        if entry is not None and entry[0] == generation:
            _generation, status, content, headers = entry
            response = HttpResponse(content, status=status)
            for header, value in headers:
                response[header] = value
            response["X-Public-Cache"] = "hit"
            return response
        request._public_cache_miss = (key, generation)  # type: ignore[attr-defined]
        return None
