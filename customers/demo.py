"""Demo step: about 300 fictitious customers of 华东捷运物流有限公司 with contacts,
relationship events and a few access grants, then their transactions, credit
and tiers (customers.demo_relations). Names, phones and credit codes are
generated: mobile-style numbers use the unallocated 100 prefix, landlines a local
number starting with 0 (which no real line has), credit codes a random body with
a valid check character."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Case, DateTimeField, Value, When

from core.demo import DemoContext
from customers import demo_relations
from customers.credit_code import credit_code_generate
from customers.models import AccessGrant, Contact, Customer, CustomerEvent
from customers.search import customer_index, name_sort_key

# city, province, area code, region code
CITIES = [
    ("上海", "上海市", "021", "310000"),
    ("苏州", "江苏省", "0512", "320500"),
    ("南京", "江苏省", "025", "320100"),
    ("无锡", "江苏省", "0510", "320200"),
    ("杭州", "浙江省", "0571", "330100"),
    ("宁波", "浙江省", "0574", "330200"),
    ("合肥", "安徽省", "0551", "340100"),
    ("济南", "山东省", "0531", "370100"),
    ("青岛", "山东省", "0532", "370200"),
    ("广州", "广东省", "020", "440100"),
    ("深圳", "广东省", "0755", "440300"),
    ("北京", "北京市", "010", "110000"),
    ("武汉", "湖北省", "027", "420100"),
    ("成都", "四川省", "028", "510100"),
    ("厦门", "福建省", "0592", "350200"),
]
CORES = [
    "恒通",
    "瑞丰",
    "华泰",
    "金桥",
    "远航",
    "东润",
    "宏达",
    "鑫源",
    "嘉禾",
    "星河",
    "中联",
    "海纳",
    "博远",
    "天成",
    "永盛",
    "凯瑞",
    "佳德",
    "信诚",
    "润华",
    "明珠",
    "汇通",
    "安达",
    "九州",
    "新桥",
    "锦程",
    "万邦",
    "启航",
    "蓝海",
    "同创",
    "长青",
    "富春",
    "银河",
    "百川",
    "和信",
    "恒远",
    "德润",
    "昌盛",
    "旭日",
    "云帆",
    "立新",
]
INDUSTRIES = [
    ("电子科技", "电子制造"),
    ("机械制造", "机械设备"),
    ("食品", "食品饮料"),
    ("医药", "医药"),
    ("化工", "化工"),
    ("纺织", "纺织服装"),
    ("家居用品", "家居"),
    ("汽车零部件", "汽车配件"),
    ("建材", "建筑材料"),
    ("国际贸易", "贸易"),
    ("电器", "家用电器"),
    ("包装材料", "包装"),
    ("生物科技", "生物技术"),
    ("日化", "日用化学品"),
]
FOREIGN_CORES = [
    "博勒",
    "菲斯特",
    "蒙泰",
    "卡兰",
    "维特拉",
    "欧德曼",
    "莱恩",
    "圣博",
    "艾瑞克",
    "诺维",
]
SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦傅方邹孟熊秦邱江尹薛"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "秀英",
    "建华",
    "志刚",
    "晓燕",
    "海燕",
    "文博",
    "子涵",
    "雨桐",
    "浩宇",
    "思远",
    "嘉怡",
    "俊杰",
    "雅琴",
    "国平",
    "红梅",
    "立群",
    "春生",
    "卫东",
    "梦瑶",
    "一鸣",
]
TITLES = [
    ("董事长", Contact.DecisionRole.DECISION_MAKER),
    ("总经理", Contact.DecisionRole.DECISION_MAKER),
    ("副总经理", Contact.DecisionRole.INFLUENCER),
    ("采购经理", Contact.DecisionRole.PURCHASER),
    ("物流经理", Contact.DecisionRole.INFLUENCER),
    ("仓储主管", Contact.DecisionRole.USER),
    ("财务经理", Contact.DecisionRole.INFLUENCER),
    ("行政主管", Contact.DecisionRole.OTHER),
]
INTERESTS = [
    "高尔夫",
    "钓鱼",
    "书法",
    "茶艺，喜欢龙井",
    "摄影",
    "登山徒步",
    "围棋",
    "羽毛球",
    "收藏紫砂壶",
    "马拉松",
]
FAMILIES = [
    "已婚，孩子读小学",
    "已婚，孩子在外地读大学",
    "已婚，父母同住",
    "单身",
    "已婚，爱人是中学老师",
]
PERSONALITIES = [
    "做事严谨，重视数据，汇报要有依据",
    "性格爽快，喜欢直接沟通，不喜欢绕弯子",
    "谨慎稳重，做决定前会多方比较",
    "重视承诺，对时效要求很高",
    "热情健谈，看重长期关系",
]
RELATIONSHIPS = [
    "在公司内负责物流供应商的选择，意见很有分量",
    "与我司销售部往来多年，关系良好",
    "行业协会理事，交际圈广",
    "与总经理关系密切，能影响采购决策",
]
EVENTS = [
    (CustomerEvent.Kind.BRANCH, "{city}分公司成立", "新设区域仓库，配送需求随之增加。"),
    (
        CustomerEvent.Kind.CAMPAIGN,
        "与我司联合开展“准时达”宣传",
        "双方在客户展会上联合展示配送服务。",
    ),
    (
        CustomerEvent.Kind.COOPERATION,
        "签订年度仓储配送合同",
        "合同涵盖华东地区的干线运输与仓储。",
    ),
    (
        CustomerEvent.Kind.DIRECTION,
        "计划拓展华南市场",
        "明年拟在广州设立销售中心，可能需要跨区域配送。",
    ),
    (CustomerEvent.Kind.PERSONNEL, "采购负责人更换", "新负责人重视成本，需重新拜访。"),
    (CustomerEvent.Kind.VISIT, "客服部上门拜访", "了解上季度服务评价，记录改进建议。"),
]
PROBLEMS = [
    "多次以媒体曝光相威胁，要求远超补救政策的赔偿。",
    "反复辱骂客服人员，提出与事实不符的索赔。",
    "恶意拖欠运费，屡次催收无果。",
]


def _person_name(rng) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _mobile(rng) -> str:
    return "100" + "".join(rng.choice("0123456789") for _ in range(8))


def _landline(rng, area: str) -> str:
    return f"{area}-0" + "".join(rng.choice("0123456789") for _ in range(7))


def _org_name(rng, city: str, ownership: str, used: set[str]) -> tuple[str, str]:
    while True:
        suffix, industry = rng.choice(INDUSTRIES)
        if ownership == Customer.Ownership.FOREIGN:
            name = f"{rng.choice(FOREIGN_CORES)}{suffix}（{city}）有限公司"
        elif ownership == Customer.Ownership.STATE_OWNED:
            name = f"{city}市{rng.choice(CORES)}{suffix}集团有限公司"
        else:
            legal = rng.choice(["有限公司", "有限公司", "股份有限公司"])
            name = f"{city}{rng.choice(CORES)}{suffix}{legal}"
        if name not in used:
            used.add(name)
            return name, industry


def build(ctx: DemoContext) -> None:
    rng, now = ctx.rng, ctx.now
    users = ctx.made["users"]
    staff = [users[u] for u in ("agent", "agent2", "supervisor", "manager")]
    owners = (
        [users["agent"]] * 40
        + [users["agent2"]] * 40
        + [users["supervisor"]] * 25
        + [users["manager"]] * 15
    )
    owners += [None] * (300 - len(owners))
    rng.shuffle(owners)
    used: set[str] = set()
    customers: list[Customer] = []
    for i, owner in enumerate(owners):
        city, province, area, region = rng.choice(CITIES)
        person = i % 10 == 9  # 30 individual consumers
        tier = rng.choices("ABC", weights=[15, 30, 55])[0]
        if person:
            name = _person_name(rng)
            while name in used:
                name = _person_name(rng)
            used.add(name)
            customer = Customer(
                kind=Customer.Kind.PERSON,
                name=name,
                phone=_mobile(rng),
                province=province,
                city=city + "市",
                source=Customer.Source.SERVICE,
                tier="C",
                owner=owner,
            )
        else:
            ownership = rng.choices(Customer.Ownership.values, weights=[20, 55, 20, 5])[
                0
            ]
            name, industry = _org_name(rng, city, ownership, used)
            customer = Customer(
                kind=Customer.Kind.ORGANISATION,
                name=name,
                credit_code=credit_code_generate(rng, region=region),
                ownership=ownership,
                industry=industry,
                province=province,
                city=city + "市",
                size=rng.choice(Customer.Size.values),
                source=rng.choice(Customer.Source.values[:6]),
                phone=_landline(rng, area),
                email=f"service{i:03d}@example.invalid",
                address=f"{city}市{rng.choice(CORES)}路{rng.randint(1, 999)}号",
                background=f"主营{industry}，在{province}设有生产和仓储基地。",
                tier=tier,
                owner=owner,
                credit_rating=rng.choice(["AAA", "AA", "A", "A", "BBB", "BB", "B"]),
                credit_limit=Decimal(rng.choice([5, 10, 20, 50, 100, 200])) * 10000,
            )
        customer.name_sort = name_sort_key(customer.name)
        customer.created_by = owner or users["supervisor"]
        customer.created_at = now - dt.timedelta(days=rng.randint(30, 1100))
        if rng.random() < 0.6:
            customer.verified_at = now - dt.timedelta(days=rng.randint(1, 360))
            customer.verified_by = owner or users["supervisor"]
        customers.append(customer)
    for customer, reason in zip(
        rng.sample(customers, len(PROBLEMS)), PROBLEMS, strict=True
    ):
        customer.is_problem = True
        customer.problem_reason = reason
        customer.problem_flagged_by = users["manager"]
        customer.problem_flagged_at = now - dt.timedelta(days=rng.randint(5, 200))
    Customer.objects.bulk_create(customers)
    # Spread "last changed" over the past months (bulk_create stamps it now).
    Customer.objects.filter(pk__in=[c.pk for c in customers]).update(
        updated_at=Case(
            *[
                When(
                    pk=c.pk,
                    then=Value(
                        max(c.created_at, now - dt.timedelta(days=rng.randint(0, 240)))
                    ),
                )
                for c in customers
            ],
            output_field=DateTimeField(),
        )
    )
    organisations = [c for c in customers if c.kind == Customer.Kind.ORGANISATION]
    for customer in rng.sample(organisations, 20):
        referrer = rng.choice([c for c in organisations if c is not customer])
        customer.referred_by = referrer
        Customer.objects.filter(pk=customer.pk).update(referred_by=referrer)

    contacts: list[Contact] = []
    events: list[CustomerEvent] = []
    for customer in organisations:
        for n, (title, role) in enumerate(rng.sample(TITLES, rng.randint(1, 3))):
            contact = Contact(
                customer=customer,
                name=_person_name(rng),
                title=title,
                decision_role=role,
                mobile=_mobile(rng),
                phone=customer.phone if rng.random() < 0.5 else "",
                is_primary=n == 0,
                created_by=customer.created_by,
            )
            if rng.random() < 0.6:
                lunar = rng.random() < 0.3
                contact.birthday_calendar = "lunar" if lunar else "solar"
                contact.birthday_month = rng.randint(1, 12)
                contact.birthday_day = rng.randint(1, 28)
                contact.birthday_year = rng.choice([None, rng.randint(1962, 1992)])
                contact.family = rng.choice(FAMILIES)
                contact.interests = rng.choice(INTERESTS)
                contact.personality = rng.choice(PERSONALITIES)
                contact.relationships = rng.choice(RELATIONSHIPS)
            contacts.append(contact)
        for _ in range(rng.randint(0, 4)):
            kind, title, description = rng.choice(EVENTS)
            city = rng.choice(CITIES)[0]
            span = max((now - customer.created_at).days, 1)
            events.append(
                CustomerEvent(
                    customer=customer,
                    occurred_on=(now - dt.timedelta(days=rng.randint(0, span))).date(),
                    kind=kind,
                    title=title.format(city=city),
                    description=description,
                    created_by=customer.owner or rng.choice(staff),
                )
            )
    Contact.objects.bulk_create(contacts)
    CustomerEvent.objects.bulk_create(events)

    agents_customers = [c for c in organisations if c.owner == users["agent"]]
    if len(agents_customers) >= 3:
        AccessGrant.objects.bulk_create(
            [
                AccessGrant(
                    customer=agents_customers[0],
                    requested_by=users["agent2"],
                    reason="客户来电投诉配送延误，需要了解对方采购负责人的情况以便回访。",
                    requested_at=now - dt.timedelta(hours=3),
                ),
                AccessGrant(
                    customer=agents_customers[1],
                    requested_by=users["supervisor"],
                    reason="准备季度回访，需要核对信用额度。",
                    requested_at=now - dt.timedelta(days=1),
                    status=AccessGrant.Status.APPROVED,
                    decided_by=users["manager"],
                    decided_at=now - dt.timedelta(hours=20),
                    decision_note="同意，七天内有效。",
                    expires_at=now + dt.timedelta(days=6),
                ),
                AccessGrant(
                    customer=agents_customers[2],
                    requested_by=users["transport"],
                    reason="想了解客户的信用情况。",
                    requested_at=now - dt.timedelta(days=3),
                    status=AccessGrant.Status.REFUSED,
                    decided_by=users["manager"],
                    decided_at=now - dt.timedelta(days=2),
                    decision_note="运输配送工作不需要信用信息，如有需要请联系客户经理。",
                ),
            ]
        )

    customer_index.rebuild(
        Customer.objects.prefetch_related("contacts")
        .order_by("pk")
        .iterator(chunk_size=500)
    )
    ctx.made["customers"] = customers
    demo_relations.build(ctx)
