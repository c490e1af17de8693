"""Demo step: about 3,000 tickets of 华东捷运物流有限公司 over the last six months —
inquiries about waybills, pickup requests, complaints about late, damaged and
wrong deliveries, suggestions, praise, after-sales visits — each with the life it
would have had: registered (by customer service or by another department),
accepted, replied to, transferred between departments with reasons, waiting on
the customer, resolved, closed, sometimes reopened; recent ones still open.
Written with bulk inserts (a few seconds); every waybill number is made up."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from core.demo import DemoContext
from customers.models import Contact, Customer
from tickets.models import (
    DONE_STATUSES,
    Ticket,
    TicketCategory,
    TicketEvent,
    TicketNumberCounter,
)
from tickets.search import ticket_index
from tickets.services import department_ref, person

TICKETS = 3000
DAYS = 182
T = Ticket.Type
S = Ticket.Status
K = TicketEvent.Kind

CATEGORIES = [
    ("late", "配送延误"),
    ("damaged", "货物破损"),
    ("wrong", "错发漏发"),
    ("waybill", "运单查询"),
    ("pickup", "上门取件"),
    ("billing", "运费与发票"),
    ("warehouse", "仓储服务"),
    ("attitude", "服务态度"),
    ("other", "其他"),
]

# type → [(category, subject, description)], {w} a waybill number.
TEXTS: dict[str, list[tuple[str, str, str]]] = {
    T.INQUIRY: [
        (
            "waybill",
            "查询运单{w}的物流进度",
            "客户来电询问运单{w}目前到了哪里，预计什么时候能送到收货人手中。",
        ),
        (
            "waybill",
            "运单{w}显示已签收，收货人说没收到",
            "系统显示运单{w}已签收，但收货人表示没有收到货物，客户请我们核实签收人。",
        ),
        (
            "billing",
            "询问本月运费账单的计费方式",
            "客户对账单中偏远地区附加费的计算方式不清楚，希望我们说明。",
        ),
        (
            "pickup",
            "询问周末能否上门取件",
            "客户想了解周六、周日是否提供上门取件服务，以及取件的时间段。",
        ),
        (
            "other",
            "询问冷链运输的温度要求",
            "客户计划发运一批生物试剂，询问冷链车厢的温度范围和全程温度记录。",
        ),
    ],
    T.REQUEST: [
        (
            "pickup",
            "预约上门取件（{n} 箱）",
            "客户预约明天上午到仓库取件，共 {n} 箱，请安排车辆。",
        ),
        (
            "billing",
            "申请开具上月运费增值税专用发票",
            "客户财务要求开具上月运费的增值税专用发票，开票信息已核对。",
        ),
        (
            "warehouse",
            "申请把库存调拨到苏州仓",
            "客户希望把上海仓的 {n} 托货物调拨到苏州仓，以便就近配送。",
        ),
        (
            "waybill",
            "要求修改运单{w}的收货地址",
            "收货人临时搬迁，客户要求把运单{w}的收货地址改为新的办公地址。",
        ),
    ],
    T.COMPLAINT: [
        (
            "late",
            "运单{w}配送延误三天",
            "承诺次日达的运单{w}三天后才送到，客户的生产线因此停工半天，情绪很大。",
        ),
        (
            "damaged",
            "运单{w}到货外箱破损，内件受损",
            "收货时发现外箱严重挤压，{n} 件产品外壳碎裂，客户已拍照留存。",
        ),
        (
            "wrong",
            "收到的货物与订单不符",
            "运单{w}送到的是另一家客户的货物，自己的货物下落不明。",
        ),
        (
            "wrong",
            "运单{w}少送了 {n} 箱",
            "签收时清点发现少了 {n} 箱，司机称出库时就是这个数量。",
        ),
        (
            "attitude",
            "配送员态度生硬",
            "客户反映配送员催促签收、不允许开箱验货，说话很不客气。",
        ),
        (
            "billing",
            "运费账单重复收费",
            "本月账单中运单{w}被计费两次，客户要求核实并更正。",
        ),
    ],
    T.SUGGESTION: [
        (
            "other",
            "建议提供周末派送",
            "客户的门店周末营业，希望周六也能收货，建议增加周末派送服务。",
        ),
        (
            "other",
            "建议签收时短信通知发货人",
            "客户希望货物签收后能自动短信通知发货人，省去反复查询。",
        ),
    ],
    T.PRAISE: [
        (
            "other",
            "感谢配送员冒雨准时送达",
            "客户来信表扬配送员在暴雨中准时把急需的配件送到，并帮忙搬进仓库。",
        ),
        (
            "other",
            "感谢客服及时协调补发",
            "客户致电感谢客服人员在货物破损后当天协调补发，没有耽误生产。",
        ),
    ],
    T.AFTERSALES: [
        (
            "other",
            "季度服务回访",
            "按计划回访客户，了解本季度的配送时效、货损情况和对服务的意见。",
        ),
        (
            "other",
            "投诉处理后回访",
            "上次配送延误处理完毕后回访客户，确认补救措施是否落实、客户是否满意。",
        ),
    ],
}
TYPE_WEIGHTS = [
    (T.INQUIRY, 34),
    (T.REQUEST, 20),
    (T.COMPLAINT, 20),
    (T.SUGGESTION, 6),
    (T.PRAISE, 8),
    (T.AFTERSALES, 12),
]
CHANNELS = {
    T.INQUIRY: [
        ("phone", 60),
        ("wechat", 15),
        ("email", 10),
        ("visit", 10),
        ("sms", 5),
    ],
    T.REQUEST: [("phone", 50), ("email", 25), ("wechat", 15), ("visit", 10)],
    T.COMPLAINT: [
        ("phone", 60),
        ("letter", 8),
        ("email", 12),
        ("visit", 12),
        ("wechat", 8),
    ],
    T.SUGGESTION: [("email", 40), ("letter", 20), ("phone", 40)],
    T.PRAISE: [("letter", 45), ("phone", 35), ("email", 20)],
    T.AFTERSALES: [("phone", 60), ("visit", 40)],
}
REPLIES = [
    "您好，我们已查到这票货物的位置，预计明天下午送达，我们会持续跟进并及时告诉您。",
    "您好，您反映的情况我们已经记录，正在与相关部门核实，核实后会在一个工作日内答复您。",
    "您好，已为您安排车辆，司机会在约定时间前半小时电话联系您。",
    "您好，很抱歉给您带来不便。我们正在调查原因，查明后会按公司规定为您处理。",
    "您好，发票已开具并寄出，快递单号已通过短信发给贵司财务。",
]
NOTES = {
    "transport": [
        "已电话联系司机，司机称因高速管制延误了半天。",
        "已调取车辆轨迹，车辆当天在中转站滞留了六个小时。",
        "司机确认签收人为收货单位门卫，货物在门卫室。",
    ],
    "warehouse": [
        "已调取仓库出库记录和监控，出库时包装完好。",
        "出库单与实发数量一致，差异可能发生在运输途中。",
        "库位核对无误，调拨单已提交。",
    ],
    "cs": [
        "客户是老客户，近三个月第二次反映类似问题，请重点跟进。",
        "财务部确认账单中存在一笔重复计费，已提交更正。",
        "已与收货人确认收货时间，对方下午有人在。",
    ],
}
WAIT_REASONS = [
    "请您提供破损货物的照片和签收单，以便我们核实。",
    "请您确认新的收货地址和收货人电话。",
    "请您提供开票信息（纳税人识别号、开户行和账号）。",
]
RESOLUTIONS = [
    "货物已于今日送达并由收货人签收，客户表示满意。",
    "经核实为运输途中挤压造成破损，已按公司规定为客户补发，并安排专人跟进。",
    "已查明为分拣错误，错发的货物已取回，正确的货物已重新配送并签收。",
    "已向客户说明计费规则并提供明细，客户认可。",
    "已按要求完成取件，货物已入库。",
    "已更正账单并重新寄出，客户确认无误。",
    "感谢客户的意见，已转相关部门研究，结果将另行告知。",
    "回访完成，客户对本季度服务总体满意，提出的两点建议已记录。",
]
REASONS_TO = {
    "transport": [
        "需要运输配送部核实司机的配送和签收记录。",
        "属于运输环节的问题，请运输配送部调查原因。",
    ],
    "warehouse": [
        "需要仓储部核对出库数量和包装记录。",
        "属于仓储环节的问题，请仓储部核实。",
    ],
    "cs": [
        "调查结果已出，转回客服部答复客户。",
        "本部门已处理完毕，请客服部与客户确认。",
    ],
}
INSIDE_REASONS = [
    "由你负责跟进这票货物，请今天联系客户。",
    "你熟悉这条线路，请核实后处理。",
]
REOPEN_REASONS = ["客户来电表示问题仍未解决。", "客户反映补发的货物仍有破损。"]


def _waybill(rng) -> str:
    return "JY" + "".join(rng.choice("0123456789") for _ in range(12))


def _weighted(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _working_moment(rng, day: dt.date) -> dt.datetime:
    """A moment of a working day, Shanghai time (most contacts come then)."""
    minutes = rng.randint(8 * 60 + 30, 18 * 60 + 30)
    local = dt.datetime.combine(
        day, dt.time(minutes // 60, minutes % 60, rng.randint(0, 59))
    )
    return timezone.make_aware(local)


@dataclass
class Life:
    """One ticket being lived through: its row, its events, where it stands."""

    ticket: Ticket
    now: dt.datetime
    events: list[TicketEvent] = field(default_factory=list)
    clock: dt.datetime | None = None
    stopped: bool = False

    def at(self, delay: dt.timedelta, *, working: bool = True) -> dt.datetime | None:
        """The moment after ``delay`` (people act in working hours: an evening or
        night moment moves to the next morning), or None (and the life stops)
        past now."""
        if self.stopped:
            return None
        moment = self.clock + delay
        local = timezone.localtime(moment)
        if working and not dt.time(8, 30) <= local.time() <= dt.time(18, 30):
            day = local.date() + dt.timedelta(days=local.hour >= 18)
            morning = dt.datetime.combine(day, dt.time(8, 30))
            moment = timezone.make_aware(morning) + dt.timedelta(
                minutes=local.minute + local.second % 30
            )
        if moment >= self.now:
            self.stopped = True
            return None
        self.clock = moment
        return moment

    def event(self, kind, actor, *, public=False, body="", **data) -> None:
        self.events.append(
            TicketEvent(
                kind=kind,
                actor=actor,
                is_public=public,
                body=body,
                data=data,
                created_at=self.clock,
            )
        )
        self.ticket.last_activity_at = self.clock
        if kind not in (K.NOTE, K.REPLY, K.CREATED):
            self.ticket.version += 1

    def status(self, actor, status, *, body="", **data) -> None:
        previous = self.ticket.status
        self.ticket.status = status
        self.ticket.is_open = status not in DONE_STATUSES
        if not self.ticket.is_open:
            self.ticket.unassigned = False
        self.event(
            K.STATUS,
            actor,
            public=True,
            body=body,
            **{"from": previous, "to": status, **data},
        )

    def owner(self, user, department, *, unassigned=False) -> None:
        self.ticket.owner = user
        self.ticket.department = department
        self.ticket.unassigned = unassigned

    def responded(self) -> None:
        if self.ticket.first_response_at is None:
            self.ticket.first_response_at = self.clock


class Company:
    """The people of the demo company and the departments they work in."""

    def __init__(self, ctx: DemoContext) -> None:
        users = ctx.made["users"]
        departments = ctx.made["departments"]
        self.users = users
        self.cs = departments["cs"]
        self.departments = departments
        self.agents = [
            users["agent"],
            users["agent2"],
            users["agent"],
            users["agent2"],
            users["supervisor"],
        ]
        self.registrants_cs = [
            users["agent"],
            users["agent2"],
            users["supervisor"],
            users["manager"],
        ]
        self.registrants_other = [
            users["transport"],
            users["deptmgr"],
            users["warehouse"],
        ]
        self.dispatcher = users["supervisor"]
        self.dispatchers = {
            "transport": users["deptmgr"],
            "warehouse": users["warehouse"],
            "cs": users["supervisor"],
        }
        self.staff_of = {
            "transport": [users["transport"], users["deptmgr"]],
            "warehouse": [users["warehouse"]],
        }


def _minutes(rng, low: int, high: int) -> dt.timedelta:
    return dt.timedelta(minutes=rng.randint(low, high))


def _live(rng, life: Life, company: Company, *, complaint_like: bool) -> None:
    """From acceptance to closing, as far as the present allows."""
    t = life.ticket
    if t.status == S.NEW or t.unassigned:
        if life.at(_minutes(rng, 5, 240)) is None:
            return
        agent = rng.choice(company.agents)
        previous = t.owner
        was_new = t.status == S.NEW
        life.owner(agent, company.cs)
        if was_new:
            t.accepted_at = life.clock
            life.status(agent, S.ACCEPTED)
        life.event(
            K.ASSIGNMENT,
            agent,
            taken=True,
            to=person(agent),
            **{"from": person(previous)},
            from_department=department_ref(company.cs),
            to_department=department_ref(company.cs),
        )
    unanswered = rng.random() < 0.012
    if not unanswered and rng.random() < 0.85 and life.at(_minutes(rng, 10, 360)):
        life.event(K.REPLY, t.owner, public=True, body=rng.choice(REPLIES))
        life.responded()
    if unanswered:
        life.stopped = True
        return
    moves = 0
    transfer_chance = (
        0.65 if t.type == T.COMPLAINT else 0.35 if t.type == T.REQUEST else 0.08
    )
    if rng.random() < transfer_chance:
        hops = ["transport" if rng.random() < 0.6 else "warehouse"]
        if rng.random() < 0.45:
            hops.append("cs")
        if rng.random() < 0.08:  # the ping-pong the watch list is for
            hops[1:1] = [
                "warehouse" if hops[0] == "transport" else "transport",
                hops[0],
            ]
        for code in hops:
            if life.at(_minutes(rng, 30, 60 * 20)) is None:
                return
            target = company.departments[code]
            actor = t.owner
            to_user = (
                company.dispatchers[code]
                if code != "cs"
                else rng.choice(company.agents)
            )
            unassigned = code != "cs"
            previous, previous_department = t.owner, t.department
            moves += 1
            t.transfer_count += 1
            t.department_transfer_count += 1
            life.owner(to_user, target, unassigned=unassigned)
            life.event(
                K.TRANSFER,
                actor,
                reason=rng.choice(REASONS_TO[code]),
                to=person(to_user),
                to_department=department_ref(target),
                from_department=department_ref(previous_department),
                unassigned=unassigned,
                moved=True,
                **{"from": person(previous)},
            )
            if unassigned:
                if life.at(_minutes(rng, 10, 180)) is None:
                    return
                staff = rng.choice(company.staff_of[code])
                if staff.pk == t.owner.pk:
                    life.owner(staff, target)
                    life.event(
                        K.ASSIGNMENT,
                        staff,
                        taken=True,
                        to=person(staff),
                        **{"from": person(staff)},
                        from_department=department_ref(target),
                        to_department=department_ref(target),
                    )
                else:
                    dispatcher = t.owner
                    t.transfer_count += 1
                    life.owner(staff, target)
                    life.event(
                        K.TRANSFER,
                        dispatcher,
                        reason=rng.choice(INSIDE_REASONS),
                        to=person(staff),
                        to_department=department_ref(target),
                        from_department=department_ref(target),
                        unassigned=False,
                        moved=False,
                        **{"from": person(dispatcher)},
                    )
            if rng.random() < 0.6 and life.at(_minutes(rng, 20, 60 * 8)):
                life.event(K.NOTE, t.owner, body=rng.choice(NOTES[t.department.code]))
        if rng.random() < 0.04 + 0.2 * (moves > 2):  # stuck between departments
            life.stopped = True
            return
    if rng.random() < 0.15 and life.at(_minutes(rng, 30, 60 * 6)):
        t.paused_status = t.status
        life.responded()
        life.status(t.owner, S.WAITING_CUSTOMER, body=rng.choice(WAIT_REASONS))
        if rng.random() < 0.1:  # the customer never answered
            life.stopped = True
            return
        if life.at(_minutes(rng, 60 * 4, 60 * 60)) is None:
            return
        resumed_to = t.paused_status
        t.paused_status = ""
        life.status(t.owner, resumed_to)
    if rng.random() < 0.3 and life.at(_minutes(rng, 10, 60 * 4)):
        life.event(K.NOTE, t.owner, body=rng.choice(NOTES[t.department.code]))
    span = (60 * 6, 60 * 72) if complaint_like else (30, 60 * 30)
    if life.at(_minutes(rng, *span)) is None:
        return
    life.responded()
    t.resolved_at = life.clock
    t.paused_status = ""
    life.status(t.owner, S.RESOLVED, body=rng.choice(RESOLUTIONS))
    if rng.random() < 0.03 and life.at(_minutes(rng, 60 * 20, 60 * 96)):
        t.resolved_at = None
        life.status(t.owner, S.ACCEPTED, reason=rng.choice(REOPEN_REASONS))
        if life.at(_minutes(rng, 60 * 2, 60 * 48)) is None:
            return
        t.resolved_at = life.clock
        life.status(t.owner, S.RESOLVED, body=rng.choice(RESOLUTIONS))
    _close(rng, life)


def _close(rng, life: Life) -> None:
    t = life.ticket
    days = settings.KEFU_TICKET_AUTOCLOSE_DAYS or 7
    if rng.random() < 0.35:
        if life.at(_minutes(rng, 60 * 2, 60 * 24 * 3)) is None:
            return
        t.closed_at = life.clock
        life.status(t.owner, S.CLOSED)
    else:
        automatic = dt.timedelta(days=days, minutes=rng.randint(5, 60))
        if life.at(automatic, working=False) is None:
            return
        t.closed_at = life.clock
        life.status(None, S.CLOSED, automatic=True)


def build(ctx: DemoContext) -> None:
    rng, now = ctx.rng, ctx.now
    company = Company(ctx)
    users = company.users
    categories = {}
    for order, (code, name) in enumerate(CATEGORIES, start=1):
        categories[code], _ = TicketCategory.objects.get_or_create(
            code=code, defaults={"name": name, "sort_order": order * 10}
        )

    customers = list(Customer.objects.order_by("pk"))
    weights = [
        {"A": 6, "B": 3, "C": 1}[c.tier] + (2 if c.kind == Customer.Kind.PERSON else 0)
        for c in customers
    ]
    contacts = defaultdict(list)
    for contact in Contact.objects.order_by("pk"):
        contacts[contact.customer_id].append(contact)

    moments = sorted(
        _working_moment(rng, (now - dt.timedelta(days=rng.randint(0, DAYS))).date())
        for _ in range(TICKETS)
    )
    moments = [m for m in moments if m < now - dt.timedelta(minutes=5)]
    lives: list[Life] = []
    per_day: Counter = Counter()
    prefix = settings.KEFU_TICKET_PREFIX
    waiting_new = (
        len(moments) - 5
    )  # the newest few came in by the API: not accepted yet
    for index, created in enumerate(moments):
        ticket_type = _weighted(rng, TYPE_WEIGHTS)
        code, subject, description = rng.choice(TEXTS[ticket_type])
        waybill, n = _waybill(rng), rng.randint(2, 12)
        customer = rng.choices(customers, weights=weights)[0]
        own_contacts = contacts.get(customer.pk) or [None]
        channel = _weighted(rng, CHANNELS[ticket_type])
        via_api = index >= waiting_new or (
            rng.random() < 0.06 and ticket_type in (T.INQUIRY, T.REQUEST, T.COMPLAINT)
        )
        if via_api:
            channel = "api" if rng.random() < 0.5 else channel
            registrant = users["supervisor"]
        elif rng.random() < 0.25:
            registrant = rng.choice(company.registrants_other)
        else:
            registrant = rng.choice(company.registrants_cs)
        mood = Ticket.Mood.CALM
        priority = _weighted(
            rng, [("low", 10), ("normal", 70), ("high", 15), ("urgent", 5)]
        )
        severity, source = "", Ticket.Source.CUSTOMER
        if ticket_type == T.COMPLAINT:
            mood = _weighted(rng, [("calm", 30), ("upset", 45), ("angry", 25)])
            severity = _weighted(
                rng, [("minor", 45), ("normal", 35), ("major", 15), ("critical", 5)]
            )
            if rng.random() < 0.06:
                source = _weighted(
                    rng, [("12315", 3), ("consumer_association", 2), ("media", 1)]
                )
                severity = "major" if severity in ("minor", "normal") else severity
            if mood == Ticket.Mood.ANGRY:
                priority = {"low": "normal", "normal": "high", "high": "urgent"}.get(
                    priority, "urgent"
                )
        day = timezone.localdate(created)
        per_day[day] += 1
        ticket = Ticket(
            number=f"{prefix}{day:%Y%m%d}-{per_day[day]:05d}",
            type=ticket_type,
            channel=channel,
            source=source,
            priority=priority,
            severity=severity,
            mood=mood,
            customer=customer,
            contact=rng.choice(own_contacts),
            category=categories[code],
            subject=subject.format(w=waybill, n=n),
            description=description.format(w=waybill, n=n),
            order_ref=waybill if "{w}" in subject + description else "",
            product=rng.choice(
                ["", "", "零担运输", "整车运输", "仓储配送", "冷链运输"]
            ),
            received_at=created - dt.timedelta(minutes=rng.randint(0, 20)),
            registered_by=registrant,
            created_at=created,
            last_activity_at=created,
            customer_token_hash=hashlib.sha256(secrets.token_bytes(16)).hexdigest(),
        )
        life = Life(ticket=ticket, now=now, clock=created)
        serves = registrant.username in ("agent", "agent2", "supervisor", "manager")
        fcr = (
            not via_api
            and ticket_type in (T.INQUIRY, T.PRAISE, T.SUGGESTION)
            and rng.random() < 0.35
        )
        if via_api:
            life.owner(company.dispatcher, company.cs, unassigned=True)
            ticket.status = S.NEW
        elif fcr or serves:
            life.owner(registrant, registrant.department)
            ticket.status = S.ACCEPTED
        else:
            life.owner(company.dispatcher, company.cs, unassigned=True)
            ticket.status = S.ACCEPTED
        if ticket.status == S.ACCEPTED:
            ticket.accepted_at = created
        life.event(
            K.CREATED,
            registrant,
            public=True,
            entry="api" if via_api else "staff",
            channel=channel,
            status=S.ACCEPTED if fcr else ticket.status,
            owner=person(ticket.owner),
            department=department_ref(ticket.department),
            unassigned=ticket.unassigned,
        )
        if index >= waiting_new:
            life.stopped = True
        elif fcr:
            ticket.first_contact_resolution = True
            ticket.first_response_at = ticket.resolved_at = created
            life.status(
                registrant,
                S.RESOLVED,
                body=rng.choice(RESOLUTIONS[3:4] + RESOLUTIONS[6:]),
                first_contact_resolution=True,
            )
            _close(rng, life)
        else:
            _live(
                rng,
                life,
                company,
                complaint_like=ticket_type in (T.COMPLAINT, T.REQUEST),
            )
        ticket.is_open = ticket.status not in DONE_STATUSES
        lives.append(life)

    Ticket.objects.bulk_create([life.ticket for life in lives], batch_size=500)
    events = []
    for life in lives:
        for event in life.events:
            event.ticket = life.ticket
            events.append(event)
    TicketEvent.objects.bulk_create(events, batch_size=1000)
    TicketNumberCounter.objects.bulk_create(
        [TicketNumberCounter(day=day, last=count) for day, count in per_day.items()]
    )
    ticket_index.rebuild(
        Ticket.objects.select_related("customer", "contact")
        .order_by("pk")
        .iterator(chunk_size=500)
    )
    ctx.made["tickets"] = [life.ticket for life in lives]
