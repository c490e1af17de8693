"""HTML input shapes for login and the administration pages."""

from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import password_validators_help_texts
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, User
from accounts.roles import Role


def _policy_help() -> str:
    """What the password rules in force ask for (the security policy)."""
    return " ".join(password_validators_help_texts())


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("密码"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class UserForm(forms.Form):
    display_name = forms.CharField(label=_("姓名"), max_length=64)
    email = forms.EmailField(label=_("邮箱"), required=False)
    phone = forms.CharField(label=_("电话"), max_length=32, required=False)
    department = forms.ModelChoiceField(
        label=_("部门"), queryset=Department.objects.filter(is_active=True)
    )
    roles = forms.MultipleChoiceField(
        label=_("角色"), choices=Role.choices, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(
        label=_("在职（可登录）"), required=False, initial=True
    )


class UserCreateForm(UserForm):
    username = forms.RegexField(
        label=_("用户名"),
        max_length=150,
        regex=r"^[A-Za-z0-9_.@+-]+$",
        error_messages={"invalid": _("用户名只能包含字母、数字和 _ . @ + -。")},
    )
    password = forms.CharField(
        label=_("初始密码"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    field_order = [
        "username",
        "display_name",
        "password",
        "department",
        "roles",
        "email",
        "phone",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["is_active"]
        self.fields["password"].help_text = _policy_help()


class PasswordSetForm(forms.Form):
    password = forms.CharField(
        label=_("新密码"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("再次输入"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = _policy_help()

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("两次输入的密码不一致。"))
        return data


class DepartmentCreateForm(forms.Form):
    code = forms.SlugField(
        label=_("代码"),
        max_length=32,
        help_text=_("英文小写字母、数字或连字符，例如 transport。"),
    )
    name = forms.CharField(label=_("名称"), max_length=64)
    sort_order = forms.IntegerField(
        label=_("排序"), min_value=0, max_value=1000, initial=100
    )


class DepartmentForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=64)
    dispatcher = forms.ModelChoiceField(
        label=_("调度员"), queryset=User.objects.none(), required=False
    )
    sort_order = forms.IntegerField(label=_("排序"), min_value=0, max_value=1000)
    is_active = forms.BooleanField(label=_("启用"), required=False)

    def __init__(self, *args, department: Department, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dispatcher"].queryset = department.members.filter(
            is_active=True
        ).order_by("username")


class UserFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=64)
    department = forms.ChoiceField(label=_("部门"), required=False)
    role = forms.ChoiceField(
        label=_("角色"), required=False, choices=[("", _("全部角色")), *Role.choices]
    )
    active = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), ("1", _("在职")), ("0", _("已停用"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", _("全部部门"))] + list(
            Department.objects.values_list("code", "name")
        )


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("动态码"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
        help_text=_(
            "验证器应用（如 FreeOTP、Microsoft Authenticator）上显示的 6 位数字。"
        ),
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("当前密码"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("新密码"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password_again = forms.CharField(
        label=_("再次输入新密码"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password"].help_text = _policy_help()

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get(
            "new_password_again"
        ):
            self.add_error("new_password_again", _("两次输入的密码不一致。"))
        return data
