"""The customer archive (客户档案): customers, their contacts, the dated events of
the relationship (资料卡第二页), access grants to the confidential layer, and the
search documents that find customers by any part of their names and phones."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.models import (
    AppendOnlyQuerySet,
    SoftDeleteModel,
    TimeStampedModel,
    VersionedModel,
)
from core.search import SearchDocument

LIVE = Q(deleted_at__isnull=True)


class Customer(TimeStampedModel, VersionedModel, SoftDeleteModel):
    """An organisation, or a person for consumer business (a complainant need
    not be a company). Credit fields are confidential (see customers.masking)."""

    class Kind(models.TextChoices):
        ORGANISATION = "organisation", _("单位")
        PERSON = "person", _("个人")

    class Ownership(models.TextChoices):
        FOREIGN = "foreign", _("外企")
        PRIVATE = "private", _("民营")
        STATE_OWNED = "state_owned", _("国有")
        OTHER = "other", _("其他")

    class Size(models.TextChoices):
        MICRO = "micro", _("微型")
        SMALL = "small", _("小型")
        MEDIUM = "medium", _("中型")
        LARGE = "large", _("大型")

    class Source(models.TextChoices):
        BUSINESS_CARD = "business_card", _("名片")
        BROCHURE = "brochure", _("企业宣传资料")
        MEDIA = "media", _("报纸、广告或黄页")
        WEBSITE = "website", _("企业网站")
        INTERNAL = "internal", _("公司内部资料")
        REFERRAL = "referral", _("客户推荐")
        SERVICE = "service", _("来电来访登记")
        OTHER = "other", _("其他")

    class Tier(models.TextChoices):
        A = "A", _("A 类（重要客户）")
        B = "B", _("B 类（潜力客户）")
        C = "C", _("C 类（一般客户）")

    class CreditRating(models.TextChoices):
        AAA = "AAA", "AAA"
        AA = "AA", "AA"
        A = "A", "A"
        BBB = "BBB", "BBB"
        BB = "BB", "BB"
        B = "B", "B"
        CCC = "CCC", "CCC"
        CC = "CC", "CC"
        C = "C", "C"

    class CreditTrend(models.TextChoices):
        FIRST = "first", _("首次评估")
        UP = "up", _("上升")
        SAME = "same", _("持平")
        DOWN = "down", _("下降")

    kind = models.CharField(
        _("类型"), max_length=16, choices=Kind, default=Kind.ORGANISATION
    )
    name = models.CharField(_("名称"), max_length=200)
    name_sort = models.CharField(
        _("拼音排序键"), max_length=255, blank=True, editable=False
    )
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    ownership = models.CharField(
        _("所有制"), max_length=16, choices=Ownership, blank=True
    )
    industry = models.CharField(_("行业"), max_length=64, blank=True)
    province = models.CharField(_("省份"), max_length=32, blank=True)
    city = models.CharField(_("城市"), max_length=32, blank=True)
    size = models.CharField(_("规模"), max_length=16, choices=Size, blank=True)
    source = models.CharField(_("信息来源"), max_length=16, choices=Source, blank=True)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    background = models.TextField(_("背景资料"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("客户经理"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_customers",
    )
    referred_by = models.ForeignKey(
        "self",
        verbose_name=_("推荐客户"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    tier = models.CharField(_("客户分级"), max_length=1, choices=Tier, default=Tier.C)
    credit_rating = models.CharField(
        _("信用评级"), max_length=3, choices=CreditRating, blank=True
    )
    credit_limit = models.DecimalField(
        _("信用额度（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    credit_score = models.PositiveSmallIntegerField(_("信用分"), null=True, blank=True)
    credit_balance = models.DecimalField(
        _("应收余额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    credit_assessed_at = models.DateTimeField(_("最近信用评估"), null=True, blank=True)
    credit_trend = models.CharField(
        _("信用变化"), max_length=8, choices=CreditTrend, blank=True
    )
    # What the tier rules propose (a nightly job, see customers.tiers) and whether
    # a person still has to look at it: set when a new proposal differs from the
    # confirmed tier, cleared when someone confirms or overrides it.
    tier_proposed = models.CharField(
        _("建议分级"), max_length=1, choices=Tier, blank=True
    )
    tier_proposed_at = models.DateTimeField(_("建议时间"), null=True, blank=True)
    tier_review = models.BooleanField(_("分级待复核"), default=False)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("已合并到"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
    )
    verified_at = models.DateTimeField(_("最近核实"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核实人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_problem = models.BooleanField(_("问题客户"), default=False)
    problem_reason = models.TextField(_("问题客户原因"), blank=True)
    problem_flagged_at = models.DateTimeField(_("标记时间"), null=True, blank=True)
    problem_flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("标记人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        permissions = [
            ("view_confidential", _("查看所有客户的保密信息")),
            ("assign_owner", _("指定客户经理")),
            ("flag_problem", _("标记问题客户")),
            ("request_grant", _("申请查阅授权")),
            ("decide_grant", _("审批查阅授权")),
            ("export_customers", _("导出客户档案")),
            ("confirm_tier", _("确认或调整客户分级")),
            ("manage_rules", _("设置分级、动态管理规则")),
            ("merge_customers", _("合并重复客户")),
            ("perform_handover", _("办理员工交接")),
            ("import_customers", _("导入客户档案和合作记录")),
        ]
        indexes = [
            models.Index(
                fields=["updated_at", "id"], condition=LIVE, name="customer_recent"
            ),
            models.Index(
                fields=["owner", "updated_at", "id"],
                condition=LIVE,
                name="customer_owner_recent",
            ),
            models.Index(
                fields=["tier", "updated_at", "id"],
                condition=LIVE,
                name="customer_tier_recent",
            ),
            models.Index(
                fields=["kind", "updated_at", "id"],
                condition=LIVE,
                name="customer_kind_recent",
            ),
            models.Index(
                fields=["updated_at", "id"],
                condition=LIVE & Q(is_problem=True),
                name="customer_problem_recent",
            ),
            models.Index(
                fields=["name_sort", "id"], condition=LIVE, name="customer_name_sort"
            ),
            models.Index(
                fields=["created_at", "id"], condition=LIVE, name="customer_created"
            ),
            models.Index(
                fields=["tier_proposed", "id"],
                condition=LIVE & Q(tier_review=True),
                name="customer_tier_review",
            ),
            # Every customer whose proposal differs from its confirmed tier,
            # reviewed or not (the review list's "all differences").
            models.Index(
                fields=["tier_proposed", "id"],
                condition=LIVE & ~Q(tier_proposed="") & ~Q(tier_proposed=F("tier")),
                name="customer_tier_differs",
            ),
            models.Index(
                fields=["credit_assessed_at", "id"],
                condition=LIVE & Q(credit_trend="down"),
                name="customer_credit_worsened",
            ),
            # The review list (动态管理): oldest check first, for everyone or per
            # account manager; a record never verified counts from its creation.
            models.Index(
                Coalesce("verified_at", "created_at"),
                "id",
                condition=LIVE,
                name="customer_freshness",
            ),
            models.Index(
                "owner",
                Coalesce("verified_at", "created_at"),
                "id",
                condition=LIVE,
                name="customer_owner_freshness",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=LIVE & ~Q(credit_code=""),
                name="customer_credit_code_unique",
            ),
            models.CheckConstraint(
                condition=Q(tier__in=["A", "B", "C"]), name="customer_tier_valid"
            ),
            models.CheckConstraint(
                condition=Q(is_problem=False) | ~Q(problem_reason=""),
                name="customer_problem_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(credit_limit__isnull=True) | Q(credit_limit__gte=0),
                name="customer_credit_limit_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(credit_balance__isnull=True) | Q(credit_balance__gte=0),
                name="customer_credit_balance_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(credit_score__isnull=True) | Q(credit_score__lte=100),
                name="customer_credit_score_range",
            ),
            models.CheckConstraint(
                condition=Q(tier_proposed__in=["", "A", "B", "C"]),
                name="customer_tier_proposed_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:customer_detail", args=[self.pk])

    @property
    def region(self) -> str:
        return " ".join(part for part in (self.province, self.city) if part)


class Contact(TimeStampedModel, VersionedModel, SoftDeleteModel):
    """A person at a customer. The public layer is for everyone who reads the
    customer; the private layer (birthday, family, interests, personality,
    relationships) is masked like credit."""

    class DecisionRole(models.TextChoices):
        DECISION_MAKER = "decision_maker", _("决策者")
        INFLUENCER = "influencer", _("影响者")
        PURCHASER = "purchaser", _("采购经办")
        USER = "user", _("使用者")
        OTHER = "other", _("其他")

    class Calendar(models.TextChoices):
        SOLAR = "solar", _("公历")
        LUNAR = "lunar", _("农历")

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("客户"),
        on_delete=models.PROTECT,
        related_name="contacts",
    )
    name = models.CharField(_("姓名"), max_length=64)
    title = models.CharField(_("职务"), max_length=64, blank=True)
    decision_role = models.CharField(
        _("决策角色"), max_length=16, choices=DecisionRole, blank=True
    )
    phone = models.CharField(_("座机"), max_length=32, blank=True)
    mobile = models.CharField(_("手机"), max_length=32, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)
    is_primary = models.BooleanField(_("主要联系人"), default=False)
    birthday_calendar = models.CharField(
        _("生日历法"), max_length=5, choices=Calendar, blank=True
    )
    birthday_year = models.PositiveSmallIntegerField(
        _("出生年份"), null=True, blank=True
    )
    birthday_month = models.PositiveSmallIntegerField(
        _("生日月"), null=True, blank=True
    )
    birthday_day = models.PositiveSmallIntegerField(_("生日日"), null=True, blank=True)
    birthday_leap_month = models.BooleanField(_("闰月"), default=False)
    family = models.TextField(_("家庭情况"), blank=True)
    interests = models.TextField(_("兴趣爱好"), blank=True)
    personality = models.TextField(_("性格分析"), blank=True)
    relationships = models.TextField(_("人际关系"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")
        indexes = [
            models.Index(
                fields=["customer", "id"], condition=LIVE, name="contact_customer"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(birthday_month__isnull=True)
                | Q(birthday_month__gte=1, birthday_month__lte=12),
                name="contact_birthday_month_valid",
            ),
            models.CheckConstraint(
                condition=Q(birthday_day__isnull=True)
                | Q(birthday_day__gte=1, birthday_day__lte=31),
                name="contact_birthday_day_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def phones(self) -> list[str]:
        return [p for p in (self.mobile, self.phone) if p]

    @property
    def birthday_display(self) -> str:
        """公历 3月15日 (1980年), or 农历三月十五 / 闰四月初二, as the contact keeps it."""
        if not (self.birthday_month and self.birthday_day):
            return ""
        if self.birthday_calendar == self.Calendar.LUNAR:
            text = lunar_day_name(
                self.birthday_month, self.birthday_day, leap=self.birthday_leap_month
            )
        else:
            text = _("公历 %(month)s月%(day)s日") % {
                "month": self.birthday_month,
                "day": self.birthday_day,
            }
        if self.birthday_year:
            text += _("（%(year)s年）") % {"year": self.birthday_year}
        return text


LUNAR_MONTHS = "正二三四五六七八九十冬腊"
_DIGITS = "一二三四五六七八九十"


def lunar_day_name(month: int, day: int, *, leap: bool = False) -> str:
    """农历三月十五, 农历闰四月初二 (in English: lunar 3/15, lunar leap 4/2)."""
    if not (get_language() or "zh").startswith("zh"):
        if leap:
            return _("农历闰%(month)s月%(day)s日") % {"month": month, "day": day}
        return _("农历%(month)s月%(day)s日") % {"month": month, "day": day}
    if day <= 10:
        day_name = "初" + _DIGITS[day - 1]
    elif day < 20:
        day_name = "十" + _DIGITS[day - 11]
    elif day == 20:
        day_name = "二十"
    elif day < 30:
        day_name = "廿" + _DIGITS[day - 21]
    else:
        day_name = "三十"
    return f"农历{'闰' if leap else ''}{LUNAR_MONTHS[month - 1]}月{day_name}"


class CustomerEvent(models.Model):
    """A dated event of the relationship (资料卡第二页): a branch opened, a joint
    campaign, where the company is heading. Append-only: a correction is a new event."""

    class Kind(models.TextChoices):
        BRANCH = "branch", _("分支机构")
        CAMPAIGN = "campaign", _("合作宣传")
        COOPERATION = "cooperation", _("合作项目")
        DIRECTION = "direction", _("经营动向")
        PERSONNEL = "personnel", _("人事变动")
        VISIT = "visit", _("拜访交流")
        OTHER = "other", _("其他")

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("客户"),
        on_delete=models.PROTECT,
        related_name="events",
    )
    occurred_on = models.DateField(_("日期"))
    kind = models.CharField(_("类别"), max_length=16, choices=Kind, default=Kind.OTHER)
    title = models.CharField(_("事项"), max_length=120)
    description = models.TextField(_("详细说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("重要事项")
        verbose_name_plural = _("重要事项")
        indexes = [
            models.Index(
                fields=["customer", "occurred_on", "id"], name="event_customer_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.occurred_on:%Y-%m-%d} {self.title}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("relationship events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("relationship events cannot be deleted")


class AccessGrant(models.Model):
    """Time-limited permission for one person to read one customer's confidential
    layer, asked for with a reason and decided by a service manager."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("已拒绝")
        REVOKED = "revoked", _("已收回")
        WITHDRAWN = "withdrawn", _("已撤回")

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("客户"),
        on_delete=models.PROTECT,
        related_name="access_grants",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="access_grants",
    )
    reason = models.TextField(_("申请理由"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status, default=Status.PENDING
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    expires_at = models.DateTimeField(_("有效期至"), null=True, blank=True)

    class Meta:
        verbose_name = _("查阅授权")
        verbose_name_plural = _("查阅授权")
        indexes = [
            models.Index(
                fields=["requested_by", "customer", "expires_at"],
                condition=Q(status="approved"),
                name="grant_live_lookup",
            ),
            models.Index(fields=["status", "requested_at", "id"], name="grant_queue"),
            models.Index(
                fields=["requested_by", "requested_at", "id"], name="grant_mine"
            ),
            models.Index(
                fields=["customer", "requested_at", "id"], name="grant_customer"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "requested_by"],
                condition=Q(status="pending"),
                name="grant_one_pending_per_person",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(expires_at__isnull=False),
                name="grant_approved_has_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requested_by} → {self.customer}"

    def is_live(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.status == self.Status.APPROVED
            and self.expires_at is not None
            and self.expires_at > now
        )

    @property
    def is_expired(self) -> bool:
        return self.status == self.Status.APPROVED and not self.is_live()

    @property
    def status_label(self) -> str:
        if self.is_expired:
            return str(_("已过期"))
        return self.get_status_display()


class CustomerSearchDocument(SearchDocument):
    """What a customer is found by: names, pinyin, phones, credit code, contacts."""

    object = models.OneToOneField(
        Customer, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )

    def __str__(self) -> str:
        return f"search document of customer {self.object_id}"
