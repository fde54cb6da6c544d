"""PDFs of published assessments: a member's report and the period's public notice (公示).

Each PDF is drawn once per run and language by a background task (the tasks at the end) and kept in
an AssessmentPdf row; a corrected result is a new run, so it gets PDFs of its own. Drafts are
never drawn. Each PDF carries a QR code of its public verification page.

The notice prints the list of results when it has at most NOTICE_ROSTER_LIMIT members (about
seventy pages). A longer list is not printed: a 70,000-member notice would be 2,300 pages and
take WeasyPrint about seven minutes; nobody reads such a list on paper, and it would occupy a
worker for as long. Such a notice says where the full list is instead: the revision's public
page, searchable by name and credit code, and its open data file (CSV) — the same published
results, each member's verifiable on its own page.

Who queues a render first claims it (a DocumentClaim row, unique per document): the
publication claims and queues the public notices, and a reader asking for a document that is
not drawn yet queues nothing while a claim stands, however often they ask. The notice is
drawn in parts of NOTICE_PART_SIZE members joined into one file, so that the memory a render
takes does not grow with the cooperative's size.
"""

from __future__ import annotations

import datetime
import gc
import io
from typing import Any
from urllib.parse import urlencode

from celery import shared_task
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfWriter

from coop_portal.links import absolute_url
from coop_portal.pdf import qr_svg_data_uri, render_pdf
from coop_portal.tasks import enqueue
from members.models import Member
from members.opendata import extract_date

from ..models import AssessmentPdf, AssessmentRun, DocumentClaim, MemberAssessment
from . import published

Kind = AssessmentPdf.Kind
LANGUAGES = ("zh-hans", "en")
# A claim whose render has not stored its PDF after this long died with its worker (or was
# never queued, the broker being down): the next reader's request may queue it again.
CLAIM_LIFETIME = datetime.timedelta(minutes=30)
# Members per part of a public notice: WeasyPrint lays out a whole document in memory, so a
# notice is laid out part by part and the parts are joined. With 500, a worker drawing the
# longest printed list peaks at about 370 MB (bench_notice); with 1,000, at about 460 MB.
NOTICE_PART_SIZE = 500
# Members a notice lists at most (see the module's docstring): WeasyPrint draws about 150 rows
# of the list a second here, so the longest printed list takes about 15 s per language.
NOTICE_ROSTER_LIMIT = 2000


def pdf_language(language: str | None) -> str:
    """One of the portal's two languages: English when asked for, else Chinese."""
    return "en" if (language or "").lower().startswith("en") else "zh-hans"


def verification_url(run: AssessmentRun, member: Member | None = None) -> str:
    period = run.period
    args: list[Any] = [period.cooperative.slug, period.code, run.revision]
    if member is None:
        return absolute_url(reverse("pledges:public_verify_run", args=args))
    return absolute_url(reverse("pledges:public_verify_member", args=[*args, member.credit_code]))


def cached(
    run: AssessmentRun, kind: str, member: Member | None, language: str
) -> AssessmentPdf | None:
    return AssessmentPdf.objects.filter(
        run=run, kind=kind, member=member, language=pdf_language(language)
    ).first()


def claim(run: AssessmentRun, kind: str, member: Member | None, language: str) -> bool:
    """Take the claim to draw a document: True for the one caller that should queue its render
    (no claim yet, or the last one outlived CLAIM_LIFETIME), False for everyone else."""
    fields = {"run": run, "kind": kind, "member": member, "language": pdf_language(language)}
    try:
        with transaction.atomic():
            DocumentClaim.objects.create(**fields)
    except IntegrityError:
        now = timezone.now()
        taken_over = DocumentClaim.objects.filter(
            **fields, claimed_at__lt=now - CLAIM_LIFETIME
        ).update(claimed_at=now)
        return bool(taken_over)
    return True


def claim_notices(run: AssessmentRun) -> list[str]:
    """Claim the run's public notice in each language; returns the languages to queue."""
    return [language for language in LANGUAGES if claim(run, Kind.NOTICE, None, language)]


def notice_pdf(run: AssessmentRun, language: str | None) -> AssessmentPdf | None:
    """The run's public notice if drawn, else None; its drawing is queued only when nobody
    holds the claim to draw it (the publication does)."""
    language = pdf_language(language)
    document = cached(run, Kind.NOTICE, None, language)
    if document is None and claim(run, Kind.NOTICE, None, language):
        # In the embedded default the task runs at once, so the PDF may be there now.
        enqueue(render_notice_pdf, run.pk, language)
        document = cached(run, Kind.NOTICE, None, language)
    return document


def report_pdf(result: MemberAssessment, language: str | None) -> AssessmentPdf | None:
    """A member's report if drawn, else None; its drawing is queued once, by the first reader
    to ask (thirty thousand reports are not drawn ahead of being read)."""
    language = pdf_language(language)
    document = cached(result.run, Kind.REPORT, result.member, language)
    if document is None and claim(result.run, Kind.REPORT, result.member, language):
        enqueue(render_report_pdf, result.run_id, result.member_id, language)
        document = cached(result.run, Kind.REPORT, result.member, language)
    return document


def _public_run(run_id: int) -> AssessmentRun | None:
    return (
        published.public_runs()
        .select_related("period__cooperative", "charter_version")
        .filter(pk=run_id)
        .first()
    )


