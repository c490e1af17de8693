from django import forms
from django.utils.translation import gettext_lazy as _

from attachments.forms import MultipleFileField
from tickets.models import Ticket

PORTAL_TYPE_CHOICES = [
    (Ticket.Type.INQUIRY, _("咨询")),
    (Ticket.Type.REQUEST, _("服务请求")),
    (Ticket.Type.COMPLAINT, _("投诉")),
    (Ticket.Type.SUGGESTION, _("建议")),
    (Ticket.Type.PRAISE, _("表扬")),
]


class SubmitForm(forms.Form):
    type = forms.ChoiceField(label=_("办理事项"), choices=PORTAL_TYPE_CHOICES)
    name = forms.CharField(label=_("您的姓名"), max_length=64, required=False)
    phone = forms.CharField(label=_("手机号码"), max_length=32, required=False)
    email = forms.CharField(label=_("邮箱（选填）"), max_length=254, required=False)
    subject = forms.CharField(label=_("标题"), max_length=200, required=False)
    description = forms.CharField(
        label=_("详细描述"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    order_ref = forms.CharField(
        label=_("订单号或运单号（选填）"), max_length=64, required=False
    )
    files = MultipleFileField(label=_("图片或文件（选填）"))


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("留言"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    files = MultipleFileField(label=_("图片或文件（选填）"))


class ConfirmForm(forms.Form):
    satisfied = forms.ChoiceField(
        label=_("处理结果"),
        choices=[("yes", _("已解决，满意")), ("no", _("还没有解决"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class AppealForm(forms.Form):
    reason = forms.CharField(
        label=_("申诉理由"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
