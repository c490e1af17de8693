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
        _handover_provider_install()


def _handover_provider_install() -> None:
    """Open tickets join the archive's handover (and block deactivating someone
    who still owns any)."""
    from accounts.handover import HandoverProvider, handover_provider_register
    from tickets import handover
    from tickets.services import tickets_handover

    handover_provider_register(
        HandoverProvider(
            kind="tickets",
            label=_("未完成的工单"),
            count=handover.open_ticket_count,
            examples=handover.open_ticket_examples,
            transfer=tickets_handover,
            receiver_error=handover.ticket_receiver_error,
            order=20,
        )
    )
