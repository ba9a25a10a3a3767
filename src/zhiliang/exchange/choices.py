"""Enumerations of the data exchange, with their Chinese labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    """What a file holds (one :class:`~zhiliang.exchange.importing.Importer` each)."""

    ENTERPRISES = "enterprises", _("企业")
    PRODUCTS = "products", _("产品")
    SAMPLING_RESULTS = "sampling-results", _("抽查结果公告")
    PENALTIES = "penalties", _("行政处罚（双公示）")
    LICENCES = "licences", _("行政许可（双公示）")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("处理中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("出错")
