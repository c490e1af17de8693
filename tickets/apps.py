from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("工单")

    def ready(self) -> None:
        from django.urls import reverse

        from core.audit import audit_events_register
        from customers.panels import CustomerPanel, customer_panel_register
        from tickets import actions  # noqa: F401  (the built-in actions register)
        from tickets.permissions import can_view_tickets

        audit_events_register(
            {
                "ticket.handover": _("工单交接"),
                "ticket.category_create": _("新增工单类别"),
                "ticket.category_update": _("修改工单类别"),
            }
        )
        customer_panel_register(
            CustomerPanel(
                key="tickets",
                visible=can_view_tickets,
                url=lambda pk: reverse("tickets:customer_tickets", args=[pk]),
            )
        )
