"""Forms of the sampling app's staff pages.  They validate and report in Chinese next to the
field; they never save — the views pass the cleaned data to ``sampling.services``.

The list pages' filters are the API's FilterSets (``filtersets.py``) with choice lists
instead of typed codes (``*UIFilterSet``)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import ChoiceFilter

from zhiliang.core.forms import DateInput
from zhiliang.core.models import Department, Region
from zhiliang.core.permissions import codename, memberships, restrict, role_permissions
from zhiliang.core.uploads import ACCEPTED_ATTACHMENTS
from zhiliang.enterprises.filtersets import category_ancestor_ids
from zhiliang.enterprises.forms import CategoryChoiceFilter, RegionChoiceFilter, _UIFilterSet, category_choices
from zhiliang.enterprises.models import Enterprise, Inspector, ProductCategory, TestingAgency

from .choices import Conclusion, Direction, Level, NoticeMethod, Place, PlanStatus, SampleStatus, TaskStatus
from .filtersets import SampleFilterSet, SamplingPlanFilterSet, SamplingTaskFilterSet
from .models import Sample, SampleAttachment, SamplingPlan

YES_NO_REQUIRED = [("yes", _("是")), ("no", _("否"))]
RISK_CLASSES = ("A", "B", "C", "D")
#: biggest attachment accepted from the page (page captures, purchase records, scans)
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


def today() -> datetime.date:
    return timezone.localdate()


def regions_where(user, model, action: str):
    """The regions in which ``user`` may ``action`` rows of ``model`` (a form's region choices)."""
    perm = codename(model, action)
    qs = Region.objects.exclude(level__in=("nation", "province")).order_by("sort_order", "code")
    if getattr(user, "is_superuser", False):
        return qs
    ids: set[int] = set()
    for m in memberships(user):
        if perm not in role_permissions(m.role):
            continue
        if m.region_id is None:
            return qs
        ids.update(m.region.subtree_ids())
    return qs.filter(pk__in=ids)


def counties_of(region: Region):
    """The county-level units a plan of ``region`` distributes quotas to (itself when it is one)."""
    if region.level in ("county", "zone"):
        return Region.objects.filter(pk=region.pk)
    return Region.objects.filter(level__in=("county", "zone"), path__startswith=region.path).order_by("sort_order", "code")


def labs_for(category: ProductCategory | None):
    """Active testing agencies accredited for ``category`` (a field's accreditation covers its categories)."""
    qs = TestingAgency.objects.filter(is_active=True).order_by("name")
    if category is not None:
        qs = qs.filter(categories__in=category_ancestor_ids(category.code)).distinct()
    return qs


class LabChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（CMA {obj.cma_number}）"


class InspectorChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.certificate_number}）"


# --- plans ------------------------------------------------------------------------------------


