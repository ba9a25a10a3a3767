"""The one queryset every domain model uses: audited writes + ``restrict``."""

from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models

from .audit import AuditedQuerySet
from .permissions import restrict


class ScopedQuerySet(AuditedQuerySet):
    def restrict(self, user, action: str = "view"):
        """What ``user`` may see (``view``) or act on (any other action)."""
        return restrict(self, user, action)


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)


class UserManager(DjangoUserManager.from_queryset(ScopedQuerySet)):
    use_in_migrations = True
