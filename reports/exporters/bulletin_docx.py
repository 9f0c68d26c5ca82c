from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT  # noqa: F401  (kept portrait: A4 like the PDF)
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from carbonplan.downloads import DOCX_MIME

from .base import Exporter

BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"


def _font(run, name, size=None, bold=None, color=None):
    run.font.name = name
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.font.bold = bold
    if color:
        run.font.color.rgb = RGBColor.from_string(color)


def _pct(value):
    return "—" if value is None else f"{value:g}%"


class BulletinDocx(Exporter):
    """An editable Word document in the usual layout of a notice: the office edits it
    before sending. Text is written as text runs, so nothing users typed is markup."""

    extension = "docx"
    mimetype = DOCX_MIME

    def render(self, context: dict) -> bytes:
        doc = Document()
        section = doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        normal = doc.styles["Normal"]
        normal.font.name = BODY_FONT
        normal.font.size = Pt(16)
        normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

        title = doc.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(title.add_run(context["title"]), TITLE_FONT, 22, bold=True)
        o, period, plan = context["overview"], context["period"], context["plan"]

        self.heading(doc, "一、总体情况")
        self.para(
            doc,
            f"《{plan['title']}》共部署重点行动{o['actions']}项、重点任务{o['tasks']}项。"
            f"{period['label']}应报送进展{o['expected']}份，实际报送{o['reported']}份（报送率{_pct(o['reported_rate'])}），"
            f"按时报送率{_pct(o['on_time_rate'])}，审核通过{o['approved']}份，退回{o['returned']}份，"
            f"尚未报送{o['missing']}份。任务平均完成进度{_pct(o['completion'])}。",
        )
        self.para(
            doc,
            f"红灯任务{o['red']}项、黄灯任务{o['yellow']}项、绿灯任务{o['green']}项；"
            f"{o['indicators']}项指标中达到序时进度{o['indicators_on_track']}项，落后序时进度{o['indicators_behind']}项。",
        )

        self.heading(doc, "二、各重点行动推进情况")
        self.table(
            doc,
            ["重点行动", "任务数", "已报/应报", "平均完成进度", "红灯", "黄灯", "绿灯"],
            [
                [f"{a['label']}{a['title']}", a["tasks"], f"{a['reported']}/{a['expected']}", _pct(a["completion"]),
                 a["red"], a["yellow"], a["green"]]
                for a in context["actions"]
            ],
        )  # fmt: skip

        self.heading(doc, "三、红灯、黄灯任务")
        if context["warnings"]:
            self.table(
                doc,
                ["预警", "编号", "任务", "牵头单位", "原因"],
                [
                    [w["level_label"], w["number"], w["title"], w["leads"], "；".join(w["reasons"])]
                    for w in context["warnings"]
                ],
            )
        else:
            self.para(doc, "本季度无红灯、黄灯任务。")

        self.heading(doc, "四、各单位报送情况")
        self.table(
            doc,
            ["排名", "单位", "应报", "已报", "按时", "逾期", "未报", "退回次数", "按时报送率"],
            [
                [a["rank"], a["name"], a["expected"], a["reported"], a["on_time"], a["late"], a["missing"],
                 a["returns"], _pct(a["on_time_rate"])]
                for a in context["agencies"]
            ],
        )  # fmt: skip

        self.heading(doc, "五、主要指标完成情况")
        if context["indicators"]:
            self.table(
                doc,
                ["指标", "目标", "当前值", "完成率", "序时进度", "评估"],
                [
                    [f"{i['name']}（{i['unit']}）" if i["unit"] else i["name"], f"{i['target']}（{i['target_year']}年）" + (f"，基期{i['baseline']}" if i["baseline"] else ""),
                     i["value"] or "—", _pct(i["attainment"]), i["expected"] or "—",
                     i["status_label"] + (f"（{i['note']}）" if i["note"] else "")]
                    for i in context["indicators"]
                ],
            )  # fmt: skip
        else:
            self.para(doc, "本方案未设置量化指标。")

        self.heading(doc, "六、存在的主要问题")
        if context["problems"]:
            for p in context["problems"]:
                self.para(doc, f"{p['agency']}（任务{p['task']} {p['task_title']}）：{p['text']}")
        else:
            self.para(doc, "各单位本季度未反映问题。")

        self.heading(doc, "七、下步工作")
        for number, line in enumerate(context["next_steps"], start=1):
            self.para(doc, f"{number}. {line}")

        buffer = io.BytesIO()
        doc.save(buffer)
        return buffer.getvalue()

    def heading(self, doc, text):
        p = doc.add_paragraph()
        _font(p.add_run(text), HEADING_FONT, 16, bold=True)

    def para(self, doc, text):
        p = doc.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(32)
        _font(p.add_run(text), BODY_FONT, 16)

    def table(self, doc, header, rows):
        table = doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run(str(text)), HEADING_FONT, 10.5, bold=True)
        for row in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = ""
                _font(cell.paragraphs[0].add_run("" if value is None else str(value)), BODY_FONT, 10.5)
        return table
