"""What proposed an exit step, in words a reader understands.

A step keeps its source as a code (``source_ref``: ``assessment:2025-H1:r2``,
``conversion:7``…) so that the engines can find their own proposals again; a person reads the
words this module gives it, never the code. Assessments are the pledges app's, which stands
above this one (imports point down, STYLE.md): it hands down how to read its codes when it is
ready (``describe_sources``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

# Reads what follows the prefix of a source code ("2025-H1:r2" of "assessment:2025-H1:r2").
Describer = Callable[[str], str]


def _conversion(rest: str) -> str:
    return _("the member's conversion into a company")


def _rectification_overdue(rest: str) -> str:
    return _("a suspension whose rectification period ended")


def _demo(rest: str) -> str:
    return _("the demonstration data")


_describers: dict[str, Describer] = {
    "conversion": _conversion,
    "rectification-overdue": _rectification_overdue,
    "demo": _demo,
}


# Of a source that may still change, what whoever decides its proposal should know first
# (an assessment still open to objection); read from what follows the prefix, in the
# cooperative (by id) of the step.
Caveat = Callable[[int, str], str]
_caveats: dict[str, Caveat] = {}


def describe_sources(prefix: str, describer: Describer, caveat: Caveat | None = None) -> None:
    """Read the source codes that start with ``prefix:`` with ``describer`` (and ``caveat``)
    from now on."""
    _describers[prefix] = describer
    if caveat is not None:
        _caveats[prefix] = caveat


def source_caveat(cooperative_id: int, source_ref: str) -> str:
    """What to know before deciding a step of this source; empty when nothing."""
    prefix, _sep, rest = source_ref.partition(":")
    caveat = _caveats.get(prefix)
    return caveat(cooperative_id, rest) if caveat else ""


def source_label(source_ref: str) -> str:
    """The source in words; empty when there is none, and a plain word for a code nobody
    described (its code would mean nothing to the reader)."""
    if not source_ref:
        return ""
    prefix, _sep, rest = source_ref.partition(":")
    describer = _describers.get(prefix)
    return describer(rest) if describer else _("another record")
