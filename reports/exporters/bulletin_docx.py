from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from carbonplan.downloads import DOCX_MIME

from ..bulletin_sections import bulletin_document
from .base import Exporter
from .docx_parts import BODY_FONT, HEADING_FONT, TEXT_WIDTH_MM, TITLE_FONT, official_page
from .docx_parts import font as _font
from .docx_parts import pct as _pct
from .docx_parts import table as _table


class BulletinDocx(Exporter):
    """An editable Word document in the usual layout of a notice: the office edits it
    before sending. Text is written as text runs, so nothing users typed is markup."""

    extension = "docx"
    mimetype = DOCX_MIME

    def render(self, context: dict) -> bytes:
        document = bulletin_document(context)
        doc = Document()
        official_page(doc)

        self.front(doc, document)
        for part in document["sections"]:
            self.heading(doc, part["heading"])
            for line in part.get("paragraphs", []):
                self.para(doc, line)
            for number, line in enumerate(part.get("numbered", []), start=1):
                self.para(doc, f"{number}. {line}")
        self.para(
            doc, "附件：" + "　".join(f"{n}. {a['title']}" for n, a in enumerate(document["annexes"], 1))
        )
        self.back(doc, document)
        for annex in document["annexes"]:
            self.annex(doc, annex, document)

        buffer = io.BytesIO()
        doc.save(buffer)
        return buffer.getvalue()

    def front(self, doc, document):
        header = document["header"]
        masthead = doc.add_paragraph()
        masthead.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(masthead.add_run("督查通报"), TITLE_FONT, 36, bold=True, color="CC0000")
        self.centered(doc, header["issue_line"])
        issuer = doc.add_paragraph()
        _font(issuer.add_run(f"{header['issuer']}\t{header['date_text']}"), BODY_FONT, 14)
        issuer.paragraph_format.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM), alignment=2)  # right
        rule = issuer._p.get_or_add_pPr()
        border = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for key, value in (("val", "single"), ("sz", "18"), ("space", "4"), ("color", "CC0000")):
            bottom.set(qn(f"w:{key}"), value)
        border.append(bottom)
        rule.append(border)
        title = doc.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(title.add_run(document["title"]), TITLE_FONT, 22, bold=True)
        if header["doc_number"]:
            self.centered(doc, header["doc_number"])

    def back(self, doc, document):
        header = document["header"]
        for text in (header["issuer"], header["date_text"]):
            p = doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _font(p.add_run(text), BODY_FONT, 16)
        for text in (header["send_to"], header["copy_to"]):
            p = doc.add_paragraph()
            _font(p.add_run(text), BODY_FONT, 14)

    def annex(self, doc, annex, document):
        p = doc.add_paragraph()
        p.add_run().add_break(WD_BREAK.PAGE)
        _font(p.add_run(annex["number"]), HEADING_FONT, 16, bold=True)
        self.centered(doc, annex["title"], font=TITLE_FONT, size=18)
        rows_of = getattr(self, f"annex_{annex['key']}")
        header, shares, rows, empty = rows_of(document)
        if rows:
            self.table(doc, header, rows, shares)
        else:
            self.para(doc, empty)

    def annex_actions(self, d):
        rows = [
            [f"{a['label']}{a['title']}", a["tasks"], f"{a['reported']}/{a['expected']}", _pct(a["completion"]),
             a["red"], a["yellow"], a["green"]]
            for a in d["actions"]
        ]  # fmt: skip
        header = ["重点行动", "任务数", "已报/应报", "平均完成进度", "红灯", "黄灯", "绿灯"]
        return header, [10, 2.2, 3, 3.2, 1.8, 1.8, 1.8], rows, "本方案未设置重点行动。"

    def annex_warnings(self, d):
        rows = [
            [w["level_label"], w["number"], w["title"], w["leads"], "；".join(w["reasons"])]
            for w in d["warnings"]
        ]
        return (
            ["预警", "编号", "任务", "牵头单位", "原因"],
            [2, 2, 7, 4.5, 7],
            rows,
            "本季度无红灯、黄灯任务。",
        )

    def annex_agencies(self, d):
        rows = [
            [a["rank"], a["name"], a["expected"], a["reported"], a["on_time"], a["late"], a["missing"],
             a["returns"], _pct(a["on_time_rate"])]
            for a in d["agencies"]
        ]  # fmt: skip
        header = ["排名", "单位", "应报", "已报", "按时", "逾期", "未报", "退回次数", "按时报送率"]
        return header, [1.8, 7, 1.8, 1.8, 1.8, 1.8, 1.8, 2.4, 3], rows, "本季度无应报送进展的单位。"

    def annex_indicators(self, d):
        rows = [
            [f"{i['name']}（{i['unit']}）" if i["unit"] else i["name"],
             f"{i['target']}（{i['target_year']}年）" + (f"，基期{i['baseline']}" if i["baseline"] else ""),
             i["value"] or "—", _pct(i["attainment"]), i["expected"] or "—",
             i["status_label"] + (f"（{i['note']}）" if i["note"] else "")]
            for i in d["indicators"]
        ]  # fmt: skip
        header = ["指标", "目标", "当前值", "完成率", "序时进度", "评估"]
        return header, [5, 5, 2.5, 2.5, 4.5, 4], rows, "本方案未设置量化指标。"

    def annex_assessment(self, d):
        rows = [[r["rank"] or "—", r["name"], r["score"] if r["score"] is not None else "—", r["grade"]]
                for r in d["assessment"]["rows"]]  # fmt: skip
        return ["排名", "单位", "得分", "等次"], [1.8, 9, 2.4, 2.4], rows, "本年度没有参加考核的单位。"

    def annex_problems(self, d):
        rows = [[p["task"], p["task_title"], p["agency"], p["text"]] for p in d["problems"]]
        return ["编号", "任务", "单位", "存在问题"], [2, 6, 4.5, 10], rows, "各单位本季度未反映问题。"

    def annex_projects(self, d):
        rows = [
            [r["number"], r["name"], r["agency"],
             f"{r['capacity']:g}{r['unit']}" if r["capacity"] is not None else "—",
             "—" if r["investment_planned"] is None else f"{r['investment_planned']:g}",
             "—" if r["investment_done"] is None else f"{r['investment_done']:g}",
             r["planned_finish"] or "—", r["stage_label"],
             r["light_label"] + (f"：{r['reason']}" if r["reason"] else "")]
            for r in d["projects"]["rows"]
        ]  # fmt: skip
        header = [
            "任务",
            "项目",
            "责任单位",
            "规模",
            "计划投资（万元）",
            "累计完成（万元）",
            "计划建成",
            "阶段",
            "预警",
        ]
        return header, [1.5, 5, 3.5, 2.5, 2.5, 2.5, 2.6, 2.2, 4], rows, "本方案没有重点项目。"

    def centered(self, doc, text, font=BODY_FONT, size=16):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(p.add_run(text), font, size)

    def heading(self, doc, text):
        p = doc.add_paragraph()
        p.paragraph_format.keep_with_next = True
        _font(p.add_run(text), HEADING_FONT, 16, bold=True)

    def para(self, doc, text):
        p = doc.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(32)
        _font(p.add_run(text), BODY_FONT, 16)

    def table(self, doc, header, rows, shares):
        return _table(doc, header, rows, shares)
