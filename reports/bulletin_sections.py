"""The wording of a bulletin: its body as headed paragraphs, its header lines and its
annexes, built once from the figures of reports.bulletin.bulletin_context so that the
PDF and the Word document say the same thing.

The body stays short (a few pages for a county quarter): each section summarises in
sentences and names the annex that holds its full table. Everything here is plain
text; the exporters escape it (HTML) or write it as text runs (Word).
"""

from __future__ import annotations

from collections import Counter

# Kinds of problems agencies report, recognised by their words; first match wins.
PROBLEM_KINDS = [
    ("资金保障", ("资金", "经费", "预算", "融资", "投资")),
    ("用地和审批", ("用地", "审批", "手续", "环评", "规划许可")),
    ("数据统计", ("数据", "统计", "口径", "核算", "监测")),
    ("协调推进", ("协调", "对接", "配合", "衔接")),
    ("项目进度", ("进度", "滞后", "延期", "工期", "建设")),
    ("技术和人才", ("技术", "人才", "人员", "专业")),
]
OTHER_KIND = "其他"
TOP_PROBLEMS = 10
EXAMPLE_LENGTH = 60

ANNEXES = [
    ("actions", "附件1", "各重点行动推进情况表"),
    ("warnings", "附件2", "红灯、黄灯任务清单"),
    ("agencies", "附件3", "各单位报送情况表"),
    ("indicators", "附件4", "主要指标完成情况表"),
    ("problems", "附件5", "各单位反映问题清单"),
    ("projects", "附件6", "重点项目推进情况表"),  # only when the plan has key projects
]
ANNEX = {key: number for key, number, _title in ANNEXES}
# The year-end bulletin's extra annex, when the year's assessment is published: the
# next number after the last annex the bulletin has (附件6, or 附件7 after the projects').
ASSESSMENT_ANNEX = ("assessment", "{year}年度考核得分排名表")


def assessment_annex_number(context: dict) -> str:
    return "附件7" if has_projects(context) else "附件6"


def _pct(value) -> str:
    return "—" if value is None else f"{value:g}%"


def _names(items, limit: int = 5) -> str:
    items = list(items)
    text = "、".join(items[:limit])
    return text + (f"等{len(items)}个" if len(items) > limit else "")


def problem_kind(text: str) -> str:
    for kind, words in PROBLEM_KINDS:
        if any(word in text for word in words):
            return kind
    return OTHER_KIND


