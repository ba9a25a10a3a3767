"""core models. Each module holds one concern; all are re-exported here."""

from .audit import ChangeSet, DomainEvent, EventDelivery, ObjectChange
from .base import DomainModel, InsertOrderIndex
from .calendar import CalendarDay, CalendarYear
from .identity import Membership, User
from .regions import Department, Region
from .rules import RuleOverride
from .search import SearchEntry, SearchToken
from .tokens import APIToken

__all__ = [
    "APIToken",
    "CalendarDay",
    "CalendarYear",
    "ChangeSet",
    "Department",
    "DomainEvent",
    "DomainModel",
    "EventDelivery",
    "InsertOrderIndex",
    "Membership",
    "ObjectChange",
    "Region",
    "RuleOverride",
    "SearchEntry",
    "SearchToken",
    "User",
]
