"""The demo's plan of 岳阳市 itself (office `city`): a handful of the city's own tasks, some
handed down to the 岳阳县 and 平江县 plans below in each state a city office meets —
linked to a county task, created in a county plan with a split target, handed down and
waiting for one county's answer (chased once by the city), not handed to one county — so the region page, the upper task's page and the region briefing have
something to show."""

from __future__ import annotations

from plans.parsing.schema import ParsedPlan

CITY = "岳阳市"
CITY_PLAN_TITLE = "岳阳市2026年碳达峰碳中和工作要点"


def _task(seq, title, lead, text, indicators=(), support=()):
    return {
        "seq": seq,
        "label": str(seq),
        "title": title,
        "lead": [lead],
        "support": list(support),
        "lead_inferred": False,
        "indicators": [
            {
                "name": name,
                "target": target,
                "target_max": None,
                "unit": unit,
                "comparator": ">=",
                "year": 2026,
                "baseline_year": None,
                "change": None,
                "text": text,
                "borderline": False,
                "span": None,
                "review": False,
            }
            for name, target, unit in indicators
        ],  # fmt: skip
        "text": f"{seq}.{title}。{text}（{lead}牵头）",
        "span": None,
        "projects": [],
        "duplicate_of": None,
    }


CITY_PLAN = {
    "source": "岳阳市2026年碳达峰碳中和工作要点.txt",
    "plan": {
        "title": CITY_PLAN_TITLE,
        "region": CITY,
        "level": "city",
        "doc_number": "岳碳达峰办〔2026〕1号",
        "issued": "2026-02-20",
        "draft": False,
        "plan_year": 2026,
    },
    "goals": [],
    "actions": [
        {
            "seq": 1,
            "label": "（一）",
            "title": "能源绿色低碳转型",
            "span": None,
            "text": "",
            "tasks": [
                _task(
                    1,
                    "大力发展新能源",
                    "市发改局",
                    "全年全市新增新能源装机容量400万千瓦以上，各县市区分解落实。",
                    [("新能源装机容量", 400, "万千瓦")],
                    ["市自然资源和规划局"],
                ),
                _task(
                    2,
                    "健全碳排放双控制度体系",
                    "市发改局",
                    "建立碳排放双控配套制度，督促各县市区落实能耗和碳排放管控。",
                ),
                _task(
                    3,
                    "加快充电基础设施建设",
                    "市交通运输局",
                    "全年全市新增公共充电桩200个以上。",
                    [("新增公共充电桩", 200, "个")],
                ),
            ],
        },
        {
            "seq": 2,
            "label": "（二）",
            "title": "城乡建设和生态碳汇",
            "span": None,
            "text": "",
            "tasks": [
                _task(
                    1,
                    "加快提升建筑能效水平",
                    "市住建局",
                    "城镇规划区内新建民用建筑全面执行绿色建筑标准。",
                    [("城镇规划区内新建民用建筑绿色建筑占比", 100, "%")],
                ),
                _task(
                    2,
                    "提升生态系统碳汇能力",
                    "市林业局",
                    "全市森林覆盖率稳定在50%以上。",
                    [("森林覆盖率", 50, "%")],
                ),
                _task(3, "加强低碳宣传教育", "市委宣传部", "组织开展全国低碳日等主题宣传活动。"),
            ],
        },
    ],  # fmt: skip
    "warnings": [],
}

# How each city task reaches the counties: ("link", county task title), ("create", {split
# targets by indicator name}), ("wait", None) handed down for the county office to answer
# (待落实, and chased once by the city), or nothing (not handed down there). The 岳阳县 plan gets
# no new task: its quarters of history stay the ones its own tasks draw.
HAND_DOWNS = {
    "大力发展新能源": {
        "岳阳县": ("link", "大力发展新能源"),
        "平江县": ("create", {"新能源装机容量": 60}),
    },
    "健全碳排放双控制度体系": {"平江县": ("link", "健全碳排放双控制度体系")},
    "加快充电基础设施建设": {"平江县": ("link", "构建绿色转型新模式"), "岳阳县": ("wait", None)},
    "加快提升建筑能效水平": {"岳阳县": ("link", "加快提升建筑能效水平")},
}
# The city follows its counties on new energy: the average of their progress.
FOLLOWS = {"大力发展新能源": "children_average"}


def city_parsed() -> ParsedPlan:
    return ParsedPlan.from_dict(CITY_PLAN)


def hand_down_city_tasks(city_plan, county_plans: dict, *, by) -> int:
    """The city office's hand-downs of the demo (county_plans: {region name: plan});
    returns how many lower tasks answer a city task."""
    from tasks.handdown import task_hand_down, task_set_progress_source
    from tasks.models import Task

    count = 0
    for title, by_county in HAND_DOWNS.items():
        upper = Task.objects.get(action__plan=city_plan, title=title)
        indicators = {i.name: i.pk for i in upper.indicators.all()}
        for county, (how, detail) in by_county.items():
            plan = county_plans.get(county)
            if plan is None:
                continue
            links, targets = {}, {}
            if how == "wait":
                task_hand_down(task=upper, plans=[plan], waiting=[plan], by=by)
                continue
            if how == "link":
                lower = Task.objects.filter(action__plan=plan, title=detail).active().first()
                if lower is None:
                    continue
                links[plan.pk] = lower.pk
            else:
                targets[plan.pk] = {indicators[name]: value for name, value in detail.items()}
            task_hand_down(task=upper, plans=[plan], links=links, targets=targets, by=by)
            count += 1
        if title in FOLLOWS:
            task_set_progress_source(task=upper, source=FOLLOWS[title], by=by)
    return count
