from django import forms
from django.utils.translation import gettext_lazy as _

from . import importing
from .choices import ImportKind


class ImportForm(forms.Form):
    """The upload form; every import kind's own options (:class:`~zhiliang.exchange.importing.Option`)
    are added as optional fields ``option_<name>`` and kept for the kinds that take them."""

    kind = forms.ChoiceField(label=_("导入类型"), choices=ImportKind.choices, initial=ImportKind.ENTERPRISES)
    file = forms.FileField(label=_("文件"), help_text=_("CSV（UTF-8 或 GBK 编码均可）、Excel（.xlsx）或 JSON；第一行为表头，可用中文列名"),
                           error_messages={"empty": _("选中的文件是空的（0 字节）：请确认选的是导出的数据文件，而不是新建的空文件"),
                                           "required": _("请选择要上传的文件")})
    dry_run = forms.BooleanField(label=_("只检查，不写入"), required=False)
    good_rows = forms.BooleanField(label=_("只导入无误的行"), required=False, help_text=_("不勾选时，文件中只要有一处错误，就不写入任何数据"))
    reason = forms.CharField(label=_("原因"), required=False, max_length=200, help_text=_("记入变更记录，如“市市场监管局 2026 年 3 月企业名录”"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = importing.importers()
        if user is not None:  # only the kinds the user may import (``Importer.permitted``), and their options
            kinds = {k: cls for k, cls in kinds.items() if cls().permitted(user)}
            self.fields["kind"].choices = [(k, label) for k, label in ImportKind.choices if k in kinds]
        for option in _options(kinds):
            users = "、".join(str(ImportKind(k).label) if k in ImportKind.values else k
                             for k, c in sorted(kinds.items()) if any(o.name == option.name for o in c.options))
            label = option.label or option.name
            help_text = f"{option.help}（仅用于：{users}）"
            if option.choices:
                labels = option.choice_labels or option.choices
                field = forms.ChoiceField(label=label, required=False, help_text=help_text,
                                          choices=[("", "—"), *zip(option.choices, labels, strict=True)])
            else:
                field = forms.CharField(label=label, required=False, max_length=100, help_text=help_text)
            self.fields[f"option_{option.name}"] = field

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".csv", ".txt", ".xlsx", ".xlsm", ".json")):
            raise forms.ValidationError(_("只能上传 CSV、XLSX 或 JSON 文件（旧的 .xls 请先在 Excel 中另存为 .xlsx）"))
        if upload.size <= 4096:  # blank lines (and a byte-order mark) only: as empty as 0 bytes
            head = upload.read()
            upload.seek(0)
            if not head.replace(b"\xef\xbb\xbf", b"").strip(b" \t\r\n,;"):
                raise forms.ValidationError(_("选中的文件只有空行，没有表头和数据：请确认选的是导出的数据文件"))
        return upload

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        importer_cls = importing.importers().get(kind)
        taken = {o.name for o in importer_cls.options} if importer_cls else set()
        # an option of another kind (left filled after switching the kind) is ignored
        options = {name: (cleaned.get(f"option_{name}") or "").strip() for name in taken}
        cleaned["options"] = {k: v for k, v in options.items() if v}
        if importer_cls is not None:
            try:
                importing.check_options(importer_cls(), cleaned["options"])
            except importing.FileError as exc:
                raise forms.ValidationError(str(exc)) from None
        return cleaned


def _options(kinds) -> list:
    seen, options = set(), []
    for _kind, cls in sorted(kinds.items()):
        for option in cls.options:
            if option.name not in seen:
                seen.add(option.name)
                options.append(option)
    return options
