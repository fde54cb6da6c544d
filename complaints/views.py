"""Complaint pages: the public form and tracking, the member's answers, the staff desk.

Who may see what:
- the consumer (no account) sees a complaint after giving its reference and tracking code;
  the code grants access for the browser session only;
- the member's users see the complaints forwarded to their member, without the consumer's
  contact details and evidence unless the consumer agreed to share them;
- the cooperative's administrators see and handle everything, contact data included;
  regulators read complaints without contact data and change nothing;
- the public sees statistics and anonymised accounts the consumer agreed to publish.
"""

from __future__ import annotations

import math
import re
import uuid
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from charter.deadlines import commitment_days
from coop_portal.evidence import evidence_response
from coop_portal.params import query_id
from coop_portal.ratelimits import count_accepted, seconds_to_wait, seconds_until_allowed
from coop_portal.refusal import Refused
from members.models import Cooperative, Member, Role
from members.scoping import cooperative_for, member_of, require, signed_in_user

from . import services
from .forms import (
    MEMBER_LIST_LIMIT,
    MORE_MATCHES,
    REFERENCE_LENGTH,
    SEARCH_FIRST,
    AnswerForm,
    CloseForm,
    ComplaintForm,
    DataRequestDecisionForm,
    DataRequestForm,
    DeskSearchForm,
    FeedbackForm,
    ForwardForm,
    InformationForm,
    MemberSearchForm,
    NoteForm,
    PublicAccountForm,
    TrackingForm,
    UpholdForm,
    WithholdAccountForm,
)
from .masking import mask_personal_data
from .models import (
    Complaint,
    ComplaintEvent,
    ComplaintQuerySet,
    DataRequest,
    Evidence,
    PersonalDataAccess,
    with_rates,
)

ACCESS_KEY = "complaints_access"
PAGE_SIZE = 25


def _rate(name: str, default: str) -> str:
    return str(getattr(settings, name, default))


def _too_many(request: HttpRequest, retry_after: int) -> HttpResponse:
    minutes = math.ceil(retry_after / 60)
    response = render(
        request, "complaints/429.html", {"minutes": minutes, "seconds": retry_after}, status=429
    )
    response["Retry-After"] = str(retry_after)
    return response


def _grant(request: HttpRequest, complaint: Complaint) -> None:
    granted = set(request.session.get(ACCESS_KEY, []))
    granted.add(complaint.pk)
    request.session[ACCESS_KEY] = sorted(granted)


def _has_access(request: HttpRequest, complaint: Complaint) -> bool:
    return complaint.pk in request.session.get(ACCESS_KEY, [])


def _page(request: HttpRequest, queryset: QuerySet[Any]) -> Page:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _complaint_members(cooperative: Cooperative) -> QuerySet[Member]:
    return cooperative.members.still_members().order_by("name")


def _matching(members: QuerySet[Member], query: str) -> QuerySet[Member]:
    return members.filter(Q(name__icontains=query) | Q(name_en__icontains=query))


class Listing(NamedTuple):
    """What the form's member choice lists."""

    members: QuerySet[Member]
    help_text: str
    # A search that matched nobody (the page says so).
    no_match: bool


def _listed_members(members: QuerySet[Member], query: str, chosen: int | None) -> Listing:
    """The members the form's choice lists, and its help text. A small cooperative lists all
    of them (or those matching the search); a large one lists only those matching a search,
    at most MEMBER_LIST_LIMIT, and always the member already chosen (a link, a sent form).
    At most two queries before the listing's own (the searches use members' trigram indexes
    on PostgreSQL)."""
    unordered = members.order_by()
    few = len(unordered.values_list("pk", flat=True)[: MEMBER_LIST_LIMIT + 1]) <= MEMBER_LIST_LIMIT
    if few:
        if not query:
            return Listing(members, "", False)
        matching = _matching(members, query)
        return Listing(matching, "", not matching.exists())
    if not query:
        return Listing(
            members.filter(pk__in=[] if chosen is None else [chosen]), str(SEARCH_FIRST), False
        )
    found = list(_matching(unordered, query).values_list("pk", flat=True)[: MEMBER_LIST_LIMIT + 1])
    help_text = (
        str(MORE_MATCHES % {"count": MEMBER_LIST_LIMIT}) if len(found) > MEMBER_LIST_LIMIT else ""
    )
    listed = found[:MEMBER_LIST_LIMIT] + ([chosen] if chosen is not None else [])
    return Listing(members.filter(pk__in=listed), help_text, not found)


