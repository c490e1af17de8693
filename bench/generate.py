"""Generate a benchmark database: staff, customers with contacts, tickets with their
timelines and the search documents of both, written with bulk inserts (COPY on
PostgreSQL, executemany in one transaction on SQLite).

    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.generate --tickets 1000000

The database must be freshly migrated (ids are given here, from 1). Everything comes
from one seeded random generator: the same arguments give the same data.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import functools
import itertools
import json
import multiprocessing
import os
import random
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

UTC = dt.UTC
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
BENCH_PASSWORD = "Kefu-bench-2026!"
BENCH_USER = "agent001"  # an agent of 客户服务部: the benchmark logs in as this user
BATCH = 20_000

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国志文博宇浩然思琪欣怡子涵梓轩一诺雨桐晨阳佳怡嘉豪俊杰晓东海峰春梅秋菊冬雪立新德明美玲"
CITIES = [
    ("上海", "上海"),
    ("北京", "北京"),
    ("广东", "广州"),
    ("广东", "深圳"),
    ("浙江", "杭州"),
    ("浙江", "宁波"),
    ("江苏", "南京"),
    ("江苏", "苏州"),
    ("四川", "成都"),
    ("湖北", "武汉"),
    ("山东", "青岛"),
    ("福建", "厦门"),
    ("天津", "天津"),
    ("重庆", "重庆"),
    ("陕西", "西安"),
    ("湖南", "长沙"),
]
TRADES = [
    "贸易",
    "物流",
    "科技",
    "食品",
    "电器",
    "服饰",
    "医药",
    "建材",
    "汽车配件",
    "家居",
    "电子",
    "化工",
    "印刷",
    "餐饮",
    "酒店管理",
    "农业",
    "文化传媒",
    "机械设备",
]
WORDS = [
    "华",
    "盛",
    "远",
    "通",
    "达",
    "恒",
    "信",
    "泰",
    "安",
    "鑫",
    "宏",
    "瑞",
    "丰",
    "海",
    "联",
    "创",
    "金",
    "星",
    "辰",
    "和",
    "润",
    "嘉",
    "新",
    "锦",
    "益",
    "隆",
    "东",
    "方",
]
FORMS = ["有限公司", "股份有限公司", "有限责任公司", "商贸行", "集团有限公司"]
ENGLISH = [
    "Global Trading Co., Ltd.",
    "Pacific Logistics",
    "Sunrise Electronics",
    "Blue Ocean Foods",
    "Evergreen Home",
    "Nova Parts Ltd.",
]
PRODUCTS = [
    "冷链配送",
    "整车运输",
    "零担快运",
    "仓储服务",
    "同城配送",
    "国际快递",
    "家电安装",
    "净水器",
    "空气净化器",
    "智能门锁",
    "扫地机器人",
    "电热水器",
    "Model X200 路由器",
    "SmartHome Hub",
    "会员服务",
    "售后维修",
]
ISSUES = {
    "complaint": [
        "货物破损",
        "配送延误",
        "服务态度差",
        "少发漏发",
        "错发商品",
        "安装不及时",
        "维修后仍有故障",
        "收费不透明",
        "客服电话打不通",
        "虚假宣传",
    ],
    "inquiry": [
        "查询物流进度",
        "咨询价格",
        "咨询保修政策",
        "询问发票开具",
        "咨询使用方法",
        "询问到货时间",
        "咨询会员权益",
    ],
    "request": [
        "申请退货",
        "预约上门安装",
        "更改收货地址",
        "补开发票",
        "申请换货",
        "预约维修",
        "申请延期配送",
    ],
    "suggestion": [
        "建议增加夜间配送",
        "建议优化包装",
        "建议开通微信查询",
        "建议简化退货流程",
    ],
    "praise": ["表扬配送员服务周到", "感谢客服耐心解答", "表扬安装师傅专业"],
    "aftersales": ["安装后回访", "维修后回访", "投诉处理结果回访", "满意度回访"],
}
DETAILS = [
    "客户来电反映{issue}，订单号{order}，要求尽快处理并给予答复。",
    "客户称{product}在{day}出现问题，情绪{mood}，希望公司给出合理解释。",
    "{issue}：客户表示已经多次联系，此前的处理结果不满意，要求主管跟进。",
    "客户通过{channel}反映{product}相关问题，附上照片和单据，请相关部门核实。",
    "Customer reports: {english}. 客户要求在三个工作日内回复。",
    "客户要求核实运单{order}的签收情况，并说明{issue}的原因。",
]
ENGLISH_LINES = [
    "parcel arrived damaged",
    "delivery was two days late",
    "the invoice amount is wrong",
    "please call back after 6 pm",
    "device stops working after update",
    "requesting a refund",
]
REPLIES = [
    "您好，您反映的问题我们已经记录，将在24小时内给您答复。",
    "经核实，货物已重新安排发出，预计明日送达，给您带来不便深表歉意。",
    "已为您办理退货手续，款项将在3至5个工作日内原路退回。",
    "维修师傅将于明天上午上门，请保持电话畅通。",
    "感谢您的宝贵意见，我们会转交相关部门研究改进。",
]
NOTES = [
    "已联系运输部核实签收记录。",
    "客户情绪较激动，需要主管关注。",
    "仓储部回复：批次库存正常。",
    "已电话回访，客户表示理解。",
    "需要财务部确认退款进度。",
    "Vendor confirmed the defect, replacement on the way.",
]
ASSESSMENTS = [
    "客户所述情况属实，属于有效投诉。",
    "经核对订单和签收记录，情况基本属实。",
    "客户诉求与事实不符，已向客户说明。",
    "同一批次多位客户反映，按有效投诉处理。",
]
FINDINGS = [
    "调查确认配送环节未按约定时间派送，司机排班不足。",
    "仓库出库前未做外观检查，包装破损导致商品受损。",
    "安装人员未按规范操作，已安排复训。",
    "系统价格配置错误，已更正并通知相关部门。",
    "Carrier scanned the parcel late; route changed without notice.",
]
FOLLOW_UPS = [
    "电话回访，客户对处理结果表示满意。",
    "回访时客户认为处理偏慢，但接受补救方案。",
    "客户未接电话，已短信回访。",
    "客户表示满意，并希望今后提前告知延误。",
]

TYPE_WEIGHTS = [
    ("inquiry", 35),
    ("complaint", 20),
    ("request", 25),
    ("suggestion", 7),
    ("praise", 5),
    ("aftersales", 8),
]
CHANNEL_WEIGHTS = [
    ("phone", 45),
    ("wechat", 20),
    ("email", 10),
    ("portal", 12),
    ("sms", 3),
    ("visit", 3),
    ("letter", 2),
    ("api", 4),
    ("other", 1),
]
OPEN_STATUSES = [
    "new",
    "accepted",
    "assessing",
    "investigating",
    "replied",
    "follow_up",
    "waiting_customer",
]
DEPARTMENTS = [
    ("cs", "客户服务部"),
    ("transport", "运输部"),
    ("warehouse", "仓储部"),
    ("sales", "销售部"),
    ("finance", "财务部"),
    ("admin", "综合管理部"),
]


@dataclass
class Volumes:
    tickets: int
    customers: int = 0
    contacts: int = 0
    events_per_ticket: float = 5.0
    staff: int = 200
    months: int = 12

    def __post_init__(self) -> None:
        self.customers = self.customers or max(10, self.tickets // 10)
        self.contacts = self.contacts or int(self.customers * 2.5)


@dataclass
class Report:
    volumes: dict
    seconds: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> Callable[[], str]:
    values = [v for v, _ in pairs]
    cum = list(itertools.accumulate(w for _, w in pairs))
    total = cum[-1]
    return lambda: values[bisect.bisect_right(cum, rng.random() * total)]


class Writer:
    """Bulk rows into tables: COPY on PostgreSQL, executemany on SQLite. Values are
    plain Python; naive datetimes are UTC."""

    def __init__(
        self,
        connection,
        *,
        report: Report | None = None,
        log: Callable[[str], None] = print,
    ) -> None:
        self.connection = connection
        self.vendor = connection.vendor
        self.report = report or Report(volumes={})
        self.log = log
        self.began = self.mark = time.monotonic()
        self.spent: dict[str, float] = {}  # seconds per table written, per statement
        connection.ensure_connection()
        self.raw = connection.connection
        if self.vendor == "sqlite" and not self.raw.in_transaction:
            cur = self.raw.cursor()
            for pragma in (
                "synchronous=OFF",
                "cache_size=-1000000",
                "temp_store=MEMORY",
            ):
                cur.execute(f"PRAGMA {pragma}")
        self.time_setup()

    def time_setup(self) -> None:
        # a naive UTC datetime as the database takes it
        if self.vendor == "sqlite":
            self.time = lambda v: None if v is None else v.isoformat(" ")
        else:
            self.time = lambda v: None if v is None else v.replace(tzinfo=UTC)

    def value(self, v: Any) -> Any:
        if isinstance(v, dt.datetime):
            return self.time(v)
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, dict):
            # a JSON text: SQLite stores it as it is, COPY hands it to jsonb's input
            return json.dumps(v, ensure_ascii=False)
        return v

    def rows(
        self, table: str, columns: list[str], rows: Iterable[tuple], *, ready=False
    ) -> int:
        """Write rows; ``ready``: the values are already as the database takes them."""
        if not ready:
            value = self.value
            rows = (tuple(value(v) for v in row) for row in rows)
        count = 0
        t0 = time.monotonic()
        cols = ", ".join(f'"{c}"' for c in columns)
        if self.vendor == "postgresql":
            copy_sql = f'COPY "{table}" ({cols}) FROM STDIN'
            with self.raw.cursor() as cur, cur.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            sql = f'INSERT INTO "{table}" ({cols}) VALUES ({", ".join("?" * len(columns))})'
            cur = self.raw.cursor()
            rows = iter(rows)
            while batch := list(itertools.islice(rows, BATCH)):
                cur.executemany(sql, batch)
                count += len(batch)
        self.spent[table] = self.spent.get(table, 0.0) + time.monotonic() - t0
        return count

    def phase(self, name: str, **counts: int) -> None:
        """A phase is over: its seconds (since the previous one) and counts."""
        now = time.monotonic()
        self.report.seconds[name] = round(now - self.mark, 1)
        self.report.counts.update(counts)
        self.mark = now
        shown = ", ".join(f"{k} {v:,}" for k, v in counts.items())
        self.log(
            f"{name}: {self.report.seconds[name]} s" + (f" ({shown})" * bool(shown))
        )

    def prepared(self, f, v: Any) -> Any:
        """One value of field ``f`` as the ORM would save it (datetimes in UTC)."""
        if v is None:
            return None
        if f.get_internal_type() == "DateTimeField":
            if v.tzinfo is not None:
                v = v.astimezone(UTC).replace(tzinfo=None)
            return self.time(v)
        return self.value(f.get_db_prep_save(v, self.connection))

    def indexes_drop(self, tables: list[str]) -> list[str]:
        """Drop the secondary indexes (and on PostgreSQL the foreign keys) of these
        tables for a bulk load; returns the statements that make them again exactly
        as the schema had them (read from sqlite_master / pg_indexes)."""
        again = []
        with self.connection.cursor() as cur:
            if self.vendor == "sqlite":
                cur.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                    f"sql IS NOT NULL AND tbl_name IN ({', '.join('%s' for _ in tables)}) "
                    "ORDER BY name",
                    tables,
                )
                for name, sql in cur.fetchall():
                    cur.execute(f'DROP INDEX "{name}"')
                    again.append(sql)
                return again
            # the checks already queued (the staff's) are made now: a table with
            # pending checks cannot lose a key
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute(
                "SELECT c.conrelid::regclass::text, c.conname, "
                "pg_get_constraintdef(c.oid) FROM pg_constraint c "
                "WHERE c.contype = 'f' AND c.conrelid = ANY(%s::regclass[]) "
                "ORDER BY 1, 2",
                [tables],
            )
            for table, name, definition in cur.fetchall():
                cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                again.append(
                    f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
                )
            cur.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.contype IN "
                "('p', 'u', 'x') AND c.conindid = "
                "(quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass) "
                "ORDER BY 1",
                [tables],
            )
            for name, definition in cur.fetchall():
                if " USING gin " in definition:
                    # kept: a GIN index built afterwards costs as much as one
                    # filled during the COPY (its pending list), and the server
                    # fills it while this process is making the next rows
                    continue
                cur.execute(f'DROP INDEX "{name}"')
                again.insert(0, definition)  # indexes first, then the keys' checks
        return again

    def statements(self, sql: list[str]) -> None:
        with self.connection.cursor() as cur:
            if self.vendor == "postgresql":
                cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for statement in sql:
                t0 = time.monotonic()
                cur.execute(statement)
                self.spent[statement] = time.monotonic() - t0
            if self.vendor == "postgresql":
                cur.execute("SET CONSTRAINTS ALL DEFERRED")

    def sequences_reset(self, models: list) -> None:
        from django.core.management.color import no_style

        sql = self.connection.ops.sequence_reset_sql(no_style(), models)
        with self.connection.cursor() as cur:
            for statement in sql:
                cur.execute(statement)


class Producer(Writer):
    """A writer for the producer process: rows, made ready as the database takes
    them, and phases are sent through a pipe to the process that writes them."""

    def __init__(self, writer: Writer, pipe) -> None:
        self.connection, self.vendor = writer.connection, writer.vendor
        self.pipe = pipe
        self.time_setup()

    def rows(
        self, table: str, columns: list[str], rows: Iterable[tuple], *, ready=False
    ) -> int:
        if ready:
            rows = list(rows)
        else:
            value = self.value
            rows = [tuple(value(v) for v in row) for row in rows]
        self.pipe.send(("rows", table, columns, rows))
        return len(rows)

    def phase(self, name: str, **counts: int) -> None:
        self.pipe.send(("phase", name, counts))


class Layout:
    """The columns of a model's table for plain-tuple rows: first the ones the
    generator gives (``names``, attribute names), then every other column with its
    default, prepared once as the ORM would save it."""

    def __init__(self, writer: Writer, model, names: list[str]) -> None:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(names) - set(fields)
        if unknown:
            raise ValueError(f"{model.__name__} has no field {sorted(unknown)}")
        rest = [f for f in model._meta.concrete_fields if f.attname not in names]
        self.table = model._meta.db_table
        self.columns = [fields[n].column for n in names] + [f.column for f in rest]
        self.tail = tuple(writer.prepared(f, f.get_default()) for f in rest)


class Related(list):
    """A list that answers ``.all()`` like a prefetched related manager."""

    def all(self) -> Related:
        return self


class Documents:
    """The product's search documents (``SearchIndex.document``) of many objects,
    with the costly steps memoized per text piece. A document's text is its parts'
    normalised lines joined, and its tokens are the union of the tokens of the
    lines' runs (``core.search``: a token never spans two runs, and a run's tokens
    do not depend on its neighbours). So a part seen before (a subject, a product,
    a frequent customer's name) is not normalised again, and a run seen before
    (a phrase of a description, the day of a ticket number, a phone) is not
    tokenized again; only the new runs (an order number) are."""

    CACHE_MAX = 100_000  # parts and runs kept each; a cache starts again when full

    def __init__(self, writer: Writer, index) -> None:
        from core.search import _RUNS, document_tokens, normalize

        self.parts = index.parts
        self.normalize, self.document_tokens = normalize, document_tokens
        self.runs_of = _RUNS.finditer
        self.lines: dict[str, tuple[str, frozenset]] = {}
        self.runs: dict[str, frozenset] = {}
        self.postgresql = writer.vendor == "postgresql"

    def line(self, part: str) -> tuple[str, frozenset]:
        """(normalised line, tokens) of one part."""
        hit = self.lines.get(part)
        if hit is None:
            text = self.normalize(part).strip()
            tokens: set[str] = set()
            runs = self.runs
            for match in self.runs_of(text):
                run = match.group()
                mine = runs.get(run)
                if mine is None:
                    if len(runs) >= self.CACHE_MAX:
                        runs.clear()
                    mine = runs[run] = frozenset(self.document_tokens(run))
                tokens |= mine
            hit = (text, frozenset(tokens))
            if len(self.lines) >= self.CACHE_MAX:
                self.lines.clear()
            self.lines[part] = hit
        return hit

    def document(self, obj: Any) -> tuple[str, list[str]]:
        """(normalised text, sorted tokens), equal to ``index.document(obj)``."""
        get, line = self.lines.get, self.line
        hits = [get(part) or line(part) for part in self.parts(obj) if part]
        text = "\n".join([hit[0] for hit in hits if hit[0]])
        return text, sorted(frozenset().union(*[hit[1] for hit in hits]))

    def row(self, obj: Any) -> tuple:
        """(pk, text, tokens) as the database takes them."""
        text, tokens = self.document(obj)
        return obj.pk, text, tokens if self.postgresql else " ".join(tokens)


class Pinyin:
    """customers.search's pinyin of a text (``_syllables``), memoized per word of
    pypinyin's own segmentation instead of per text: pypinyin converts each word
    of the segmentation on its own, and the names here are made of a few hundred
    distinct words but hundreds of thousands of distinct combinations. Use as a
    context manager: the product's function is swapped in for the generation only."""

    def __init__(self) -> None:
        from pypinyin.core import Pinyin as Segmenter

        from customers import search

        self.search = search
        self.product = search._syllables
        self.seg = Segmenter().seg
        self.word = functools.lru_cache(maxsize=None)(self.product.__wrapped__)
        self.fast = functools.lru_cache(maxsize=4096)(self.syllables)

    def syllables(self, text: str) -> tuple[str, ...]:
        word = self.word
        return tuple(s for w in self.seg(text) for s in word(w))

    def __enter__(self) -> Pinyin:
        self.search._syllables = self.fast
        return self

    def __exit__(self, *exc) -> None:
        self.search._syllables = self.product


def _ticket_text(
    rng: random.Random, kind: str, local_day: dt.date, channel_name: str
) -> tuple[str, str, str, str]:
    """A ticket's product, issue, order number and description (the draws in the
    order the generator has always made them)."""
    product = rng.choice(PRODUCTS)
    issue = rng.choice(ISSUES[kind])
    order = f"{rng.choice(['SF', 'YT', 'JD', 'DD'])}{rng.randrange(10**11, 10**12)}"
    description = rng.choice(DETAILS).format(
        issue=issue,
        order=order,
        product=product,
        day=f"{local_day.month}月{local_day.day}日",
        mood=rng.choice(["平静", "不满", "激动"]),
        channel=channel_name,
        english=rng.choice(ENGLISH_LINES),
    )
    return product, issue, order, description


def registration(rng: random.Random, now: dt.datetime) -> dict:
    """A ticket as an agent registers it through the API, drawn as the generated
    tickets are (type, channel, issue, product, description), so that the
    benchmark's own registrations, the newest tickets of every later run, read
    like the rest: the searches' newest window stays a sample of the year."""
    from tickets.models import Ticket

    kind = _weighted(rng, TYPE_WEIGHTS)()
    channel = _weighted(rng, CHANNEL_WEIGHTS)()
    product, issue, order, description = _ticket_text(
        rng, kind, now.astimezone(SHANGHAI), str(dict(Ticket.Channel.choices)[channel])
    )
    return {
        "type": kind,
        "channel": channel,
        "subject": f"{issue}（{product}）",
        "description": description,
        "product": product,
        "order_ref": order,
    }


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(
        rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))
    )


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def staff_build(volumes: Volumes, now: dt.datetime) -> dict:
    """Departments and 200 staff with their roles; agent001 is the benchmark's user."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from accounts.models import Department, User
    from accounts.roles import Role

    rng = random.Random(1)
    departments = {}
    for order, (code, name) in enumerate(DEPARTMENTS):
        departments[code], _ = Department.objects.get_or_create(
            code=code, defaults={"name": name, "sort_order": (order + 1) * 10}
        )
    groups = {g.name: g for g in Group.objects.all()}
    password = make_password(BENCH_PASSWORD)
    plan = [
        ("agent", Role.AGENT, "cs", 120),
        ("supervisor", Role.SUPERVISOR, "cs", 10),
        ("manager", Role.SERVICE_MANAGER, "cs", 2),
        ("gm", Role.GENERAL_MANAGER, "admin", 1),
    ]
    rest = volumes.staff - sum(n for *_, n in plan)
    others = [c for c, _ in DEPARTMENTS if c not in ("cs", "admin")]
    for code in others:
        plan.append((f"{code}mgr", Role.DEPARTMENT_MANAGER, code, 1))
    rest -= len(others)
    for i, code in enumerate(others):
        plan.append(
            (
                code,
                Role.DEPARTMENT_STAFF,
                code,
                rest // len(others) + (i < rest % len(others)),
            )
        )
    users: dict[str, list] = {}
    for prefix, role, code, n in plan:
        for i in range(1, n + 1):
            user = User.objects.create(
                username=f"{prefix}{i:03d}"
                if n > 1 or prefix in ("agent", "supervisor")
                else prefix,
                display_name=_person(rng),
                department=departments[code],
                email=f"{prefix}{i:03d}@bench.kefu.invalid",
                password=password,
                password_changed_at=now,
            )
            user.groups.set([groups[role.value]])
            users.setdefault(role.value, []).append(user)
    supervisors = users[Role.SUPERVISOR.value]
    Department.objects.filter(code="cs").update(dispatcher=supervisors[0])
    for code in others:
        mgr = next(
            u
            for u in users[Role.DEPARTMENT_MANAGER.value]
            if u.department_id == departments[code].pk
        )
        Department.objects.filter(code=code).update(dispatcher=mgr)
    from complaints.models import RootCause

    root_causes = list(
        RootCause.objects.filter(is_active=True).values_list("pk", flat=True)
    )
    return {"departments": departments, "users": users, "root_causes": root_causes}


def _company(rng: random.Random) -> str:
    if rng.random() < 0.04:
        return rng.choice(ENGLISH) + f" ({rng.choice(CITIES)[1]})"
    city = rng.choice(CITIES)[1]
    return (
        city
        + rng.choice(WORDS)
        + rng.choice(WORDS)
        + rng.choice(TRADES)
        + rng.choice(FORMS)
    )


def customers_build(
    writer: Writer,
    volumes: Volumes,
    staff: dict,
    start: dt.datetime,
    now: dt.datetime,
    rng: random.Random,
) -> tuple[list, list]:
    """Customers, their contacts and the customers' search documents. Returns the
    customers and their contacts (plain objects with the fields the tickets and
    the search documents read)."""
    from customers.models import Contact, Customer, CustomerSearchDocument
    from customers.search import customer_index, name_sort_key

    agents = staff["users"]["agent"]
    span = (now - start).total_seconds()
    time_ = writer.time
    customer_layout = Layout(
        writer,
        Customer,
        ["id", "kind", "name", "name_sort", "province", "city", "industry", "phone",
         "email", "owner_id", "tier", "created_at", "updated_at"],
    )  # fmt: skip
    contact_layout = Layout(
        writer,
        Contact,
        ["id", "customer_id", "name", "title", "mobile", "is_primary", "created_at",
         "updated_at"],
    )  # fmt: skip
    customer_tail, contact_tail = customer_layout.tail, contact_layout.tail
    customers, contacts_of = [], []
    customer_rows, contact_rows = [], []
    contact_id = 0
    # contacts spread so that the total is volumes.contacts (at least one each)
    extra = volumes.contacts - volumes.customers
    for cid in range(1, volumes.customers + 1):
        person = rng.random() < 0.3
        name = _person(rng) if person else _company(rng)
        province, city = rng.choice(CITIES)
        created = start - dt.timedelta(days=rng.randrange(0, 700))
        industry = "" if person else rng.choice(TRADES)
        phone = (
            _mobile(rng)
            if person
            else f"0{rng.randrange(10, 999)}-{rng.randrange(10**7, 10**8)}"
        )
        email = f"c{cid}@example.com" if rng.random() < 0.5 else ""
        owner_id = rng.choice(agents).pk if rng.random() < 0.6 else None
        tier = rng.choice("AABBBCCCCC")
        updated = start + dt.timedelta(seconds=rng.random() * span)
        created_db = time_(created)
        customer_rows.append(
            (cid, "person" if person else "organisation", name, name_sort_key(name),
             province, city, industry, phone, email, owner_id, tier, created_db,
             time_(updated), *customer_tail)
        )  # fmt: skip
        n = 1 + (extra * 2 // volumes.customers if rng.random() < 0.5 else 0)
        n = max(1, min(n, 1 + extra)) if extra > 0 else 1
        extra -= n - 1
        mine = Related()
        for k in range(n):
            contact_id += 1
            contact_name = _person(rng)
            title = rng.choice(["经理", "采购主管", "财务", "行政", "店长", ""])
            mobile = _mobile(rng)
            contact_rows.append(
                (contact_id, cid, contact_name, title, mobile, k == 0, created_db,
                 created_db, *contact_tail)
            )  # fmt: skip
            mine.append(
                SimpleNamespace(
                    pk=contact_id, name=contact_name, mobile=mobile, phone="", email=""
                )
            )
        customers.append(
            SimpleNamespace(
                pk=cid, name=name, phone=phone, email=email, credit_code="",
                contacts=mine, created_db=created_db,
            )
        )  # fmt: skip
        contacts_of.append(mine)
    # the remainder (rounding) goes to the first customers
    cid = 0
    while extra > 0:
        contact_id += 1
        c = customers[cid % len(customers)]
        contact_name = _person(rng)
        mobile = _mobile(rng)
        contact_rows.append(
            (contact_id, c.pk, contact_name, "", mobile, False, c.created_db,
             c.created_db, *contact_tail)
        )  # fmt: skip
        contacts_of[cid % len(customers)].append(
            SimpleNamespace(
                pk=contact_id, name=contact_name, mobile=mobile, phone="", email=""
            )
        )
        extra -= 1
        cid += 1
    writer.rows(
        customer_layout.table, customer_layout.columns, customer_rows, ready=True
    )
    writer.rows(contact_layout.table, contact_layout.columns, contact_rows, ready=True)
    documents = Documents(writer, customer_index)
    writer.rows(
        CustomerSearchDocument._meta.db_table,
        ["object_id", "text", "tokens"],
        map(documents.row, customers),
        ready=True,
    )
    return customers, contacts_of


def tickets_build(
    writer: Writer,
    volumes: Volumes,
    staff: dict,
    customers: list,
    contacts_of: list,
    start: dt.datetime,
    now: dt.datetime,
    rng: random.Random,
) -> None:
    from django.conf import settings

    from accounts.roles import Role
    from complaints.models import Complaint
    from tickets.models import (
        Ticket,
        TicketEvent,
        TicketNumberCounter,
        TicketSearchDocument,
    )
    from tickets.search import ticket_index

    prefix = settings.KEFU_TICKET_PREFIX
    agents = staff["users"][Role.AGENT.value]
    dept_staff = staff["users"][Role.DEPARTMENT_STAFF.value]
    supervisors = staff["users"][Role.SUPERVISOR.value]
    pick_type = _weighted(rng, TYPE_WEIGHTS)
    pick_channel = _weighted(rng, CHANNEL_WEIGHTS)
    channel_names = dict(Ticket.Channel.choices)
    n = volumes.tickets
    span = (now - start).total_seconds()
    # creation times, increasing with the id; open tickets are the newest ~5%
    times = sorted(start + dt.timedelta(seconds=rng.random() * span) for _ in range(n))
    open_from = int(n * 0.94)
    counters: dict[dt.date, int] = {}
    day_prefixes: dict[dt.date, str] = {}
    ncust = len(customers)
    layout = Layout(
        writer,
        Ticket,
        ["id", "number", "type", "channel", "source", "priority", "severity", "mood",
         "status", "customer_id", "contact_id", "subject", "description", "product",
         "order_ref", "received_at", "registered_by_id", "owner_id", "department_id",
         "unassigned", "is_open", "paused_status", "accepted_at", "first_response_at",
         "resolved_at", "closed_at", "last_activity_at", "first_contact_resolution",
         "created_at", "updated_at", "version"],
    )  # fmt: skip
    tail = layout.tail
    event_layout = Layout(
        writer,
        TicketEvent,
        ["id", "ticket_id", "kind", "is_public", "actor_id", "body", "data",
         "created_at"],
    )  # fmt: skip
    event_tail = event_layout.tail
    # Every complaint ticket has its workflow record, filled as far as its status
    # has come (drawn from a separate generator: the tickets stay as they were).
    complaint_layout = Layout(
        writer,
        Complaint,
        ["ticket_id", "customer_id", "product", "order_ref", "registered_at",
         "valid", "assessment_reason", "assessed_at", "assessed_by_id",
         "investigating_department_id", "handler_id", "findings", "root_cause_id",
         "responsibility", "findings_at", "findings_by_id", "replied_at",
         "satisfied", "handling_ok", "systemic", "corrective_done",
         "follow_up_comment", "followed_up_at", "archived_at", "created_at",
         "updated_at"],
    )  # fmt: skip
    complaint_tail = complaint_layout.tail
    crng = random.Random(rng.random())
    root_causes = staff["root_causes"] or [None]
    departments = staff["departments"]
    complaints: list[tuple] = []
    documents = Documents(writer, ticket_index)
    document_row = documents.row
    time_ = writer.time
    value = writer.value
    empty = value({})
    resolved_data = value({"from": "replied", "to": "resolved"})
    created_data: dict[tuple, Any] = {}
    per_ticket = volumes.events_per_ticket
    tickets: list[tuple] = []
    docs: list[tuple] = []
    events: list[tuple] = []
    event_id = 0
    written = {"tickets": 0, "events": 0, "docs": 0, "complaints": 0}

    def flush() -> None:
        written["tickets"] += writer.rows(
            layout.table, layout.columns, tickets, ready=True
        )
        written["docs"] += writer.rows(
            TicketSearchDocument._meta.db_table,
            ["object_id", "text", "tokens"],
            docs,
            ready=True,
        )
        written["events"] += writer.rows(
            event_layout.table, event_layout.columns, events, ready=True
        )
        written["complaints"] += writer.rows(
            complaint_layout.table, complaint_layout.columns, complaints, ready=True
        )
        complaints.clear()
        tickets.clear()
        docs.clear()
        events.clear()

    for i in range(n):
        tid = i + 1
        created = times[i]
        local_day = (created + dt.timedelta(hours=8)).date()
        seq = counters.get(local_day, 0) + 1
        counters[local_day] = seq
        day_prefix = day_prefixes.get(local_day)
        if day_prefix is None:
            day_prefix = day_prefixes[local_day] = f"{prefix}{local_day:%Y%m%d}-"
        number = f"{day_prefix}{seq:05d}"
        kind = pick_type()
        channel = pick_channel()
        # a few customers call much more often than the rest
        ci = int(ncust * rng.random() ** 2.5)
        customer = customers[ci]
        contacts = contacts_of[ci]
        contact = rng.choice(contacts) if rng.random() < 0.85 else None
        registrant = rng.choice(agents)
        if kind == "complaint" and rng.random() < 0.3:
            owner = rng.choice(dept_staff)
        else:
            owner = registrant if rng.random() < 0.7 else rng.choice(agents)
        product, issue, order, description = _ticket_text(
            rng, kind, local_day, channel_names[channel]
        )
        is_open = i >= open_from and rng.random() < 0.85
        accepted = created + dt.timedelta(minutes=rng.randrange(1, 90))
        answered = accepted + dt.timedelta(minutes=rng.randrange(5, 600))
        status = (
            rng.choice(OPEN_STATUSES)
            if is_open
            else rng.choice(["closed"] * 16 + ["resolved", "archived", "archived"])
        )
        if status == "new":
            accepted = answered = None
        elif status in ("accepted", "assessing", "investigating"):
            answered = None if rng.random() < 0.5 else answered
        resolved = closed = None
        if not is_open:
            resolved = answered + dt.timedelta(hours=rng.randrange(1, 96))
            if status in ("closed", "archived"):
                closed = resolved + dt.timedelta(days=rng.randrange(1, 8))
        last = closed or resolved or answered or accepted or created
        unassigned = status == "new" and rng.random() < 0.3
        # the values in the order the generator has always drawn them
        source = "12315" if kind == "complaint" and rng.random() < 0.05 else "customer"
        priority = rng.choice(["normal"] * 6 + ["low", "high", "high", "urgent"])
        severity = (
            rng.choice(["minor", "normal", "major", "critical"])
            if kind == "complaint"
            else ""
        )
        mood = rng.choice(["calm"] * 5 + ["upset", "upset", "angry"])
        subject = f"{issue}（{product}）"
        order_ref = order if rng.random() < 0.8 else ""
        received = created - dt.timedelta(minutes=rng.randrange(0, 30))
        first_contact_resolution = not is_open and rng.random() < 0.3
        last_db = time_(last)
        created_db = time_(created)
        tickets.append(
            (tid, number, kind, channel, source, priority, severity, mood, status,
             customer.pk, contact.pk if contact else None, subject, description,
             product, order_ref, time_(received), registrant.pk,
             supervisors[0].pk if unassigned else owner.pk,
             supervisors[0].department_id if unassigned else owner.department_id,
             unassigned, is_open, "replied" if status == "waiting_customer" else "",
             time_(accepted), time_(answered), time_(resolved),
             time_(closed if status in ("closed", "archived") else None), last_db,
             first_contact_resolution, created_db, last_db, 1, *tail)
        )  # fmt: skip
        if kind == "complaint":
            complaints.append(
                _complaint_row(
                    crng, time_, tid, customer.pk, product, order_ref, status, owner,
                    departments, root_causes, created, accepted, answered,
                    closed, last,
                )
                + (*complaint_tail,)
            )  # fmt: skip
        docs.append(
            document_row(
                SimpleNamespace(
                    pk=tid, number=number, subject=subject, description=description,
                    product=product, order_ref=order_ref, batch="",
                    customer=customer, contact=contact,
                )
            )
        )  # fmt: skip
        # the timeline: registration, acceptance, reply, notes, resolution, closing
        k = (
            max(1, int(per_ticket + rng.uniform(-2, 2) + 0.5))
            if per_ticket >= 3
            else max(1, round(per_ticket))
        )
        actor_id = owner.pk
        key = (channel, bool(accepted), owner.pk, unassigned)
        data = created_data.get(key)
        if data is None:
            data = created_data[key] = value(
                {
                    "entry": "phone" if channel == "phone" else "form",
                    "channel": channel,
                    "status": "accepted" if accepted else "new",
                    "owner": {"id": owner.pk},
                    "unassigned": unassigned,
                }
            )
        event_id += 1
        events.append(
            (event_id, tid, "created", True, registrant.pk, "", data, created_db,
             *event_tail)
        )  # fmt: skip
        moments = sorted(
            created
            + dt.timedelta(
                seconds=rng.random() * max(60.0, (last - created).total_seconds())
            )
            for _ in range(k - 1)
        )
        final = len(moments) - 1
        for j, moment in enumerate(moments):
            event_id += 1
            if j == final and not is_open:
                events.append(
                    (event_id, tid, "status", True, actor_id, rng.choice(REPLIES),
                     resolved_data, time_(moment), *event_tail)
                )  # fmt: skip
            elif j == 0 and answered:
                events.append(
                    (event_id, tid, "reply", True, actor_id, rng.choice(REPLIES),
                     empty, time_(moment), *event_tail)
                )  # fmt: skip
            else:
                events.append(
                    (event_id, tid, "note", False, actor_id, rng.choice(NOTES),
                     empty, time_(moment), *event_tail)
                )  # fmt: skip
        if len(tickets) >= BATCH:
            flush()
    flush()
    writer.rows(
        TicketNumberCounter._meta.db_table, ["day", "last"], sorted(counters.items())
    )
    writer.phase(
        "tickets",
        tickets=written["tickets"],
        ticket_events=written["events"],
        ticket_documents=written["docs"],
        complaints=written["complaints"],
    )


# How far a complaint has come, by its ticket's status.
_ASSESSED = {"investigating", "remedy_pending", "replied", "follow_up",
             "waiting_customer", "resolved", "closed", "archived"}  # fmt: skip
_FOUND = {"remedy_pending", "replied", "follow_up", "resolved", "closed", "archived"}
_REPLIED = {"replied", "follow_up", "resolved", "closed", "archived"}
_FOLLOWED = {"closed", "archived"}


def _complaint_row(
    rng: random.Random, time_, tid, customer_id, product, order_ref, status, owner,
    departments, root_causes, created, accepted, answered, closed, last,
) -> tuple:  # fmt: skip
    """The complaint record of a complaint ticket: assessed, investigated by the
    owner's department, found, replied and followed up as far as its status says."""
    assessed = status in _ASSESSED or status == "assessing" and rng.random() < 0.3
    assessed_at = (accepted or created) + dt.timedelta(minutes=rng.randrange(5, 240))
    valid = rng.random() < 0.9 if assessed else None
    found = status in _FOUND and bool(valid)
    department = owner.department_id
    if department == departments["cs"].pk:
        department = rng.choice([d.pk for c, d in departments.items() if c != "cs"])
    findings_at = assessed_at + dt.timedelta(hours=rng.randrange(2, 72))
    replied = status in _REPLIED
    replied_at = answered or findings_at + dt.timedelta(hours=rng.randrange(1, 24))
    followed = status in _FOLLOWED
    followed_at = (closed or last) - dt.timedelta(hours=rng.randrange(1, 24))
    return (
        tid, customer_id, product, order_ref, time_(created), valid,
        rng.choice(ASSESSMENTS) if assessed else "",
        time_(assessed_at) if assessed else None,
        owner.pk if assessed else None,
        department if assessed and valid else None,
        owner.pk if assessed and valid else None,
        rng.choice(FINDINGS) if found else "",
        rng.choice(root_causes) if found else None,
        rng.choice(["ours"] * 6 + ["customer", "customer", "unclear"]) if found else "",
        time_(findings_at) if found else None,
        owner.pk if found else None,
        time_(replied_at) if replied else None,
        rng.random() < 0.85 if followed else None,
        rng.random() < 0.9 if followed else None,
        rng.random() < 0.1 if followed else None,
        rng.random() < 0.8 if followed else None,
        rng.choice(FOLLOW_UPS) if followed else "",
        time_(followed_at) if followed else None,
        time_(closed + dt.timedelta(hours=rng.randrange(1, 48)))
        if status == "archived"
        else None,
        time_(created), time_(last),
    )  # fmt: skip


