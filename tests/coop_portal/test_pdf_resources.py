"""What a PDF may load (finding F8): data: URIs and the project's static files, nothing else
(coop_portal/pdf.py, fetch_for_pdf)."""

from __future__ import annotations

from unittest import mock

import pytest
from django.templatetags.static import static

from coop_portal import pdf
from coop_portal.pdf import PDF_BASE_URL, RefusedURL, fetch_for_pdf, qr_svg_data_uri, render_pdf


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:6379/",
        "https://169.254.169.254/latest/meta-data/",
        "ftp://example.com/x",
        f"{PDF_BASE_URL}admin/",
        f"{PDF_BASE_URL}static/../../settings.py",
        f"{PDF_BASE_URL}static/no-such-file.css",
    ],
)
def test_files_and_addresses_outside_the_static_files_are_refused(url):
    with pytest.raises(RefusedURL):
        fetch_for_pdf(url)


def test_a_data_uri_and_a_static_file_are_served():
    assert (
        fetch_for_pdf(qr_svg_data_uri("https://coop.example.cn/"))["mime_type"] == "image/svg+xml"
    )
    served = fetch_for_pdf(PDF_BASE_URL + static("favicon.svg").lstrip("/"))
    assert served["string"].lstrip().startswith(b"<")
    assert served["mime_type"] == "image/svg+xml"


def test_a_rendered_pdf_never_reads_a_local_file_or_the_network():
    """WeasyPrint opens every URL it fetches with urlopen: only the data: URI may reach it."""
    from urllib.request import urlopen

    import weasyprint.urls

    html = (
        '<link rel="stylesheet" href="http://127.0.0.1:1/x.css">'
        '<img src="file:///etc/hostname"><img src="{}"><p>文字</p>'
    ).format(qr_svg_data_uri("https://coop.example.cn/"))
    with (
        mock.patch.object(pdf, "render_to_string", return_value=html),
        mock.patch.object(weasyprint.urls, "urlopen", wraps=urlopen) as opened,
    ):
        document = render_pdf("any.html", {})
    assert document.startswith(b"%PDF-")
    assert [call.args[0].full_url[:5] for call in opened.call_args_list] == ["data:"]
