"""The offline path: an agency's quarter as an Excel workbook, and applying it back.

The workbook carries each row's task id and report version in hidden columns, so an
upload is matched to the right report and refused if the report changed online since
the download. Nothing is applied unless every row is valid.

Where the plan's lead agencies consolidate, the tasks an agency supports are inputs to
their leads (配合单位材料): they get a sheet of their own without 推进状态 and 完成进度
(the lead states those), and an agency that only supports has no report sheet at all.
"""

import io
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from carbonplan.downloads import Export
from carbonplan.spreadsheets import Spreadsheet
from indicators.models import Indicator, IndicatorValue
from indicators.services import indicator_done_word, indicator_entry_parse

from .consolidation import ReviewPolicy
from .models import ProgressReport, ProjectStage, ProjectUpdate, TaskAssignment
from .projects import projects_owned_in_tasks
from .services import ReportConflict, report_save_draft, report_snapshot

REPORT_SHEET = "进展填报"
INPUT_SHEET = "配合单位材料"
VALUE_SHEET = "指标值"
REPORT_HEADERS = [
    "任务ID",
    "版本",
    "编号",
    "重点任务",
    "职责",
    "填报状态",
    "推进状态",
    "完成进度（%）",
    "进展情况",
    "存在问题",
    "下步计划",
]
INPUT_HEADERS = [
    "任务ID",
    "版本",
    "编号",
    "重点任务",
    "牵头单位",
    "填报状态",
    "进展情况",
    "存在问题",
    "下步计划",
]
VALUE_HEADERS = ["指标ID", "任务编号", "指标", "单位", "目标值", "本季度值"]
PROJECT_SHEET = "重点项目"
PROJECT_HEADERS = [
    "项目ID", "任务ID", "任务编号", "项目名称", "计划投资（万元）", "项目阶段", "本季度完成投资（万元）",
    "已投产规模", "存在问题", "佐证说明",
]  # fmt: skip
# The columns of PROJECT_HEADERS the agency fills in, by update field.
PROJECT_COLUMNS = {"stage": 5, "investment_quarter": 6, "capacity_operating": 7, "problems": 8, "evidence": 9}
STAGE_BY_LABEL = {str(label): value for value, label in ProjectStage.choices}
LABEL_BY_STAGE = {value: str(label) for value, label in ProjectStage.choices}
# A target in words is filled in with one of these two words, offered as the cell's list.
DONE_CHOICES = ["未完成", "已完成"]
STATUS_BY_LABEL = {str(label): value for value, label in ProgressReport.Status.choices}
LABEL_BY_STATUS = {value: str(label) for value, label in ProgressReport.Status.choices}
TEXT_COLUMNS = {"progress_text": 9, "problems": 10, "next_steps": 11}
INPUT_TEXT_COLUMNS = {"progress_text": 7, "problems": 8, "next_steps": 9}


def _is_input(assignment, period) -> bool:
    return ReviewPolicy.of(period.plan).lead_consolidates and assignment.role == TaskAssignment.Role.SUPPORT


def _lead_names(task_ids) -> dict[int, str]:
    leads = TaskAssignment.objects.filter(task_id__in=task_ids, role=TaskAssignment.Role.LEAD)
    names = {}
    for task_id, name in leads.order_by("seq", "agency__name").values_list("task_id", "agency__name"):
        names[task_id] = "、".join(filter(None, [names.get(task_id), name]))
    return names


def _assignments(agency, period):
    return list(
        TaskAssignment.objects.filter(
            agency=agency, task__action__plan_id=period.plan_id, task__archived_at__isnull=True
        )
        .select_related("task", "task__action")
        .order_by("task__action__seq", "task__seq")
    )


def _plain(value):
    return "" if value is None else format(value.normalize(), "f")


