"""What a submitted pledge changes from the member's previous published version, in words,
for the administrator who reviews it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from charter.diff import diff_lines
from coop_portal.templatetags.punctuation import comma

from .models import Commitment, Pledge

ADDED, REMOVED, CHANGED, SAME = "added", "removed", "changed", "same"


@dataclass
class Change:
    """One thing of the pledge (a commitment, a product line, a short text) before and after:
    ``before`` is empty for what was added, ``after`` for what was removed."""

    label: str
    before: str
    after: str

    @property
    def change(self) -> str:
        if not self.before:
            return ADDED
        if not self.after:
            return REMOVED
        return SAME if self.before == self.after else CHANGED


@dataclass
class TextChange:
    """A longer text (the statement, further promises), compared line by line."""

    label: str
    # (operation, line): operation is "equal", "insert" or "delete" (charter.diff.diff_lines).
    lines: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class PledgeChanges:
    previous: Pledge | None
    commitments: list[Change]
    products: list[Change]
    details: list[Change]
    texts: list[TextChange]

    @property
    def changed(self) -> bool:
        return bool(
            any(change.change != SAME for change in self.commitments)
            or self.products
            or self.details
            or self.texts
        )


def previous_published(pledge: Pledge) -> Pledge | None:
    """The member's latest version published before this one (withdrawn or not)."""
    return (
        Pledge.objects.published()
        .filter(member_id=pledge.member_id, version__lt=pledge.version)
        .prefetch_related("commitments", "product_lines__standards")
        .order_by("-version")
        .first()
    )


def _commitments(old: Pledge | None, new: Pledge) -> list[Change]:
    before = {c.kind: c for c in old.commitments.all()} if old else {}
    after = {c.kind: c for c in new.commitments.all()}
    return [
        Change(
            label=str(Commitment.Kind(kind).label),
            before=before[kind].target_words() if kind in before else "",
            after=after[kind].target_words() if kind in after else "",
        )
        for kind in Commitment.Kind.values
        if kind in before or kind in after
    ]


def _standards(pledge: Pledge) -> dict[str, str]:
    """Each product line's name and the numbers of the standards it follows."""
    return {
        line.name: comma().join(standard.number for standard in line.standards.all())
        or _("no standard named")
        for line in pledge.product_lines.all()
    }


def _products(old: Pledge | None, new: Pledge) -> list[Change]:
    before = _standards(old) if old else {}
    after = _standards(new)
    names = [*before, *(name for name in after if name not in before)]
    changes = [
        Change(label=name, before=before.get(name, ""), after=after.get(name, "")) for name in names
    ]
    return [change for change in changes if change.change != SAME]


def _signatory(pledge: Pledge) -> str:
    if pledge.signatory_name and pledge.signatory_title:
        return f"{pledge.signatory_name}{comma()}{pledge.signatory_title}"
    return pledge.signatory_name


def _validity(pledge: Pledge) -> str:
    if not (pledge.valid_from or pledge.valid_until):
        return ""
    return _("%(start)s to %(end)s") % {
        "start": date_format(pledge.valid_from, "SHORT_DATE_FORMAT") if pledge.valid_from else "…",
        "end": date_format(pledge.valid_until, "SHORT_DATE_FORMAT") if pledge.valid_until else "…",
    }


def pledge_changes(pledge: Pledge) -> PledgeChanges:
    """Every change from the previous published version; with none, everything is new."""
    old = previous_published(pledge)
    details = [
        Change(
            label=_("Signed by"), before=_signatory(old) if old else "", after=_signatory(pledge)
        ),
        Change(label=_("Valid"), before=_validity(old) if old else "", after=_validity(pledge)),
    ]
    texts = [
        TextChange(
            label=label,
            lines=diff_lines(getattr(old, name, "") if old else "", getattr(pledge, name)),
        )
        for name, label in (("statement", _("Statement")), ("promises", _("Further promises")))
    ]
    return PledgeChanges(
        previous=old,
        commitments=_commitments(old, pledge),
        products=_products(old, pledge),
        details=[
            change
            for change in details
            if change.change != SAME and (change.before or change.after)
        ],
        texts=[
            text for text in texts if any(operation != "equal" for operation, _line in text.lines)
        ],
    )
