"""Working days in China, and the deadlines counted in them: the one calendar of the portal.

Administrative deadlines count working days around the holiday calendar the State Council
announces each year (with make-up working weekends, 调休). A year's table comes from the
``chinesecalendar`` package (updated each November after the notice) unless an administrator
entered that year's notice by hand (``HolidayNotice``), which then overrides the package. A
year neither knows is *not announced*: its days are counted Monday to Friday, and every
deadline that reaches into it says it is provisional, never a silent weekday count.

Pledged commitments (answer, resolution, rectification) stay in calendar days, as SCORING.md
counts them; a ``Deadline`` says which unit it is in either way.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version

import chinese_calendar
from chinese_calendar.constants import Holiday
from django.core.cache import cache
from django.db import models, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .language import localised
from .models import HolidayNotice, HolidayNoticeDay
from .templatetags.punctuation import comma

# Administrative deadlines of a fixed length (issue 24). The others are the charter policy's.
# The cooperative decides whether to accept a complaint within this many working days of
# receiving it.
ACCEPTANCE_DECISION_WORKING_DAYS = 7
# The regulator publishes a period's results within this many working days of the day it
# may first publish them (once late lab data has had time to arrive).
PUBLICATION_WORKING_DAYS = 20

logger = logging.getLogger(__name__)

# The package's years: those its holiday table holds.
PACKAGE_YEARS = frozenset(day.year for day in chinese_calendar.holidays)
# The package's names of holidays in Chinese, keyed by the English names its table holds.
_CHINESE_NAMES = {holiday.value: holiday.chinese for holiday in Holiday}

try:
    PACKAGE_VERSION = version("chinesecalendar")
except PackageNotFoundError:  # pragma: no cover - the package is a dependency
    PACKAGE_VERSION = ""


class DayKind(models.TextChoices):
    WORKING = "working", _("working day")
    WEEKEND = "weekend", _("weekend")
    HOLIDAY = "holiday", _("public holiday")
    MAKEUP = "makeup", _("make-up working day")


class Source(models.TextChoices):
    PACKAGE = "package", _("official holiday table (chinesecalendar package)")
    ADMINISTRATOR = "administrator", _("State Council notice entered by an administrator")
    NONE = "none", _("not announced yet")


@dataclass(frozen=True)
class YearSource:
    """Where a year's holiday table comes from."""

    year: int
    source: str
    reference: str = ""
    package_version: str = ""

    @property
    def announced(self) -> bool:
        return self.source != Source.NONE

    @property
    def label(self) -> str:
        label = str(Source(self.source).label)
        if self.source == Source.PACKAGE and self.package_version:
            return f"{label} {self.package_version}"
        if self.source == Source.ADMINISTRATOR and self.reference:
            return f"{label}: {self.reference}"
        return label


@dataclass(frozen=True)
class Day:
    """One day of the calendar: whether it is a working day, and why."""

    day: datetime.date
    kind: str
    holiday_zh: str = ""
    holiday_en: str = ""
    # False when the day's year has no announced calendar (counted Monday to Friday).
    announced: bool = True

    @property
    def working(self) -> bool:
        return self.kind in (DayKind.WORKING, DayKind.MAKEUP)

    @property
    def reason(self) -> str:
        """Why the day is (not) a working day, in the reader's language."""
        if self.kind == DayKind.HOLIDAY:
            name = localised(self.holiday_zh, self.holiday_en)
            if name:
                return gettext("public holiday: %(name)s") % {"name": name}
        return str(DayKind(self.kind).label)


# The entered notices, cached whole (a few rows a year) and dropped whenever one changes; an
# hour at most, should a change be made while the cache is unreachable.
CACHE_KEY = "workdays:entered-notices"
CACHE_SECONDS = 60 * 60


@dataclass(frozen=True)
class _Entered:
    reference: str
    days: dict[datetime.date, tuple[str, str, str]]  # day → (kind, Chinese, English name)


def _entered_notices() -> dict[int, _Entered]:
    try:
        table = cache.get(CACHE_KEY)
    except Exception:  # the cache is down: read the table, as without a cache
        logger.warning("The holiday notices could not be read from the cache.", exc_info=True)
        table = None
    if table is None:
        table = {
            notice.year: _Entered(
                notice.reference,
                {
                    entry.day: (entry.kind, entry.name_zh, entry.name_en)
                    for entry in notice.days.all()
                },
            )
            for notice in HolidayNotice.objects.prefetch_related("days")
        }
        try:
            cache.set(CACHE_KEY, table, CACHE_SECONDS)
        except Exception:
            logger.warning("The holiday notices could not be cached.", exc_info=True)
    return table


def forget_entered_notices(**kwargs: object) -> None:
    """Drop the cached notices now and once the change commits (connected in apps.py)."""
    _drop_cached_notices()
    transaction.on_commit(_drop_cached_notices)


def _drop_cached_notices() -> None:
    try:
        cache.delete(CACHE_KEY)
    except Exception:  # the entry expires within CACHE_SECONDS
        logger.warning("The cached holiday notices could not be dropped.", exc_info=True)