class PlanForm(forms.ModelForm):
    """A draft plan's facts, its categories and the sampling ratios by credit-risk class (in %)."""

    risk_A = forms.DecimalField(label=_("A 类抽查比例（%）"), required=False, min_value=0, max_value=100, decimal_places=2)
    risk_B = forms.DecimalField(label=_("B 类抽查比例（%）"), required=False, min_value=0, max_value=100, decimal_places=2)
    risk_C = forms.DecimalField(label=_("C 类抽查比例（%）"), required=False, min_value=0, max_value=100, decimal_places=2)
    risk_D = forms.DecimalField(label=_("D 类抽查比例（%）"), required=False, min_value=0, max_value=100, decimal_places=2)

    FIELDS = ("code", "title", "year", "level", "kind", "place", "region", "department", "organiser_name", "categories",
              "exclude_local_inspectors", "starts_on", "ends_on", "description")

    class Meta:
        model = SamplingPlan
        fields = ("code", "title", "year", "level", "kind", "place", "region", "department", "organiser_name", "categories",
                  "exclude_local_inspectors", "starts_on", "ends_on", "description")
        widgets = {
            "starts_on": DateInput,
            "ends_on": DateInput,
            "categories": forms.CheckboxSelectMultiple,
            "title": forms.TextInput(attrs={"size": 50}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user=None, **kwargs):
        from .rules import credit_class_ratios

        super().__init__(*args, **kwargs)
        in_force = "、".join(f"{cls} {format((ratio * 100).normalize(), 'f')}%" for cls, ratio in credit_class_ratios(timezone.localdate()).items())
        self.fields["risk_D"].help_text = _("留空按现行规则（%(ratios)s）；信用中心尚未分类的企业按 B 类") % {"ratios": in_force}
        from .services.plans import PLAN_REGION_LEVELS

        regions = regions_where(user, SamplingPlan, "add" if not self.instance.pk else "change")
        self.fields["region"].queryset = regions
        # only what the user can save: the levels and departments of the regions it may organise in
        levels = set(regions.values_list("level", flat=True))
        self.fields["level"].choices = [(v, lbl) for v, lbl in self.fields["level"].choices
                                        if not v or levels.intersection(PLAN_REGION_LEVELS.get(v, ()))]
        self.fields["department"].queryset = Department.objects.filter(valid_to__isnull=True, region__in=regions).order_by("region__sort_order", "code")
        self.fields["categories"].queryset = ProductCategory.objects.order_by("sort_order", "code")
        self.fields["categories"].required = False
        self.fields["code"].error_messages["required"] = _("请填写计划编号")
        self.fields["title"].error_messages["required"] = _("请填写计划名称")
        if not self.instance.pk:
            self.initial.setdefault("year", today().year)
        ratios = self.instance.risk_ratios or {}  # in percent, as RULE_SAMPLING_CREDIT_CLASS_RATIOS
        for cls in RISK_CLASSES:
            if cls in ratios and ratios[cls] is not None:
                self.initial[f"risk_{cls}"] = Decimal(str(ratios[cls])).normalize()

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("结束日期不能早于开始日期"))
        given = [data.get(f"risk_{c}") for c in RISK_CLASSES]
        if any(v is not None for v in given) and not all(v is not None for v in given):
            self.add_error("risk_D", _("信用风险分类抽查比例须四类都填写，或全部留空"))
        return data

    def risk_ratios(self) -> dict | None:
        """Percent per class (``{"A": 5, …}``), or ``None`` for the rule's defaults."""
        given = {c: self.cleaned_data.get(f"risk_{c}") for c in RISK_CLASSES}
        if all(v is None for v in given.values()):
            return None
        return {c: str(v.normalize()) for c, v in given.items()}

    def create_kwargs(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.FIELDS}
        data["categories"] = list(data["categories"])
        data["risk_ratios"] = self.risk_ratios()
        return data

    def changes(self) -> dict:
        out = {}
        for name in self.changed_data:
            if name in self.FIELDS:
                value = self.cleaned_data[name]
                out[name] = list(value) if name == "categories" else value
        if any(name.startswith("risk_") for name in self.changed_data):
            out["risk_ratios"] = self.risk_ratios()
        return out


class TestItemForm(forms.Form):
    """One row of the test-item table (检验项目); an empty row is skipped."""

    __test__ = False

    category = forms.ModelChoiceField(label=_("产品类别"), queryset=ProductCategory.objects.none())
    name = forms.CharField(label=_("检验项目"), max_length=100)
    standard = forms.CharField(label=_("依据标准"), max_length=100, required=False)
    clause = forms.CharField(label=_("条款"), max_length=30, required=False)
    direction = forms.ChoiceField(label=_("判定方向"), choices=Direction.choices, initial=Direction.MAX)
    limit_low = forms.DecimalField(label=_("下限"), required=False, max_digits=14, decimal_places=4)
    limit_high = forms.DecimalField(label=_("上限"), required=False, max_digits=14, decimal_places=4)
    unit = forms.CharField(label=_("单位"), max_length=20, required=False)
    requirement = forms.CharField(label=_("技术要求"), max_length=200, required=False)

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        if plan is not None:
            self.fields["category"].queryset = plan.categories.order_by("sort_order", "code")
        for field in ("standard", "clause", "unit", "limit_low", "limit_high"):
            self.fields[field].widget.attrs["size"] = 10
        self.fields["name"].widget.attrs["size"] = 14

    def has_changed(self):
        # the pre-selected direction alone does not make a row
        return any(self.data.get(self.add_prefix(f)) for f in ("name", "standard", "clause", "unit", "limit_low", "limit_high", "requirement"))

    def clean(self):
        data = super().clean()
        direction = data.get("direction")
        if direction in (Direction.MAX, Direction.RANGE) and data.get("limit_high") is None:
            self.add_error("limit_high", _("“%(d)s”的项目须填写上限") % {"d": Direction(direction).label})
        if direction in (Direction.MIN, Direction.RANGE) and data.get("limit_low") is None:
            self.add_error("limit_low", _("“%(d)s”的项目须填写下限") % {"d": Direction(direction).label})
        if direction == Direction.QUALITATIVE and not data.get("requirement"):
            self.add_error("requirement", _("定性项目须填写技术要求，如“应有中文标志”"))
        return data


