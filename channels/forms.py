"""HTML input shapes of the channel pages; the rules live in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, User
from channels.models import Mailbox, Robot


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class TemplateForm(VersionForm):
    subject = forms.CharField(label=_("邮件主题"), required=False, max_length=200)
    body = forms.CharField(label=_("正文"), required=False, widget=forms.Textarea)
    is_active = forms.BooleanField(label=_("启用"), required=False)


class MailboxForm(VersionForm):
    is_enabled = forms.BooleanField(label=_("启用收信"), required=False)
    host = forms.CharField(label=_("IMAP 服务器"), required=False, max_length=200)
    port = forms.IntegerField(label=_("端口"), required=False)
    security = forms.ChoiceField(label=_("连接方式"), choices=Mailbox.Security.choices)
    username = forms.CharField(label=_("用户名"), required=False, max_length=200)
    password = forms.CharField(
        label=_("密码"),
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("留空表示不修改已保存的密码。"),
    )
    folder = forms.CharField(label=_("文件夹"), required=False, max_length=100)
    register_as = forms.ModelChoiceField(
        label=_("登记人"),
        queryset=User.objects.filter(is_active=True).order_by("username"),
        required=False,
        empty_label=_("客户服务部调度员"),
        help_text=_("来信登记成工单时记在此人名下；工单进入调度员的待受理队列。"),
    )


class SmsGatewayForm(VersionForm):
    is_enabled = forms.BooleanField(label=_("启用短信"), required=False)
    endpoint = forms.CharField(label=_("网关地址"), required=False, max_length=300)
    access_key = forms.CharField(label="AccessKey", required=False, max_length=100)
    secret = forms.CharField(
        label=_("签名密钥"),
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("留空表示不修改已保存的密钥。"),
    )
    sign_name = forms.CharField(label=_("短信签名"), required=False, max_length=40)
    template_code = forms.CharField(label=_("模板编号"), required=False, max_length=64)


class RobotForm(VersionForm):
    department = forms.ModelChoiceField(
        label=_("部门"),
        queryset=Department.objects.filter(is_active=True),
        required=False,
    )
    kind = forms.ChoiceField(label=_("类型"), choices=Robot.Kind.choices)
    name = forms.CharField(label=_("名称"), required=False, max_length=64)
    webhook = forms.CharField(label=_("Webhook 地址"), required=False, max_length=500)
    secret = forms.CharField(
        label=_("加签密钥"),
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("钉钉和飞书机器人开启“加签”时填写；留空表示不修改。"),
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("处理说明"), required=False, widget=forms.Textarea
    )
