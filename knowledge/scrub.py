"""Personal data removed from a case's texts: the names, phones, e-mails and
addresses of the complaint's customer and its contacts, and anything else that
looks like a phone number or an e-mail address."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE_LIKE = re.compile(r"(?<!\d)(\+?\d[\d\s-]{5,}\d)(?!\d)")


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text or "")


def personal_data_removed(text: str, *, customer: Any, contacts: list[Any]) -> str:
    if not text:
        return text
    names = [(customer.name, _("某客户"))]
    names += [(c.name, _("联系人")) for c in contacts]
    for value, label in sorted(names, key=lambda p: -len(p[0] or "")):
        if value and len(value) >= 2:
            text = text.replace(value, label)
    addresses = [getattr(customer, "address", "")]
    addresses += [getattr(c, "address", "") for c in contacts]
    for value in addresses:
        if value and len(value) >= 4:
            text = text.replace(value, _("［地址已隐去］"))
    text = EMAIL.sub(_("［邮箱已隐去］"), text)

    def phone(match: re.Match) -> str:
        return (
            _("［号码已隐去］") if len(_digits(match.group(1))) >= 7 else match.group(0)
        )

    return PHONE_LIKE.sub(phone, text)
