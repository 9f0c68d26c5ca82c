"""任务分解表: a plan's breakdown as the office keeps it in Excel, and back.

Sheet 任务分解表, in the customary layout: a title row, the header row (序号, 重点任务,
具体内容/措施, 量化目标, 牵头单位, 配合单位, 完成时限, 备注), then for each action a row
with its label and title merged across the columns, followed by its tasks. Targets go
one per line in 量化目标, written as the review page shows them
(新能源装机容量 ≥135.5万千瓦（2025年）), so that a workbook the office edited by hand
can be read back. Sheets 主要目标 and 方案信息 carry the plan's goals and facts.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from agencies.names import clean_name
from carbonplan.downloads import XLSX_MIME, Export
from carbonplan.spreadsheets import Spreadsheet
from tasks.models import TaskAssignment

HEADERS = ["序号", "重点任务", "具体内容/措施", "量化目标", "牵头单位", "配合单位", "完成时限", "备注"]
GOAL_HEADERS = [
    "序号",
    "指标名称",
    "比较",
    "目标值",
    "目标上限",
    "单位",
    "目标年份",
    "基期年份",
    "变化",
    "原文",
]
INFO_KEYS = [("title", "方案标题"), ("region", "地区"), ("level", "层级"), ("doc_number", "文号"),
             ("issued", "印发日期"), ("draft", "征求意见稿"), ("plan_year", "年度")]  # fmt: skip
WIDTHS = [8, 26, 60, 34, 20, 30, 14, 16]
INFERRED_MARK = "（牵头单位为推定）"
SIGNS = {">=": "≥", "<=": "≤", "~": "≈", "=": "="}
COMPARATOR_OF_SIGN = {v: k for k, v in SIGNS.items()}
CHANGE_WORDS = {"decrease": "下降", "increase": "提高"}

_ACTION_LABEL = re.compile(r"^[（(]?[一二三四五六七八九十百]+[)）、.．]?$")
_INDICATOR = re.compile(
    r"^(?P<name>.+?)\s*(?:比(?P<base>\d{4})年(?P<change>下降|提高))?\s*(?P<sign>[≥≤≈=])\s*"
    r"(?P<target>-?\d+(?:\.\d+)?)(?:\s*[–~～-]\s*(?P<max>\d+(?:\.\d+)?))?\s*"
    r"(?P<unit>[^\d（(\s][^（(]*?)?\s*(?:[（(](?P<year>\d{4})\s*年?[)）])?$"
)

_thin = Side(style="thin", color="999999")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
HEAD_FILL = PatternFill("solid", fgColor="DCE9E3")
ACTION_FILL = PatternFill("solid", fgColor="F0F7F4")
WRAP = Alignment(wrap_text=True, vertical="top")


def _number(value):
    if value is None:
        return None
    value = Decimal(value).normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def indicator_text(ind) -> str:
    """One target as the workbook writes it."""
    text = ind.name + " "
    if ind.change in CHANGE_WORDS and ind.baseline_year:
        text += f"比{ind.baseline_year}年{CHANGE_WORDS[ind.change]}"
    text += f"{SIGNS.get(ind.comparator, '≥')}{_number(ind.target)}"
    if ind.target_max is not None:
        text += f"–{_number(ind.target_max)}"
    text += ind.unit or ""
    if ind.target_year:
        text += f"（{ind.target_year}年）"
    return text


# --- export ------------------------------------------------------------------------------
class BreakdownExporter:
    """The 任务分解表 of a plan as XLSX bytes: a fixed number of queries, whatever its size."""

    mimetype = XLSX_MIME

    def __init__(self, plan):
        self.plan = plan

    @property
    def filename(self) -> str:
        return f"{self.plan.title}-任务分解表.xlsx"

    def render(self) -> bytes:
        from indicators.models import Indicator

        from .selectors import plan_breakdown

        plan = self.plan
        wb = Spreadsheet()
        ws = wb.active
        ws.title = "任务分解表"
        ws.append([f"{plan.title}任务分解表"])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
        ws.cell(1, 1).font = Font(bold=True, size=14)
        ws.cell(1, 1).alignment = Alignment(horizontal="center")
        ws.append(HEADERS)
        for col, width in enumerate(WIDTHS, start=1):
            cell = ws.cell(2, col)
            cell.font, cell.fill, cell.border = Font(bold=True), HEAD_FILL, BORDER
            cell.alignment = Alignment(horizontal="center", vertical="center")
            ws.column_dimensions[cell.column_letter].width = width
        ws.freeze_panes = "A3"
        for action in plan_breakdown(plan):
            ws.append([action.label, action.title])
            row = ws.max_row
            ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=len(HEADERS))
            for col in range(1, len(HEADERS) + 1):
                cell = ws.cell(row, col)
                cell.fill, cell.border, cell.font = ACTION_FILL, BORDER, Font(bold=True)
            for task in action.tasks.all():
                assignments = list(task.assignments.all())
                note = task.note + (INFERRED_MARK if task.lead_inferred else "")
                ws.append(
                    [
                        task.label,
                        task.title,
                        task.source_text,
                        "\n".join(indicator_text(i) for i in task.indicators.all()),
                        "、".join(a.agency.name for a in assignments if a.role == TaskAssignment.Role.LEAD),
                        "、".join(
                            a.agency.name for a in assignments if a.role == TaskAssignment.Role.SUPPORT
                        ),
                        task.deadline_text,
                        note,
                    ]
                )
                for col in range(1, len(HEADERS) + 1):
                    cell = ws.cell(ws.max_row, col)
                    cell.alignment, cell.border = WRAP, BORDER

        goals = wb.create_sheet("主要目标")
        goals.append(GOAL_HEADERS)
        for ind in Indicator.objects.of_plan(plan).goals().order_by("seq", "id"):
            goals.append(
                [
                    ind.seq,
                    ind.name,
                    SIGNS.get(ind.comparator, "≥"),
                    _number(ind.target),
                    _number(ind.target_max),
                    ind.unit,
                    ind.target_year,
                    ind.baseline_year,
                    CHANGE_WORDS.get(ind.change, ""),
                    ind.source_text,
                ]
            )
        for cell in goals[1]:
            cell.font, cell.fill = Font(bold=True), HEAD_FILL
        info = wb.create_sheet("方案信息")
        values = {
            "title": plan.title,
            "region": plan.region.name,
            "level": plan.region.level,
            "doc_number": plan.doc_number,
            "issued": plan.issued_on.isoformat() if plan.issued_on else "",
            "draft": "是" if plan.is_draft else "否",
            "plan_year": plan.plan_year,
        }
        for key, label in INFO_KEYS:
            info.append([label, values[key]])
        info.column_dimensions["A"].width = 14
        info.column_dimensions["B"].width = 40
        return wb.to_bytes()

    def export(self) -> Export:
        return Export(self.filename, self.mimetype, self.render())


def with_plan_facts(parsed, plan):
    """A workbook's breakdown (ParsedPlan) completed with the facts of the plan it revises:
    a workbook states only some of them (its title, or the 方案信息 sheet)."""
    from .parsing.schema import PlanInfo

    parsed.plan = PlanInfo.from_dict({**plan_facts(plan), **parsed.plan.to_dict()})
    return parsed


def plan_facts(plan) -> dict:
    """A plan's facts in the SCHEMA.md shape."""
    return {
        "title": plan.title,
        "region": plan.region.name,
        "level": plan.region.level,
        "doc_number": plan.doc_number or None,
        "issued": plan.issued_on.isoformat() if plan.issued_on else None,
        "draft": plan.is_draft,
        "plan_year": plan.plan_year,
    }


