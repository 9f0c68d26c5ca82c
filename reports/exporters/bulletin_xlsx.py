from __future__ import annotations

from openpyxl.styles import PatternFill

from carbonplan.downloads import XLSX_MIME
from carbonplan.spreadsheets import Spreadsheet
from tasks.models import label_display

from .base import Exporter

HEADER_FILL = PatternFill("solid", fgColor="E3ECE8")


def write_sheet(wb: Spreadsheet, title, header, rows, widths):
    return wb.add_table(
        title,
        header,
        (["" if v is None else v for v in row] for row in rows),
        widths=widths,
        fill=HEADER_FILL,
    )


class BulletinXlsx(Exporter):
    """The bulletin's data, one sheet per section, numbers as numbers."""

    extension = "xlsx"
    mimetype = XLSX_MIME

    def render(self, context: dict) -> bytes:
        wb = Spreadsheet()
        wb.remove(wb.active)
        o = context["overview"]
        labels = [
            ("tasks", "重点任务数"), ("expected", "应报份数"), ("reported", "已报份数"), ("approved", "审核通过"),
            ("returned", "退回"), ("missing", "未报"), ("late", "逾期报送"), ("reported_rate", "报送率（%）"),
            ("on_time_rate", "按时报送率（%）"), ("completion", "平均完成进度（%）"), ("red", "红灯任务"),
            ("yellow", "黄灯任务"), ("green", "绿灯任务"), ("indicators", "指标数"),
            ("indicators_on_track", "达到序时进度指标"), ("indicators_behind", "落后序时进度指标"),
        ]  # fmt: skip
        write_sheet(
            wb,
            "总体情况",
            ["项目", "数值"],
            [["方案", context["plan"]["title"]], ["季度", context["period"]["display"]]]
            + [[label, o[key]] for key, label in labels],
            [24, 40],
        )
        write_sheet(
            wb,
            "重点行动",
            ["编号", "重点行动", "任务数", "应报", "已报", "平均完成进度（%）", "红灯", "黄灯", "绿灯"],
            [[a["label"], a["title"], a["tasks"], a["expected"], a["reported"], a["completion"], a["red"], a["yellow"],
              a["green"]] for a in context["actions"]],
            [8, 36, 8, 8, 8, 16, 6, 6, 6],
        )  # fmt: skip
        write_sheet(
            wb,
            "红黄灯任务",
            ["预警", "编号", "任务", "所属行动", "牵头单位", "原因"],
            [[w["level_label"], w["number"], w["title"], w["action"], w["leads"], "；".join(w["reasons"])]
             for w in context["warnings"]],
            [8, 8, 36, 28, 20, 60],
        )  # fmt: skip
        write_sheet(
            wb,
            "单位报送",
            ["排名", "单位", "应报", "已报", "按时", "逾期", "未报", "退回次数", "按时报送率（%）"],
            [[a["rank"], a["name"], a["expected"], a["reported"], a["on_time"], a["late"], a["missing"], a["returns"],
              a["on_time_rate"]] for a in context["agencies"]],
            [6, 24, 8, 8, 8, 8, 8, 10, 16],
        )  # fmt: skip
        write_sheet(
            wb,
            "指标",
            ["指标", "单位", "任务", "目标", "目标年份", "当前值", "数值所属季度", "基期", "完成率（%）", "序时进度", "评估", "说明"],
            [[i["name"], i["unit"], i["task"], i["target"], i["target_year"], _num(i["value"]), label_display(i["value_period"]),
              i["baseline"], i["attainment"], i["expected"], i["status_label"], i["note"]] for i in context["indicators"]],
            [30, 8, 10, 14, 10, 12, 12, 16, 12, 30, 14, 40],
        )  # fmt: skip
        write_sheet(
            wb,
            "存在问题",
            ["编号", "任务", "单位", "存在问题", "下步计划"],
            [
                [p["task"], p["task_title"], p["agency"], p["text"], p["next_steps"]]
                for p in context["problems"]
            ],
            [8, 30, 18, 60, 50],
        )
        if context.get("assessment") and context["assessment"]["published"]:
            write_sheet(
                wb,
                f"{context['assessment']['year']}年度考核",
                ["排名", "单位", "得分", "等次"],
                [[r["rank"], r["name"], r["score"], r["grade"]] for r in context["assessment"]["rows"]],
                [6, 28, 10, 10],
            )
        if context.get("projects", {}).get("count"):
            write_sheet(
                wb,
                "重点项目",
                ["任务", "项目", "责任单位", "建设规模", "规模单位", "计划投资（万元）", "累计完成投资（万元）",
                 "计划开工", "计划建成", "项目阶段", "预警", "预警原因", "存在问题"],
                [[r["number"], r["name"], r["agency"], r["capacity"], r["unit"], r["investment_planned"],
                  r["investment_done"], r["planned_start"], r["planned_finish"], r["stage_label"], r["light_label"],
                  r["reason"], r["problems"]] for r in context["projects"]["rows"]],
                [8, 30, 18, 10, 8, 14, 16, 12, 12, 10, 8, 36, 40],
            )  # fmt: skip
        write_sheet(
            wb, "下步工作", ["序号", "内容"], list(enumerate(context["next_steps"], start=1)), [6, 100]
        )
        return wb.to_bytes()


def _num(value):
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return value
