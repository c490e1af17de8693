"""Demo step: the departments of 华东捷运物流有限公司 and the demo accounts (DESIGN §9)."""

from __future__ import annotations

from django.contrib.auth.models import Group

from accounts.models import Department, User
from accounts.roles import Role
from core.demo import DEMO_PASSWORD, DemoContext

DEPARTMENTS = [
    ("cs", "客户服务部", 10),
    ("transport", "运输配送部", 20),
    ("warehouse", "仓储部", 30),
    ("sales", "销售部", 40),
    ("finance", "财务部", 50),
    ("admin", "综合管理部", 60),
]

# username, display name, role, department, dispatcher of that department
ACCOUNTS = [
    ("admin", "周立新", Role.SYSTEM_ADMIN, "admin", False),
    ("secadmin", "吴安平", Role.SECURITY_ADMIN, "admin", False),
    ("auditor", "郑审言", Role.AUDITOR, "admin", False),
    ("gm", "陈国华", Role.GENERAL_MANAGER, "admin", False),
    ("manager", "林晓雯", Role.SERVICE_MANAGER, "cs", False),
    ("supervisor", "王建军", Role.SUPERVISOR, "cs", True),
    ("agent", "李思琪", Role.AGENT, "cs", False),
    ("agent2", "张浩然", Role.AGENT, "cs", False),
    ("transport", "刘志强", Role.DEPARTMENT_STAFF, "transport", False),
    ("deptmgr", "赵德明", Role.DEPARTMENT_MANAGER, "transport", True),
    ("warehouse", "孙美玲", Role.DEPARTMENT_STAFF, "warehouse", True),
]


def build(ctx: DemoContext) -> None:
    departments = {}
    for code, name, order in DEPARTMENTS:
        departments[code], _ = Department.objects.get_or_create(
            code=code, defaults={"name": name, "sort_order": order}
        )
    groups = {g.name: g for g in Group.objects.all()}
    users = {}
    for username, display_name, role, dept_code, dispatcher in ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "display_name": display_name,
                "department": departments[dept_code],
                "email": f"{username}@demo.kefu.invalid",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        user.groups.set([groups[role.value]])
        users[username] = user
        if dispatcher:
            Department.objects.filter(code=dept_code).update(dispatcher=user)
    ctx.made["departments"] = departments
    ctx.made["users"] = users