# --- import ------------------------------------------------------------------------------
def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (datetime, date)):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def _names(text: str) -> list[str]:
    parts = re.split(r"[、，,；;\n]+", text or "")
    return [n for n in (clean_name(p) for p in parts) if n]


def parse_indicator_text(line: str) -> dict | None:
    match = _INDICATOR.match(line.strip())
    if not match:
        return None
    g = match.groupdict()
    target = Decimal(g["target"])
    target_max = Decimal(g["max"]) if g["max"] else None
    if target_max is not None and target_max < target:
        return None
    return {
        "name": g["name"].strip(),
        "target": _number(target),
        "target_max": _number(target_max),
        "unit": (g["unit"] or "").strip(),
        "comparator": COMPARATOR_OF_SIGN[g["sign"]],
        "year": int(g["year"]) if g["year"] else None,
        "baseline_year": int(g["base"]) if g["base"] else None,
        "change": {"下降": "decrease", "提高": "increase"}.get(g["change"] or ""),
        "text": line.strip(),
        "borderline": False,
    }


def _header_row(ws) -> int | None:
    for row in range(1, min(ws.max_row, 6) + 1):
        values = [_cell(ws.cell(row, col).value) for col in range(1, len(HEADERS) + 1)]
        if values[:2] == HEADERS[:2]:
            return row
    return None