# The consumer's pages.


# What the consumer typed, kept when the page comes back for a member search or a limit.
TYPED = (
    "product",
    "description",
    "desired_outcome",
    "contact_name",
    "contact_phone",
    "contact_email",
    "share_contact",
    "publish_consent",
    "submission_key",
)


@never_cache
def file_complaint(request: HttpRequest, slug: str) -> HttpResponse:
    """The complaint form. The member search is a button of the form itself, so searching
    keeps what was typed; a search that finds one member chooses it."""
    cooperative = get_object_or_404(Cooperative, slug=slug)
    members = _complaint_members(cooperative)
    searching = request.method == "POST" and "find" in request.POST
    search = MemberSearchForm(request.POST if searching else request.GET)
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    chosen = query_id(request.POST, "member") or query_id(request.GET, "member")
    if request.method == "POST" and not searching:
        return _submit_complaint(request, cooperative, members, search, query, chosen)
    listed = _listed_members(members, query, chosen)
    initial: dict[str, Any] = {"submission_key": uuid.uuid4().hex}
    if searching:
        initial |= {name: request.POST[name] for name in TYPED if request.POST.get(name)}
    if chosen is None and query and len(only := list(listed.members[:2])) == 1:
        chosen = only[0].pk
    if chosen is not None:
        initial["member"] = chosen
    form = ComplaintForm(initial=initial, members=listed.members)
    form.list_members(listed.members, listed.help_text)
    return _complaint_form(request, cooperative, form, search, query, listed)


