from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from knowledge.models import Case, FaqCategory
from tickets.models import TicketCategory


class FaqForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("分类"), queryset=FaqCategory.objects.all(), required=False
    )
    title = forms.CharField(label=_("问题"), required=False)
    body = forms.CharField(label=_("解答"), widget=forms.Textarea, required=False)
    is_published = forms.BooleanField(label=_("在客户门户公开"), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("分类名称"), required=False)


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("名称"), required=False)
    category = forms.ModelChoiceField(
        label=_("工单类别（不选则适用于所有类别）"),
        queryset=TicketCategory.objects.filter(is_active=True),
        required=False,
    )
    body = forms.CharField(label=_("内容"), widget=forms.Textarea, required=False)
    confirm_promise_wording = forms.BooleanField(
        label=_("我已确认这些措辞确有必要"), required=False
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CaseForm(forms.Form):
    title = forms.CharField(label=_("标题"), required=False)
    classification = forms.ChoiceField(
        label=_("分类"),
        choices=[("", "—"), *Case.Classification.choices],
        required=False,
    )
    summary = forms.CharField(label=_("经过"), widget=forms.Textarea, required=False)
    cause = forms.CharField(label=_("原因"), widget=forms.Textarea, required=False)
    handling = forms.CharField(label=_("处理"), widget=forms.Textarea, required=False)
    lessons = forms.CharField(
        label=_("经验教训"), widget=forms.Textarea, required=False
    )
    for_new_staff = forms.BooleanField(label=_("新员工必读"), required=False)


class AssignForm(forms.Form):
    users = forms.ModelMultipleChoiceField(
        label=_("指定给"),
        queryset=User.objects.filter(
            is_active=True,
            groups__permissions__codename="view_cases",
            groups__permissions__content_type__app_label="knowledge",
        )
        .distinct()
        .order_by("username"),
        required=False,
    )
    for_new_staff = forms.BooleanField(label=_("以后的新员工也必读"), required=False)
