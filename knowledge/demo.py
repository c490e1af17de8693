"""Demo step: FAQ articles the portal shows, reply templates that commit to
steps and dates, and one closed complaint written up as a case that every new
member of staff must read (assigned to the two demo agents as well)."""

from __future__ import annotations

from core.demo import DemoContext
from knowledge import services
from tickets.models import Ticket

FAQ = {
    "查询与时效": [
        (
            "怎样查询我的运单进度？",
            "在首页提交咨询时填写运单号，或拨打客服热线报出运单号，客服会告诉您"
            "货物当前所在的站点和预计送达时间。",
        ),
        (
            "节假日期间还发货吗？",
            "法定节假日期间各分拨中心照常收发，城市配送可能顺延一到两天；调休的"
            "工作日按正常时效计算。",
        ),
    ],
    "破损与丢失": [
        (
            "收到的货物破损怎么办？",
            "请在签收后七天内拍下外箱和货物的照片，在本页面提交投诉并上传照片。"
            "我们会在一个工作日内联系您，核实后安排补发、维修或退款。",
        ),
        (
            "货物丢失如何理赔？",
            "请提交投诉并写明运单号和货物价值凭证，客服会在两个工作日内告知调查"
            "进展，理赔按合同约定的保价金额办理。",
        ),
    ],
    "费用与发票": [
        (
            "运费发票怎么开？",
            "月结客户的发票每月五日前寄出；零散客户可在提交服务请求时填写抬头和"
            "税号，三个工作日内开具。",
        ),
    ],
}

TEMPLATES = [
    (
        "受理确认",
        "{客户}您好，您的工单{工单号}（{主题}）我们已经受理，负责人{客服}会在"
        "{截止时间}前给您答复。处理中有任何需要，请直接回复本消息。",
    ),
    (
        "需要补充材料",
        "{联系人}您好，为尽快处理工单{工单号}，请您补充货物破损部位的照片和外箱"
        "照片。收到后我们会在一个工作日内告知核实结果。",
    ),
    (
        "调查进展",
        "{客户}您好，关于工单{工单号}，相关部门正在调查原因。我们会在{截止时间}"
        "前把调查结果和处理方案告诉您。",
    ),
]


def build(ctx: DemoContext) -> None:
    users = ctx.made["users"]
    manager, supervisor = users["manager"], users["supervisor"]
    for category_name, articles in FAQ.items():
        category = services.faq_category_create(actor=manager, name=category_name)
        for title, body in articles:
            services.faq_article_save(
                actor=manager, category=category, title=title, body=body
            )
    for name, body in TEMPLATES:
        services.reply_template_save(actor=manager, name=name, body=body)

    complaint = (
        Ticket.objects.filter(type=Ticket.Type.COMPLAINT, status=Ticket.Status.CLOSED)
        .select_related("customer")
        .order_by("-closed_at", "-pk")
        .first()
    )
    if complaint is None:
        return
    case = services.case_create(
        actor=supervisor,
        ticket=complaint,
        classification="delivery",
        for_new_staff=True,
        title=f"{complaint.customer.name}：{complaint.subject}",
        summary=complaint.description or complaint.subject,
        cause="分拨中心装车时未按“重不压轻”码放，途中颠簸造成外箱挤压。",
        handling="当天致电客户致歉，次日补发；仓储部复核装车规范并通报各班组。",
        lessons="受理要快，处理要慢：先安抚、先登记，再查明原因；答复只承诺步骤和"
        "时间，补救按政策执行。",
    )
    services.case_assign(
        actor=supervisor, case=case, users=[users["agent"], users["agent2"]]
    )
    ctx.made["cases"] = [case]