def _common(run: AssessmentRun) -> dict[str, Any]:
    return {
        "cooperative": run.period.cooperative,
        "period": run.period,
        "run": run,
        "issued_on": extract_date(),
    }


def open_data_url(run: AssessmentRun) -> str:
    """The run's results as open data (CSV): the list a long notice does not print."""
    query = urlencode(
        {
            "cooperative": run.period.cooperative.slug,
            "period": run.period.code,
            "revision": run.revision,
            "format": "csv",
        }
    )
    return absolute_url(f"{reverse('open-data-assessments')}?{query}")


def render_notice(
    run: AssessmentRun,
    language: str,
    part_size: int = NOTICE_PART_SIZE,
    roster_limit: int = NOTICE_ROSTER_LIMIT,
) -> bytes:
    """The run's public notice: laid out NOTICE_PART_SIZE members at a time, parts joined; a
    list longer than ``roster_limit`` is not printed but pointed to (the module's docstring)."""
    results = published.results_of(run).order_by("member__name", "member__credit_code", "pk")
    counts = published.grade_counts(run)
    roster = counts["total"] <= roster_limit
    parts = max(1, -(-counts["total"] // part_size)) if roster else 1
    writer = PdfWriter()
    with translation.override(language):
        url = verification_url(run)
        common = {
            **_common(run),
            "notice_deadline": run.notice_deadline(),
            "counts": counts,
            "verification_url": url,
            "roster": roster,
            "roster_limit": roster_limit,
        }
        common["qr"] = qr_svg_data_uri(url)
        if not roster:
            period = run.period
            common["results_url"] = absolute_url(
                reverse(
                    "pledges:public_revision",
                    args=[period.cooperative.slug, period.code, run.revision],
                )
            )
            common["open_data_url"] = open_data_url(run)
        for part in range(parts):
            start = part * part_size
            context = {
                **common,
                "results": results[start : start + part_size] if roster else [],
                "first_number": start,
                "part": part + 1,
                "parts": parts,
            }
            content = render_pdf(
                "pledges/assessment_public/pdf_notice.html", context, language=language
            )
            writer.append(io.BytesIO(content))
            # A part's layout is a web of reference cycles: freed now, before the next part is
            # laid out, not whenever the collector next runs, so the peak stays one part's.
            del content
            gc.collect()
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def render_report(result: MemberAssessment, language: str) -> bytes:
    run, member = result.run, result.member
    with translation.override(language):
        url = verification_url(run, member)
        history = published.grade_history(member)
        context = {
            **_common(run),
            "member": member,
            "result": result,
            "explanation": published.explain(result),
            "revisions": published.revisions_of(run.period, member),
            "history": history,
            "chart": published.grade_chart(history),
            "verification_url": url,
            "qr": qr_svg_data_uri(url),
        }
        return render_pdf("pledges/assessment_public/pdf_report.html", context, language=language)


def _store(
    run: AssessmentRun, kind: str, member: Member | None, language: str, content: bytes
) -> AssessmentPdf | None:
    name = f"{kind}-{member.credit_code if member else 'all'}-{language}.pdf"
    document = AssessmentPdf(run=run, kind=kind, member=member, language=language)
    document.file.save(name, ContentFile(content), save=False)
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:
        # Another worker stored the same PDF first: keep that one.
        document.file.delete(save=False)
        return cached(run, kind, member, language)
    return document


def store_notice(run_id: int, language: str) -> AssessmentPdf | None:
    """Draw and keep a run's public notice, unless it is kept already or the run is not public."""
    language = pdf_language(language)
    run = _public_run(run_id)
    if run is None:
        return None
    document = cached(run, Kind.NOTICE, None, language)
    if document is not None:
        return document
    return _store(run, Kind.NOTICE, None, language, render_notice(run, language))


def store_report(run_id: int, member_id: int, language: str) -> AssessmentPdf | None:
    """Draw and keep a member's report, unless it is kept already or the run is not public."""
    language = pdf_language(language)
    run = _public_run(run_id)
    if run is None:
        return None
    result = (
        MemberAssessment.objects.filter(run=run, member_id=member_id)
        .select_related("member", "run__period__cooperative")
        .first()
    )
    if result is None:
        return None
    document = cached(run, Kind.REPORT, result.member, language)
    if document is not None:
        return document
    content = render_report(result, language)
    return _store(run, Kind.REPORT, result.member, language, content)


@shared_task
def render_notice_pdf(run_id: int, language: str) -> int | None:
    """Draw a run's public notice in one language; returns the kept PDF's id (None: not public)."""
    document = store_notice(run_id, language)
    return document.pk if document else None


@shared_task
def render_report_pdf(run_id: int, member_id: int, language: str) -> int | None:
    """Draw a member's assessment report in one language; returns the kept PDF's id."""
    document = store_report(run_id, member_id, language)
    return document.pk if document else None


@shared_task
def render_run_pdfs(run_id: int) -> int:
    """Queue the public notices of a published run that nobody has claimed yet (in both
    languages). Returns how many were queued."""
    run = AssessmentRun.objects.filter(pk=run_id).first()
    if run is None or not run.is_public:
        return 0
    languages = claim_notices(run)
    for language in languages:
        render_notice_pdf.delay(run_id, language)
    return len(languages)
