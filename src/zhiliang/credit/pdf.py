"""The credit report as PDF (reportlab Platypus), rendered from a :class:`CreditReport`'s
snapshot — what the report says is exactly what was stored and digested.

Chinese text needs a CJK font: the first TrueType font found among
``settings.ZHILIANG_PDF_FONT``, WenQuanYi Micro Hei, Noto Sans CJK and other common paths is
embedded (subset); without any, reportlab's built-in CID font ``STSong-Light`` is used (not
embedded: the reader supplies it), so the demo works on a machine without fonts.
"""

from __future__ import annotations

import io
import os
from functools import lru_cache
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone

from zhiliang.credit.choices import LONG_TERM

#: (path, subfont index) tried in order after ``settings.ZHILIANG_PDF_FONT``
FONT_CANDIDATES = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # index 2: SC
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/System/Library/Fonts/PingFang.ttc", 0),
    ("C:/Windows/Fonts/msyh.ttc", 0),
    ("C:/Windows/Fonts/simsun.ttc", 0),
)
FONT_NAME = "ZhiliangCJK"
CID_FALLBACK = "STSong-Light"

#: characters of one table cell printed (the rest elided; the snapshot keeps the full text)
CELL_LIMIT = 400

AUDIENCE_LABELS = {"public": "公众版", "staff": "工作人员版", "enterprise": "企业自查版"}


def _candidates():
    configured = getattr(settings, "ZHILIANG_PDF_FONT", None)
    if configured:
        if isinstance(configured, (tuple, list)):
            yield str(configured[0]), int(configured[1])
        else:
            yield str(configured), 0
    yield from FONT_CANDIDATES


@lru_cache(maxsize=None)
def _register(path: str, index: int) -> str | None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    name = f"{FONT_NAME}-{os.path.basename(path).split('.')[0]}-{index}"
    try:
        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
    except Exception:  # noqa: BLE001 — a broken or unsupported font file: try the next
        return None
    return name


def font_name() -> str:
    """The registered name of the CJK font to use (embedded TrueType, else the CID font)."""
    for path, index in _candidates():
        if os.path.isfile(path):
            name = _register(path, index)
            if name:
                return name
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if CID_FALLBACK not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FALLBACK))
    return CID_FALLBACK


def _text(value) -> str:
    if value is None or value == "":
        return "—"
    return str(value)


def _local_time(value) -> str:
    """A time as the snapshot keeps it (ISO text, UTC) in the city's time zone, to the minute —
    as the web page shows it (an assessment computed at 02:00 Beijing time is of that day)."""
    import datetime

    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value[:16]
    if not isinstance(value, datetime.datetime):
        return _text(value)
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else value.strftime("%Y-%m-%d %H:%M")