def is_breakdown_workbook(data: bytes) -> bool:
    """Whether `data` is a 任务分解表 as this system writes it (its header row whole),
    rather than a sheet an office laid out its own way."""
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        return False
    try:
        ws = wb["任务分解表"] if "任务分解表" in wb.sheetnames else wb.worksheets[0]
        for row in ws.iter_rows(min_row=1, max_row=6, max_col=len(HEADERS), values_only=True):
            if [_cell(v) for v in row][:6] == HEADERS[:6]:
                return True
        return False
    finally:
        wb.close()


def _read_goals(wb, errors) -> list[dict]:
    if "主要目标" not in wb.sheetnames:
        return []
    ws = wb["主要目标"]
    goals = []
    for row in range(2, ws.max_row + 1):
        values = [_cell(ws.cell(row, col).value) for col in range(1, len(GOAL_HEADERS) + 1)]
        if not any(values):
            continue
        where = _("主要目标 第%(row)d行") % {"row": row}
        _seq, name, sign, target, target_max, unit, year, base, change, text = values
        if not name:
            errors.append(f"{where} {_('指标名称')}：" + _("不能为空"))
        if sign not in COMPARATOR_OF_SIGN:
            errors.append(f"{where} {_('比较')}：" + _("只能是 ≥、≤、≈ 或 ="))
        numbers = {}
        for key, label, raw in (("target", "目标值", target), ("target_max", "目标上限", target_max)):
            try:
                numbers[key] = _number(Decimal(raw)) if raw else None
            except InvalidOperation:
                errors.append(f"{where} {label}：" + _("“%(value)s”不是数字") % {"value": raw})
                numbers[key] = None
        if numbers["target"] is None and target == "":
            errors.append(f"{where} {_('目标值')}：" + _("不能为空"))
        years = {}
        for key, label, raw in (("year", "目标年份", year), ("baseline_year", "基期年份", base)):
            years[key] = int(raw) if raw.isdigit() and 1990 <= int(raw) <= 2100 else None
            if raw and years[key] is None:
                errors.append(f"{where} {label}：" + _("应为 1990–2100 之间的年份"))
        goals.append(
            {
                "name": name,
                "comparator": COMPARATOR_OF_SIGN.get(sign, ">="),
                "unit": unit,
                "change": {"下降": "decrease", "提高": "increase"}.get(change),
                "text": text,
                "borderline": False,
                **numbers,
                **years,
            }
        )
    return goals


def _read_info(wb, title: str) -> dict:
    """The plan facts the workbook states; a workbook without the 方案信息 sheet states
    only its title, and an import keeps the plan's other facts."""
    info = {"title": title} if title else {}
    if "方案信息" not in wb.sheetnames:
        return info
    labels = {label: key for key, label in INFO_KEYS}
    ws = wb["方案信息"]
    for row in ws.iter_rows(min_row=1, max_col=2, values_only=True):
        key = labels.get(_cell(row[0]))
        if key is None:
            continue
        value = _cell(row[1])
        if key == "draft":
            info[key] = value in ("是", "true", "True", "1")
        elif key == "plan_year":
            info[key] = int(value) if value.isdigit() else None
        elif key == "title":
            info[key] = value or info.get("title")
        else:
            info[key] = value or None
    return info


