"""Demo data of core: one account per role (and per county for county staff).

Everything is generated; no real person's data.  Later apps add their own
demo data through :data:`DEMO_LOADERS` (``register_demo_loader``), each
deterministic from the seed, so ``zhiliang demo`` shows a living city.
"""

from __future__ import annotations

import random
from typing import Callable

from django.db import transaction

from .audit import SYSTEM, audit_context, change_set
from .choices import Role
from .models import ChangeSet, Department, Region

DEMO_PASSWORD = "zhiliang-demo"
DEMO_KIND = "demo"

#: (order, name, loader(seed, rng, report)) — apps register theirs in AppConfig.ready
DEMO_LOADERS: list[tuple[int, str, Callable]] = []


def register_demo_loader(order: int, name: str, loader: Callable) -> None:
    if name not in {n for _, n, _ in DEMO_LOADERS}:
        DEMO_LOADERS.append((order, name, loader))
        DEMO_LOADERS.sort(key=lambda item: item[0])


COUNTY_ACCOUNTS = {
    "420302": "maojian",
    "420303": "zhangwan",
    "420304": "yunyang",
    "420322": "yunxi",
    "420323": "zhushan",
    "420324": "zhuxi",
    "420325": "fangxian",
    "420381": "danjiangkou",
    "4203K1": "jingkai",
    "4203K2": "wudangshan",
}

GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"


def fake_name(rng: random.Random) -> str:
    return rng.choice(FAMILY) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def fake_phone(rng: random.Random) -> str:
    # 199-0xxx… is a reserved-looking test block; never a real subscriber list
    return "1990" + "".join(rng.choice("0123456789") for _ in range(7))


def is_loaded() -> bool:
    return ChangeSet.objects.filter(kind=DEMO_KIND).exists()


_PASSWORD_HASHES: dict[str, str] = {}


def demo_password_hash() -> str:
    """The demo password hashed once per hasher and reused for every demo account:
    production settings hash with PBKDF2 (≈0.3 s each), and the demo must start fast."""
    from django.conf import settings
    from django.contrib.auth.hashers import make_password

    hasher = settings.PASSWORD_HASHERS[0]
    if hasher not in _PASSWORD_HASHES:
        _PASSWORD_HASHES[hasher] = make_password(DEMO_PASSWORD)
    return _PASSWORD_HASHES[hasher]


def demo_account(rng: random.Random, username: str, role: str, *, region=None, department=None, organisation=None):
    """A demo user (created through the services, or the existing one) with one membership of ``role``.

    Apps call this from their loaders to add accounts bound to their organisations
    (the registry binds ``enterprise`` and ``lab``)."""
    from . import services
    from .models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        user = services.create_user(actor=SYSTEM, username=username, password=None, display_name=fake_name(rng), phone=fake_phone(rng))
        user.password = demo_password_hash()
        user.save(update_fields=["password"])  # the snapshot leaves the password out: no log row
    services.add_membership(actor=SYSTEM, user=user, role=role, region=region, department=department, organisation=organisation)
    return user


#: accounts whose membership binds them to an organisation: created here without one,
#: given their membership by the app that owns the organisations (the registry's demo)
ORGANISATION_ACCOUNTS = ("enterprise", "lab")


def core_accounts(seed: int, rng: random.Random, report: Callable[[str], None]) -> list[dict]:
    from . import services

    accounts = []

    def account(username, role, label, region=None, department=None):
        demo_account(rng, username, role, region=region, department=department)
        accounts.append({"username": username, "role": Role(role).label, "scope": label})

    city = Region.objects.get(code="420300")
    account("admin", Role.CITY_ADMIN, "十堰市", region=city)
    account("auditor", Role.AUDITOR, "十堰市", region=city)
    amr = Department.objects.get(code="sy-amr")
    account("amr", Role.DEPARTMENT_STAFF, amr.name, region=city, department=amr)
    commerce = Department.objects.get(code="sy-com")
    account("commerce", Role.DEPARTMENT_STAFF, commerce.name, region=city, department=commerce)
    for code, username in COUNTY_ACCOUNTS.items():
        region = Region.objects.get(code=code)
        account(username, Role.COUNTY_STAFF, region.name, region=region)
    # enterprise and lab accounts are bound to their organisation by the registry's demo data
    for username in ORGANISATION_ACCOUNTS:
        user = services.create_user(actor=SYSTEM, username=username, password=None, display_name=fake_name(rng), phone=fake_phone(rng))
        user.password = demo_password_hash()
        user.save(update_fields=["password"])
    report(f"账号 {len(accounts) + len(ORGANISATION_ACCOUNTS)} 个")
    return accounts


