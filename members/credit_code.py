"""The unified social credit code (统一社会信用代码) of GB 32100-2015.

Eighteen characters from a 31-character alphabet (digits and capitals without I, O, S, V
and Z). Character 18 is a check character computed from the first seventeen.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18


def normalise(code: str) -> str:
    """Strip white space around and inside the code and upper-case it, as people type it."""
    return "".join(code.split()).upper()


def check_character(first_seventeen: str) -> str:
    total = sum(
        ALPHABET.index(char) * weight for char, weight in zip(first_seventeen, WEIGHTS, strict=True)
    )
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """Return what is wrong with an already normalised code, in the active language, or None."""
    if not code:
        return _("The unified social credit code is empty.")
    if len(code) != LENGTH:
        return _("A unified social credit code has 18 characters; this one has %(count)d.") % {
            "count": len(code)
        }
    for position, char in enumerate(code, start=1):
        if char not in ALPHABET:
            return _(
                "Character %(position)d, “%(char)s”, is not allowed in a unified social credit "
                "code (only digits and capital letters other than I, O, S, V and Z)."
            ) % {"position": position, "char": char}
    if not code[2:8].isdigit():
        return _(
            "Characters 3 to 8 of a unified social credit code are the administrative division "
            "code and must be digits."
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        return _(
            "The check character (the 18th) should be “%(expected)s”, not “%(actual)s”: the code "
            "was probably mistyped."
        ) % {"expected": expected, "actual": code[17]}
    return None


def validate_credit_code(value: str) -> None:
    message = problem(normalise(value))
    if message:
        raise ValidationError(message, code="invalid_credit_code")