class AgencyQuarterWorkbook:
    """Exporter: an agency's tasks in one quarter, as the workbook it fills in offline."""

    def __init__(self, *, agency, period):
        self.agency, self.period = agency, period

    def export(self) -> Export:
        assignments = _assignments(self.agency, self.period)
        reports = {
            r.task_id: r for r in ProgressReport.objects.filter(agency=self.agency, period=self.period)
        }
        indicators = list(
            Indicator.objects.filter(task_id__in=[a.task_id for a in assignments])
            .select_related("task", "task__action")
            .order_by("task__action__seq", "task__seq", "seq", "id")
        )
        values = {
            v.indicator_id: v.value
            for v in IndicatorValue.objects.filter(
                indicator__in=indicators, period=self.period, agency=self.agency
            )
        }
        book = Spreadsheet()
        book.remove(book.active)
        inputs = [a for a in assignments if _is_input(a, self.period)]
        own = [a for a in assignments if not _is_input(a, self.period)]
        if own or not inputs:
            self._report_sheet(book, own, reports)
        if inputs:
            self._input_sheet(book, inputs, reports)
        values_sheet = book.create_sheet(VALUE_SHEET)
        values_sheet.append(VALUE_HEADERS)
        done_list = DataValidation(
            type="list",
            formula1='"' + ",".join(DONE_CHOICES) + '"',
            allow_blank=True,
            showErrorMessage=True,
            error=_("文字目标请选择“已完成”或“未完成”。"),
        )
        values_sheet.add_data_validation(done_list)
        for row, ind in enumerate(indicators, start=2):
            value = values.get(ind.pk)
            if ind.descriptive:
                target, entry = ind.source_text or ind.name, indicator_done_word(value) or None
                done_list.add(f"F{row}")
            else:
                target = f"{ind.get_comparator_display()}{_plain(ind.target)}"
                entry = float(value) if value is not None else None
            values_sheet.append([ind.pk, ind.task.number, ind.name, ind.unit, target, entry])
        self._style(values_sheet, [8, 10, 40, 10, 14, 14])
        self._projects_sheet(book, assignments)
        return book.export(f"{self.period.label}-{self.agency.name}-进展填报.xlsx")

    def _report_sheet(self, book, assignments, reports):
        sheet = book.create_sheet(REPORT_SHEET)
        sheet.append(REPORT_HEADERS)
        for a in assignments:
            r = reports.get(a.task_id)
            sheet.append(
                [
                    a.task_id,
                    r.version if r else 0,
                    a.task.number,
                    a.task.title,
                    a.get_role_display(),
                    r.get_state_display() if r else _("未填报"),
                    LABEL_BY_STATUS.get(r.status, "") if r else "",
                    float(r.percent) if r and r.percent is not None else None,
                    r.progress_text if r else "",
                    r.problems if r else "",
                    r.next_steps if r else "",
                ]
            )
        status_list = DataValidation(
            type="list", formula1='"' + ",".join(STATUS_BY_LABEL) + '"', allow_blank=True
        )
        sheet.add_data_validation(status_list)
        if assignments:
            status_list.add(f"G2:G{len(assignments) + 1}")
        self._style(sheet, [8, 6, 8, 40, 6, 10, 10, 12, 50, 30, 30])

    def _input_sheet(self, book, assignments, reports):
        """The supported tasks: progress, problems and next steps for the lead to gather."""
        leads = _lead_names([a.task_id for a in assignments])
        sheet = book.create_sheet(INPUT_SHEET)
        sheet.append(INPUT_HEADERS)
        for a in assignments:
            r = reports.get(a.task_id)
            sheet.append(
                [
                    a.task_id,
                    r.version if r else 0,
                    a.task.number,
                    a.task.title,
                    leads.get(a.task_id, ""),
                    r.get_state_display() if r else _("未填报"),
                    r.progress_text if r else "",
                    r.problems if r else "",
                    r.next_steps if r else "",
                ]
            )
        self._style(sheet, [8, 6, 8, 40, 14, 10, 50, 30, 30])

    def _projects_sheet(self, book, assignments):
        """The quarter of each key project the agency answers for (owner, or the lead)."""
        projects = projects_owned_in_tasks(tasks=[a.task for a in assignments], agency_id=self.agency.pk)
        if not projects:
            return
        updates = {
            u.project_id: u
            for u in ProjectUpdate.objects.filter(
                project__in=projects, period=self.period, report__agency=self.agency
            )
        }
        sheet = book.create_sheet(PROJECT_SHEET)
        sheet.append(PROJECT_HEADERS)
        for p in projects:
            u = updates.get(p.pk)
            sheet.append(
                [
                    p.pk,
                    p.task_id,
                    p.task.number,
                    p.name,
                    float(p.investment_planned) if p.investment_planned is not None else None,
                    LABEL_BY_STAGE[u.stage if u else p.stage],
                    float(u.investment_quarter) if u and u.investment_quarter is not None else None,
                    float(u.capacity_operating) if u and u.capacity_operating is not None else None,
                    u.problems if u else "",
                    u.evidence if u else "",
                ]  # fmt: skip
            )
        stages = DataValidation(type="list", formula1='"' + ",".join(STAGE_BY_LABEL) + '"', allow_blank=True)
        sheet.add_data_validation(stages)
        stages.add(f"F2:F{len(projects) + 1}")
        self._style(sheet, [8, 8, 8, 36, 14, 10, 16, 12, 40, 30])
        sheet.column_dimensions["B"].hidden = True

    @staticmethod
    def _style(sheet, widths):
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[chr(64 + index)].width = width
        sheet.column_dimensions["A"].hidden = True
        if sheet.title in (REPORT_SHEET, INPUT_SHEET):
            sheet.column_dimensions["B"].hidden = True
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "C2"


