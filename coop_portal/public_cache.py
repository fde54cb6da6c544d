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

Invalidation: the cache holds one *generation* number of the public data. Every entry is
stored with the generation read before its page was rendered, and is served only while that
is still the current one. The generation is bumped

- by ``post_save`` and ``m2m_changed`` of every model of the public apps, and ``post_delete``
  of those which are not deleted in bulk (``_BULK_DELETED``: their deletions go with a save
  of their parent or an explicit bump);
- explicitly (``data_changed()``) by the paths that write without signals: the CSV imports
  (coop_portal/csvimport.py, used by the members, pledges, inspections and complaints
  imports, whose bulk_create, bulk_update and SQL staging send none), and the services that
  use ``QuerySet.update``/``bulk_create`` on public data;
- after every Celery task of the public apps (assessments, their publication and
  finalisation, imports, escalations), as a net for whatever a task writes in bulk;
- when a setting changes (tests), and when a web process starts (a deploy: new templates).

A bump inside a transaction happens at once *and* again on commit: the first keeps a page
rendered by the same transaction from being served, the second keeps a page that another
request rendered from the old data while the transaction ran from being served after it.
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

from celery.signals import task_postrun
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import connection, transaction
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
_NOT_PUBLIC = frozenset({"members.user", "inspections.labapitoken", "complaints.referencecounter"})

_NO_STORE = frozenset({"private", "no-store", "no-cache"})
_RETRY_SECONDS = 10.0


# Whether this thread read the generation for a page since it last bumped it.
_local = threading.local()


def _timeout() -> int:
    return int(getattr(settings, "PUBLIC_PAGE_CACHE_SECONDS", 300))


def _new_generation() -> int:
    # A fresh start (an empty or flushed cache) never meets an entry of an earlier one.
    return time.time_ns()


def current_generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, _new_generation(), timeout=None)
        generation = cache.get(GENERATION_KEY)
    return int(generation)


# While the cache is unreachable, pages skip it until this time (time.monotonic()).
_unavailable_until = 0.0
# A bump this process could not make: made before it serves from the cache again.
_bump_missed = False


def _cache_failed(what: str) -> None:
    global _unavailable_until
    if time.monotonic() >= _unavailable_until:
        logger.warning("The public pages' cache is unreachable (%s).", what, exc_info=True)
    _unavailable_until = time.monotonic() + _RETRY_SECONDS


def _bump() -> bool:
    global _bump_missed
    try:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:  # not there (first start, flushed, evicted)
            cache.add(GENERATION_KEY, _new_generation(), timeout=None)
    except Exception:
        _bump_missed = True
        _cache_failed("a change could not drop the cached pages")
        return False
    _bump_missed = False
    return True


def data_changed(**_ignored: Any) -> None:
    """Public data changed (or will, when the current transaction commits): drop every page.

    Inside a transaction: once now and once on commit, registered once per transaction
    however many rows it writes.
    """
    if not connection.in_atomic_block:
        _bump()
        return
    registered = any(callback[1] is _bump for callback in connection.run_on_commit)
    # A page rendered by this thread since the last bump may have read the transaction's own
    # writes: bump again for the writes that follow.
    if not registered or getattr(_local, "read", False):
        _local.read = False
        _bump()
    if not registered:
        transaction.on_commit(_bump)


def _model_changed(sender: type, **_ignored: Any) -> None:
    data_changed()


def _m2m_changed(sender: Any, action: str, **_ignored: Any) -> None:
    if action.startswith("post_") and sender._meta.app_label in PUBLIC_APPS:
        data_changed()


def _task_finished(sender: Any = None, **_ignored: Any) -> None:
    name = getattr(sender, "name", "") or ""
    if name.split(".", 1)[0] in PUBLIC_APPS:
        data_changed()


def _setting_changed(**_ignored: Any) -> None:
    _bump()


def connect_signals() -> None:
    """Called once from the app's ready()."""
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label not in PUBLIC_APPS or label in _NOT_PUBLIC:
            continue
        post_save.connect(_model_changed, sender=model, dispatch_uid=f"public-cache-{label}")
        if label not in _BULK_DELETED:
            post_delete.connect(_model_changed, sender=model, dispatch_uid=f"public-cache-{label}")
    m2m_changed.connect(_m2m_changed, dispatch_uid="public-cache-m2m")
    task_postrun.connect(_task_finished, dispatch_uid="public-cache-tasks", weak=False)
    setting_changed.connect(_setting_changed, dispatch_uid="public-cache-settings")


def _cacheable_request(request: HttpRequest) -> bool:
    if request.method != "GET" or "HTTP_AUTHORIZATION" in request.META:
        return False
    allowed = {settings.LANGUAGE_COOKIE_NAME, settings.CSRF_COOKIE_NAME}
    return all(name in allowed for name in request.COOKIES)


def page_key(request: HttpRequest) -> str:
    """The entry of a page: scheme, host, path, the query string as the page saw it (see
    ``_keep_read_parameters``) and the language."""
    identity = "\n".join(
        (request.scheme or "", request.get_host(), request.get_full_path(), get_language() or "")
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
        # A new web process (a deploy, a restart) may render pages otherwise (new templates or
        # code, another database): the pages the cache holds are not its pages.
        _bump()

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
        if _bump_missed and not _bump():
            return None
        key = page_key(request)
        try:
            found = cache.get_many([GENERATION_KEY, key])
            generation = found.get(GENERATION_KEY)
            if generation is None:
                generation = current_generation()
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