class TestItemEditForm(TestItemForm):
    """Change one test item of a draft plan (its category stays; remove and add instead)."""

    __test__ = False
    FIELDS = ("name", "direction", "standard", "clause", "limit_low", "limit_high", "unit", "requirement")

    def __init__(self, *args, item, **kwargs):
        kwargs.setdefault("initial", {name: getattr(item, name) for name in self.FIELDS})
        super().__init__(*args, plan=None, **kwargs)
        del self.fields["category"]
        self.item = item

    has_changed = forms.Form.has_changed

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class BaseTestItemFormSet(forms.BaseFormSet):
    def __init__(self, *args, plan=None, **kwargs):
        self.plan = plan
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "plan": self.plan}


TestItemFormSet = forms.formset_factory(TestItemForm, formset=BaseTestItemFormSet, extra=3, max_num=50)


class QuotaGridForm(forms.Form):
    """任务分配: one number field per county × category (``q_<region id>_<category id>``)."""

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.counties = list(counties_of(plan.region))
        self.categories = list(plan.categories.order_by("sort_order", "code"))
        current = {(q.region_id, q.category_id): q.quantity for q in plan.quotas.all()}
        self.rows = []
        for region in self.counties:
            cells = []
            for category in self.categories:
                name = f"q_{region.pk}_{category.pk}"
                self.fields[name] = forms.IntegerField(
                    label=f"{region.name} · {category.name}", required=False, min_value=0,
                    initial=current.get((region.pk, category.pk)), widget=forms.NumberInput(attrs={"min": 0, "style": "width:5em"}),
                )
                cells.append(name)
            self.rows.append((region, [self[name] for name in cells]))

    def changed_cells(self):
        """(region, category, quantity) of the cells the user changed (0 for an emptied cell)."""
        regions = {r.pk: r for r in self.counties}
        categories = {c.pk: c for c in self.categories}
        for name in self.changed_data:
            _q, region_id, category_id = name.split("_")
            yield regions[int(region_id)], categories[int(category_id)], self.cleaned_data[name] or 0