class WorkbookInvalid(ValidationError):
    """Every problem in an upload, each naming the row and the column."""


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _header_ok(sheet, headers) -> bool:
    header = [_cell_text(c.value) for c in next(sheet.iter_rows(min_row=1, max_row=1))][: len(headers)]
    return header == headers


def _parse_rows(book, agency, period):
    """The rows of the report sheet and the input sheet, whichever the workbook has."""
    errors, rows = [], []
    sheets = [name for name in (REPORT_SHEET, INPUT_SHEET) if name in book.sheetnames]
    if not sheets:
        raise WorkbookInvalid([_("找不到工作表“%(name)s”，请使用系统下载的模板。") % {"name": REPORT_SHEET}])
    for name in sheets:
        if not _header_ok(book[name], REPORT_HEADERS if name == REPORT_SHEET else INPUT_HEADERS):
            raise WorkbookInvalid(
                [_("工作表“%(name)s”的表头与模板不符，请使用系统下载的模板。") % {"name": name}]
            )
    assignments = _assignments(agency, period)
    # The report sheet takes any of the agency's tasks (a template from before the plan's
    # leads consolidated still uploads; an input's percent is then refused by the save),
    # the input sheet only the tasks the agency supports as an input.
    allowed = {
        REPORT_SHEET: {a.task_id for a in assignments},
        INPUT_SHEET: {a.task_id for a in assignments if _is_input(a, period)},
    }
    seen = set()
    for name in sheets:
        headers = REPORT_HEADERS if name == REPORT_SHEET else INPUT_HEADERS
        for number, row in enumerate(
            book[name].iter_rows(min_row=2, max_col=len(headers), values_only=True), start=2
        ):
            row = list(row) + [None] * (len(headers) - len(row))
            if all(_cell_text(v) == "" for v in row):
                continue
            where = _("第%(row)d行") % {"row": number}
            if name == INPUT_SHEET:
                where = _("“%(sheet)s”第%(row)d行") % {"sheet": name, "row": number}
            try:
                task_id = int(_cell_text(row[0]))
            except ValueError:
                task_id = None
            if task_id not in allowed[name]:
                errors.append(
                    _("%(where)s 任务ID：不是本单位本季度的任务，请勿修改隐藏列。") % {"where": where}
                )
                continue
            if task_id in seen:
                errors.append(_("%(where)s 任务ID：该任务出现了两次。") % {"where": where})
                continue
            seen.add(task_id)
            try:
                version = int(_cell_text(row[1]) or 0)
            except ValueError:
                errors.append(_("%(where)s 版本：请勿修改隐藏列。") % {"where": where})
                continue
            if name == INPUT_SHEET:
                data = {key: _cell_text(row[column - 1]) for key, column in INPUT_TEXT_COLUMNS.items()}
            else:
                data = _report_row_data(row, where, errors)
            rows.append((number, task_id, version, data))
    return rows, errors


