"""HTML input shapes of the ticket pages. The rules live in the services: a form
only turns text into values."""

from __future__ import annotations

import datetime as dt
from html import escape

from django import forms
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from tickets.models import Ticket, TicketCategory
from tickets.selectors import (
    SORTS,
    STATUS_GROUPS,
    category_choices,
    list_filter_people,
)


def _blank(label, choices) -> list[tuple[str, str]]:
    return [("", label), *choices]


class LocalDateTimeInput(forms.DateTimeInput):
    """``<input type="datetime-local">`` in Shanghai time."""

    input_type = "datetime-local"

    def format_value(self, value):
        if isinstance(value, dt.datetime):
            # Forms hand widgets naive local times already (to_current_timezone).
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return value.strftime("%Y-%m-%dT%H:%M")
        return value


class TicketFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    view = forms.CharField(required=False, widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("状态"), required=False)
    type = forms.ChoiceField(
        label=_("类型"),
        required=False,
        choices=_blank(_("全部类型"), Ticket.Type.choices),
    )
    owner = forms.ChoiceField(label=_("负责人"), required=False)
    department = forms.ChoiceField(label=_("部门"), required=False)
    customer = forms.IntegerField(
        required=False, widget=forms.HiddenInput, min_value=1, max_value=2**62
    )
    created_from = forms.DateField(
        label=_("登记日期从"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_to = forms.DateField(
        label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    overdue = forms.BooleanField(label=_("只看超时"), required=False)
    sort = forms.ChoiceField(
        label=_("排序"),
        required=False,
        choices=[("newest", _("最新登记在前")), ("oldest", _("最早登记在前"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            ("", _("默认状态")),
            *STATUS_GROUPS.items(),
            *Ticket.Status.choices,
        ]
        people = list_filter_people()
        self.fields["owner"].choices = [
            ("", _("全部负责人")),
            ("me", _("我负责的")),
            *people["owners"],
        ]
        self.fields["department"].choices = [
            ("", _("全部部门")),
            *people["departments"],
        ]

    @cached_property
    def options(self) -> dict[str, str]:
        """The ``<option>``s of each select, written in one pass: the owner list
        holds everyone who may own tickets (hundreds of people), on every list
        page, and a widget per option costs more than the rest of the form."""
        html = {}
        for name in ("status", "type", "owner", "department", "sort"):
            current = str(self[name].value() or "")
            html[name] = mark_safe(  # noqa: S308 -- every value and label escaped
                "".join(
                    f'<option value="{escape(str(value))}"'
                    f"{' selected' if str(value) == current else ''}>"
                    f"{escape(str(label))}</option>"
                    for value, label in self.fields[name].choices
                )
            )
        return html

    def filter_values(self) -> dict:
        """Arguments for selectors.ticket_filters_clean (empty when invalid)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        values = {
            name: data[name]
            for name in ("view", "status", "type", "owner", "department")
            if data.get(name)
        }
        if data.get("customer"):
            values["customer"] = data["customer"]
        for name in ("created_from", "created_to"):
            if data.get(name):
                values[name] = data[name]
        values["overdue"] = bool(data.get("overdue"))
        values["sort"] = data.get("sort") if data.get("sort") in SORTS else ""
        return values


class TicketCreateForm(forms.Form):
    """The one short form of registration (受理要快): type, channel, customer and
    subject are all it needs; the rest is optional."""

    type = forms.ChoiceField(
        label=_("类型"), choices=Ticket.Type.choices, initial=Ticket.Type.INQUIRY
    )
    channel = forms.ChoiceField(
        label=_("渠道"), choices=Ticket.Channel.choices, initial=Ticket.Channel.PHONE
    )
    customer = forms.IntegerField(
        label=_("客户"),
        required=False,
        widget=forms.HiddenInput,
        min_value=1,
        max_value=2**62,
    )
    contact = forms.IntegerField(
        label=_("联系人"), required=False, min_value=1, max_value=2**62
    )
    new_customer_kind = forms.ChoiceField(
        label=_("客户类型"),
        choices=Customer.Kind.choices,
        initial=Customer.Kind.PERSON,
        required=False,
    )
    new_customer_name = forms.CharField(
        label=_("客户名称或姓名"), max_length=200, required=False
    )
    new_customer_phone = forms.CharField(label=_("电话"), max_length=32, required=False)
    new_customer_contact = forms.CharField(
        label=_("联系人姓名（单位客户）"), max_length=64, required=False
    )
    subject = forms.CharField(label=_("主题"), max_length=200)
    description = forms.CharField(
        label=_("详细描述"), required=False, widget=forms.Textarea, max_length=10000
    )
    mood = forms.ChoiceField(
        label=_("客户情绪"), choices=Ticket.Mood.choices, initial=Ticket.Mood.CALM
    )
    priority = forms.ChoiceField(
        label=_("优先级"),
        choices=Ticket.Priority.choices,
        initial=Ticket.Priority.NORMAL,
    )
    severity = forms.ChoiceField(
        label=_("严重程度（投诉）"),
        choices=_blank("—", Ticket.Severity.choices),
        required=False,
    )
    source = forms.ChoiceField(
        label=_("来源"), choices=Ticket.Source.choices, initial=Ticket.Source.CUSTOMER
    )
    category = forms.ModelChoiceField(
        label=_("类别"),
        queryset=TicketCategory.objects.none(),
        required=False,
        empty_label="—",
    )
    order_ref = forms.CharField(
        label=_("订单号或运单号"), max_length=64, required=False
    )
    product = forms.CharField(label=_("产品或服务"), max_length=100, required=False)
    batch = forms.CharField(label=_("批次"), max_length=64, required=False)
    received_at = forms.DateTimeField(
        label=_("客户来访时间"),
        required=False,
        widget=LocalDateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    resolved_on_contact = forms.BooleanField(
        label=_("已当场解决（一次解决）"), required=False
    )
    resolution = forms.CharField(
        label=_("解决说明"), required=False, widget=forms.Textarea, max_length=10000
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = category_choices()

    def clean(self):
        data = super().clean()
        # Said together with the other missing fields (the service says it too).
        if (
            not data.get("customer")
            and not (data.get("new_customer_name") or "").strip()
        ):
            self.add_error("customer", _("请选择客户，或当场登记一位新客户。"))
        return data

    def new_customer(self) -> dict | None:
        data = self.cleaned_data
        if not (data.get("new_customer_name") or "").strip():
            return None
        return {
            "kind": data.get("new_customer_kind") or Customer.Kind.PERSON,
            "name": data["new_customer_name"],
            "phone": data.get("new_customer_phone", ""),
            "contact_name": data.get("new_customer_contact", ""),
        }


class TicketEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    type = forms.ChoiceField(label=_("类型"), choices=Ticket.Type.choices)
    channel = forms.ChoiceField(label=_("渠道"), choices=Ticket.Channel.choices)
    subject = forms.CharField(label=_("主题"), max_length=200)
    description = forms.CharField(
        label=_("详细描述"), required=False, widget=forms.Textarea, max_length=10000
    )
    contact = forms.TypedChoiceField(
        label=_("联系人"), required=False, coerce=int, empty_value=None
    )
    priority = forms.ChoiceField(label=_("优先级"), choices=Ticket.Priority.choices)
    severity = forms.ChoiceField(
        label=_("严重程度（投诉）"),
        choices=_blank("—", Ticket.Severity.choices),
        required=False,
    )
    mood = forms.ChoiceField(label=_("客户情绪"), choices=Ticket.Mood.choices)
    source = forms.ChoiceField(label=_("来源"), choices=Ticket.Source.choices)
    category = forms.ModelChoiceField(
        label=_("类别"),
        queryset=TicketCategory.objects.all(),
        required=False,
        empty_label="—",
    )
    order_ref = forms.CharField(
        label=_("订单号或运单号"), max_length=64, required=False
    )
    product = forms.CharField(label=_("产品或服务"), max_length=100, required=False)
    batch = forms.CharField(label=_("批次"), max_length=64, required=False)
    received_at = forms.DateTimeField(
        label=_("客户来访时间"),
        widget=LocalDateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )

    def __init__(self, *args, contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = [
            ("", "—"),
            *[(c.pk, c.name) for c in contacts],
        ]


class TicketEventForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("类别"),
        choices=[("note", _("内部备注")), ("reply", _("答复客户"))],
        initial="note",
    )
    body = forms.CharField(label=_("内容"), widget=forms.Textarea, max_length=10000)
    confirm_warnings = forms.BooleanField(
        label=_("我已了解提示，仍然发送"), required=False
    )


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=64)
    code = forms.CharField(
        label=_("代码"),
        max_length=32,
        help_text=_("英文字母、数字、下划线或连字符，API 用它指代类别。"),
    )
    sort_order = forms.IntegerField(
        label=_("排序"), min_value=0, max_value=32767, initial=100
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)
