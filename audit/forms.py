"""The auditor's search form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from audit.selectors import AuditFilters
from core.audit import AUDIT_EVENTS
from core.models import AuditEvent


class DateInput(forms.DateInput):
    input_type = "date"


class AuditFilterForm(forms.Form):
    start = forms.DateField(label=_("开始日期"), required=False, widget=DateInput)
    end = forms.DateField(label=_("结束日期"), required=False, widget=DateInput)
    username = forms.CharField(label=_("用户名"), required=False, max_length=150)
    event = forms.ChoiceField(label=_("事件"), required=False)
    object_type = forms.CharField(label=_("对象类型"), required=False, max_length=64)
    object_id = forms.CharField(label=_("对象编号"), required=False, max_length=64)
    result = forms.ChoiceField(
        label=_("结果"),
        required=False,
        choices=[("", _("全部结果")), *AuditEvent.Result.choices],
    )
    ip = forms.GenericIPAddressField(
        label=_("IP 地址"),
        required=False,
        error_messages={"invalid": _("请输入有效的 IPv4 或 IPv6 地址。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].choices = [("", _("全部事件"))] + sorted(
            ((code, f"{label}（{code}）") for code, label in AUDIT_EVENTS.items()),
            key=lambda item: item[0],
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("结束日期不能早于开始日期。"))
        if data.get("object_id") and not data.get("object_type"):
            self.add_error("object_type", _("按对象编号查找时请同时填写对象类型。"))
        return data

    def filters(self) -> AuditFilters:
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        for key in ("username", "object_type", "object_id"):
            if key in data:
                data[key] = data[key].strip()
        return AuditFilters(**data)
