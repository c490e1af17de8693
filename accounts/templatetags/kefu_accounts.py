from django import template

from accounts.roles import Role

register = template.Library()


@register.filter
def role_label(code: str) -> str:
    try:
        return Role(code).label
    except ValueError:
        return code