def _report_row_data(row, where, errors) -> dict:
    data = {}
    status_text = _cell_text(row[6])
    if status_text and status_text not in STATUS_BY_LABEL:
        errors.append(
            _("%(where)s 推进状态：应为%(choices)s之一。")
            % {"where": where, "choices": "、".join(STATUS_BY_LABEL)}
        )
    data["status"] = STATUS_BY_LABEL.get(status_text, "")
    percent_text = _cell_text(row[7]).rstrip("%")
    percent = None
    if percent_text:
        try:
            percent = Decimal(percent_text)
            if not percent.is_finite() or not 0 <= percent <= 100:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors.append(_("%(where)s 完成进度：应为0–100的数字。") % {"where": where})
            percent = None
    data["percent"] = percent
    for name, column in TEXT_COLUMNS.items():
        data[name] = _cell_text(row[column - 1])
    return data


def _parse_values(book, task_ids):
    """({task id: {indicator id: entry}}, errors, {(task id, indicator id): parsed value})."""
    errors, values, parsed = [], {}, {}
    if VALUE_SHEET not in book.sheetnames:
        return values, errors, parsed
    indicators = {i.pk: i for i in Indicator.objects.filter(task_id__in=task_ids)}
    sheet = book[VALUE_SHEET]
    for number, row in enumerate(
        sheet.iter_rows(min_row=2, max_col=len(VALUE_HEADERS), values_only=True), start=2
    ):
        row = list(row) + [None] * (len(VALUE_HEADERS) - len(row))
        if all(_cell_text(v) == "" for v in row):
            continue
        where = _("“%(sheet)s”第%(row)d行") % {"sheet": VALUE_SHEET, "row": number}
        try:
            indicator = indicators[int(_cell_text(row[0]))]
        except (KeyError, ValueError):
            errors.append(_("%(where)s 指标ID：不是本单位任务的指标，请勿修改隐藏列。") % {"where": where})
            continue
        try:
            value = indicator_entry_parse(indicator, _cell_text(row[5]))
        except ValidationError:
            if indicator.descriptive:
                message = _("%(where)s F列 本季度值：文字目标应填“已完成”或“未完成”，不能填数字。")
            else:
                message = _("%(where)s 本季度值：应为数字。")
            errors.append(message % {"where": where})
            continue
        values.setdefault(indicator.task_id, {})[str(indicator.pk)] = _cell_text(row[5])
        parsed[(indicator.task_id, str(indicator.pk))] = _plain(value)
    return values, errors, parsed


def _amount_text(value) -> str:
    text = _cell_text(value)
    try:
        return _plain(Decimal(text)) if text else ""
    except InvalidOperation:
        return text  # the service refuses it, naming the row


def _parse_projects(book, agency, period, tasks):
    """({task id: [update entry]}, errors, {task id: changed?}): the rows of the 重点项目
    sheet, each checked to be a project the agency answers for."""
    errors, updates, changed = [], {}, {}
    if PROJECT_SHEET not in book.sheetnames:
        return updates, errors, changed
    owned = {p.pk: p for p in projects_owned_in_tasks(tasks=list(tasks.values()), agency_id=agency.pk)}
    current = {
        u.project_id: u
        for u in ProjectUpdate.objects.filter(project__in=list(owned), period=period, report__agency=agency)
    }
    sheet = book[PROJECT_SHEET]
    for number, row in enumerate(
        sheet.iter_rows(min_row=2, max_col=len(PROJECT_HEADERS), values_only=True), start=2
    ):
        row = list(row) + [None] * (len(PROJECT_HEADERS) - len(row))
        if all(_cell_text(v) == "" for v in row):
            continue
        where = _("“%(sheet)s”第%(row)d行") % {"sheet": PROJECT_SHEET, "row": number}
        try:
            project = owned[int(_cell_text(row[0]))]
        except (KeyError, ValueError):
            errors.append(_("%(where)s 项目ID：不是本单位填报的项目，请勿修改隐藏列。") % {"where": where})
            continue
        stage_text = _cell_text(row[PROJECT_COLUMNS["stage"]])
        if stage_text and stage_text not in STAGE_BY_LABEL:
            errors.append(
                _("%(where)s 项目阶段：应为%(choices)s之一。")
                % {"where": where, "choices": "、".join(STAGE_BY_LABEL)}
            )
            continue
        entry = {
            "project": project.pk,
            "stage": STAGE_BY_LABEL.get(stage_text, project.stage),
            "investment_quarter": _amount_text(row[PROJECT_COLUMNS["investment_quarter"]]),
            "capacity_operating": _amount_text(row[PROJECT_COLUMNS["capacity_operating"]]),
            "problems": _cell_text(row[PROJECT_COLUMNS["problems"]]),
            "evidence": _cell_text(row[PROJECT_COLUMNS["evidence"]]),
        }
        before = current.get(project.pk)
        was = {
            "stage": before.stage if before else project.stage,
            "investment_quarter": _plain(before.investment_quarter) if before else "",
            "capacity_operating": _plain(before.capacity_operating) if before else "",
            "problems": before.problems if before else "",
            "evidence": before.evidence if before else "",
        }
        if any(entry[k] != was[k] for k in was):
            updates.setdefault(project.task_id, []).append(entry)
            changed[project.task_id] = True
    return updates, errors, changed