def _build(
    writer: Writer, volumes: Volumes, staff: dict, start, now, rng: random.Random
) -> None:
    """Everything after the staff: customers, then tickets (each phase announced
    through ``writer.phase``)."""
    with Pinyin():
        customers, contacts_of = customers_build(
            writer, volumes, staff, start, now, rng
        )
    writer.phase(
        "customers",
        customers=len(customers),
        contacts=sum(len(c) for c in contacts_of),
    )
    tickets_build(writer, volumes, staff, customers, contacts_of, start, now, rng)


def _produce(pipe, writer: Writer, *args) -> None:
    """The producer process: makes every row and sends it to the writing one."""
    try:
        _build(Producer(writer, pipe), *args)
        pipe.send(("end",))
    except BaseException:
        pipe.send(("error", traceback.format_exc()))
    finally:
        pipe.close()


def _build_forked(writer: Writer, *args) -> None:
    """``_build`` in two processes: a forked child makes the rows (Python work:
    random draws, texts, search documents), this process writes them (the
    database's work) as they come; on two cores the two overlap. The child only
    computes (it never touches the inherited connection) and at most one batch
    waits in the pipe."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_produce, args=(sender, writer, *args))
    child.start()
    sender.close()
    try:
        while True:
            try:
                message = receiver.recv()
            except EOFError:
                raise RuntimeError("bench: the producer process ended early") from None
            kind = message[0]
            if kind == "rows":
                writer.rows(*message[1:], ready=True)
            elif kind == "phase":
                writer.phase(message[1], **message[2])
            elif kind == "error":
                raise RuntimeError(f"bench: the producer process failed:\n{message[1]}")
            else:
                break
    finally:
        receiver.close()
        child.join(timeout=5)
        if child.is_alive():
            child.terminate()
            child.join()


def generate(
    volumes: Volumes,
    *,
    seed: int = 20261123,
    now: dt.datetime | None = None,
    log: Callable[[str], None] = print,
    fork: bool = True,
) -> Report:
    """Fill the (freshly migrated, empty) database. Returns counts and timings.
    ``fork``: make the rows in a second process (where the platform forks)."""
    from django.db import connection, transaction

    from accounts.models import User
    from customers.models import Contact, Customer, CustomerSearchDocument
    from tickets.models import Ticket, TicketEvent, TicketSearchDocument

    now = now or dt.datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    start = now - dt.timedelta(days=30 * volumes.months + 5)
    rng = random.Random(seed)
    report = Report(volumes=volumes.__dict__.copy())
    writer = Writer(connection, report=report, log=log)
    loaded = [Customer, Contact, CustomerSearchDocument, Ticket, TicketEvent,
              TicketSearchDocument]  # fmt: skip
    with transaction.atomic():
        staff = staff_build(volumes, now.replace(tzinfo=UTC))
        writer.phase("staff", staff=User.objects.count())
        # the big tables are written without their secondary indexes (and, on
        # PostgreSQL, foreign keys), made again afterwards in one pass each
        again = writer.indexes_drop([m._meta.db_table for m in loaded])
        args = (volumes, staff, start, now, rng)
        if fork and "fork" in multiprocessing.get_all_start_methods():
            _build_forked(writer, *args)
        else:
            _build(writer, *args)
        writer.statements(again)
        writer.phase("indexes", indexes_remade=len(again))
        writer.sequences_reset([Customer, Contact, Ticket, TicketEvent])
    spent = writer.spent.items()
    report.seconds["writing"] = {t: round(x, 1) for t, x in spent if " " not in t}
    log(f"of which writing rows, per table: {report.seconds['writing']}")
    slowest = sorted(((x, t) for t, x in spent if " " in t), reverse=True)[:3]
    report.seconds["slowest_indexes"] = {t: round(x, 1) for x, t in slowest}
    log(f"slowest indexes and keys: {report.seconds['slowest_indexes']}")
    # A running server's tables have been vacuumed (hint bits, visibility map):
    # on PostgreSQL the load ends the same way, not with a freshly written heap
    # that every first read must check (inside a test's transaction: ANALYZE).
    steady = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE)" if steady else "ANALYZE")
    writer.phase("analyze")
    report.seconds["total"] = round(time.monotonic() - writer.began, 1)
    log(f"total {report.seconds['total']} s")
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--report", help="write counts and timings as JSON here")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    report = generate(Volumes(tickets=args.tickets), seed=args.seed)
    if args.report:
        with open(args.report, "w") as fh:
            json.dump(report.__dict__, fh, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