class WorkCalendar:
    """The holiday table: the package's years, overridden by the notices entered by hand."""

    def __init__(self) -> None:
        self._entered = _entered_notices()

    def _notice(self, year: int) -> _Entered | None:
        return self._entered.get(year)

    def year_source(self, year: int) -> YearSource:
        notice = self._notice(year)
        if notice is not None:
            return YearSource(year, Source.ADMINISTRATOR, reference=notice.reference)
        if year in PACKAGE_YEARS:
            return YearSource(year, Source.PACKAGE, package_version=PACKAGE_VERSION)
        return YearSource(year, Source.NONE)

    def is_announced(self, year: int) -> bool:
        return self.year_source(year).announced

    def day(self, day: datetime.date) -> Day:
        # A notice may name a day at the edge of the next or the previous year.
        for year in (day.year, day.year + 1, day.year - 1):
            notice = self._notice(year)
            entry = notice.days.get(day) if notice else None
            if entry is not None:
                kind, name_zh, name_en = entry
                if kind == HolidayNoticeDay.Kind.HOLIDAY:
                    return Day(day, DayKind.HOLIDAY, name_zh, name_en)
                return Day(day, DayKind.MAKEUP)
        weekend = day.weekday() >= 5
        plain = Day(day, DayKind.WEEKEND if weekend else DayKind.WORKING)
        if self._notice(day.year) is not None:
            return plain
        if day.year not in PACKAGE_YEARS:
            return Day(day, plain.kind, announced=False)
        if day in chinese_calendar.workdays and weekend:
            return Day(day, DayKind.MAKEUP)
        name = chinese_calendar.holidays.get(day)
        if name is not None:
            return Day(day, DayKind.HOLIDAY, _CHINESE_NAMES.get(name, name), name)
        return plain

    def is_working_day(self, day: datetime.date) -> bool:
        return self.day(day).working

    def add_working_days(self, start: datetime.date, days: int) -> datetime.date:
        """The ``days``-th working day after ``start`` (``start`` itself is not counted)."""
        if days < 0:
            raise ValueError("A deadline counts forward.")
        day, counted = start, 0
        while counted < days:
            day += datetime.timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_between(self, first: datetime.date, last: datetime.date) -> int:
        """The working days after ``first`` up to and including ``last`` (0 if none)."""
        day, counted = first, 0
        while day < last:
            day += datetime.timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return counted

    def unannounced_years(self, first: datetime.date, last: datetime.date) -> list[int]:
        return [
            year
            for year in range(first.year, max(first.year, last.year) + 1)
            if not self.is_announced(year)
        ]


class Unit(models.TextChoices):
    WORKING = "working", _("working days")
    CALENDAR = "calendar", _("calendar days")


@dataclass(frozen=True)
class Deadline:
    """A deadline with its unit, the rule it follows and whether it may still move.

    ``basis`` is the rule in words, in the reader's language (a lazy translation).
    ``provisional`` holds the years without an announced calendar that a working-day
    deadline reaches into: it was counted Monday to Friday there.
    """

    start: datetime.date
    days: int
    unit: str
    due: datetime.date
    basis: str | Promise
    unannounced: tuple[int, ...] = field(default=())

    @property
    def provisional(self) -> bool:
        return bool(self.unannounced)

    @property
    def length(self) -> str:
        """ "7 working days", "15 calendar days" in the reader's language."""
        if self.unit == Unit.WORKING:
            text = ngettext("%(days)d working day", "%(days)d working days", self.days)
        else:
            text = ngettext("%(days)d calendar day", "%(days)d calendar days", self.days)
        return text % {"days": self.days}

    @property
    def provisional_note(self) -> str:
        if not self.provisional:
            return ""
        years = comma().join(str(year) for year in self.unannounced)
        return gettext(
            "The holiday calendar for %(years)s has not been announced yet: this date counts "
            "Monday to Friday as working days and may move when the calendar is published."
        ) % {"years": years}

    def is_past(self, on: datetime.date) -> bool:
        return on > self.due


def working_deadline(
    start: datetime.date,
    days: int,
    basis: str | Promise,
    *,
    due: datetime.date | None = None,
    calendar: WorkCalendar | None = None,
) -> Deadline:
    """``days`` working days after ``start``. ``due`` is a date stored when the deadline was
    set, shown as it was fixed; without it the date is counted now."""
    calendar = calendar or WorkCalendar()
    if due is None:
        due = calendar.add_working_days(start, days)
    return Deadline(
        start, days, Unit.WORKING, due, basis, tuple(calendar.unannounced_years(start, due))
    )


def calendar_deadline(
    start: datetime.date, days: int, basis: str | Promise, *, due: datetime.date | None = None
) -> Deadline:
    """``days`` calendar days after ``start`` (the day ``start + days`` is still on time)."""
    return Deadline(start, days, Unit.CALENDAR, due or start + datetime.timedelta(days=days), basis)
