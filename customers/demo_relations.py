"""Demo data of the relationship: transactions that fit each customer's tier,
credit assessments with their history (some ratings worsened), tiers proposed by
the rules and confirmed by the service manager (a few still waiting on the review
list), and two duplicate records for the freshness pages. Run at the end of the
archive's demo step (customers.demo)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import F

from core.demo import DemoContext
from customers.freshness import duplicates_find
from customers.models import (
    RATING_ORDER,
    CreditAssessment,
    Customer,
    CustomerSearchDocument,
    TierChange,
    Transaction,
)
from customers.search import customer_index, name_sort_key
from customers.tiers import tiers_propose

SERVICES = [
    ("华东干线整车运输", 30_000, 150_000),
    ("城市共同配送（月结）", 8_000, 60_000),
    ("仓储服务（月结）", 20_000, 120_000),
    ("冷链运输", 15_000, 90_000),
    ("进口货物清关及配送", 25_000, 200_000),
    ("电商大促仓配一体项目", 50_000, 300_000),
    ("零担快运", 2_000, 20_000),
]
PERSONAL = [("家具配送安装", 300, 3_000), ("搬家服务", 800, 5_000)]
CREDIT_NOTES = [
    "查阅工商登记信息，经营状态正常；近一年付款及时。",
    "走访客户财务部，了解到回款周期约 45 天，资金面稳定。",
    "同业反映该客户近期付款有所拖延，需关注。",
    "银行资信证明显示授信充足，经营规模扩大。",
    "应收余额接近额度上限，已提醒客户经理跟进回款。",
]
PENDING_REVIEWS = 12


def _day(rng, start: dt.date, end: dt.date) -> dt.date:
    span = max((end - start).days, 0)
    return start + dt.timedelta(days=rng.randint(0, span))


def _yuan(rng, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low // 100, high // 100) * 100)


def _transactions(ctx: DemoContext, customers: list[Customer], users) -> None:
    rng, today = ctx.rng, ctx.now.date()
    year_ago = today - dt.timedelta(days=365)
    deals: list[Transaction] = []
    seq = 0
    for customer in customers:
        start = max(customer.created_at.date(), today - dt.timedelta(days=1500))
        recent_from = max(start, year_ago)
        if customer.kind == Customer.Kind.PERSON:
            plan = [(PERSONAL, today - dt.timedelta(days=700), 0, 2)]
        elif customer.tier == Customer.Tier.A:
            plan = [(SERVICES, recent_from, 7, 14), (SERVICES, start, 3, 10)]
        elif customer.tier == Customer.Tier.B:
            plan = [(SERVICES, recent_from, 1, 4), (SERVICES, start, 0, 3)]
        else:
            plan = [(SERVICES[-2:], start, 0, 3)]
        for catalogue, since, low, high in plan:
            since = max(since, start)
            for _ in range(rng.randint(low, high)):
                what, least, most = rng.choice(catalogue)
                seq += 1
                deals.append(
                    Transaction(
                        customer=customer,
                        occurred_on=_day(rng, since, today),
                        amount=_yuan(rng, least, most),
                        description=what,
                        external_ref=f"HD{seq:06d}" if rng.random() < 0.7 else "",
                        source=rng.choice(
                            [Transaction.Source.ENTERED, Transaction.Source.API]
                        ),
                        created_by=customer.owner or users["supervisor"],
                    )
                )
    Transaction.objects.bulk_create(deals, batch_size=1000)


def _credit(ctx: DemoContext, customers: list[Customer], users) -> None:
    rng, now = ctx.rng, ctx.now
    assessments: list[CreditAssessment] = []
    for customer in customers:
        if not customer.credit_rating:
            continue
        final = customer.credit_rating
        history = [final]
        for _ in range(rng.randint(0, 2)):
            i = RATING_ORDER.index(history[0]) + rng.choice([-1, 0, 1])
            history.insert(0, RATING_ORDER[min(max(i, 0), len(RATING_ORDER) - 1)])
        if rng.random() < 0.12 and RATING_ORDER.index(final) > 0:  # worsened lately
            history.insert(-1, RATING_ORDER[RATING_ORDER.index(final) - 1])
        limit = customer.credit_limit or Decimal("100000")
        days = sorted(rng.sample(range(20, 700), len(history)), reverse=True)
        previous = ""
        for rating, ago in zip(history, days, strict=True):
            at = now - dt.timedelta(days=ago)
            trend = _trend(previous, rating)
            assessments.append(
                CreditAssessment(
                    customer=customer,
                    assessed_on=at.date(),
                    sources=rng.sample(["registry", "bank", "finance", "trade"], 2),
                    notes=rng.choice(CREDIT_NOTES),
                    score=max(30, 95 - RATING_ORDER.index(rating) * 8),
                    rating=rating,
                    limit=limit,
                    balance=(limit * Decimal(rng.randint(0, 110)) / 100).quantize(
                        Decimal("1")
                    ),
                    previous_rating=previous,
                    trend=trend,
                    assessed_by=customer.owner or users["manager"],
                    created_at=at,
                )
            )
            previous = rating
        latest = assessments[-1]
        customer.credit_score = latest.score
        customer.credit_balance = latest.balance
        customer.credit_assessed_at = latest.created_at
        customer.credit_trend = latest.trend
    CreditAssessment.objects.bulk_create(assessments, batch_size=1000)
    Customer.objects.bulk_update(
        [c for c in customers if c.credit_rating],
        ["credit_score", "credit_balance", "credit_assessed_at", "credit_trend"],
        batch_size=500,
    )


def _trend(previous: str, rating: str) -> str:
    if not previous:
        return Customer.CreditTrend.FIRST
    before, after = RATING_ORDER.index(previous), RATING_ORDER.index(rating)
    if after > before:
        return Customer.CreditTrend.DOWN
    return Customer.CreditTrend.UP if after < before else Customer.CreditTrend.SAME


def _tiers(ctx: DemoContext, customers: list[Customer], users) -> None:
    """Start each history at registration, let the rules propose, and have the
    service manager confirm the proposals, but for a few left to review."""
    rng, now = ctx.rng, ctx.now
    TierChange.objects.bulk_create(
        [
            TierChange(
                customer=c,
                kind=TierChange.Kind.INITIAL,
                to_tier=c.tier,
                reason="登记客户时设定",
                changed_by=c.created_by,
                changed_at=c.created_at,
            )
            for c in customers
        ],
        batch_size=1000,
    )
    tiers_propose()
    waiting = list(
        Customer.objects.filter(tier_review=True).values_list(
            "pk", "tier", "tier_proposed"
        )
    )
    rng.shuffle(waiting)
    confirmed = waiting[PENDING_REVIEWS:]
    when = now - dt.timedelta(days=rng.randint(3, 20))
    TierChange.objects.bulk_create(
        [
            TierChange(
                customer_id=pk,
                kind=TierChange.Kind.CONFIRM,
                from_tier=tier,
                to_tier=proposed,
                proposed_tier=proposed,
                reason="年度分级复核：按近一年合作情况确认系统建议。",
                changed_by=users["manager"],
                changed_at=when,
            )
            for pk, tier, proposed in confirmed
        ],
        batch_size=1000,
    )
    for tier in Customer.Tier.values:
        Customer.objects.filter(
            pk__in=[pk for pk, _t, proposed in confirmed if proposed == tier]
        ).update(tier=tier, tier_review=False, version=F("version") + 1)


def _duplicates(ctx: DemoContext, customers: list[Customer], users) -> None:
    """Two archives registered twice by another department (similar name, same
    phone), for the duplicate list."""
    rng = ctx.rng
    organisations = [c for c in customers if c.kind == Customer.Kind.ORGANISATION]
    copies = []
    for original in rng.sample(organisations, 2):
        name = original.name.replace("有限公司", "").replace("股份", "")
        copies.append(
            Customer(
                kind=Customer.Kind.ORGANISATION,
                name=name,
                name_sort=name_sort_key(name),
                phone=original.phone,
                province=original.province,
                city=original.city,
                industry=original.industry,
                source=Customer.Source.SERVICE,
                created_by=users["transport"],
                created_at=ctx.now - dt.timedelta(days=rng.randint(3, 30)),
            )
        )
    Customer.objects.bulk_create(copies)
    CustomerSearchDocument.objects.bulk_create(
        [
            CustomerSearchDocument(object=c, text=t, tokens=k)
            for c, (t, k) in ((c, customer_index.document(c)) for c in copies)
        ]
    )
    TierChange.objects.bulk_create(
        [
            TierChange(
                customer=c,
                kind=TierChange.Kind.INITIAL,
                to_tier=c.tier,
                reason="登记客户时设定",
                changed_by=users["transport"],
                changed_at=c.created_at,
            )
            for c in copies
        ]
    )
    tiers_propose(customer_ids=[c.pk for c in copies])
    duplicates_find()


def build(ctx: DemoContext) -> None:
    users = ctx.made["users"]
    customers: list[Customer] = ctx.made["customers"]
    _transactions(ctx, customers, users)
    _credit(ctx, customers, users)
    _tiers(ctx, customers, users)
    _duplicates(ctx, customers, users)
