"""The doctrine's starting tables — root causes, approval limits, promise wording
and a remedy policy of last resort — written by the migration and, when a
database was emptied (a flush), again by the demo step. Each is editable on the
settings page afterwards; existing rows are never changed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

ROOT_CAUSES = [
    ("equipment", "设备", 10),
    ("material", "材料", 20),
    ("process", "工艺流程", 30),
    ("technique", "技术", 40),
    ("procedure", "作业程序", 50),
    ("people", "人员", 60),
    ("environment", "环境", 70),
    ("other", "其他", 90),
]
LIMITS = [
    ("supervisor", 1, Decimal("500")),
    ("service_manager", 2, Decimal("2000")),
    ("general_manager", 3, None),
]
WORDS = [
    ("赔偿", "赔偿是责任认定后的结果，答复时承诺处理步骤和时间即可。"),
    ("补偿", "补偿的方式和金额须按补救政策确定并获批准。"),
    ("保证", "保证结果的说法一旦做不到，会引起二次投诉。"),
    ("百分之百", "绝对化的承诺无法兑现。"),
    ("一定给您", "承诺了实质结果；请改为承诺处理过程。"),
    ("包赔", "承诺了实质结果；请改为承诺处理过程。"),
    ("绝对", "绝对化的承诺无法兑现。"),
]


def defaults_ensure(apps: Any = None) -> None:
    """Add whichever starting rows are missing (``apps``: a migration's)."""
    if apps is None:
        from django.apps import apps
    get = apps.get_model
    RootCause = get("complaints", "RootCause")
    ApprovalLimit = get("complaints", "ApprovalLimit")
    PromiseWord = get("complaints", "PromiseWord")
    RemedyPolicy = get("complaints", "RemedyPolicy")
    for code, name, order in ROOT_CAUSES:
        RootCause.objects.get_or_create(
            code=code, defaults={"name": name, "sort_order": order}
        )
    for role, rank, amount in LIMITS:
        ApprovalLimit.objects.get_or_create(
            role=role, defaults={"rank": rank, "amount": amount}
        )
    if not PromiseWord.objects.exists():
        for word, explanation in WORDS:
            PromiseWord.objects.create(word=word, explanation=explanation)
    if not RemedyPolicy.objects.filter(category=None, severity="").exists():
        RemedyPolicy.objects.create(
            category=None,
            severity="",
            kind="apology",
            amount=Decimal("0"),
            note="未另行规定时：致歉",
        )
