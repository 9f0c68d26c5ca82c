"""The demo's indicators: baselines and the way each one moves over the quarters, so the
dashboard's 完成率 and 序时进度 columns show every case an office meets — on pace, a few
points behind, far behind, reached early, a target year passed and met, one passed and
missed, a target in words done, and a “≤” target coming down from its baseline."""

from __future__ import annotations

from decimal import Decimal

from indicators import trajectory

# The county plan asks for the city's energy-intensity target (“完成市下达的单位地区生产总值
# 能耗……降低目标任务”) without printing it; the demo fills in the figure the city set.
EXTRA_GOALS = {
    "岳阳县": [
        {
            "name": "单位地区生产总值能耗",
            "unit": "吨标准煤/万元",
            "comparator": "<=",
            "target": Decimal("0.452"),
            "target_year": 2030,
            "baseline_value": Decimal("0.561"),
            "baseline_year": 2020,
            "category": "control",
            "nature": "binding",
            "source_text": "完成市下达的单位地区生产总值能耗和二氧化碳排放强度降低目标任务",
        }
    ]
}

# (region, indicator name) → (baseline value, baseline year) or None, and its story:
#   ("pace", d): completion = 序时进度 + d percentage points, never reaching the target
#   ("reach", "2025Q4"): on pace, then at the target from that quarter on
#   ("short", c): on pace until completion c, then stuck there
#   ("done", "2025Q3"): a target in words, done from that quarter on
#   ("values", [...]): the values of the reported quarters, in order
STORIES = {
    ("岳阳县", "新能源装机容量"): ((Decimal("58.6"), 2020), ("reach", "2025Q4")),
    ("岳阳县", "农村电网供电可靠率"): ((Decimal("99.80"), 2020), ("reach", "2025Q4")),
    ("岳阳县", "综合电压合格率"): ((Decimal("99.790"), 2020), ("reach", "2025Q3")),
    ("岳阳县", "电网尖峰负荷响应能力"): ((Decimal("1.5"), 2020), ("pace", 1)),
    ("岳阳县", "公共领域新增交通工具采用新能源及清洁能源比例"): ((Decimal("60"), 2020), ("short", 88)),
    ("岳阳县", "新增新能源、清洁能源动力的交通工具比例"): ((Decimal("30"), 2020), ("pace", -9)),
    ("岳阳县", "城区公共交通站点"): (None, ("done", "2025Q3")),
    ("岳阳县", "公交交通占机动车出行比例"): ((Decimal("19.5"), 2020), ("reach", "2025Q4")),
    ("岳阳县", "城区绿色出行比例"): ((Decimal("52"), 2020), ("pace", 1)),
    ("岳阳县", "新建住宅小区配建停车位"): ((Decimal("72"), 2023), ("pace", -2)),
    ("岳阳县", "充电车位比例"): ((Decimal("9.5"), 2023), ("pace", 3)),
    ("岳阳县", "城镇规划区内新建民用建筑绿色建筑占比"): ((Decimal("72"), 2020), ("reach", "2025Q4")),
    ("岳阳县", "森林覆盖率"): ((Decimal("38.62"), 2020), ("reach", "2025Q2")),
    ("岳阳县", "森林蓄积量"): ((Decimal("398"), 2020), ("reach", "2025Q4")),
    ("岳阳县", "城市生活垃圾无害化处理率"): ((Decimal("97.5"), 2020), ("reach", "2025Q3")),
    ("岳阳县", "单位地区生产总值能耗"): ((Decimal("0.561"), 2020), ("pace", -8)),
    # The city and county plans of 2026 count what is new within the year: zero at the end of 2025.
    ("怀化市", "新增风光新能源装机"): ((Decimal(0), 2025), ("pace", 2)),
    ("怀化市", "公共机构新增光伏建设面积"): ((Decimal(0), 2025), ("pace", -3)),
    ("怀化市", "新增充电桩"): ((Decimal(0), 2025), ("values", [31, 64, 102])),
    ("怀化市", "龙头企业"): ((Decimal(0), 2025), ("values", [0, 1, 1])),
    ("怀化市", "省级及以上绿色工厂"): ((Decimal(0), 2025), ("values", [1, 2, 3])),
    ("怀化市", "工业碳减排标杆企业"): ((Decimal(0), 2025), ("values", [1, 2, 3])),
    ("怀化市", "省级及以上零碳工厂"): ((Decimal(0), 2025), ("values", [0, 0, 0])),
    ("怀化市", "省级及以上零碳园区"): ((Decimal(0), 2025), ("values", [0, 0, 1])),
    ("怀化市", "工业资源综合利用标杆企业"): ((Decimal(0), 2025), ("values", [0, 1, 1])),
    ("怀化市", "城镇新开工装配式建筑面积占新建建筑面积的比例"): ((Decimal("51.5"), 2025), ("pace", -1)),
    ("怀化市", "新增公共充电桩"): ((Decimal(0), 2025), ("pace", -4)),
    ("平江县", "新增公共充电桩"): ((Decimal(0), 2025), ("values", [8, 15, 22])),
    ("平江县", "建设用地安全利用率"): ((Decimal("91.0"), 2025), ("values", [91.8, 92.6, 93.4])),
}

COUNTED_UNITS = ("家", "个", "辆", "座", "处")


def _label(year, quarter):
    return f"{year}Q{quarter}"


def _rounded(value: Decimal, indicator) -> Decimal:
    if indicator.unit in COUNTED_UNITS:
        return value.quantize(Decimal(1))
    places = min(-2, indicator.target.normalize().as_tuple().exponent)
    return value.quantize(Decimal(1).scaleb(places))


def story_values(indicator, story, quarters, *, default_year) -> list[Decimal]:
    """The values of the indicator at the given (year, quarter) pairs, as its story tells."""
    kind, arg = story
    if kind == "values":
        return [Decimal(str(arg[min(i, len(arg) - 1)])) for i in range(len(quarters))]
    if kind == "done":
        return [Decimal(int(_label(y, q) >= arg)) for y, q in quarters]
    spec = trajectory.Spec.of(indicator, default_target_year=default_year)
    start = spec.start()
    base, start_time = start[0], start[1]
    target = spec.target
    values = []
    for year, quarter in quarters:
        pace = trajectory.elapsed(start_time, spec.target_year, year, quarter) * 100
        if kind == "reach" and _label(year, quarter) >= arg:
            values.append(target)
            continue
        if kind == "reach":
            completion = min(pace, Decimal(97))
        elif kind == "short":
            completion = min(pace, Decimal(arg))
        else:
            completion = max(Decimal(0), min(pace + arg, Decimal(99)))
        values.append(_rounded(base + (target - base) * completion / 100, indicator))
    return values