def workbook_apply(*, content: bytes, agency, period, by) -> int:
    """Validate the whole upload, then save every changed row as a draft. Returns the
    number of reports changed; raises WorkbookInvalid listing every problem."""
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise WorkbookInvalid([_("文件不是有效的Excel（.xlsx）文件，请使用系统下载的模板。")])
    rows, errors = _parse_rows(book, agency, period)
    values, value_errors, parsed_values = _parse_values(book, [task_id for _n, task_id, _v, _d in rows])
    errors += value_errors
    tasks = {a.task_id: a.task for a in _assignments(agency, period)}
    project_updates, project_errors, projects_changed = _parse_projects(book, agency, period, tasks)
    errors += project_errors
    listed = {task_id for _n, task_id, _v, _d in rows}
    for task_id in set(project_updates) - listed:
        errors.append(
            _("“%(sheet)s”：任务%(task)s 的进展行不在“%(rows)s”中，项目进展无法保存。")
            % {"sheet": PROJECT_SHEET, "task": tasks[task_id].number, "rows": REPORT_SHEET}
        )
    reports = {r.task_id: r for r in ProgressReport.objects.filter(agency=agency, period=period)}
    existing_values = {
        (v.indicator.task_id, str(v.indicator_id)): _plain(v.value)
        for v in IndicatorValue.objects.filter(period=period, agency=agency).select_related("indicator")
    }
    plan = []
    for number, task_id, version, data in rows:
        report = reports.get(task_id)
        row_values = values.get(task_id, {})
        if report is None:
            unchanged = not any(data[k] not in ("", None) for k in data) and not any(row_values.values())
        else:
            current = report_snapshot(report)
            wanted = dict(data)
            if "percent" in wanted:
                wanted["percent"] = _plain(data["percent"]) or None
            unchanged = all((current[k] or "") == (wanted[k] or "") for k in wanted) and all(
                existing_values.get((task_id, k), "") == parsed_values[(task_id, k)] for k in row_values
            )
        if not unchanged or projects_changed.get(task_id):
            plan.append((number, task_id, version, data, row_values))
    # Every changed row goes through the draft save, even when the file has errors, so
    # that all of them are listed at once; raising inside the block rolls back every
    # row already saved.
    with transaction.atomic():
        for number, task_id, version, data, row_values in plan:
            where = _("第%(row)d行") % {"row": number}
            try:
                report_save_draft(
                    task=tasks[task_id],
                    agency=agency,
                    period=period,
                    data=data,
                    by=by,
                    base_version=version,
                    indicator_values=row_values or None,
                    project_updates=project_updates.get(task_id),
                )
            except ReportConflict:
                errors.append(
                    _("%(where)s：该任务的填报在下载后已在网上修改，请重新下载模板后再填。")
                    % {"where": where}
                )
            except ValidationError as exc:
                errors += [f"{where}：{m}" for m in exc.messages]
        if errors:
            raise WorkbookInvalid(errors)
    return len(plan)
