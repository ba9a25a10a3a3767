from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import ImportKind


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("导入类型"), choices=ImportKind.choices, initial=ImportKind.ENTERPRISES)
    file = forms.FileField(label=_("文件"), help_text=_("CSV（UTF-8 或 GBK 编码均可）或 Excel（.xlsx）；第一行为表头，可用中文列名"))
    dry_run = forms.BooleanField(label=_("只检查，不写入"), required=False)
    good_rows = forms.BooleanField(label=_("只导入无误的行"), required=False, help_text=_("不勾选时，文件中只要有一处错误，就不写入任何数据"))
    reason = forms.CharField(label=_("原因"), required=False, max_length=200, help_text=_("记入变更记录，如“市市场监管局 2026 年 3 月企业名录”"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".csv", ".txt", ".xlsx", ".xlsm")):
            raise forms.ValidationError(_("只能上传 CSV 或 XLSX 文件（旧的 .xls 请先在 Excel 中另存为 .xlsx）"))
        return upload
