"""HTML input shapes of the archive's pages. The rules live in services: a form
only turns text into values."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import (
    AccessGrant,
    Contact,
    CreditAssessment,
    Customer,
    CustomerEvent,
    ImportJob,
)
from customers.selectors import ORDERINGS, owner_choices, owner_filter_choices

PROVINCES = [
    "北京市",
    "天津市",
    "河北省",
    "山西省",
    "内蒙古自治区",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "上海市",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "广西壮族自治区",
    "海南省",
    "重庆市",
    "四川省",
    "贵州省",
    "云南省",
    "西藏自治区",
    "陕西省",
    "甘肃省",
    "青海省",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
    "香港特别行政区",
    "澳门特别行政区",
    "台湾省",
]


def _blank(label, choices) -> list[tuple[str, str]]:
    return [("", label), *choices]


class CustomerFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    tier = forms.ChoiceField(
        label=_("分级"),
        required=False,
        choices=_blank(_("全部分级"), Customer.Tier.choices),
    )
    kind = forms.ChoiceField(
        label=_("类型"),
        required=False,
        choices=_blank(_("全部类型"), Customer.Kind.choices),
    )
    ownership = forms.ChoiceField(
        label=_("所有制"),
        required=False,
        choices=_blank(_("全部所有制"), Customer.Ownership.choices),
    )
    province = forms.ChoiceField(
        label=_("省份"),
        required=False,
        choices=_blank(_("全部省份"), [(p, p) for p in PROVINCES]),
    )
    owner = forms.ChoiceField(label=_("客户经理"), required=False)
    problem = forms.BooleanField(label=_("只看问题客户"), required=False)
    sort = forms.ChoiceField(
        label=_("排序"),
        required=False,
        choices=[
            ("recent", _("最近更新")),
            ("created", _("最近登记")),
            ("name", _("名称（拼音）")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [
            ("", _("全部客户经理")),
            ("me", _("我负责的客户")),
            *owner_filter_choices(),
        ]

    def sort_key(self) -> str:
        sort = self.cleaned_data.get("sort") if self.is_valid() else ""
        return sort if sort in ORDERINGS else "recent"


class CustomerForm(forms.Form):
    """Create or edit a customer. Fields the user may not set are removed by the
    view (owner without the right to assign, credit without owner or manager)."""

    kind = forms.ChoiceField(label=_("类型"), choices=Customer.Kind.choices)
    name = forms.CharField(label=_("名称"), max_length=200)
    credit_code = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=64,
        required=False,
        help_text=_("18 位，系统会核对校验位；个人客户不填。"),
    )
    ownership = forms.ChoiceField(
        label=_("所有制"),
        required=False,
        choices=_blank("—", Customer.Ownership.choices),
    )
    industry = forms.CharField(label=_("行业"), max_length=64, required=False)
    province = forms.ChoiceField(
        label=_("省份"),
        required=False,
        choices=_blank("—", [(p, p) for p in PROVINCES]),
    )
    city = forms.CharField(label=_("城市"), max_length=32, required=False)
    size = forms.ChoiceField(
        label=_("规模"), required=False, choices=_blank("—", Customer.Size.choices)
    )
    source = forms.ChoiceField(
        label=_("信息来源"),
        required=False,
        choices=_blank("—", Customer.Source.choices),
    )
    phone = forms.CharField(label=_("电话"), max_length=32, required=False)
    email = forms.CharField(label=_("邮箱"), max_length=254, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    tier = forms.ChoiceField(label=_("客户分级"), choices=Customer.Tier.choices)
    owner = forms.ModelChoiceField(
        label=_("客户经理"), queryset=owner_choices(), required=False
    )
    referred_by = forms.IntegerField(
        label=_("推荐客户"), required=False, widget=forms.HiddenInput
    )
    credit_rating = forms.ChoiceField(
        label=_("信用评级"),
        required=False,
        choices=_blank("—", Customer.CreditRating.choices),
    )
    credit_limit = forms.DecimalField(
        label=_("信用额度（元）"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
    )
    background = forms.CharField(
        label=_("背景资料"),
        required=False,
        max_length=5000,
        widget=forms.Textarea,
        help_text=_("公司背景、经营范围、主要业务等（个人客户可写基本情况）。"),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, may_assign_owner: bool, may_write_credit: bool, **kw):
        super().__init__(*args, **kw)
        self.fields["owner"].queryset = owner_choices()
        province = self.initial.get("province")
        if province and province not in PROVINCES:  # entered through the API
            self.fields["province"].choices = [
                *self.fields["province"].choices,
                (province, province),
            ]
        if not may_assign_owner:
            del self.fields["owner"]
        if not may_write_credit:
            del self.fields["credit_rating"]
            del self.fields["credit_limit"]


class ContactForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64)
    title = forms.CharField(label=_("职务"), max_length=64, required=False)
    decision_role = forms.ChoiceField(
        label=_("决策角色"),
        required=False,
        choices=_blank("—", Contact.DecisionRole.choices),
    )
    mobile = forms.CharField(label=_("手机"), max_length=32, required=False)
    phone = forms.CharField(label=_("座机"), max_length=32, required=False)
    email = forms.CharField(label=_("邮箱"), max_length=254, required=False)
    is_primary = forms.BooleanField(label=_("主要联系人"), required=False)
    birthday_calendar = forms.ChoiceField(
        label=_("生日历法"),
        required=False,
        choices=Contact.Calendar.choices,
        initial=Contact.Calendar.SOLAR,
    )
    birthday_year = forms.IntegerField(
        label=_("出生年份"), required=False, min_value=1, max_value=9999
    )
    birthday_month = forms.IntegerField(
        label=_("生日月"), required=False, min_value=1, max_value=99
    )
    birthday_day = forms.IntegerField(
        label=_("生日日"), required=False, min_value=1, max_value=99
    )
    birthday_leap_month = forms.BooleanField(label=_("闰月（农历）"), required=False)
    family = forms.CharField(
        label=_("家庭情况"), required=False, max_length=2000, widget=forms.Textarea
    )
    interests = forms.CharField(
        label=_("兴趣爱好"), required=False, max_length=2000, widget=forms.Textarea
    )
    personality = forms.CharField(
        label=_("性格分析"), required=False, max_length=2000, widget=forms.Textarea
    )
    relationships = forms.CharField(
        label=_("人际关系"),
        required=False,
        max_length=2000,
        widget=forms.Textarea,
        help_text=_("在单位中的作用、交际圈、与本公司人员的关系等。"),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    PRIVATE = (
        "birthday_calendar",
        "birthday_year",
        "birthday_month",
        "birthday_day",
        "birthday_leap_month",
        "family",
        "interests",
        "personality",
        "relationships",
    )

    def __init__(self, *args, private: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not private:
            for name in self.PRIVATE:
                del self.fields[name]

    def service_values(self) -> dict:
        """cleaned_data in the shape the services take (birthday as one value)."""
        data = dict(self.cleaned_data)
        data.pop("version", None)
        if "birthday_month" in data:
            data["birthday"] = {
                "calendar": data.pop("birthday_calendar"),
                "year": data.pop("birthday_year"),
                "month": data.pop("birthday_month"),
                "day": data.pop("birthday_day"),
                "leap_month": data.pop("birthday_leap_month"),
            }
        return data


class CustomerEventForm(forms.Form):
    occurred_on = forms.DateField(
        label=_("日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    kind = forms.ChoiceField(
        label=_("类别"),
        choices=CustomerEvent.Kind.choices,
        initial=CustomerEvent.Kind.OTHER,
    )
    title = forms.CharField(label=_("事项"), max_length=120)
    description = forms.CharField(
        label=_("详细说明"), required=False, max_length=5000, widget=forms.Textarea
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=1000, widget=forms.Textarea)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class GrantRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("申请理由"),
        max_length=1000,
        widget=forms.Textarea,
        help_text=_("说明为什么需要查看该客户的信用和联系人私人信息。"),
    )


GRANT_DURATIONS = [
    (2, _("2 小时")),
    (8, _("8 小时（当天）")),
    (72, _("3 天")),
    (168, _("7 天")),
    (720, _("30 天")),
]


class GrantDecisionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("approve", _("批准")), ("refuse", _("拒绝")), ("revoke", _("收回"))]
    )
    hours = forms.TypedChoiceField(
        label=_("授权时长"),
        choices=GRANT_DURATIONS,
        coerce=int,
        required=False,
        empty_value=None,
    )
    note = forms.CharField(label=_("审批意见"), max_length=1000, required=False)


class GrantFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[
            ("pending", AccessGrant.Status.PENDING.label),
            ("live", _("生效中")),
            ("expired", _("已过期")),
            ("refused", AccessGrant.Status.REFUSED.label),
            ("revoked", AccessGrant.Status.REVOKED.label),
        ],
    )


# --- relationship data: transactions, tiers, credit, freshness, handover, imports --


class TransactionForm(forms.Form):
    """Text in; the service checks the values (its messages name the field)."""

    occurred_on = forms.CharField(
        label=_("日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    amount = forms.CharField(label=_("金额（元）"), max_length=32)
    description = forms.CharField(label=_("合作内容"), max_length=200)
    external_ref = forms.CharField(
        label=_("外部单号"),
        max_length=64,
        required=False,
        help_text=_("订单号或合同号（可不填）；同一单号只记录一次。"),
    )


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("作废原因"), max_length=1000)


class TierSetForm(forms.Form):
    tier = forms.ChoiceField(label=_("客户分级"), choices=Customer.Tier.choices)
    reason = forms.CharField(
        label=_("原因"),
        max_length=1000,
        widget=forms.Textarea,
        help_text=_("写明确认或调整的理由，例如合作情况、发展潜力。"),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class RulesForm(forms.Form):
    window_months = forms.IntegerField(label=_("统计期（月）"))
    a_amount = forms.IntegerField(label=_("A 类：统计期内金额不少于（元）"))
    a_count = forms.IntegerField(label=_("A 类：统计期内合作不少于（笔）"))
    a_tenure_months = forms.IntegerField(label=_("A 类：合作时间不少于（月）"))
    b_amount = forms.IntegerField(label=_("B 类：统计期内金额不少于（元）"))
    b_count = forms.IntegerField(label=_("B 类：或统计期内合作不少于（笔）"))
    review_days = forms.IntegerField(
        label=_("档案超过多少天未核实需复核"),
        help_text=_("超过这个天数没有核实的客户档案会出现在“动态管理”的复核名单中。"),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CreditAssessForm(forms.Form):
    assessed_on = forms.CharField(
        label=_("调查日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    sources = forms.MultipleChoiceField(
        label=_("资料来源"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[c for c in CreditAssessment.Source.choices if c[0] != "archive"],
    )
    notes = forms.CharField(
        label=_("调查记录"),
        max_length=5000,
        widget=forms.Textarea,
        help_text=_("调查到的经营、付款和资信情况，以及得出结论的依据。"),
    )
    rating = forms.ChoiceField(
        label=_("信用评级"), choices=_blank("—", Customer.CreditRating.choices)
    )
    score = forms.CharField(label=_("信用分（0–100）"), max_length=8, required=False)
    limit = forms.CharField(label=_("信用额度（元）"), max_length=32, required=False)
    balance = forms.CharField(label=_("应收余额（元）"), max_length=32, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CreditCheckForm(forms.Form):
    amount = forms.CharField(label=_("订单或请求金额（元）"), max_length=32)


class MergeForm(forms.Form):
    survivor = forms.ChoiceField(label=_("保留哪一条"), choices=[])
    reason = forms.CharField(
        label=_("合并原因"), max_length=1000, widget=forms.Textarea
    )

    def __init__(self, *args, candidate, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survivor"].choices = [
            (str(candidate.first_id), candidate.first.name),
            (str(candidate.second_id), candidate.second.name),
        ]


class DismissForm(forms.Form):
    note = forms.CharField(label=_("说明"), max_length=1000)


class HandoverForm(forms.Form):
    """Whose work, one receiver for everything and/or one per kind, and why. The
    per-kind fields are added for the kinds the person holds."""

    from_user = forms.ModelChoiceField(
        label=_("交出工作的人"), queryset=None, empty_label=_("请选择")
    )
    to_user = forms.ModelChoiceField(
        label=_("接收人（全部事项）"),
        queryset=None,
        required=False,
        empty_label=_("请选择"),
        help_text=_("可以只指定这一位，也可以在下面为某类事项另指定接收人。"),
    )
    reason = forms.CharField(
        label=_("交接原因"),
        max_length=1000,
        widget=forms.Textarea,
        help_text=_("例如：离职、调岗到销售部。"),
    )

    def __init__(self, *args, staff, receivers, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_user"].queryset = staff
        self.fields["from_user"].label_from_instance = lambda u: (
            f"{u.name}（{u.username}）" + ("" if u.is_active else str(_("，已停用")))
        )
        self.fields["to_user"].queryset = receivers
        for kind, label in kinds:
            self.fields[f"receivers_{kind}"] = forms.ModelChoiceField(
                label=_("“%(label)s”的接收人") % {"label": label},
                queryset=receivers,
                required=False,
                empty_label=_("同上"),
            )


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("导入内容"), choices=ImportJob.Kind.choices)
    file = forms.FileField(
        label=_("Excel 文件（.xlsx）"),
        help_text=_("请用下方的模板填写；一次最多 50,000 行，文件不超过 10 MB。"),
    )


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=_("开始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=_("结束日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