def _submit_complaint(
    request: HttpRequest,
    cooperative: Cooperative,
    members: QuerySet[Member],
    search: MemberSearchForm,
    query: str,
    chosen: int | None,
) -> HttpResponse:
    form = ComplaintForm(request.POST, request.FILES, members=members)
    if form.is_bot():
        # Tell the bot nothing: it lands where a person would, and nothing is stored.
        return redirect("complaints:track", slug=cooperative.slug)
    rate = _rate("COMPLAINTS_FORM_RATE", "5/h")
    # Only complaints filed count: typing errors never use up the limit. Over it, the form
    # comes back with everything typed (files must be chosen again) and the office's phone.
    if retry_after := seconds_until_allowed(request, "complaints:file", rate):
        held_back = ComplaintForm(
            initial={name: request.POST.get(name) for name in (*TYPED, "member")},
            members=members,
        )
        listed = _listed_members(members, query, chosen)
        held_back.list_members(listed.members, listed.help_text)
        return _complaint_form(
            request, cooperative, held_back, search, query, listed, retry_after=retry_after
        )
    if not form.is_valid():
        listed = _listed_members(members, query, chosen)
        form.list_members(listed.members, listed.help_text)
        return _complaint_form(request, cooperative, form, search, query, listed)
    data = form.cleaned_data
    bound = _bound_to_browser(request, data["submission_key"])
    try:
        complaint, code = services.submit_complaint(
            cooperative,
            services.Submission(
                member=data["member"],
                product=data["product"],
                description=data["description"],
                desired_outcome=data["desired_outcome"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                contact_email=data["contact_email"],
                share_contact=data["share_contact"],
                publish_consent=data["publish_consent"],
                language=translation.get_language() or settings.LANGUAGE_CODE,
                evidence=data["evidence"],
                submission_key=bound.key if bound else "",
                tracking_code=bound.tracking_code if bound else "",
            ),
        )
        again = False
        count_accepted(request, "complaints:file", rate)
    except services.AlreadyFiled as filed:
        # A reload or a double click in the browser that filed it: the complaint exists, and
        # this browser is shown its code again.
        complaint, again = filed.complaint, True
        code = bound.tracking_code if bound else ""
    # This answer writes nothing after the complaint is committed (not even the session):
    # nothing can fail between the complaint and the consumer reading its reference and
    # code. The code is in this response only (never_cache: not stored by browsers or
    # proxies) and never kept in plain text; "Follow the complaint" sends it to the tracking
    # page, which opens the complaint for this browser.
    return _filed_page(request, cooperative, complaint, code, again, data["submission_key"])


def _filed_page(
    request: HttpRequest,
    cooperative: Cooperative,
    complaint: Complaint,
    code: str,
    again: bool,
    form_key: str,
) -> HttpResponse:
    # The page has an address of its own (``filed``), which the language switcher returns
    # to: switching language shows the same reference and code, in the other language.
    page = reverse("complaints:filed", args=[cooperative.slug, form_key]) if form_key else None
    return render(
        request,
        "complaints/filed.html",
        {
            "cooperative": cooperative,
            "complaint": complaint,
            "code": code,
            "again": again,
            "language_next": page,
        },
    )


FORM_KEY = re.compile(r"^[0-9a-f]{32}$")


@never_cache
@require_GET
def filed(request: HttpRequest, slug: str, form_key: str) -> HttpResponse:
    """The confirmation of a complaint again, for the browser that filed it: its reference and
    tracking code follow from the form's key and this browser's own secret, as when the form
    is sent again, so another browser with the same address finds nothing (404)."""
    cooperative = get_object_or_404(Cooperative, slug=slug)
    if not FORM_KEY.match(form_key) or not request.COOKIES.get(settings.CSRF_COOKIE_NAME):
        raise Http404
    bound = _bound_to_browser(request, form_key)
    if bound is None:
        raise Http404
    complaint = get_object_or_404(Complaint, cooperative=cooperative, submission_key=bound.key)
    return _filed_page(request, cooperative, complaint, bound.tracking_code, False, form_key)


def _complaint_form(
    request: HttpRequest,
    cooperative: Cooperative,
    form: ComplaintForm,
    search: MemberSearchForm,
    query: str,
    listed: Listing,
    *,
    retry_after: int | None = None,
) -> HttpResponse:
    response = render(
        request,
        "complaints/file.html",
        {
            "cooperative": cooperative,
            "form": form,
            "search": search,
            "query": query,
            "no_match": listed.no_match,
            "minutes": math.ceil(retry_after / 60) if retry_after else None,
            # A browser never fills a file field in again: the files chosen before the form
            # came back (an error, a search) must be chosen again, and the page says so.
            "files_dropped": bool(request.FILES),
        },
        status=429 if retry_after else 200,
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _bound_to_browser(request: HttpRequest, form_key: str) -> services.BoundSubmission | None:
    """The form's key bound to this browser's CSRF secret (see services.bind_submission).

    The CSRF cookie is the browser's own secret: the form page set it, and the middleware
    checked the POST against it. A browser without one (a client that never loaded the form)
    gets one now, set by this answer.
    """
    if not form_key:
        return None
    get_token(request)
    return services.bind_submission(form_key, request.META["CSRF_COOKIE"])


@never_cache
def track(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative = get_object_or_404(Cooperative, slug=slug)
    # A link from an e-mail fills the reference in; the code is typed.
    reference = request.GET.get("reference", "")[:REFERENCE_LENGTH]
    form = TrackingForm(request.POST or None, initial={"reference": reference.strip()})
    status = 200
    if request.method == "POST":
        # Counted in the database when the cache is down: codes must not be guessed then.
        retry_after = seconds_to_wait(
            request,
            "complaints:track",
            _rate("COMPLAINTS_TRACKING_RATE", "20/h"),
            must_limit=True,
        )
        if retry_after:
            return _too_many(request, retry_after)
        if form.is_valid():
            reference = form.cleaned_data["reference"].strip().upper()
            complaint = Complaint.objects.filter(
                cooperative=cooperative, reference=reference
            ).first()
            if complaint is not None and complaint.check_tracking_code(form.cleaned_data["code"]):
                _grant(request, complaint)
                return redirect(
                    "complaints:track_detail", slug=cooperative.slug, reference=reference
                )
            # Not found: the same answer for an unknown reference and a wrong code.
            form.add_error(None, _("No complaint matches this reference and tracking code."))
            status = 404
    return render(
        request, "complaints/track.html", {"cooperative": cooperative, "form": form}, status=status
    )


def _tracked(request: HttpRequest, slug: str, reference: str) -> Complaint:
    complaint = get_object_or_404(
        Complaint.objects.select_related("cooperative", "member", "feedback"),
        cooperative__slug=slug,
        reference=reference,
    )
    if not _has_access(request, complaint):
        raise Http404
    return complaint


def _events(complaint: Complaint, shown: tuple[str, ...]) -> QuerySet[ComplaintEvent]:
    """The complaint's timeline as one party sees it (ComplaintEvent.SHOWN_TO_CONSUMER or
    SHOWN_TO_MEMBER); the cooperative's desk shows every event."""
    return complaint.events.filter(visibility__in=shown).prefetch_related("evidence")


def _without_personal_data(
    events: QuerySet[ComplaintEvent], complaint: Complaint
) -> list[ComplaintEvent]:
    """The events with personal data masked in what the consumer wrote (for readers who may
    not see the contact details). The instances are only displayed, never saved."""
    shown = list(events)
    for event in shown:
        if event.actor == ComplaintEvent.Actor.CONSUMER:
            event.text = mask_personal_data(event.text, [complaint.contact_name])
    return shown


@never_cache
def track_detail(request: HttpRequest, slug: str, reference: str) -> HttpResponse:
    complaint = _tracked(request, slug, reference)
    return _render_tracked(request, complaint, InformationForm(), FeedbackForm())


def _render_tracked(
    request: HttpRequest,
    complaint: Complaint,
    information_form: InformationForm,
    feedback_form: FeedbackForm,
    status: int = 200,
    retry_after: int | None = None,
    data_request_form: DataRequestForm | None = None,
) -> HttpResponse:
    response = render(
        request,
        "complaints/track_detail.html",
        {
            "complaint": complaint,
            "cooperative": complaint.cooperative,
            "events": _events(complaint, ComplaintEvent.SHOWN_TO_CONSUMER),
            # Before acceptance fixes the deadline, the consumer still learns what to expect.
            "answer_days": None
            if complaint.response_due_on or not complaint.is_open
            else commitment_days(complaint.member, "response_days", complaint.received_on),
            "information_form": information_form if complaint.is_open else None,
            "feedback_form": feedback_form if complaint.may_leave_feedback() else None,
            "minutes": math.ceil(retry_after / 60) if retry_after else None,
            "data_request_form": data_request_form or DataRequestForm(),
            "data_requests": complaint.data_requests.all(),
            "copy_granted": _copy_granted(complaint),
        },
        status=429 if retry_after else status,
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@require_POST
def track_add(request: HttpRequest, slug: str, reference: str) -> HttpResponse:
    complaint = _tracked(request, slug, reference)
    require(complaint.is_open)
    rate = _rate("COMPLAINTS_FORM_RATE", "5/h")
    if retry_after := seconds_until_allowed(request, "complaints:add", rate):
        # What was typed comes back in the form; files must be chosen again.
        typed = InformationForm(initial={"text": request.POST.get("text", "")})
        return _render_tracked(request, complaint, typed, FeedbackForm(), retry_after=retry_after)
    form = InformationForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_tracked(request, complaint, form, FeedbackForm(), status=400)
    services.add_consumer_information(
        complaint, form.cleaned_data["text"], form.cleaned_data["evidence"]
    )
    count_accepted(request, "complaints:add", rate)
    messages.success(request, _("Thank you: your information was added to the complaint."))
    return redirect("complaints:track_detail", slug=slug, reference=reference)


@require_POST
def track_feedback(request: HttpRequest, slug: str, reference: str) -> HttpResponse:
    complaint = _tracked(request, slug, reference)
    require(complaint.may_leave_feedback())
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        return _render_tracked(request, complaint, InformationForm(), form, status=400)
    services.record_feedback(complaint, form.cleaned_data["rating"], form.cleaned_data["comment"])
    messages.success(request, _("Thank you for your feedback."))
    return redirect("complaints:track_detail", slug=slug, reference=reference)


def _copy_granted(complaint: Complaint) -> bool:
    return complaint.data_requests.filter(
        kind=DataRequest.Kind.COPY, status=DataRequest.Status.GRANTED
    ).exists()


@require_POST
def track_data_request(request: HttpRequest, slug: str, reference: str) -> HttpResponse:
    """The consumer asks for a copy or the deletion of their personal data."""
    complaint = _tracked(request, slug, reference)
    form = DataRequestForm(request.POST)
    if not form.is_valid():
        return _render_tracked(
            request, complaint, InformationForm(), FeedbackForm(), 400, data_request_form=form
        )
    try:
        services.ask_for_personal_data(complaint, form.cleaned_data["kind"])
    except services.DataRequestError:
        form.add_error("kind", _("A request of this kind already awaits a decision."))
        return _render_tracked(
            request, complaint, InformationForm(), FeedbackForm(), 400, data_request_form=form
        )
    messages.success(
        request, _("Your request was sent to the cooperative; you will be told its decision.")
    )
    return redirect("complaints:track_detail", slug=slug, reference=reference)


@never_cache
def track_data_copy(request: HttpRequest, slug: str, reference: str) -> JsonResponse:
    """The copy of their personal data, for the consumer whose request for it was granted."""
    complaint = _tracked(request, slug, reference)
    if not _copy_granted(complaint):
        raise Http404
    services.record_access(complaint, request.user, PersonalDataAccess.What.COPY)
    response = JsonResponse(
        services.personal_data_copy(complaint), json_dumps_params={"ensure_ascii": False}
    )
    response["Content-Disposition"] = f'attachment; filename="{complaint.reference}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
def evidence_file(request: HttpRequest, pk: int) -> FileResponse:
    """An evidence file to those who may see it (else 404): a photo shown in the browser (it
    was re-encoded when received), anything else as a download."""
    evidence = get_object_or_404(Evidence.objects.select_related("complaint__cooperative"), pk=pk)
    complaint = evidence.complaint
    user = request.user
    allowed = (
        _has_access(request, complaint)
        or (user.is_authenticated and user.administers(complaint.cooperative))
        or (
            complaint.share_contact
            and Complaint.objects.of_member_user(user).filter(pk=complaint.pk).exists()
        )
    )
    if not allowed:
        raise Http404
    services.record_access(complaint, user, PersonalDataAccess.What.EVIDENCE, evidence=evidence)
    return evidence_response(evidence)


# Public statistics.


def _narratives(complaints: ComplaintQuerySet) -> list[dict[str, Any]]:
    """The anonymised accounts administrators approved: the consumer's consent alone never
    publishes anything (services.publish_account)."""
    rows = (
        complaints.with_published_account()
        .select_related("member", "public_account")
        .order_by("-closed_on", "-pk")[:20]
    )
    return [
        {
            "member": complaint.member.display_name,
            "product": complaint.public_account.product,
            "text": complaint.public_account.text,
            "outcome": complaint.get_closing_code_display(),
            "status": complaint.get_status_display(),
            "closed_on": complaint.closed_on,
        }
        for complaint in rows
    ]


def statistics(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative = get_object_or_404(Cooperative, slug=slug)
    today = cooperative.today()
    complaints = Complaint.objects.filter(cooperative=cooperative)
    totals = with_rates(complaints.statistics(today))
    return render(
        request,
        "complaints/statistics.html",
        {
            "cooperative": cooperative,
            "totals": totals,
            "by_member": complaints.statistics_by_member(today),
            "narratives": _narratives(complaints),
        },
    )


def member_statistics(request: HttpRequest, slug: str, member_id: int) -> HttpResponse:
    cooperative = get_object_or_404(Cooperative, slug=slug)
    member = get_object_or_404(cooperative.members.public(), pk=member_id)
    complaints = Complaint.objects.filter(member=member)
    return render(
        request,
        "complaints/member_statistics.html",
        {
            "cooperative": cooperative,
            "member": member,
            "totals": with_rates(complaints.statistics(cooperative.today())),
            "narratives": _narratives(complaints),
        },
    )


# The member's pages.


@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    member = member_of(request.user, query_id(request.GET, "member"))
    complaints = (
        Complaint.objects.forwarded()
        .filter(member=member)
        .select_related("member")
        .order_by("-forwarded_on", "-pk")
    )
    return render(
        request,
        "complaints/member_list.html",
        {
            "member": member,
            "page": _page(request, complaints),
            "today": member.cooperative.today(),
        },
    )


@login_required
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = get_object_or_404(
        Complaint.objects.of_member_user(request.user).select_related("member", "cooperative"),
        pk=pk,
    )
    form = AnswerForm(request.POST or None)
    if request.method == "POST":
        require(complaint.status in services.OPEN_FOR_MEMBER)
        if form.is_valid():
            services.answer_complaint(complaint, signed_in_user(request), form.cleaned_data["text"])
            messages.success(request, _("Your answer was sent."))
            return redirect("complaints:member_detail", pk=complaint.pk)
    show_contact = complaint.member_may_see_contact()
    if show_contact and complaint.has_contact_details:
        services.record_access(complaint, request.user, PersonalDataAccess.What.CONTACT)
    hidden_names = [] if show_contact else [complaint.contact_name]
    return render(
        request,
        "complaints/member_detail.html",
        {
            "complaint": complaint,
            "show_contact": show_contact,
            # Without consent, contact details the consumer typed into the text are masked too.
            "description": complaint.description
            if show_contact
            else mask_personal_data(complaint.description, hidden_names),
            "desired_outcome": complaint.desired_outcome
            if show_contact
            else mask_personal_data(complaint.desired_outcome, hidden_names),
            "events": _events(complaint, ComplaintEvent.SHOWN_TO_MEMBER)
            if show_contact
            else _without_personal_data(
                _events(complaint, ComplaintEvent.SHOWN_TO_MEMBER), complaint
            ),
            "show_evidence": show_contact,
            "form": form if complaint.status in services.OPEN_FOR_MEMBER else None,
            "today": complaint.cooperative.today(),
        },
    )


# The cooperative's desk.


def _staff_cooperative(request: HttpRequest, slug: str) -> tuple[Cooperative, bool]:
    """The cooperative and whether the user may change complaints (administrator) or only
    read them (regulator)."""
    cooperative = cooperative_for(request.user, slug, Role.Kind.ADMINISTRATOR, Role.Kind.REGULATOR)
    return cooperative, request.user.is_authenticated and request.user.administers(cooperative)


@login_required
def staff_list(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative, may_change = _staff_cooperative(request, slug)
    today = cooperative.today()
    complaints = cooperative.complaints.select_related("member").order_by("-received_on", "-pk")
    status = request.GET.get("status", "")
    if status in Complaint.Status.values:
        complaints = complaints.filter(status=status)
    overdue = request.GET.get("overdue") == "1"
    if overdue:
        complaints = complaints.overdue(today)
    accounts = request.GET.get("accounts") == "awaiting"
    if accounts:
        complaints = complaints.awaiting_account_decision()
    # The member filter: the complaint form's member search, over every member the
    # cooperative has had (complaints outlive a membership). A member of another cooperative
    # is never listed, and its complaints are not this cooperative's: the list is empty.
    members = cooperative.members.order_by("name")
    member_search = MemberSearchForm(request.GET)
    member_query = member_search.cleaned_data["q"].strip() if member_search.is_valid() else ""
    chosen_member = query_id(request.GET, "member")
    if chosen_member is not None:
        complaints = complaints.filter(member_id=chosen_member)
    elif member_query:
        complaints = complaints.filter(member__in=_matching(members, member_query))
    member_listing = _listed_members(members, member_query, chosen_member)
    # Only those who may see the consumer's personal data search by their phone: for anyone
    # else a phone in the address is refused, never silently ignored.
    require(may_change or not request.GET.get("phone"))
    search = DeskSearchForm(request.GET, phone_allowed=may_change)
    reference = phone = ""
    if search.is_valid():
        reference = search.cleaned_data["reference"]
        phone = search.cleaned_data.get("phone", "")
    if reference:
        complaints = complaints.with_reference(reference)
        # A whole reference typed names one complaint: the desk opens it.
        exact = list(complaints.filter(reference=reference)[:2])
        if len(exact) == 1 and not phone:
            return redirect("complaints:staff_detail", slug=slug, pk=exact[0].pk)
    if phone:
        complaints = complaints.with_phone(phone)
        # The search tells who gave this number: each complaint found is logged as opened.
        for found in complaints:
            services.record_access(found, request.user, PersonalDataAccess.What.PHONE_SEARCH)
    return render(
        request,
        "complaints/staff_list.html",
        {
            "cooperative": cooperative,
            "page": _page(request, complaints),
            "statuses": Complaint.Status.choices,
            "status": status,
            "overdue": overdue,
            "accounts": accounts,
            "accounts_awaiting": cooperative.complaints.awaiting_account_decision().count()
            if may_change
            else 0,
            "today": today,
            "may_change": may_change,
            "search": search,
            "searched": bool(reference or phone or member_query or chosen_member),
            "member_search": member_search,
            "member_listing": member_listing,
            "chosen_member": chosen_member,
        },
        status=200 if search.is_valid() else 400,
    )


STEP_FORMS = {
    "reject": lambda data=None: CloseForm(data, step="reject", prefix="reject"),
    "resolve": lambda data=None: CloseForm(data, step="resolve", prefix="resolve"),
    "close": lambda data=None: CloseForm(data, step="close", prefix="close"),
    "uphold": lambda data=None: UpholdForm(data, prefix="uphold"),
    "note": lambda data=None: NoteForm(data, prefix="note"),
    "accept": lambda data=None: NoteForm(data, prefix="accept"),
    "forward": lambda data=None: ForwardForm(data, prefix="forward"),
    "mediate": lambda data=None: NoteForm(data, prefix="mediate"),
    "publish_account": lambda data=None: PublicAccountForm(data, prefix="publish_account"),
    "withhold_account": lambda data=None: WithholdAccountForm(data, prefix="withhold_account"),
}


class StepText(NamedTuple):
    heading: Any
    button: Any


# What each step of the desk is called above its form and on its button: a button that says
# what it does, not "Save", tells the administrator which step they are about to take.
STEP_TEXTS = {
    "accept": StepText(gettext_lazy("Accept"), gettext_lazy("Accept the complaint")),
    "reject": StepText(pgettext_lazy("complaint", "Reject"), gettext_lazy("Reject the complaint")),
    "forward": StepText(
        gettext_lazy("Forward to the member"), gettext_lazy("Forward to the member")
    ),
    "mediate": StepText(gettext_lazy("Start mediation"), gettext_lazy("Start mediation")),
    "resolve": StepText(gettext_lazy("Resolve"), gettext_lazy("Close as resolved")),
    "close": StepText(gettext_lazy("Close unresolved"), gettext_lazy("Close as unresolved")),
    "uphold": StepText(
        gettext_lazy("Find the complaint justified (upheld)"),
        gettext_lazy("Record as justified"),
    ),
    "publish_account": StepText(
        gettext_lazy("Publish the anonymised account"), gettext_lazy("Publish the account")
    ),
    "withhold_account": StepText(
        gettext_lazy("Do not publish the account"), gettext_lazy("Keep the account unpublished")
    ),
    "note": StepText(gettext_lazy("Add a note"), gettext_lazy("Add the note")),
}


def _step_form(step: str, complaint: Complaint) -> Any:
    """An empty form of a step; the account to publish starts as the masked proposal."""
    if step == "publish_account":
        product, text = services.proposed_account(complaint)
        return PublicAccountForm(initial={"product": product, "text": text}, prefix=step)
    return STEP_FORMS[step]()


@login_required
def staff_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    cooperative, may_change = _staff_cooperative(request, slug)
    complaint = get_object_or_404(
        cooperative.complaints.select_related("member", "feedback"), pk=pk
    )
    return _render_staff_detail(request, cooperative, complaint, may_change, {})


def _render_staff_detail(
    request: HttpRequest,
    cooperative: Cooperative,
    complaint: Complaint,
    may_change: bool,
    bound: dict[str, Any],
    status: int = 200,
    decision_form: DataRequestDecisionForm | None = None,
) -> HttpResponse:
    steps = complaint.next_steps() if may_change else []
    if may_change and complaint.has_contact_details:
        services.record_access(complaint, request.user, PersonalDataAccess.What.CONTACT)
    events = complaint.events.select_related("by").prefetch_related("evidence")
    forms = [
        (step, STEP_TEXTS[step], bound.get(step) or _step_form(step, complaint)) for step in steps
    ]
    return render(
        request,
        "complaints/staff_detail.html",
        {
            "cooperative": cooperative,
            "complaint": complaint,
            # Regulators read the complaint without personal data, in the text too.
            "description": complaint.description
            if may_change
            else mask_personal_data(complaint.description, [complaint.contact_name]),
            "desired_outcome": complaint.desired_outcome
            if may_change
            else mask_personal_data(complaint.desired_outcome, [complaint.contact_name]),
            "events": events if may_change else _without_personal_data(events, complaint),
            "evidence": complaint.evidence.all(),
            "forms": forms,
            "may_change": may_change,
            "today": cooperative.today(),
            # Who opened the consumer's personal data, and what the consumer asked about it:
            # for the administrators only.
            "accesses": complaint.personal_data_accesses.select_related("user")[:100]
            if may_change
            else [],
            "data_requests": complaint.data_requests.select_related("decided_by")
            if may_change
            else [],
            "decision_form": decision_form or DataRequestDecisionForm(),
        },
        status=status,
    )


@login_required
@require_POST
def staff_action(request: HttpRequest, slug: str, pk: int, step: str) -> HttpResponse:
    cooperative, may_change = _staff_cooperative(request, slug)
    complaint = get_object_or_404(cooperative.complaints.select_related("member"), pk=pk)
    if step not in STEP_FORMS:
        raise Http404
    require(may_change and step in complaint.next_steps())
    form = STEP_FORMS[step](request.POST)
    if not form.is_valid():
        return _render_staff_detail(
            request, cooperative, complaint, may_change, {step: form}, status=400
        )
    data = form.cleaned_data
    user = signed_in_user(request)
    if step == "uphold" and not (
        complaint.accepted_on and complaint.accepted_on <= data["on"] <= cooperative.today()
    ):
        form.add_error("on", _("The date must lie between the acceptance date and today."))
        return _render_staff_detail(
            request, cooperative, complaint, may_change, {step: form}, status=400
        )
    text = data.get("text", "")
    # Accepting and mediating show their text to the consumer and the member only when the box
    # says so; otherwise it is kept as an internal note beside the step. Forwarding's text is
    # the message to the member, which the consumer sees too when the box says so.
    shown = text if data.get("public", True) else ""
    try:
        if step == "accept":
            services.accept_complaint(complaint, user, text=shown)
        elif step == "reject":
            services.reject_complaint(complaint, user, data["closing_code"], text=text)
        elif step == "forward":
            services.forward_complaint(
                complaint, user, text=text, shown_to_consumer=bool(data.get("public"))
            )
        elif step == "mediate":
            services.start_mediation(complaint, user, text=shown)
        elif step == "resolve":
            services.resolve_complaint(complaint, user, data["closing_code"], text=text)
        elif step == "close":
            services.close_unresolved(complaint, user, data["closing_code"], text=text)
        elif step == "uphold":
            services.uphold_complaint(complaint, user, data["on"], text=text)
        elif step == "publish_account":
            services.publish_account(complaint, user, product=data["product"], text=text)
        elif step == "withhold_account":
            services.withhold_account(complaint, user, reason=text)
        else:
            # The other steps may go without a text, a note may not: the field's own message
            # says so, worded as on every form.
            if not text:
                form.add_error("text", form.fields["text"].error_messages["required"])
                return _render_staff_detail(
                    request, cooperative, complaint, may_change, {step: form}, status=400
                )
            services.add_note(complaint, user, text, public=data["public"])
        if step in ("accept", "mediate") and text and not shown:
            services.add_note(complaint, user, text, public=False)
    except Refused as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, _("Saved."))
    return redirect("complaints:staff_detail", slug=slug, pk=pk)


@login_required
@require_POST
def staff_data_request(request: HttpRequest, slug: str, pk: int, request_pk: int) -> HttpResponse:
    """An administrator decides on a consumer's request about their personal data."""
    cooperative, may_change = _staff_cooperative(request, slug)
    complaint = get_object_or_404(cooperative.complaints.select_related("member"), pk=pk)
    data_request = get_object_or_404(complaint.data_requests, pk=request_pk)
    require(may_change and data_request.is_pending)
    form = DataRequestDecisionForm(request.POST)
    if not form.is_valid():
        return _render_staff_detail(
            request, cooperative, complaint, may_change, {}, status=400, decision_form=form
        )
    services.decide_data_request(
        data_request,
        signed_in_user(request),
        grant=form.cleaned_data["decision"] == "grant",
        reason=form.cleaned_data["reason"],
    )
    messages.success(request, _("The decision was recorded and the consumer told."))
    return redirect("complaints:staff_detail", slug=slug, pk=pk)