def breakdown_read(data: bytes, filename: str = "") -> dict:
    """The breakdown of a 任务分解表 workbook in the plan-gold/SCHEMA.md shape. Raises
    ValidationError listing every problem by row and column (第7行 牵头单位：不能为空)."""
    try:
        wb = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:
        # openpyxl raises a zoo of exceptions for files that are not workbooks.
        raise ValidationError(_("无法读取该 Excel 文件：请上传 .xlsx 格式的任务分解表。")) from exc
    ws = wb["任务分解表"] if "任务分解表" in wb.sheetnames else wb.worksheets[0]
    header = _header_row(ws)
    if header is None:
        raise ValidationError(_("找不到表头：前几行中应有“%(headers)s”。") % {"headers": "、".join(HEADERS)})
    errors: list[str] = []
    found = [_cell(ws.cell(header, col).value) for col in range(1, len(HEADERS) + 1)]
    for col, (want, got) in enumerate(zip(HEADERS, found, strict=True), start=1):
        if want != got:
            errors.append(_("第%(row)d行 第%(col)d列：表头应为“%(want)s”，实为“%(got)s”") % {
                "row": header, "col": col, "want": want, "got": got or "空"})  # fmt: skip
    title = _cell(ws.cell(1, 1).value) if header > 1 else ""
    title = re.sub(r"任务分解表$", "", title)
    merged_rows = {
        rng.min_row
        for rng in ws.merged_cells.ranges
        if rng.min_row > header and rng.max_col - rng.min_col >= 3
    }
    actions: list[dict] = []
    for row in range(header + 1, ws.max_row + 1):
        values = [_cell(ws.cell(row, col).value) for col in range(1, len(HEADERS) + 1)]
        if not any(values):
            continue
        label, title_cell, text, targets, lead, support, deadline, note = values
        is_action = row in merged_rows or (
            not any(values[2:]) and (_ACTION_LABEL.match(label) is not None or label == "")
        )
        where = _("第%(row)d行") % {"row": row}
        if is_action:
            if not title_cell:
                errors.append(f"{where} {HEADERS[1]}：" + _("重点行动的标题不能为空"))
            actions.append(
                {"seq": len(actions) + 1, "label": label or None, "title": title_cell, "tasks": []}
            )
            continue
        if not actions:
            errors.append(f"{where}：" + _("任务之前应有一行重点行动（如“（一）能源绿色低碳转型行动”）"))
            continue
        if not title_cell:
            errors.append(f"{where} {HEADERS[1]}：" + _("不能为空"))
        leads = _names(lead)
        if not leads:
            errors.append(f"{where} {HEADERS[4]}：" + _("不能为空"))
        indicators = []
        for number, line in enumerate([x for x in targets.splitlines() if x.strip()], start=1):
            parsed = parse_indicator_text(line)
            if parsed is None:
                errors.append(
                    f"{where} {HEADERS[3]}："
                    + _("第%(n)d条“%(line)s”无法识别，应写作“指标名称 ≥数值单位（年份）”")
                    % {"n": number, "line": line.strip()}
                )
            else:
                indicators.append(parsed)
        inferred = INFERRED_MARK in note
        action = actions[-1]
        action["tasks"].append(
            {
                "seq": len(action["tasks"]) + 1,
                "label": label or None,
                "title": title_cell,
                "text": text,
                "lead": leads,
                "support": [n for n in _names(support) if n not in leads],
                "lead_inferred": inferred,
                "deadline_text": deadline,
                "note": note.replace(INFERRED_MARK, "").strip(),
                "indicators": indicators,
            }
        )
    for action in actions:
        if not action["tasks"] and action["title"]:
            errors.append(_("重点行动“%(title)s”下没有任务") % {"title": action["title"]})
    if not actions and not errors:
        errors.append(_("表中没有任何重点行动和任务。"))
    goals = _read_goals(wb, errors)
    if errors:
        raise ValidationError(errors)
    return {
        "source": filename,
        "plan": _read_info(wb, title),
        "goals": goals,
        "actions": actions,
        "warnings": [],
    }


@transaction.atomic
def breakdown_import(*, plan, data: bytes, by, filename: str = "") -> dict:
    """Bring `plan` in line with an edited 任务分解表 (see plan_revise_from_parsed): all of
    it or, when any row is wrong, nothing."""
    from .parsing.schema import ParsedPlan
    from .services import plan_revise_from_parsed

    parsed = with_plan_facts(ParsedPlan.from_dict(breakdown_read(data, filename=filename)), plan)
    return plan_revise_from_parsed(plan=plan, parsed=parsed, by=by, source_name="")
