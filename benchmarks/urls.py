"""The portal's URLs plus the trivial view that is the floor of the page benchmarks."""

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path

from coop_portal.urls import urlpatterns as portal_urlpatterns


def trivial(request: HttpRequest) -> HttpResponse:
    # The least a Django view can do: through the same middleware, no query, no template.
    return HttpResponse("ok", content_type="text/plain")


urlpatterns: list[URLPattern | URLResolver] = [
    path("bench/trivial/", trivial, name="bench_trivial"),
    *portal_urlpatterns,
]
