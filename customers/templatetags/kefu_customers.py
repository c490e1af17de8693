from decimal import Decimal

from django import template

register = template.Library()


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
