"""The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters
from a 31-character alphabet; the last one is a check character over the first 17."""

from __future__ import annotations

import random
import unicodedata

from django.utils.translation import gettext as _

from core.errors import DomainError

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
WEIGHTS = [pow(3, i, 31) for i in range(17)]
LENGTH = 18


def credit_code_check_char(first17: str) -> str:
    """The check character that completes the first 17 characters."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_clean(value: str | None, *, field: str = "credit_code") -> str:
    """A normalised code ('' when none is given), or a DomainError naming ``field``."""
    code = unicodedata.normalize("NFKC", value or "").replace(" ", "").upper()
    if not code:
        return ""
    if len(code) != LENGTH:
        raise DomainError(
            _("统一社会信用代码应为 18 位，现在是 %(n)s 位。") % {"n": len(code)},
            field=field,
            code="credit_code_length",
        )
    if any(c not in ALPHABET for c in code):
        raise DomainError(
            _("统一社会信用代码只能包含数字和大写字母（不含 I、O、S、V、Z）。"),
            field=field,
            code="credit_code_characters",
        )
    if not code[2:8].isdigit():
        raise DomainError(
            _("统一社会信用代码的第 3 至 8 位是行政区划码，应为数字。"),
            field=field,
            code="credit_code_region",
        )
    if credit_code_check_char(code[:17]) != code[17]:
        raise DomainError(
            _("统一社会信用代码的校验位不正确，请核对后重新输入。"),
            field=field,
            code="credit_code_check",
        )
    return code


def credit_code_generate(rng: random.Random, *, region: str = "310000") -> str:
    """A well-formed, made-up code (for demo data and tests): 91 (an enterprise
    registered with market regulation), the region, a random body, the check."""
    body = "".join(rng.choice(ALPHABET) for _ in range(9))
    first17 = f"91{region}{body}"
    return first17 + credit_code_check_char(first17)
