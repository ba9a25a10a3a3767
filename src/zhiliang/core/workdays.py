"""Working days and time limits (CORE.md "Working days", RULES.md "wd").

Where a day's status comes from, in this order:

1. a year **loaded by the deployment** (:class:`~zhiliang.core.models.CalendarYear`
   and its :class:`~zhiliang.core.models.CalendarDay` exceptions, written by
   :func:`zhiliang.core.services.load_calendar_year` / ``zhiliang calendar load``);
   a loaded year replaces the package for that whole year;
2. the ``chinese-calendar`` package (1.11.0 covers 2004–2026);
3. otherwise a **provisional** calendar: weekends plus the statutory holidays
   of 《全国年节及纪念日放假办法》 (2025 revision), without 调休 (make-up working
   days are announced each year and cannot be computed):
   元旦 1/1; 春节 除夕 to 正月初三 (4 days, lunar, via ``lunardate``);
   清明节 the day of the 清明 solar term (computed by the package's solar-term
   formula, 4 or 5 April); 劳动节 5/1–5/2; 端午节 lunar 5/5; 中秋节 lunar 8/15;
   国庆节 10/1–10/3.  Outside ``lunardate``'s range (1900–2099) the lunar
   holidays are left out.

Every result that looked at a provisional day says so: :func:`add_working_days`
and :func:`add_days` return a :class:`WorkingDate` (a ``datetime.date`` with
``.provisional``), :func:`working_days_between` a :class:`WorkingDayCount`
(an ``int`` with ``.provisional``).

Counting (《民法典》第二百零一条–二百零三条): a period counts from the day
after the start; ``add_working_days(start, n)`` is the n-th working day after
``start`` (``n = 0`` returns ``start`` itself, unflagged; a negative ``n``
counts backwards); ``working_days_between(a, b)`` counts the working days in
``(a, b]``, so ``working_days_between(a, add_working_days(a, n)) == n``.
Month periods end on the same calendar day ``n`` months later, or the last
day of that month when it has no such day (2020-08-31 + 6 months =
2021-02-28): :func:`add_calendar_months`, :func:`within_months`.

Recomputing provisional deadlines (the contract for apps that store them):
store the deadline with its ``provisional`` flag (and the start date).  When a
year is loaded the service emits ``core.calendar_loaded`` with payload
``{"year": Y, …}``.  Register a handler with :func:`on_calendar_loaded`; it
receives the year and must recompute every stored deadline for which
:func:`recompute_needed` ``(start, deadline, provisional, year)`` is true —
i.e. whose counting window touches that year.  The handler runs after commit
in the task worker; this module's cache is shared through Django's cache
(a version stamp), so the worker sees the new year.

Caching: each year's exceptions are computed once per process and kept until
:func:`invalidate` (called by ``load_calendar_year``) bumps the version stamp
in Django's cache; every public function checks that stamp once per call, so
a deadline computation costs one cache read and, for a loaded year not yet
cached, two queries.
"""

from __future__ import annotations

import calendar as _pycal
import datetime
import threading
import uuid
from dataclasses import dataclass, field

SOURCE_LOADED = "loaded"
SOURCE_PACKAGE = "package"
SOURCE_PROVISIONAL = "provisional"
SOURCE_LABELS = {SOURCE_LOADED: "本地加载", SOURCE_PACKAGE: "chinese-calendar 数据包", SOURCE_PROVISIONAL: "临时（推算）"}