register_demo_loader(0, "core.accounts", core_accounts)


def core_activity(report: Callable[[str], None]) -> None:
    """A few ordinary actions of the city admin and the auditor, so the change log
    shows what everyday work leaves in it (outside the bulk load's change set)."""
    import datetime

    from . import services
    from .models import User

    admin = User.objects.get(username="admin")
    with audit_context(actor=admin, reason="十堰市2027年双随机抽查工作方案（演示）", source="web"):
        services.set_rule_override(
            actor=admin,
            rule="RULE_SAMPLING_CREDIT_CLASS_RATIOS",
            value={"A": 5, "B": 15, "C": 30, "D": 60},
            effective_from=datetime.date(2027, 1, 1),
            reason="十堰市2027年双随机抽查工作方案（演示）：B类企业抽查比例提高到15%",
        )
    amr = Department.objects.get(code="sy-amr")
    with audit_context(actor=admin, reason="补充机构沿革说明", source="web"):
        services.update_department(
            actor=admin,
            department=amr,
            note="2019年由原市工商局、市质监局、市食药监局和市物价局的价格监督检查职责整合组建。",
        )
    auditor = User.objects.get(username="auditor")
    with audit_context(actor=auditor, reason="核查账号联系方式（演示）", source="web"):
        services.reveal_personal_data(actor=auditor, instance=admin, fields=["phone"], reason="核查账号联系方式（演示）")
    report("日常操作 3 项（规则调整、部门说明、个人信息查看）")


def load(seed: int = 2017, report: Callable[[str], None] = print) -> list[dict]:
    """Load every registered demo loader once, in one change set; returns the accounts."""
    accounts: list[dict] = []
    with audit_context(actor=SYSTEM, reason=f"加载演示数据（seed={seed}）", source="command"):
        with transaction.atomic(), change_set(kind=DEMO_KIND, file_name=f"seed={seed}") as cs:
            counts: dict = {}
            for _order, name, loader in DEMO_LOADERS:
                rng = random.Random(f"{seed}:{name}")
                result = loader(seed, rng, report)
                if name == "core.accounts":
                    accounts = result
                elif isinstance(result, dict):  # an app's counts of what it created
                    for key, value in result.items():
                        counts[key] = counts.get(key, 0) + value
            cs.counts = {"accounts": len(accounts), **{k: v for k, v in counts.items() if k != "accounts"}}
            ChangeSet.objects.filter(pk=cs.pk).update(counts=cs.counts)
        core_activity(report)
    return accounts


def accounts_table() -> list[dict]:
    """The demo accounts as they are in the database now (for printing at start)."""
    from .models import User

    rows = []
    for user in User.objects.filter(is_service_account=False).prefetch_related("memberships__role", "memberships__region", "memberships__department").order_by("pk"):
        for m in user.memberships.all():
            scope = m.department or m.organisation or m.region or "（待绑定）"
            rows.append({"username": user.username, "role": Role(m.role.name).label, "role_name": m.role.name, "scope": str(scope)})
    return rows


def accounts_lines(rows: list[dict] | None = None) -> list[str]:
    """The accounts table, readable: per role its first account in full, then the others' user names."""
    rows = accounts_table() if rows is None else rows
    by_role: dict[str, list[dict]] = {}
    for row in rows:
        by_role.setdefault(row["role"], []).append(row)
    lines = []
    for role, members in by_role.items():
        first = members[0]
        lines.append(f"  {first['username']:<12} {role:<10} {first['scope']}")
        if len(members) > 1:
            others = "、".join(r["username"] for r in members[1:])
            lines.append(f"  {'':<12} …等 {len(members)} 个：{others}")
    return lines
