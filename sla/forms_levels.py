"""Forms of the service-level and commitment pages (the services check again)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sla.models import Calendar, Clock, Commitment, ServiceLevel


class ServiceLevelForm(forms.ModelForm):
    calendar = forms.ModelChoiceField(
        label=_("工作日历"), queryset=Calendar.objects.filter(is_active=True)
    )

    class Meta:
        model = ServiceLevel
        fields = [
            "name",
            "ticket_type",
            "tier",
            "priority",
            "calendar",
            "acknowledge_minutes",
            "first_response_minutes",
            "resolution_minutes",
            "warn_percent",
            "is_active",
        ]

    def validate_unique(self):  # the service says it, naming the field
        pass

    def _post_clean(self):  # the service validates; the form only parses
        pass


class CommitmentForm(forms.ModelForm):
    clock = forms.ChoiceField(label=_("时钟"), choices=Clock.choices)

    class Meta:
        model = Commitment
        fields = [
            "title",
            "description",
            "ticket_type",
            "clock",
            "target_minutes",
            "is_published",
            "sort_order",
        ]

    def _post_clean(self):
        pass


class RateFilterForm(forms.Form):
    month = forms.RegexField(
        label=_("月份"), regex=r"^\d{4}-(0[1-9]|1[0-2])$", required=False
    )
    by = forms.ChoiceField(
        label=_("分组"),
        required=False,
        choices=[
            ("month", _("按月")),
            ("department", _("按部门")),
            ("owner", _("按负责人")),
        ],
    )
