"""The PDF of a published pledge version, drawn by a task once its approval is committed.

The tasks of assessments are in assessment/ (tasks.py, pdf.py, schedule.py).
"""

from celery import shared_task
from django.core.files.base import ContentFile
from django.utils import translation

from coop_portal.links import absolute_url
from coop_portal.pdf import qr_svg_data_uri, render_pdf
from coop_portal.public_cache import data_changed

from .links import public_path
from .models.pledge import Pledge


@shared_task
def render_pledge_pdf_task(pledge_id: int) -> bool:
    """Render the PDF of a published pledge version once; returns whether it rendered it now."""
    pledge = (
        Pledge.objects.published()
        .select_related("member__cooperative")
        .filter(pk=pledge_id)
        .first()
    )
    if pledge is None or pledge.pdf:
        return False
    render_pledge_pdf(pledge)
    return True


def render_pledge_pdf(pledge: Pledge) -> None:
    """Render the PDF of a published version (in Chinese, with a QR code to the live page)."""
    member = pledge.member
    url = absolute_url(public_path(member))
    with translation.override("zh-hans"):
        context: dict[str, object] = {
            "pledge": pledge,
            "member": member,
            "cooperative": member.cooperative,
            "commitments": list(pledge.commitments.in_order()),
            "product_lines": list(pledge.product_lines.prefetch_related("standards")),
            "url": url,
            "qr": qr_svg_data_uri(url),
        }
        data = render_pdf("pledges/pledge_pdf.html", context, language="zh-hans")
    name = f"pledge-{member.credit_code}-v{pledge.version}.pdf"
    pledge.pdf.save(name, ContentFile(data), save=False)
    Pledge.objects.filter(pk=pledge.pk).update(pdf=pledge.pdf.name)
    # QuerySet.update sends no signal; the pledge page links the PDF.
    data_changed(member.cooperative_id)
