"""Period codes of assessments: ``YYYY``, ``YYYY-H1|H2`` and ``YYYY-Q1..Q4``."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable

from django.utils.translation import gettext as _

CODE = re.compile(r"^(?P<year>\d{4})(?:-(?P<part>H[12]|Q[1-4]))?$")
# The source of a proposed exit step (consequences.py writes "assessment:<code>:r<revision>";
# other sources, "demo:…" included, are the charter's to name: charter/sources.py).
SOURCE = re.compile(r"^assessment:(?P<code>[^:]+)(?::r(?P<revision>\d+))?$")


class PeriodCodeError(ValueError):
    pass


def period_days(code: str) -> tuple[datetime.date, datetime.date]:
    """The first and last day (both inclusive) of the period a code names."""
    match = CODE.match(code)
    if match is None:
        raise PeriodCodeError(code)
    year = int(match["year"])
    if year < 1900:
        raise PeriodCodeError(code)
    part = match["part"]
    if part is None:
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    months = 6 if part[0] == "H" else 3
    first_month = (int(part[1]) - 1) * months + 1
    last_month = first_month + months - 1
    first = datetime.date(year, first_month, 1)
    following = (
        datetime.date(year + 1, 1, 1)
        if last_month == 12
        else datetime.date(year, last_month + 1, 1)
    )
    return first, following - datetime.timedelta(days=1)


def previous_code(code: str) -> str:
    """The code of the period of the same length just before this one (2025-H1 → 2024-H2)."""
    match = CODE.match(code)
    if match is None:
        raise PeriodCodeError(code)
    year, part = int(match["year"]), match["part"]
    if part is None:
        return str(year - 1)
    number = int(part[1])
    if number > 1:
        return f"{year}-{part[0]}{number - 1}"
    return f"{year - 1}-{part[0]}{2 if part[0] == 'H' else 4}"


def closed_codes(today: datetime.date) -> list[str]:
    """The half-year and, in January to June, the year that closed most recently."""
    if today.month >= 7:
        return [f"{today.year}-H1"]
    return [f"{today.year - 1}-H2", str(today.year - 1)]


def recent_closed_codes(today: datetime.date, years: int = 3) -> list[str]:
    """The years, halves and quarters of this year and the ``years - 1`` before it that
    ended before ``today``: the periods a regulator may compute."""
    codes = []
    for year in range(today.year - years + 1, today.year + 1):
        for part in ("", "-H1", "-H2", "-Q1", "-Q2", "-Q3", "-Q4"):
            code = f"{year}{part}"
            if period_days(code)[1] < today:
                codes.append(code)
    return newest_first(codes)


def newest_first(codes: Iterable[str]) -> list[str]:
    """Period codes by their last day, newest first; the longer period first on the same day."""
    return sorted(codes, key=lambda code: (-period_days(code)[1].toordinal(), period_days(code)[0]))


def period_label(code: str) -> str:
    """The period a code names, in words ("first half of 2025"); the code itself if malformed."""
    match = CODE.match(code)
    if match is None:
        return code
    year, part = match["year"], match["part"]
    if part is None:
        return _("year %(year)s") % {"year": year}
    labels = {
        "H1": _("first half of %(year)s"),
        "H2": _("second half of %(year)s"),
        "Q1": _("first quarter of %(year)s"),
        "Q2": _("second quarter of %(year)s"),
        "Q3": _("third quarter of %(year)s"),
        "Q4": _("fourth quarter of %(year)s"),
    }
    return labels[part] % {"year": year}


def revision_name(revision: int) -> str:
    """A published revision as people name it: "first publication", then "revision 2"...;
    empty for a run never published (revision 0). The one name of a revision everywhere."""
    if revision <= 0:
        return ""
    if revision == 1:
        return _("first publication")
    return _("revision %(revision)s") % {"revision": revision}


def publication_name(code: str, revision: int) -> str:
    """A period's publication in words: "first half of 2025, first publication"."""
    return _("%(period)s, %(revision)s") % {
        "period": period_label(code),
        "revision": revision_name(revision),
    }


def source_name(source_ref: str) -> str:
    """What proposed an exit step, in words ("assessment of the first half of 2025, first
    publication"), for the people who decide it (through charter.sources); a plain word for a
    code it cannot read, never the code."""
    match = SOURCE.match(source_ref)
    if match is None:
        return _("an assessment")
    period = period_label(match["code"])
    if match["revision"]:
        return _("assessment of the %(period)s, %(revision)s") % {
            "period": period,
            "revision": revision_name(int(match["revision"])),
        }
    return _("assessment of the %(period)s") % {"period": period}
