"""``zhiliang rules`` — the registered rules (RULES.md) and their values.

``zhiliang rules`` lists every rule with the value in force today (or on
``--on DATE``), deployment overrides included; ``zhiliang rules --markdown``
prints the defaults as the Markdown table committed as ``docs/rules.md``
(a test keeps the two in step).
"""

from __future__ import annotations

import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from zhiliang.core import rules as registry

HEADER = """# 规则一览 Registered rules

由 `zhiliang rules --markdown` 从规则注册表生成，请勿手工编辑（测试会比对）。
Generated from the rule registry by `zhiliang rules --markdown`; do not edit by hand
(a test compares it with the registry).

每条规则的缺省值来自 RULES.md；部署可由市级管理员设置自某日起生效的调整值，
代码按相关日期取在用值：`zhiliang.core.rules.value(name, on=date)`。

期限的计算（`zhiliang.core.workdays`）：自次日起算；“工作日”按国务院公布的节假日与调休计算
（部署加载的年度 › chinese-calendar 数据包 › 临时日历，临时结果带 `provisional` 标记）；
“N个月内”至 N 个月后的同一日（含当日），无对应日的为当月末日。
"""


def format_value(rule: registry.Rule, value) -> str:
    if rule.kind == "bool":
        return "是" if value else "否"
    if rule.kind == "json":
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    else:
        text = str(value)
    unit = rule.unit if rule.kind != "json" else (f"（单位：{rule.unit}）" if rule.unit else "")
    return f"{text}{unit}" if rule.kind != "json" else f"`{text}`{unit}"


def default_text(rule: registry.Rule) -> str:
    text = format_value(rule, rule.default)
    if rule.default_since:
        earlier = "；".join(f"{start} 起 {format_value(rule, v)}" for start, v in rule.history)
        text = f"{rule.default_since} 起 {text}（此前：{earlier}）"
    return text


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown() -> str:
    lines = [HEADER]
    rules = registry.all_rules()
    from zhiliang.core.rule_catalogue import GROUP_ORDER

    groups = sorted(dict.fromkeys(r.group for r in rules), key=lambda g: (GROUP_ORDER.index(g) if g in GROUP_ORDER else len(GROUP_ORDER), g))
    for group in groups:
        lines.append(f"\n## {group}\n")
        lines.append("| 规则 | 名称 | 缺省值 | 类型 | 来源 |")
        lines.append("|---|---|---|---|---|")
        for rule in (r for r in rules if r.group == group):
            lines.append(
                f"| `{rule.name}` | {_cell(rule.title)} | {_cell(default_text(rule))} | {registry.KINDS[rule.kind]} | {_cell(rule.source)} |"
            )
    lines.append(f"\n共 {len(rules)} 条规则。")
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "列出已登记的规则及其在用值；--markdown 输出 docs/rules.md 的规则表"

    def add_arguments(self, parser):
        parser.add_argument("--markdown", action="store_true", help="输出 Markdown 规则表（缺省值，不读数据库）")
        parser.add_argument("--on", metavar="YYYY-MM-DD", help="在用值的日期（缺省为今天）")
        parser.add_argument("--group", help="只列出该组（如 监督抽查）")

    def handle(self, *args, markdown: bool = False, on: str | None = None, group: str | None = None, **options):
        if markdown:
            self.stdout.write(globals()["markdown"](), ending="")
            return
        try:
            day = datetime.date.fromisoformat(on) if on else timezone.localdate()
        except ValueError:
            raise CommandError(f"--on 须为日期 YYYY-MM-DD，收到“{on}”") from None
        rules = [r for r in registry.all_rules() if group is None or r.group == group]
        if not rules:
            raise CommandError(f"没有“{group}”组的规则")
        self.stdout.write(f"{day} 在用的规则（共 {len(rules)} 条）：")
        for rule in rules:
            current = registry.value(rule.name, day)
            marker = "" if current == rule.python(rule.default_on(day)) else "（已调整）"
            self.stdout.write(f"{rule.name}\t{rule.group}\t{rule.title}\t{format_value(rule, current)}{marker}\t{rule.source}")
