"""RULES.md's rules, registered with their defaults and sources.

(Filled in by the rules work; each rule has a test built from its source's
worked example.)"""

from .rules import Rule, register

register(
    Rule(
        name="RULE_SAMPLING_REPEAT_6M",
        title="同一产品6个月内不得重复抽查",
        default=6,
        kind="months",
        unit="个月",
        source="产品质量法第十五条；市场监管总局令第18号；纲要§三(六)2",
        group="监督抽查",
        minimum=0,
        maximum=24,
    )
)
