"""What changed between two charter versions, line by line, for people to read."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from .models import SECTIONS, CharterVersion, ScoringPolicy


@dataclass
class SectionDiff:
    heading: str
    # (operation, line): operation is "equal", "insert" or "delete".
    lines: list[tuple[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(operation != "equal" for operation, _line in self.lines)


def diff_lines(old: str, new: str) -> list[tuple[str, str]]:
    old_lines, new_lines = old.splitlines(), new.splitlines()
    lines: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for operation, a_from, a_to, b_from, b_to in matcher.get_opcodes():
        if operation == "equal":
            lines += [("equal", line) for line in old_lines[a_from:a_to]]
            continue
        lines += [("delete", line) for line in old_lines[a_from:a_to]]
        lines += [("insert", line) for line in new_lines[b_from:b_to]]
    return lines


def diff_versions(older: CharterVersion, newer: CharterVersion) -> list[SectionDiff]:
    """Each section's Markdown in the active language, compared line by line."""
    return [
        SectionDiff(
            heading=str(heading),
            lines=diff_lines(older.section_text(key), newer.section_text(key)),
        )
        for key, heading in SECTIONS
    ]


def diff_policies(older: CharterVersion, newer: CharterVersion) -> list[tuple[str, str, str]]:
    """(label, old value, new value) of every policy figure that changed."""
    old_policy = getattr(older, "policy", None) or ScoringPolicy()
    new_policy = getattr(newer, "policy", None) or ScoringPolicy()
    changes = []
    for policy_field in ScoringPolicy._meta.concrete_fields:
        if policy_field.name in {"id", "charter_version"}:
            continue
        old_value = getattr(old_policy, policy_field.attname)
        new_value = getattr(new_policy, policy_field.attname)
        if old_value != new_value:
            changes.append((str(policy_field.verbose_name), str(old_value), str(new_value)))
    return changes
