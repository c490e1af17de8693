from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def yuan(value: Decimal | None) -> str:
    """¥500,000.00 (grouped by thousands, as finance writes amounts)."""
    if value is None or value == "":
        return ""
    return f"¥{Decimal(value):,.2f}"