#: names of chinese-calendar's holidays in Chinese
HOLIDAY_NAMES = {
    "new_years_day": "元旦",
    "spring_festival": "春节",
    "tomb_sweeping_day": "清明节",
    "labour_day": "劳动节",
    "dragon_boat_festival": "端午节",
    "national_day": "国庆节",
    "mid_autumn_festival": "中秋节",
    "anti_fascist_70th_day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}

#: how far ``add_working_days`` may search before giving up (a broken calendar)
MAX_SEARCH_DAYS = 3660

_VERSION_KEY = "zhiliang:workdays:version"


class WorkingDate(datetime.date):
    """A date computed with the working-day calendar; ``provisional`` when any
    day it depended on comes from the provisional calendar."""

    provisional: bool

    def __new__(cls, year, month=None, day=None, provisional: bool = False):
        if isinstance(year, datetime.date) and month is None:
            year, month, day = year.year, year.month, year.day
        self = super().__new__(cls, year, month, day)
        self.provisional = provisional
        return self

    def __reduce__(self):
        return (WorkingDate, (self.year, self.month, self.day, self.provisional))

    def __repr__(self) -> str:
        flag = ", provisional=True" if self.provisional else ""
        return f"WorkingDate({self.year}, {self.month}, {self.day}{flag})"


class WorkingDayCount(int):
    """A number of working days; ``provisional`` when the range touched a provisional year."""

    provisional: bool

    def __new__(cls, value: int, provisional: bool = False):
        self = super().__new__(cls, value)
        self.provisional = provisional
        return self

    def __reduce__(self):
        return (WorkingDayCount, (int(self), self.provisional))

    def __repr__(self) -> str:
        return f"WorkingDayCount({int(self)}{', provisional=True' if self.provisional else ''})"


@dataclass(frozen=True)
class YearCalendar:
    """One year's exceptions to the plain week (Mon–Fri working)."""

    year: int
    source: str
    #: date -> (is_working, name) for every day that differs from the plain week
    #: (and loaded/named days that do not differ, kept for their names)
    days: dict[datetime.date, tuple[bool, str]] = field(default_factory=dict)
    #: where a loaded year came from (e.g. 国办发明电〔2026〕X号)
    document: str = ""

    @property
    def provisional(self) -> bool:
        return self.source == SOURCE_PROVISIONAL

    def is_working(self, d: datetime.date) -> bool:
        entry = self.days.get(d)
        if entry is not None:
            return entry[0]
        return d.weekday() < 5

    def holidays(self) -> list[tuple[datetime.date, str]]:
        """Days off that fall on weekdays or are named holidays, in date order."""
        return sorted((d, name) for d, (working, name) in self.days.items() if not working)

    def makeup_days(self) -> list[tuple[datetime.date, str]]:
        """Weekend days that are working days (调休上班), in date order."""
        return sorted((d, name) for d, (working, name) in self.days.items() if working and d.weekday() >= 5)


# --- sources ---------------------------------------------------------------------------------------


def package_years() -> range:
    """The years the installed ``chinese-calendar`` knows."""
    import chinese_calendar

    years = {d.year for d in chinese_calendar.holidays}
    return range(min(years), max(years) + 1)


def _holiday_name(holiday) -> str:
    """Chinese name of a chinese-calendar holiday (an enum member or its English value)."""
    from chinese_calendar.constants import Holiday

    for member in Holiday:
        if holiday in (member, member.value, member.name):
            return HOLIDAY_NAMES.get(member.name, member.value)
    return str(holiday or "")


def _package_year(year: int) -> YearCalendar:
    import chinese_calendar

    days: dict[datetime.date, tuple[bool, str]] = {}
    for d, holiday in chinese_calendar.holidays.items():
        if d.year == year:
            days[d] = (False, _holiday_name(holiday))
    for d, holiday in chinese_calendar.workdays.items():
        if d.year == year:
            days[d] = (True, _holiday_name(holiday) + "调休")
    return YearCalendar(year=year, source=SOURCE_PACKAGE, days=days, document="chinese-calendar")


def provisional_holidays(year: int) -> dict[datetime.date, str]:
    """The statutory holidays of ``year`` that can be computed (no 调休)."""
    out: dict[datetime.date, str] = {datetime.date(year, 1, 1): "元旦"}
    for day in (1, 2):
        out[datetime.date(year, 5, day)] = "劳动节"
    for day in (1, 2, 3):
        out[datetime.date(year, 10, day)] = "国庆节"
    try:
        import chinese_calendar

        for d, name in chinese_calendar.get_solar_terms(datetime.date(year, 4, 1), datetime.date(year, 4, 10)):
            if name == "清明":
                out[d] = "清明节"
    except Exception:  # outside the formula's range: the usual day
        out[datetime.date(year, 4, 5)] = "清明节"
    try:
        from lunardate import LunarDate

        new_year = LunarDate(year, 1, 1).to_solar_date()
        for offset in range(-1, 3):  # 除夕 … 初三
            out[new_year + datetime.timedelta(days=offset)] = "春节"
        out[LunarDate(year, 5, 5).to_solar_date()] = "端午节"
        out[LunarDate(year, 8, 15).to_solar_date()] = "中秋节"
    except (ValueError, IndexError):  # outside lunardate's range (1900–2099)
        pass
    return {d: name for d, name in out.items() if d.year == year}


def _provisional_year(year: int) -> YearCalendar:
    days = {d: (False, name) for d, name in provisional_holidays(year).items()}
    return YearCalendar(year=year, source=SOURCE_PROVISIONAL, days=days, document="临时日历：周末及法定节假日（未含调休）")


# --- the cache -------------------------------------------------------------------------------------

_lock = threading.Lock()
_years: dict[int, YearCalendar] = {}
_loaded_years: dict[int, str] | None = None
_seen_version: object = None
#: set while a calendar load may still be rolled back: cache only within one call
_uncommitted = False


def _shared_version():
    from django.core.cache import cache

    try:
        return cache.get(_VERSION_KEY)
    except Exception:  # an unreachable cache must not stop deadline computation
        return None


def _clear_local() -> None:
    global _loaded_years
    with _lock:
        _years.clear()
        _loaded_years = None


def invalidate(*, uncommitted: bool = False) -> None:
    """Forget cached years here and (through Django's cache) in every process.

    ``load_calendar_year`` calls it with ``uncommitted=True`` inside its
    transaction (the load may still roll back: until the transaction ends,
    years are cached only for the duration of one call) and again on commit."""
    global _seen_version, _uncommitted
    from django.core.cache import cache

    stamp = uuid.uuid4().hex
    try:
        cache.set(_VERSION_KEY, stamp, None)
    except Exception:
        pass
    _clear_local()
    _seen_version = stamp
    _uncommitted = uncommitted


def _sync() -> None:
    """Drop the local cache if another process (or a load) changed the calendar."""
    global _seen_version
    if _uncommitted:
        from django.db import connection

        if connection.in_atomic_block:
            _clear_local()
            return
        invalidate()
        return
    version = _shared_version()
    if version != _seen_version:
        _clear_local()
        _seen_version = version


def _loaded() -> dict[int, str]:
    global _loaded_years
    if _loaded_years is None:
        from .models import CalendarYear

        _loaded_years = dict(CalendarYear.objects.values_list("year", "source"))
    return _loaded_years


def _year(year: int) -> YearCalendar:
    cal = _years.get(year)
    if cal is not None:
        return cal
    loaded = _loaded()
    if year in loaded:
        from .models import CalendarDay

        days = {d: (w, n) for d, w, n in CalendarDay.objects.filter(year__year=year).values_list("date", "is_working", "name")}
        cal = YearCalendar(year=year, source=SOURCE_LOADED, days=days, document=loaded[year])
    elif year in package_years():
        cal = _package_year(year)
    else:
        cal = _provisional_year(year)
    _years[year] = cal
    return cal


def year_calendar(year: int) -> YearCalendar:
    """The calendar in force for ``year`` (loaded, package or provisional)."""
    _sync()
    return _year(year)


def year_source(year: int) -> str:
    """``loaded``, ``package`` or ``provisional``."""
    return year_calendar(year).source


def is_provisional_year(year: int) -> bool:
    return year_calendar(year).provisional


def provisional_years(first: int | None = None, last: int | None = None) -> list[int]:
    """Years in ``[first, last]`` (default: last year to three years ahead) that
    would be computed with the provisional calendar."""
    from django.utils import timezone

    today = timezone.localdate()
    first = today.year - 1 if first is None else first
    last = today.year + 3 if last is None else last
    _sync()
    return [y for y in range(first, last + 1) if _year(y).provisional]


# --- the questions ---------------------------------------------------------------------------------


def _as_date(d) -> datetime.date:
    if isinstance(d, datetime.datetime):
        return d.date()
    if isinstance(d, datetime.date):
        return d
    if isinstance(d, str):
        return datetime.date.fromisoformat(d)
    raise TypeError(f"需要日期，收到 {d!r}")


def is_working_day(d) -> bool:
    """Is ``d`` a working day (statutory holidays off, 调休 make-up days on)?"""
    d = _as_date(d)
    _sync()
    return _year(d.year).is_working(d)


def day_info(d) -> tuple[bool, str, str]:
    """(is working, holiday name or '', source) of one day."""
    d = _as_date(d)
    cal = year_calendar(d.year)
    working, name = cal.days.get(d, (d.weekday() < 5, ""))
    return working, name, cal.source


def add_working_days(start, n: int) -> WorkingDate:
    """The ``n``-th working day after ``start`` (counting from the day after).

    ``n == 0`` returns ``start`` unchanged; negative ``n`` counts backwards
    (the ``|n|``-th working day before ``start``)."""
    start = _as_date(start)
    n = int(n)
    if n == 0:
        return WorkingDate(start)
    _sync()
    step = datetime.timedelta(days=1 if n > 0 else -1)
    remaining = abs(n)
    provisional = False
    d = start
    for _ in range(remaining * 10 + MAX_SEARCH_DAYS):
        d = d + step
        cal = _year(d.year)
        provisional = provisional or cal.provisional
        if cal.is_working(d):
            remaining -= 1
            if remaining == 0:
                return WorkingDate(d, provisional=provisional)
    raise ValueError(f"自 {start} 起找不到第 {n} 个工作日：请检查工作日历")


def working_days_between(a, b) -> WorkingDayCount:
    """The number of working days in ``(a, b]`` (negative when ``b < a``)."""
    a, b = _as_date(a), _as_date(b)
    if a == b:
        return WorkingDayCount(0)
    sign = 1
    if b < a:
        a, b, sign = b, a, -1
    _sync()
    count = 0
    provisional = False
    d = a
    one = datetime.timedelta(days=1)
    while d < b:
        d += one
        cal = _year(d.year)
        provisional = provisional or cal.provisional
        count += cal.is_working(d)
    return WorkingDayCount(sign * count, provisional=provisional)


def next_working_day(d, *, include_self: bool = True) -> WorkingDate:
    """``d`` if it is a working day (and ``include_self``), else the next one."""
    d = _as_date(d)
    _sync()
    cal = _year(d.year)
    if include_self and cal.is_working(d):
        return WorkingDate(d, provisional=cal.provisional)
    return add_working_days(d, 1)


def add_days(start, n: int, *, extend_over_holidays: bool = False) -> WorkingDate:
    """``start`` + ``n`` calendar days (counting from the day after start).

    With ``extend_over_holidays`` a last day that is a rest day moves to the
    next working day (《民法典》第二百零三条: a period whose last day is a
    statutory holiday ends on the day after the holiday)."""
    start = _as_date(start)
    end = start + datetime.timedelta(days=int(n))
    if not extend_over_holidays:
        return WorkingDate(end)
    return next_working_day(end)


def add_calendar_months(start, n: int) -> datetime.date:
    """The same calendar day ``n`` months after ``start``, or the last day of
    that month when it is shorter (2020-01-10 + 6 → 2020-07-10; 2020-08-31 + 6 →
    2021-02-28).  A period "within n months" of ``start`` runs through this day
    inclusive (:func:`within_months`)."""
    start = _as_date(start)
    months = start.year * 12 + (start.month - 1) + int(n)
    year, month = divmod(months, 12)
    month += 1
    day = min(start.day, _pycal.monthrange(year, month)[1])
    return datetime.date(year, month, day)


def within_months(start, n: int, d) -> bool:
    """Is ``d`` after ``start`` and no later than :func:`add_calendar_months` ``(start, n)``?"""
    start, d = _as_date(start), _as_date(d)
    return start < d <= add_calendar_months(start, n)


# --- recomputing provisional results ------------------------------------------------------------------


def recompute_needed(start, end, provisional: bool, year: int | None = None) -> bool:
    """Must a stored result counted over ``start``…``end`` be recomputed?

    With ``year`` (the year just loaded): when the window touches that year.
    Without: when it was ``provisional`` and no day of the window is
    provisional any more — or it was not provisional and now is (a loaded year
    was removed)."""
    start, end = sorted((_as_date(start), _as_date(end)))
    if year is not None:
        return start.year <= year <= end.year
    _sync()
    now_provisional = any(_year(y).provisional for y in range(start.year, end.year + 1))
    return bool(provisional) != now_provisional


def on_calendar_loaded(handler):
    """Register ``handler(year)`` for the ``core.calendar_loaded`` event (call
    from ``AppConfig.ready``).  The handler runs after commit; it must be
    idempotent (events are delivered once per handler)."""
    from .events import on_event

    def run(event):
        _clear_local()
        return handler(int(event.payload["year"]))

    run.__module__ = handler.__module__
    run.__qualname__ = handler.__qualname__
    on_event("core.calendar_loaded")(run)
    return handler