def _clip(text: str, limit: int = EXAMPLE_LENGTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def problem_groups(problems: list[dict]) -> list[dict]:
    """The reported problems grouped by agency and kind, most reported first, each
    with its count, the tasks it concerns and one example in the agency's words."""
    groups: dict[tuple, dict] = {}
    for p in problems:
        key = (p["agency"], problem_kind(p["text"]))
        group = groups.setdefault(
            key, {"agency": key[0], "kind": key[1], "count": 0, "tasks": [], "example": _clip(p["text"])}
        )
        group["count"] += 1
        if p["task"] not in group["tasks"]:
            group["tasks"].append(p["task"])
    return sorted(groups.values(), key=lambda g: (-g["count"], -len(g["tasks"]), g["agency"], g["kind"]))


def default_summary(context: dict) -> str:
    """The 总体情况 paragraph a bulletin starts with; the office may rewrite it."""
    o, plan, period = context["overview"], context["plan"], context["period"]
    doc = f"（{plan['doc_number']}）" if plan.get("doc_number") else ""
    return (
        f"《{plan['title']}》{doc}共部署重点行动{o['actions']}项、重点任务{o['tasks']}项。"
        f"{period['display']}应报送进展{o['expected']}份，实际报送{o['reported']}份"
        f"（报送率{_pct(o['reported_rate'])}），按时报送率{_pct(o['on_time_rate'])}，"
        f"尚未报送{o['missing']}份；任务平均完成进度{_pct(o['completion'])}。"
        f"按预警规则，红灯任务{o['red']}项、黄灯任务{o['yellow']}项、绿灯任务{o['green']}项。"
    )


def _actions_section(context) -> list[str]:
    rated = [a for a in context["actions"] if a["completion"] is not None]
    if not rated:
        return [f"本季度各重点行动暂无完成进度数据，详见{ANNEX['actions']}。"]
    ordered = sorted(rated, key=lambda a: a["completion"])
    slow = [f"{a['label']}{a['title']}（{_pct(a['completion'])}）" for a in ordered[:3]]
    fast = [f"{a['label']}{a['title']}（{_pct(a['completion'])}）" for a in reversed(ordered[-3:])]
    lines = [
        f"{len(context['actions'])}项重点行动平均完成进度在{_pct(ordered[0]['completion'])}至"
        f"{_pct(ordered[-1]['completion'])}之间。推进较快的是{'、'.join(fast)}；"
        f"推进较慢的是{'、'.join(slow)}。各行动情况详见{ANNEX['actions']}。"
    ]
    with_red = [f"{a['label']}{a['title']}（{a['red']}项）" for a in context["actions"] if a["red"]]
    if with_red:
        lines.append(f"红灯任务分布在{_names(with_red)}重点行动。")
    return lines


def _warnings_section(context) -> list[str]:
    warnings = context["warnings"]
    if not warnings:
        return ["本季度无红灯、黄灯任务。"]
    red = [w for w in warnings if w["level"] == "red"]
    reasons = Counter(reason for w in red for reason in w["reasons"])
    lines = [
        f"本季度红灯任务{len(red)}项、黄灯任务{len(warnings) - len(red)}项，清单详见{ANNEX['warnings']}。"
    ]
    if reasons:
        causes = "；".join(f"{reason}（{count}项）" for reason, count in reasons.most_common(5))
        lines.append(f"红灯任务的主要原因：{causes}。")
    return lines


def _agencies_section(context) -> list[str]:
    agencies = context["agencies"]
    if not agencies:
        return [f"本季度无应报送进展的单位，详见{ANNEX['agencies']}。"]
    full = [a["name"] for a in agencies if a["expected"] and a["on_time"] == a["expected"]]
    missing = [f"{a['name']}（{a['missing']}份）" for a in agencies if a["missing"]]
    returned = [f"{a['name']}（{a['returns']}次）" for a in agencies if a["returns"]]
    lines = [f"{len(agencies)}家单位中，{len(full)}家全部按时报送。排名详见{ANNEX['agencies']}。"]
    if missing:
        lines.append(f"尚有{len(missing)}家单位未报送全部进展：{_names(missing, 8)}。")
    if returned:
        lines.append(f"进展被退回的单位：{_names(returned, 8)}。")
    return lines + _assessment_lines(context.get("assessment"), assessment_annex_number(context))


def _assessment_lines(assessment, annex: str) -> list[str]:
    """The year's assessment in the year-end bulletin: its grades and where the ranking is."""
    if not assessment:
        return []
    year = assessment["year"]
    if not assessment["published"]:
        return [f"{year}年度考核结果经公示、复核后另行通报。"]
    grades = "；".join(
        f"{label}{len(names)}家（{_names(names, 6)}）" for label, names in assessment["grades"]
    )
    return [f"{year}年度考核结果已发布：{grades}。得分排名详见{annex}。"]


def _indicators_section(context) -> list[str]:
    o = context["overview"]
    if not context["indicators"]:
        return ["本方案未设置量化指标。"]
    behind = [i["name"] for i in context["indicators"] if i["status"] == "behind"]
    line = (
        f"纳入监测的{o['indicators']}项指标中，达到序时进度{o['indicators_on_track']}项，"
        f"落后序时进度{o['indicators_behind']}项"
        + (f"，暂无法评估{o['indicators_unassessed']}项" if o["indicators_unassessed"] else "")
        + f"，详见{ANNEX['indicators']}。"
    )
    return [line] + ([f"落后序时进度的指标：{_names(behind, 8)}。"] if behind else [])


def _problems_section(context) -> tuple[list[str], list[str]]:
    problems = context["problems"]
    if not problems:
        return ["各单位本季度未反映问题。"], []
    groups = problem_groups(problems)
    kinds = Counter()
    for g in groups:
        kinds[g["kind"]] += g["count"]
    agencies = {g["agency"] for g in groups}
    lead = (
        f"本季度{len(agencies)}家单位共反映问题{len(problems)}条，按类型分："
        + "、".join(f"{kind}{count}条" for kind, count in kinds.most_common())
        + f"。反映较集中的问题如下（全部问题详见{ANNEX['problems']}）："
    )
    items = [
        f"{g['agency']}·{g['kind']}（{g['count']}条，涉及任务{_names(g['tasks'], 4)}）：{g['example']}"
        for g in groups[:TOP_PROBLEMS]
    ]
    return [lead], items


def _figure(value) -> str:
    return "—" if value is None else f"{value:g}"


def _projects_section(context) -> list[str]:
    p = context["projects"]
    stages = "、".join(f"{s['label']}{s['count']}个" for s in p["stages"] if s["count"])
    lines = [f"纳入调度的重点项目{p['count']}个，其中{stages}。"]
    if p["investment_planned"]:
        lines.append(
            f"计划总投资{_figure(p['investment_planned'])}万元，累计完成投资{_figure(p['investment_done'])}万元，"
            f"完成{_pct(p['investment_rate'])}（序时进度{_pct(p['expected_rate'])}）。"
        )
    for c in p["capacity"]:
        lines.append(
            f"建设规模：已投产{_figure(c['operating'])}{c['unit']}，计划{_figure(c['planned'])}{c['unit']}。"
        )
    behind = p["behind"]
    if behind:
        lines.append(
            f"滞后项目{len(behind)}个："
            + "；".join(
                f"{r['name']}（{r['agency']}，{r['light_label']}：{r['reason']}）" for r in behind[:8]
            )
            + f"，详见{ANNEX['projects']}。"
        )
    else:
        lines.append(f"各项目均按计划推进，详见{ANNEX['projects']}。")
    return lines


CN_NUMBERS = "一二三四五六七八九十"


def has_projects(context: dict) -> bool:
    return bool((context.get("projects") or {}).get("count"))


def bulletin_sections(context: dict) -> list[dict]:
    """The body: [{heading, paragraphs, numbered, chart}] in the order of the document;
    the key-project section only for a plan that has key projects."""
    problems_lead, problems_items = _problems_section(context)
    sections = [
        {"heading": "总体情况", "paragraphs": [context["summary"]], "chart": "overview"},
        {"heading": "各重点行动推进情况", "paragraphs": _actions_section(context)},
        {"heading": "红灯、黄灯任务", "paragraphs": _warnings_section(context)},
        {"heading": "各单位报送情况", "paragraphs": _agencies_section(context)},
        {"heading": "主要指标完成情况", "paragraphs": _indicators_section(context)},
    ]
    if has_projects(context):
        sections.append({"heading": "重点项目推进情况", "paragraphs": _projects_section(context)})
    sections += [
        {"heading": "存在的主要问题", "paragraphs": problems_lead, "numbered": problems_items},
        {"heading": "下步工作", "numbered": context["next_steps"]},
    ]
    for number, section in zip(CN_NUMBERS, sections, strict=False):
        section["heading"] = f"{number}、{section['heading']}"
    return sections


def bulletin_header(context: dict) -> dict:
    """期号, 文号, issuing office, date and the 报送/抄送 lines."""
    plan, issue = context["plan"], context.get("issue") or {}
    region = plan["region"]
    year, number = issue.get("year"), issue.get("no")
    return {
        "issuer": f"{region}碳达峰碳中和工作领导小组办公室",
        "issue_line": f"{year}年第{number}期" if number else "（送审稿）",
        "doc_number": f"{region}碳达峰办督〔{year}〕{number}号" if number else "",
        "date": context["today"],
        "date_text": f"{context['today'].year}年{context['today'].month}月{context['today'].day}日",
        "send_to": f"报送：{region}委、{region}政府主要领导，{region}碳达峰碳中和工作领导小组组长、副组长。",
        "copy_to": f"抄送：{region}碳达峰碳中和工作领导小组各成员单位。",
    }


def annexes(context: dict | None = None) -> list[dict]:
    context = context or {}
    made = [
        {"key": key, "number": number, "title": title}
        for key, number, title in ANNEXES
        if key != "projects" or has_projects(context)
    ]
    assessment = context.get("assessment")
    if assessment and assessment["published"]:
        key, title = ASSESSMENT_ANNEX
        made.append(
            {
                "key": key,
                "number": assessment_annex_number(context),
                "title": title.format(year=assessment["year"]),
            }
        )
    return made


def bulletin_document(context: dict) -> dict:
    """The figures with the wording added: what the PDF and Word exporters lay out."""
    document = dict(context)
    document["summary"] = (context.get("summary") or "").strip() or default_summary(context)
    document["sections"] = bulletin_sections(document)
    document["header"] = bulletin_header(document)
    document["annexes"] = annexes(document)
    return document