class OnDateForm(forms.Form):
    """An action that happens on a date (approve, publish, close, order, notify …); ``label``
    names the date on the page (批准日期, 签发日期 …)."""

    on = forms.DateField(label=_("日期"), widget=DateInput, initial=today)

    def __init__(self, *args, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["on"].label = label


# --- draws ------------------------------------------------------------------------------------


class RunDrawForm(forms.Form):
    public_value = forms.CharField(
        label=_("公开随机值（可选）"), max_length=100, required=False,
        help_text=_("如当日公布的福利彩票开奖号码；与随机种子一起决定抽取结果，任何人可据此复核"),
    )


# --- tasks and samples ---------------------------------------------------------------------------


class RefuseForm(forms.Form):
    on = forms.DateField(label=_("拒检日期"), widget=DateInput, initial=today)
    note = forms.CharField(label=_("拒检情况说明"), widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("拒检将记入企业信用记录，并在下一年度计划中优先抽查"))


class SampleForm(forms.Form):
    """样品登记 — from a drawn task (prefilled) or on site for market/online sampling.  The
    producer is chosen from the registry by a search (``producer``), or named when it is not
    registered (producers outside Shiyan)."""

    plan = forms.ModelChoiceField(label=_("抽查计划"), queryset=SamplingPlan.objects.none())
    sample_no = forms.CharField(label=_("样品编号"), max_length=40, required=False, help_text=_("留空由系统按计划编号生成"))
    sampled_on = forms.DateField(label=_("抽样日期"), widget=DateInput, initial=today)
    place = forms.ChoiceField(label=_("抽样环节"), choices=Place.choices)
    region = forms.ModelChoiceField(label=_("抽样地区"), queryset=Region.objects.none(), required=False,
                                    help_text=_("抽样所在的县市区；留空按抽查任务或受检单位所在区划"))
    category = forms.ModelChoiceField(label=_("产品类别"), queryset=ProductCategory.objects.none())
    product_name = forms.CharField(label=_("产品名称"), max_length=120)
    trademark = forms.CharField(label=_("商标"), max_length=60, required=False)
    model = forms.CharField(label=_("规格型号"), max_length=120, required=False)
    standard = forms.CharField(label=_("执行标准"), max_length=100, required=False)
    batch_no = forms.CharField(label=_("生产日期/批号"), max_length=60, required=False)
    production_date = forms.DateField(label=_("生产日期"), widget=DateInput, required=False)
    producer = forms.ModelChoiceField(label=_("标称生产企业（名录库）"), queryset=Enterprise.objects.all(), required=False,
                                      widget=forms.HiddenInput)
    producer_name = forms.CharField(label=_("标称生产企业名称"), max_length=150, required=False,
                                    help_text=_("生产企业不在本市名录库时填写名称（如市外企业）"))
    sampled_unit = forms.ModelChoiceField(label=_("受检单位（名录库）"), queryset=Enterprise.objects.all(), required=False,
                                          widget=forms.HiddenInput)
    sampled_unit_name = forms.CharField(label=_("受检单位名称"), max_length=150, required=False,
                                        help_text=_("流通环节为销售者；电子商务为网店经营者"))
    platform = forms.CharField(label=_("电商平台"), max_length=60, required=False)
    shop = forms.CharField(label=_("网店名称"), max_length=100, required=False)
    order_no = forms.CharField(label=_("订单号"), max_length=60, required=False)
    page_url = forms.URLField(label=_("商品页面地址"), max_length=300, required=False, assume_scheme="https",
                              widget=forms.TextInput(attrs={"size": 50, "inputmode": "url"}))
    quantity_tested = forms.IntegerField(label=_("检验样品数量"), min_value=1, initial=1)
    quantity_reserve = forms.IntegerField(label=_("备用样品数量"), min_value=0, initial=1)
    unit = forms.CharField(label=_("计量单位"), max_length=10, initial="件")
    price_paid = forms.DecimalField(label=_("购样费用（元）"), min_value=0, max_digits=10, decimal_places=2, required=False,
                                    help_text=_("样品由抽样单位购买，不向企业收取检验费用"))
    inspectors = InspectorChoiceField(label=_("抽样人员"), queryset=Inspector.objects.none(), required=False,
                                      widget=forms.CheckboxSelectMultiple)

    ONLINE_FIELDS = ("platform", "shop", "order_no")

    def __init__(self, *args, user=None, task=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.task = task
        plans = restrict(SamplingPlan.objects.all(), user, "change").filter(status=PlanStatus.PUBLISHED)
        self.fields["plan"].queryset = plans.order_by("-year", "code")
        self.fields["category"].queryset = ProductCategory.objects.order_by("sort_order", "code")
        self.fields["inspectors"].queryset = restrict(Inspector.objects.filter(is_active=True), user, "view").order_by("name")
        counties = regions_where(user, Sample, "add").filter(level__in=("county", "zone"))
        self.fields["region"].queryset = counties
        if counties.count() == 1:
            self.fields["region"].initial = counties.first().pk
        self.fields["place"].initial = Place.MARKET
        self.fields["product_name"].error_messages["required"] = _("请填写产品名称")
        if task is not None:
            del self.fields["plan"]
            self.fields["category"].queryset = ProductCategory.objects.filter(pk=task.category_id)
            self.fields["place"].initial = task.plan.place
            self.fields["region"].initial = task.region_id

    def clean(self):
        data = super().clean()
        if not data.get("producer") and not (data.get("producer_name") or "").strip():
            self.add_error("producer_name", _("请选择名录库中的生产企业，或填写标称生产企业名称"))
        if data.get("place") == Place.ONLINE:
            for name in self.ONLINE_FIELDS:
                if not (data.get(name) or "").strip():
                    self.add_error(name, _("网上抽查须填写%(label)s") % {"label": self.fields[name].label})
        if data.get("production_date") and data.get("sampled_on") and data["production_date"] > data["sampled_on"]:
            self.add_error("production_date", _("生产日期不能晚于抽样日期"))
        return data

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        plan = self.task.plan if self.task is not None else data.pop("plan")
        out = {
            "plan": plan, "task": self.task, "sampled_on": data["sampled_on"], "product_name": data["product_name"],
            "producer": data.get("producer"), "producer_name": data.get("producer_name") or "", "category": data["category"],
            "trademark": data["trademark"], "model": data["model"], "standard": data["standard"], "batch_no": data["batch_no"],
            "production_date": data["production_date"], "sampled_unit": data.get("sampled_unit"), "region": data.get("region"),
            "sampled_unit_name": data["sampled_unit_name"], "place": data["place"], "platform": data["platform"],
            "shop": data["shop"], "order_no": data["order_no"], "page_url": data["page_url"],
            "quantity_tested": data["quantity_tested"], "quantity_reserve": data["quantity_reserve"], "unit": data["unit"],
            "price_paid": data["price_paid"], "inspectors": list(data["inspectors"]), "sample_no": data["sample_no"] or None,
        }
        if self.task is not None:
            out["product"] = self.task.product
            out["lab"] = self.task.lab
        return out


def initial_from_task(task) -> dict:
    """What a drawn task already says about the sample (the form's prefill)."""
    product = task.product
    initial = {
        "category": task.category_id,
        "place": task.plan.place,
        "producer": task.enterprise_id,
        "producer_name": task.enterprise.name,
        "inspectors": [i.pk for i in task.inspectors.all()],
        # the drawn enterprise is where the sample is taken (the producer itself in factory sampling)
        "sampled_unit": task.enterprise_id,
        "sampled_unit_name": task.enterprise.name,
    }
    if product is not None:
        initial.update(product_name=product.name, trademark=product.brand, model=product.model,
                       standard=(product.standards or [""])[0])
    return initial


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("附件类型"), choices=SampleAttachment.KINDS)
    file = forms.FileField(label=_("文件"), help_text=_("PDF、JPG、PNG、电子发票 OFD，或浏览器保存的网页（HTML、MHT）"),
                           widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_ATTACHMENTS)}))
    description = forms.CharField(label=_("说明"), max_length=200, required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_ATTACHMENT_BYTES:
            raise forms.ValidationError(_("文件过大：不能超过 %(mb)s MB") % {"mb": MAX_ATTACHMENT_BYTES // 1024 // 1024})
        return upload


class LabSelect(forms.Select):
    """The lab list, its assigned lab's option marked ``data-assigned`` (the page hides the
    reason field while that option is chosen)."""

    assigned_pk = None

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if self.assigned_pk is not None and str(getattr(value, "value", value)) == str(self.assigned_pk):
            option["attrs"]["data-assigned"] = "1"
            option["label"] = _("%(lab)s（抽取/指定的承检机构）") % {"lab": label}
        return option


class SendForm(forms.Form):
    """送样: the lab (the assigned one preselected) and, when another is chosen, the reason
    (required then by ``services.samples.send_sample``)."""

    lab = LabChoiceField(label=_("承检机构"), queryset=TestingAgency.objects.none(), widget=LabSelect)
    on = forms.DateField(label=_("送样日期"), widget=DateInput, initial=today)
    lab_change_reason = forms.CharField(
        label=_("改送其他检验机构的原因"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2, "cols": 40}),
        help_text=_("送往抽取或指定的承检机构以外的机构时必须填写"),
    )

    def __init__(self, *args, sample=None, **kwargs):
        from .selectors import assigned_lab

        super().__init__(*args, **kwargs)
        self.fields["lab"].queryset = labs_for(sample.category if sample is not None else None)
        self.assigned = assigned_lab(sample) if sample is not None else None
        if self.assigned is not None:
            self.fields["lab"].initial = self.assigned.pk
            self.fields["lab"].widget.assigned_pk = self.assigned.pk
        else:  # no lab assigned: any accredited lab, no reason to give
            del self.fields["lab_change_reason"]

    @property
    def reason_field(self):
        """The reason's bound field, ``None`` when no lab was assigned."""
        return self["lab_change_reason"] if "lab_change_reason" in self.fields else None

    def visible_main_fields(self):
        return [self[name] for name in ("lab", "on")]


class ReceiveForm(forms.Form):
    on = forms.DateField(label=_("收样日期"), widget=DateInput, initial=today)
    condition = forms.CharField(label=_("样品及封条状况"), max_length=100, required=False, initial="封样完好",
                                help_text=_("如“封样完好”“包装破损”"))


class ReportForm(forms.Form):
    """检验报告: the report number and one measured value per test item of the plan's category.
    The judgement of each item and the conclusion are derived by the service, never typed."""

    report_no = forms.CharField(label=_("报告编号"), max_length=60)
    tested_on = forms.DateField(label=_("检验日期"), widget=DateInput, initial=today)
    note = forms.CharField(label=_("备注"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, items=(), report=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        measured = {}
        if report is not None:
            self.initial.update(report_no=report.report_no, tested_on=report.tested_on, note=report.note)
            measured = {r.item_id: r.measured for r in report.results.all()}
        self.rows = []
        for item in self.items:
            name = f"m_{item.pk}"
            if item.direction == Direction.QUALITATIVE:  # 符合 or 不符合, chosen (a value saved as 合格/不合格 stays one of the choices)
                saved = measured.get(item.pk)
                choices = [("", "—"), ("符合", _("符合")), ("不符合", _("不符合"))] + ([(saved, saved)] if saved and saved not in ("符合", "不符合") else [])
                widget = forms.Select(choices=choices)
            else:
                widget = forms.TextInput(attrs={"size": 10, "inputmode": "decimal"})
            self.fields[name] = forms.CharField(label=item.name, max_length=60, initial=measured.get(item.pk), help_text=item.unit, widget=widget)
            self.rows.append((item, self[name]))

    def clean(self):
        data = super().clean()
        if not self.items:
            raise forms.ValidationError(_("计划未设置该产品类别的检验项目，无法录入检验结果；请联系计划组织部门补充检验项目"))
        return data

    def results(self) -> list[dict]:
        return [{"item": item, "measured": self.cleaned_data[f"m_{item.pk}"].strip()} for item in self.items]


class NotifyForm(forms.Form):
    on = forms.DateField(label=_("告知日期"), widget=DateInput, initial=today)
    method = forms.ChoiceField(label=_("送达方式"), choices=NoticeMethod.choices,
                               help_text=_("企业无法联系时公告送达，公告期满视为送达"))


class ObjectionForm(forms.Form):
    reason = forms.CharField(label=_("异议理由"), widget=forms.Textarea(attrs={"rows": 5}),
                             help_text=_("说明对检验结论有异议的项目和理由；复检使用备用样品，复检结论为最终结论"))


class DecideObjectionForm(forms.Form):
    accept = forms.TypedChoiceField(label=_("处理决定"), choices=[("yes", _("受理，安排复检")), ("no", _("不予受理"))],
                                    coerce=lambda v: v == "yes", widget=forms.RadioSelect)
    on = forms.DateField(label=_("处理日期"), widget=DateInput, initial=today)
    retest_lab = LabChoiceField(label=_("复检机构"), queryset=TestingAgency.objects.none(), required=False,
                                help_text=_("受理时选择；不得为初检机构"))
    note = forms.CharField(label=_("处理意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, sample=None, **kwargs):
        super().__init__(*args, **kwargs)
        labs = labs_for(sample.category if sample is not None else None)
        if sample is not None and sample.lab_id:
            labs = labs.exclude(pk=sample.lab_id)
        self.fields["retest_lab"].queryset = labs

    def clean(self):
        data = super().clean()
        if data.get("accept") and not data.get("retest_lab"):
            self.add_error("retest_lab", _("受理复检申请须选择复检机构"))
        if data.get("accept") is False and not (data.get("note") or "").strip():
            self.add_error("note", _("不予受理须说明理由"))
        return data


class PassedForm(forms.Form):
    """A re-check (复查) or second re-check: its date and result."""

    on = forms.DateField(label=_("复查日期"), widget=DateInput, initial=today)
    passed = forms.TypedChoiceField(label=_("复查结论"), choices=[("yes", _("合格")), ("no", _("不合格"))],
                                    coerce=lambda v: v == "yes", widget=forms.RadioSelect)


class ReferralForm(forms.Form):
    authority = forms.CharField(label=_("生产企业所在地监管部门"), max_length=100,
                                help_text=_("如“浙江省义乌市市场监督管理局”；随附检验报告等材料"))
    on = forms.DateField(label=_("移送日期"), widget=DateInput, initial=today)


class ReplyForm(forms.Form):
    on = forms.DateField(label=_("回复日期"), widget=DateInput, initial=today)
    reply = forms.CharField(label=_("核查处置情况"), widget=forms.Textarea(attrs={"rows": 3}))


class BulletinForm(forms.Form):
    number = forms.CharField(label=_("公告编号"), max_length=60)
    title = forms.CharField(label=_("标题"), max_length=150, widget=forms.TextInput(attrs={"size": 50}))


class MatchForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("名录库中的企业"), queryset=Enterprise.objects.all(), widget=forms.HiddenInput,
                                        error_messages={"required": _("请先查找并选择一家企业"),
                                                        "invalid_choice": _("所选企业不存在")})


# --- the list pages' filters --------------------------------------------------------------------------


def year_choices():
    years = sorted(set(SamplingPlan.objects.values_list("year", flat=True)), reverse=True) or [today().year]
    return [("", _("全部"))] + [(str(y), str(y)) for y in years]


def lab_choices():
    return [("", _("全部"))] + [(str(pk), name) for pk, name in TestingAgency.objects.order_by("name").values_list("pk", "name")]


def plan_choices(user=None):
    """The plans ``user`` may see (another county's draft is not even named)."""
    return [("", _("全部"))] + [(code, f"{code} {title}") for code, title in
                                SamplingPlan.objects.restrict(user, "view").order_by("-year", "code").values_list("code", "title")[:300]]


class _PlanChoices:
    """The ``plan`` filter offers the plans the signed-in user may see."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = kwargs.get("request")
        self.filters["plan"].extra["choices"] = plan_choices(request.user if request is not None else None)


def county_choices():
    return [("", _("全部"))] + [
        (r.code, r.name) for r in Region.objects.filter(Q(level__in=("county", "zone")) | Q(level="city")).order_by("sort_order", "code")
    ]


class PlanUIFilterSet(_UIFilterSet, SamplingPlanFilterSet):
    ui_fields = ("q", "year", "level", "status")
    year = ChoiceFilter(field_name="year", choices=year_choices, label=_("年度"), empty_label=None)
    level = ChoiceFilter(choices=Level.choices, label=_("抽查层级"), empty_label=_("全部"))
    status = ChoiceFilter(choices=PlanStatus.choices, label=_("状态"), empty_label=_("全部"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["q"].label = _("计划编号或名称")


class SampleUIFilterSet(_PlanChoices, _UIFilterSet, SampleFilterSet):
    ui_fields = ("q", "plan", "status", "conclusion", "level", "region", "category", "lab", "place")
    plan = ChoiceFilter(field_name="plan__code", label=_("抽查计划"), choices=[], empty_label=None)
    status = ChoiceFilter(choices=SampleStatus.choices, label=_("状态"), empty_label=_("全部"))
    conclusion = ChoiceFilter(choices=Conclusion.choices, label=_("检验结论"), empty_label=_("全部"))
    level = ChoiceFilter(choices=Level.choices, label=_("抽查层级"), empty_label=_("全部"))
    place = ChoiceFilter(choices=Place.choices, label=_("抽样环节"), empty_label=_("全部"))
    region = RegionChoiceFilter(field_name="region", label=_("县市区"), choices=county_choices)
    category = CategoryChoiceFilter(field_name="category", label=_("产品类别"), choices=category_choices)
    lab = ChoiceFilter(field_name="lab_id", label=_("承检机构"), choices=lab_choices, empty_label=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["q"].label = _("样品编号、产品或企业名称")


class TaskUIFilterSet(_PlanChoices, _UIFilterSet, SamplingTaskFilterSet):
    ui_fields = ("plan", "region", "status", "category")
    plan = ChoiceFilter(field_name="plan__code", label=_("抽查计划"), choices=[], empty_label=None)
    region = RegionChoiceFilter(field_name="region", label=_("县市区"), choices=county_choices)
    status = ChoiceFilter(choices=TaskStatus.choices, label=_("状态"), empty_label=_("全部"))
    category = CategoryChoiceFilter(field_name="category", label=_("产品类别"), choices=category_choices)


__all__ = [
    "AttachmentForm",
    "BulletinForm",
    "DecideObjectionForm",
    "MatchForm",
    "NotifyForm",
    "ObjectionForm",
    "OnDateForm",
    "PassedForm",
    "PlanForm",
    "PlanUIFilterSet",
    "QuotaGridForm",
    "ReceiveForm",
    "RefuseForm",
    "ReferralForm",
    "ReplyForm",
    "ReportForm",
    "RunDrawForm",
    "SampleForm",
    "SampleUIFilterSet",
    "SendForm",
    "TaskUIFilterSet",
    "TestItemFormSet",
    "counties_of",
    "initial_from_task",
    "labs_for",
    "regions_where",
]
