from decimal import Decimal
from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def customer_name(customer) -> SafeString:
    """A customer's name as lists show it: a mark for a person, a badge for a
    problem customer (in Python, every text escaped here: lists show it per row)."""
    html = '<span class="kefu-customer-name">'
    if customer.kind == "person":
        html += f'<i class="ti ti-user text-secondary me-1" title="{escape(_("个人"))}"></i>'
    html += escape(customer.name)
    if customer.is_problem:
        html += (
            ' <span class="badge bg-red-lt ms-1" data-testid="problem-badge"'
            f' title="{escape(customer.problem_reason)}">'
            f'<i class="ti ti-alert-triangle me-1"></i>{escape(_("问题客户"))}</span>'
        )
    return mark_safe(html + "</span>")  # noqa: S308 -- every text escaped above


@register.filter
def yuan(value: Decimal | None) -> str:
    """¥500,000.00 (grouped by thousands, as finance writes amounts)."""
    if value is None or value == "":
        return ""
    return f"¥{Decimal(value):,.2f}"


@register.filter
def customer_field_labels(names: list[str]) -> str:
    """Field names of a customer as the page calls them (电话、邮箱)."""
    from customers.models import Customer

    labels = []
    for name in names or []:
        try:
            labels.append(str(Customer._meta.get_field(name).verbose_name))
        except Exception:  # a name from an older version of the model
            labels.append(name)
    return "、".join(labels)


@register.filter
def holding_label(item: dict) -> str:
    """The name of a kind of holding in the reader's language (the record keeps
    the name it had when the handover was made, for kinds no longer known)."""
    from accounts.handover import handover_providers

    for provider in handover_providers():
        if provider.kind == item.get("kind"):
            return str(provider.label)
    return str(item.get("label", ""))
