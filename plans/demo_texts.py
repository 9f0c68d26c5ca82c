"""Words of the demo's quarterly reports: what a lead agency and its supporting agencies
write about a task, varied by the kind of agency so the consolidated reports read like
the ones a county work group actually receives."""

from __future__ import annotations

LEAD_PROGRESS = [
    "已召开专题调度会，明确责任分工和时间节点，{title}各项工作有序推进。",
    "围绕{title}，本季度完成项目摸底和方案编制，已进入组织实施阶段。",
    "{title}相关项目按计划推进，已完成年度任务量的主要部分，正开展阶段性评估。",
    "联合配合单位开展现场督导，{title}重点事项已落实到具体项目和责任人。",
]
LEAD_PROGRESS_LAGGING = [
    "{title}受项目前期手续和资金影响，本季度推进慢于计划，已列入专班重点调度事项。",
    "{title}部分子项尚未开工，整体进度滞后，正会同配合单位逐项倒排工期。",
]
PROBLEMS = [
    "项目资金到位偏慢，部分子项进度滞后。",
    "相关单位协调成本较高，用地和审批手续办理周期较长。",
    "数据统计口径尚未统一，部分指标难以按季度核算。",
]
NEXT_STEPS = [
    "下季度将加快项目建设进度，按月调度，确保按期完成。",
    "继续加强与配合单位对接，推动问题在下季度前解决。",
    "完善统计监测，按季度报送指标数据。",
]

# (words in the agency's name, what such an agency writes about its part of a task)
SUPPORT_INPUTS = [
    (
        ("乡镇", "街道"),
        [
            "各乡镇已将{title}纳入本季度重点工作，{n}个乡镇完成辖区情况摸底并报送台账。",
            "组织乡镇干部开展{title}政策宣讲{n}场，配合完成入户核查和问题整改。",
        ],
    ),
    (
        ("园区", "高新区", "管委会"),
        [
            "园区围绕{title}梳理重点企业{n}家，督促企业制定节能降碳计划并按月跟踪。",
            "园区完成{n}家企业能耗数据核查，配合推进{title}相关项目落地。",
        ],
    ),
    (
        ("生态环境",),
        [
            "开展涉{title}企业环评和排污许可审查{n}件，同步做好碳排放评价衔接。",
            "配合做好{title}相关项目环境执法检查，本季度检查企业{n}家次。",
        ],
    ),
    (
        ("住建", "住房"),
        [
            "审查新建项目施工图{n}项，落实绿色建筑和节能标准，配合推进{title}。",
            "配合推进{title}，督导在建工地{n}个，建筑节能标准执行率保持100%。",
        ],
    ),
    (
        ("交通",),
        [
            "配合{title}，本季度新增或更新新能源公交车{n}辆，优化线路2条。",
            "完成{n}处公路沿线充电设施选址，配合推进{title}。",
        ],
    ),
    (
        ("自然资源", "规划"),
        [
            "为{title}涉及的{n}个项目办理用地预审和规划许可，保障项目用地。",
            "配合{title}完成国土空间规划衔接，核实项目用地{n}宗。",
        ],
    ),
    (
        ("工信", "工业", "科工信"),
        [
            "配合{title}，组织{n}家企业申报绿色工厂和节能技改项目。",
            "对{n}家重点用能企业开展节能诊断，推动{title}相关技改项目实施。",
        ],
    ),
    (
        ("发改", "发展改革"),
        [
            "做好{title}相关项目的节能审查和立项服务，本季度审查项目{n}个。",
            "将{title}纳入全县重点项目调度，协调解决问题{n}个。",
        ],
    ),
    (
        ("供电", "电力"),
        [
            "配合{title}完成{n}个配电台区改造，保障新能源和充电设施并网接入。",
            "本季度受理新能源并网申请{n}户，配合推进{title}。",
        ],
    ),
    (
        ("财政", "金融", "银行"),
        [
            "统筹安排{title}相关资金，本季度拨付专项资金{n}百万元。",
            "配合{title}做好资金保障，指导{n}个项目申报上级补助资金。",
        ],
    ),
    (
        ("农业", "畜牧", "渔政", "农林"),
        [
            "配合{title}推广测土配方施肥和秸秆综合利用，覆盖{n}个村。",
            "组织{n}个农业经营主体开展绿色生产示范，配合推进{title}。",
        ],
    ),
    (
        ("林业",),
        [
            "配合{title}完成造林和森林抚育{n}百亩，开展林业碳汇本底调查。",
            "组织森林资源巡护{n}次，配合推进{title}。",
        ],
    ),
    (
        ("科技",),
        [
            "围绕{title}组织申报科技项目{n}项，推动低碳技术成果转化。",
            "配合{title}对接高校院所{n}家，开展技术需求征集。",
        ],
    ),
    (
        ("统计", "数据"),
        [
            "配合{title}完成{n}家规上企业能源统计数据审核，按季度提供统计数据。",
            "为{title}提供能耗和碳排放统计监测数据，核查异常数据{n}条。",
        ],
    ),
    (
        ("宣传", "文旅", "教", "党校", "组织"),
        [
            "围绕{title}开展宣传培训{n}场次，覆盖干部群众千余人次。",
            "配合{title}制作宣传材料，在各级媒体刊发稿件{n}篇。",
        ],
    ),
    (
        ("城管", "城市管理", "机关事务", "商", "市场监管", "人社", "人力资源", "卫健", "民政", "应急"),
        [
            "结合本单位职责配合推进{title}，完成相关检查和统计{n}项。",
            "按职责分工落实{title}配合事项，本季度办理相关事项{n}件。",
        ],
    ),
]
SUPPORT_DEFAULT = [
    "按职责分工配合推进{title}，本季度完成相关工作{n}项。",
    "配合牵头单位做好{title}有关工作，报送工作台账{n}份。",
]
# Problems a supporting agency raises with its input (optional, like 下步计划).
SUPPORT_PROBLEMS = [
    "本单位负责的子项资金尚未落实，需县财政统筹支持。",
    "部分企业配合意愿不强，数据报送不及时。",
    "专业技术人员不足，现场核查任务较重。",
    "项目审批涉及多个部门，办理时限较长。",
    "统计口径与牵头单位要求不一致，需进一步明确。",
]
LEAD_RETURN_COMMENT = "请补充本单位负责项目的具体完成量和时间节点，再报送牵头单位。"
OFFICE_RETURN_COMMENT = "请补充具体项目进度和量化数据，并写明配合单位材料中的问题如何解决。"


def support_input(agency_name: str, title: str, rng) -> str:
    """What a supporting agency reports on its part of a task in a quarter."""
    phrases = next(
        (phrases for words, phrases in SUPPORT_INPUTS if any(word in agency_name for word in words)),
        SUPPORT_DEFAULT,
    )
    return rng.choice(phrases).format(title=title, n=rng.randint(2, 18))


def consolidated_text(lead_text: str, inputs: list[tuple[str, str]]) -> str:
    """The lead's text followed by each gathered input as a 【单位简称】… paragraph."""
    paragraphs = [lead_text] + [f"【{name}】{text}" for name, text in inputs]
    return "\n".join(paragraphs)
