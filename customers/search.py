"""How customers are found: any two or more characters of their names or their
contacts' names, pinyin initials and full pinyin, phones (and their last four
digits), email and credit code. Private contact fields are never indexed."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from core.search import SearchIndex
from customers.models import Customer, CustomerSearchDocument

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_NOT_DIGIT = re.compile(r"\D+")
_KEPT = "\x00"  # marks a run that is not Han (kept as typed)


@lru_cache(maxsize=50_000)
def _syllables(text: str) -> tuple[str, ...]:
    """Pinyin of each Han character; other runs kept as they are, marked."""
    from pypinyin import lazy_pinyin  # its dictionaries load on first use only

    return tuple(lazy_pinyin(text, errors=lambda chunk: [_KEPT + chunk]))


def pinyin_initials(text: str) -> str:
    """华为技术 → hwjs (Latin letters and digits are kept as they are)."""
    initials = (s[1:] if s.startswith(_KEPT) else s[:1] for s in _syllables(text))
    return _NOT_ALNUM.sub("", "".join(initials).lower())


def pinyin_full(text: str) -> str:
    """华为技术 → huaweijishu."""
    return _NOT_ALNUM.sub("", "".join(_syllables(text)).lower())


def name_sort_key(name: str) -> str:
    """The key for alphabetical order by pinyin (never by database collation)."""
    return " ".join(s.lstrip(_KEPT) for s in _syllables(name.strip())).lower()[:255]


def _person_parts(name: str, phones: Iterable[str]) -> list[str]:
    parts = [name, pinyin_initials(name), pinyin_full(name)]
    for phone in phones:
        if phone:
            parts += [phone, _NOT_DIGIT.sub("", phone)]
    return parts


def customer_search_parts(customer: Customer) -> list[str]:
    """The texts a customer is found by (contacts are read through the live manager,
    so prefetch ``contacts`` when building many)."""
    parts = _person_parts(customer.name, [customer.phone])
    parts += [customer.credit_code, customer.email]
    for contact in customer.contacts.all():
        parts += _person_parts(contact.name, [contact.mobile, contact.phone])
        parts.append(contact.email)
    return parts


customer_index = SearchIndex(CustomerSearchDocument, parts=customer_search_parts)
