"""The rules registry (CORE.md "Rules", RULES.md).

Each rule of RULES.md is a :class:`Rule`: a name (``RULE_SAMPLING_REPEAT_6M``),
its default with the source, and a kind that validates values.  A
deployment overrides it with effective-dated :class:`~zhiliang.core.models.RuleOverride`
rows edited by the city admin; :func:`value` answers with the value in force
on a given date.  A default may itself change on a date (``history``), e.g.
the credit regime that switches on 2025-12-25.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

KINDS = {
    "int": "整数",
    "days": "天数",
    "working_days": "工作日数",
    "months": "月数",
    "years": "年数",
    "hours": "小时数",
    "percent": "百分比",
    "decimal": "数值",
    "bool": "是/否",
    "choice": "选项",
    "json": "结构化取值",
}


@dataclass(frozen=True)
class Rule:
    name: str
    title: str
    default: Any
    kind: str
    source: str
    group: str
    description: str = ""
    #: the first day ``default`` is in force; before it, ``history`` applies
    default_since: datetime.date | None = None
    #: earlier defaults: ((first day in force, value), …) in date order
    history: tuple[tuple[datetime.date, Any], ...] = ()
    choices: tuple[str, ...] = ()
    minimum: Decimal | int | None = None
    maximum: Decimal | int | None = None
    unit: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: unknown kind {self.kind}")
        if not self.name.startswith("RULE_"):
            raise ValueError(f"{self.name}: rule names start with RULE_")
        if self.default_since is not None and not self.history:
            raise ValueError(f"{self.name}: default_since needs the earlier default in history")

    def clean(self, value: Any) -> Any:
        """The value as stored (JSON), or a ValidationError in Chinese saying why not."""
        label = f"规则“{self.title}”"
        if self.kind in {"int", "days", "working_days", "months", "years", "hours"}:
            try:
                number = int(str(value).strip())
            except (TypeError, ValueError):
                raise ValidationError(f"{label}的取值须为整数，收到“{value}”") from None
            if str(value).strip() != str(number):
                raise ValidationError(f"{label}的取值须为整数，收到“{value}”")
            self._check_range(number, label)
            return number
        if self.kind in {"percent", "decimal"}:
            try:
                number = Decimal(str(value).strip())
            except (InvalidOperation, TypeError, ValueError):
                raise ValidationError(f"{label}的取值须为数值，收到“{value}”") from None
            if not number.is_finite():
                raise ValidationError(f"{label}的取值须为有限数值")
            if self.kind == "percent" and not (0 <= number <= 100):
                raise ValidationError(f"{label}是百分比，须在 0 至 100 之间")
            self._check_range(number, label)
            return str(number)
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"true", "1", "yes", "是", "on"}:
                return True
            if text in {"false", "0", "no", "否", "off"}:
                return False
            raise ValidationError(f"{label}的取值须为“是”或“否”，收到“{value}”")
        if self.kind == "choice":
            if value not in self.choices:
                raise ValidationError(f"{label}的取值须为 {'、'.join(self.choices)} 之一，收到“{value}”")
            return value
        if self.kind == "json":
            import json

            if isinstance(value, str):
                try:
                    value = json.loads(value)
                except json.JSONDecodeError as exc:
                    raise ValidationError(f"{label}的取值不是合法的 JSON：{exc.msg}（第 {exc.pos + 1} 个字符）") from None
            if type(value) is not type(self.default):
                raise ValidationError(f"{label}的取值结构须与缺省值相同（{type(self.default).__name__}）")
            if isinstance(value, dict) and set(value) != set(self.default):
                raise ValidationError(f"{label}须包含且仅包含这些键：{'、'.join(map(str, self.default))}")
            self._check_json_numbers(value, self.default, label)
            return value
        raise AssertionError(self.kind)

    def _check_json_numbers(self, value: Any, default: Any, label: str, path: str = "") -> None:
        """Where the default holds a number, the value must hold a number (within
        ``minimum``/``maximum``); nested dicts are checked key by key."""
        if isinstance(default, dict) and isinstance(value, dict):
            for key, sub_default in default.items():
                if key in value:
                    self._check_json_numbers(value[key], sub_default, label, f"{path}{key}")
                elif path:
                    raise ValidationError(f"{label}的“{path}”缺少键“{key}”")
            return
        if isinstance(default, list) and isinstance(value, list) and default:
            for i, item in enumerate(value):
                self._check_json_numbers(item, default[0], label, f"{path}[{i + 1}]")
            return
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValidationError(f"{label}的“{path}”须为数值，收到“{value}”")
            if isinstance(default, int) and not isinstance(value, int):
                raise ValidationError(f"{label}的“{path}”须为整数，收到“{value}”")
            self._check_range(value, f"{label}的“{path}”")
        elif isinstance(default, str) and not isinstance(value, str):
            raise ValidationError(f"{label}的“{path}”须为文本，收到“{value}”")

    def _check_range(self, number, label: str) -> None:
        if self.minimum is not None and number < self.minimum:
            raise ValidationError(f"{label}的取值不能小于 {self.minimum}")
        if self.maximum is not None and number > self.maximum:
            raise ValidationError(f"{label}的取值不能大于 {self.maximum}")

    def python(self, stored: Any) -> Any:
        """Stored JSON value -> the Python value code uses."""
        if self.kind in {"percent", "decimal"}:
            return Decimal(str(stored))
        return stored

    def default_changes(self) -> list[datetime.date]:
        """The days on which the default changed (not the first history entry's start)."""
        starts = [start for start, _ in self.history[1:]]
        return starts + ([self.default_since] if self.default_since else [])

    def default_on(self, on: datetime.date) -> Any:
        """The default in force on ``on``: ``default`` from ``default_since``,
        before that the last ``history`` entry that had started (or the first)."""
        if self.default_since is None or on >= self.default_since:
            return self.default
        earlier = [v for start, v in self.history if start <= on]
        return earlier[-1] if earlier else self.history[0][1]


REGISTRY: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    if rule.name in REGISTRY and REGISTRY[rule.name] != rule:
        raise ValueError(f"rule {rule.name} registered twice with different definitions")
    REGISTRY[rule.name] = rule
    return rule


def get(name: str) -> Rule:
    _load_catalogue()
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValidationError(f"未知规则 {name}") from None


def all_rules() -> list[Rule]:
    _load_catalogue()
    return sorted(REGISTRY.values(), key=lambda r: (r.group, r.name))


def value(name: str, on: datetime.date | None = None) -> Any:
    """The value of rule ``name`` in force on ``on`` (default: today).

    The latest override that started on or before ``on`` applies — unless the
    default itself changed after that override started (a new regulation,
    ``default_since``/``history``): then the new default applies until a
    later override."""
    return in_force(name)(on)


def in_force(name: str) -> Callable[[datetime.date | None], Any]:
    """:func:`value` of rule ``name`` as a function of the date, its overrides read once, now:
    for a loop over many dates, or a thread that must not use the database."""
    rule = get(name)
    overrides = _overrides(rule.name)
    changes = rule.default_changes()

    def on_date(on: datetime.date | None = None) -> Any:
        on = on or timezone.localdate()
        if isinstance(on, datetime.datetime):
            on = timezone.localdate(on) if timezone.is_aware(on) else on.date()
        override = next(((start, stored) for start, stored in overrides if start <= on), None)
        if override is not None:
            changed = [d for d in changes if d <= on]
            if not changed or override[0] >= max(changed):
                return rule.python(override[1])
        return rule.python(rule.default_on(on))

    return on_date


#: a short per-process memo of each rule's overrides (newest first); the services
#: that change overrides clear it at once, other processes see a change within the TTL
_OVERRIDE_TTL = 30.0
_override_memo: dict[str, tuple[float, list[tuple[datetime.date, Any]]]] = {}
#: inside :func:`overrides_read_once`: each rule's overrides as first read there
_read_once: contextvars.ContextVar[dict[str, list] | None] = contextvars.ContextVar("rule_overrides_read_once", default=None)


@contextlib.contextmanager
def overrides_read_once() -> Iterator[None]:
    """Within, each rule's overrides are read once, even inside a transaction (where they are
    otherwise read at every use): for a job that applies rules to many rows and changes no
    override — an import checks thousands of rows against the same rules in force."""
    token = _read_once.set({})
    try:
        yield
    finally:
        _read_once.reset(token)


def _overrides(name: str) -> list[tuple[datetime.date, Any]]:
    import time

    from django.db import connection

    from .models import RuleOverride

    def read() -> list[tuple[datetime.date, Any]]:
        return list(RuleOverride.objects.filter(rule=name).order_by("-effective_from").values_list("effective_from", "value"))

    read_once = _read_once.get()
    if read_once is not None:
        if name not in read_once:
            read_once[name] = read()
        return read_once[name]
    now = time.monotonic()
    memo = _override_memo.get(name)
    if memo is None or memo[0] < now or connection.in_atomic_block:
        rows = read()
        if connection.in_atomic_block:
            return rows  # inside a transaction: see its own uncommitted overrides, memo nothing
        _override_memo[name] = memo = (now + _OVERRIDE_TTL, rows)
    return memo[1]


def forget_overrides(name: str | None = None) -> None:
    """Drop the memo (after an override was written or removed)."""
    if name is None:
        _override_memo.clear()
    else:
        _override_memo.pop(name, None)


def _load_catalogue() -> None:
    from . import rule_catalogue  # noqa: F401  (registers RULES.md's rules)