def text_document(text: str) -> bytes:
    """A one-page A4 PDF of ``text`` (its first line the title): the demo's commitment letters
    and evidence, which the upload check takes as PDF files like any enterprise's."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    font = font_name()
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=18, wordWrap="CJK", spaceAfter=3 * mm)
    title = ParagraphStyle("title", parent=body, fontSize=16, leading=24, alignment=1, spaceAfter=6 * mm)
    first, *rest = text.strip().split("\n")
    story = [Paragraph(escape(first), title)] + [Paragraph(escape(line), body) for line in rest if line.strip()]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm, topMargin=25 * mm, bottomMargin=25 * mm).build(story)
    return out.getvalue()


def render_report(report, *, verify_url: str = "") -> bytes:
    """The PDF of ``report`` (A4): title, the enterprise's basic facts, the class (when the
    report's audience sees it), one table per kind of fact, lists, measures, the issue time,
    the verification code and URL; page numbers and the date note on every page."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = font_name()
    snap = report.snapshot if isinstance(report.snapshot, dict) else {}
    ent = snap.get("enterprise") or {}
    if not verify_url:
        from django.urls import reverse

        verify_url = getattr(settings, "ZHILIANG_SITE_URL", "").rstrip("/") + reverse("credit:verify")
    issued = timezone.localtime(report.issued_at).strftime("%Y-%m-%d %H:%M") if report.issued_at else ""

    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=11)
    title = ParagraphStyle("title", parent=body, fontSize=20, leading=28, alignment=TA_CENTER, spaceAfter=4 * mm)
    h2 = ParagraphStyle("h2", parent=body, fontSize=12, leading=18, spaceBefore=4 * mm, spaceAfter=2 * mm)

    def p(value, style=body, limit: int | None = None):
        text = _text(value)
        if limit and len(text) > limit:  # a table cell taller than a page cannot be laid out
            text = text[:limit] + "…"
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    def table(header, rows, widths):
        data = [[p(h, small) for h in header]] + [[p(c, small, CELL_LIMIT) for c in row] for row in rows]
        t = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
        t.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        return t

    story = [p("企业信用报告", title),
             p(f"报告版本：{AUDIENCE_LABELS.get(report.audience, report.audience)}　出具时间：{issued}　验证码：{report.code}", small),
             Spacer(1, 3 * mm), p("一、基本信息", h2)]
    basics = [("企业名称", ent.get("name")), ("统一社会信用代码", ent.get("uscc")), (_legal_rep_title(ent.get("entity_type")), ent.get("legal_rep_name")),
              ("所在区划", ent.get("region")), ("住所", ent.get("address")), ("登记状态", ent.get("status_label")),
              ("成立日期", ent.get("established_on")), ("信用信息合计", f"{snap.get('total_facts', 0)} 条")]
    story.append(table(("项目", "内容"), basics, (45, 125)))

    assessment = snap.get("assessment")
    section = 2
    numerals = "二三四五六七八九十"
    if isinstance(assessment, dict):
        story.append(p(f"{numerals[section - 2]}、信用风险分类", h2))
        section += 1
        story.append(p(f"{assessment.get('label')}（风险分 {assessment.get('score')}，规则 {assessment.get('rule_set')}，"
                       f"计算于 {_local_time(assessment.get('computed_at'))}）"))
        items = [(i.get("label"), i.get("points", "")) for i in assessment.get("explanation") or [] if isinstance(i, dict)]
        if items:
            story.append(table(("分类依据", "分值"), items, (140, 30)))

    story.append(p(f"{numerals[section - 2]}、信用信息", h2))
    section += 1
    kinds = snap.get("kinds") or []
    if not kinds:
        story.append(p("无。"))
    staff = report.audience != "public"
    for kind in kinds:
        story.append(p(f"{kind.get('label')}（{kind.get('count')} 条{'，列出最近的 %s 条' % len(kind.get('rows') or []) if kind.get('limited') else ''}）", body))
        rows = []
        for r in kind.get("rows") or []:
            what = r.get("title") or ""
            if r.get("content"):
                what = f"{what}：{r['content']}" if what else r["content"]
            if r.get("disputed"):
                what += "（异议处理中）"
            dates = f"决定 {_text(r.get('decided_on'))}\n公示 {_text(r.get('published_on'))}"
            if r.get("publicity_ends_on"):
                dates += f"\n公示截止 {r['publicity_ends_on']}"
            if r.get("valid_until"):
                dates += "\n有效期至 " + ("长期" if str(r["valid_until"]) == LONG_TERM.isoformat() else str(r["valid_until"]))
            authority = r.get("authority") or r.get("source_department") or r.get("source_name")
            row = [r.get("decision_no") or "—", what, authority, dates]
            if staff:
                row.append(r.get("status_label") or "")
            rows.append(row)
        header = ("决定书文号", "事项与内容", "决定机关/来源", "日期") + (("状态",) if staff else ())
        widths = (34, 66, 32, 38) if not staff else (30, 58, 28, 34, 20)
        story.append(table(header, rows, widths))
        story.append(Spacer(1, 2 * mm))

    lists = snap.get("lists") or []
    if lists:
        story.append(p(f"{numerals[section - 2]}、名单信息", h2))
        section += 1
        story.append(table(("名单", "列入事由", "决定书文号", "公示日期", "可申请移出/自动移出"),
                           [(e.get("list_label"), e.get("grounds"), e.get("decision_no"), e.get("published_on"),
                             f"{_text(e.get('removal_apply_from'))} / {_text(e.get('auto_removal_on'))}") for e in lists],
                           (30, 60, 30, 22, 28)))
    cases = snap.get("cases") or []
    if cases:
        story.append(p(f"{numerals[section - 2]}、联合奖惩措施", h2))
        section += 1
        story.append(table(("措施", "实施部门", "状态", "发起日期"),
                           [(f"{c.get('measure_code')} {c.get('measure')}", c.get("executing_department"), c.get("status_label"),
                             c.get("opened_on")) for c in cases], (80, 40, 25, 25)))

    story += [Spacer(1, 6 * mm),
              p(f"报告验证：访问 {verify_url} 输入验证码 {report.code}，可核对本报告的出具时间、企业和内容摘要。", body),
              p(f"内容摘要（SHA-256）：{report.digest}", small),
              p("本报告反映出具之日系统记录的信用信息；此后信息可能变更，以查询时为准。个人身份信息不予公开。", small)]

    def on_page(canvas, doc):
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawString(18 * mm, 10 * mm, f"本报告反映 {issued[:10]} 的数据 · 验证码 {report.code}")
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm,
                            title=f"企业信用报告 {ent.get('name', '')}", author="质量十堰", subject=report.code)
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return out.getvalue()


def _legal_rep_title(entity_type: str | None) -> str:
    """法定代表人 or its entity type's counterpart (执行事务合伙人 …), in Chinese as the report is."""
    from django.utils import translation

    from zhiliang.enterprises.choices import LEGAL_REP_TITLES

    with translation.override("zh-hans"):
        return str(LEGAL_REP_TITLES.get(entity_type, "法定代表人"))
