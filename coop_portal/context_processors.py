from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    """The site's name, and the cooperative a page belongs to (by its URL, without a query),
    for the header's navigation."""
    match = getattr(request, "resolver_match", None)
    kwargs = match.kwargs if match else {}
    slug = kwargs.get("slug") or kwargs.get("cooperative")
    return {
        "SITE_NAME": settings.SITE_NAME,
        "cooperative_slug": slug if isinstance(slug, str) else "",
    }
