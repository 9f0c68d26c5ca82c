"""The scorer the parser tests measure with: a perfect parse scores 1.0 everywhere and
each kind of mistake lowers the figure that should notice it, and only that one."""

import copy

import pytest

from .docs import NAMES, expected_structure
from .scoring import THRESHOLDS, below_thresholds, compare, score

YUEYANG = "yueyang-county-2024"


def _perfect(name=YUEYANG):
    return copy.deepcopy(expected_structure(name))


def _tasks(parsed):
    return [task for action in parsed["actions"] for task in action["tasks"]]


def _indicators(parsed):
    return parsed["goals"] + [i for task in _tasks(parsed) for i in task["indicators"]]


@pytest.mark.parametrize("name", NAMES)
def test_a_perfect_copy_scores_one_everywhere(name):
    result = compare(_perfect(name), expected_structure(name))
    assert result.misses == []
    assert set(result.figures) >= set(THRESHOLDS) | {"task_p", "task_r", "indicator_p", "indicator_r"}
    assert set(result.figures.values()) == {1.0}
    assert below_thresholds(result.figures) == {}


def test_a_dropped_task_lowers_task_recall_only():
    parsed = _perfect()
    dropped = parsed["actions"][0]["tasks"].pop(1)
    result = compare(parsed, expected_structure(YUEYANG))
    total = len(_tasks(expected_structure(YUEYANG)))
    assert result.figures["task_r"] == round((total - 1) / total, 3)
    assert result.figures["task_p"] == 1.0
    assert result.figures["task_f1"] < 1.0
    assert result.figures["lead"] == result.figures["support"] == 1.0
    assert any(dropped["title"] in miss for miss in result.misses)


def test_an_extra_task_lowers_task_precision_only():
    parsed = _perfect()
    parsed["actions"][2]["tasks"].append(
        {"title": "开展碳汇交易试点", "lead": ["县林业局"], "indicators": []}
    )
    figures = score(parsed, expected_structure(YUEYANG))
    assert figures["task_p"] < 1.0 and figures["task_r"] == 1.0


def test_tasks_match_by_title_despite_punctuation_order_and_small_wording_changes():
    parsed = _perfect()
    tasks = parsed["actions"][0]["tasks"]
    tasks.reverse()
    tasks[0]["title"] = f"（{tasks[0]['title']}。）"
    tasks[1]["title"] = tasks[1]["title"][:-1]  # one character short
    assert score(parsed, expected_structure(YUEYANG))["task_f1"] == 1.0


def test_a_task_whose_title_is_unrelated_is_not_matched():
    parsed = _perfect()
    parsed["actions"][0]["tasks"][0]["title"] = "加强组织领导"
    figures = score(parsed, expected_structure(YUEYANG))
    assert figures["task_p"] < 1.0 and figures["task_r"] < 1.0


def test_wrong_agencies_lower_lead_and_support_separately():
    parsed = _perfect()
    first, second = _tasks(parsed)[:2]
    first["lead"] = ["县财政局"]
    second["support"] = second["support"][:-1]
    figures = score(parsed, expected_structure(YUEYANG))
    matched = len(_tasks(parsed))
    assert figures["lead"] == figures["support"] == round((matched - 1) / matched, 3)
    assert figures["task_f1"] == 1.0


def test_agency_names_compare_without_spacing_and_order():
    parsed = _perfect()
    task = _tasks(parsed)[0]
    task["lead"] = [f" {name} " for name in reversed(task["lead"])]
    assert score(parsed, expected_structure(YUEYANG))["lead"] == 1.0


def test_indicators_match_by_target_and_unit_and_check_year_and_comparator():
    parsed = _perfect()
    indicators = [i for i in _indicators(parsed) if not i["borderline"]]
    indicators[0]["year"] = 1999
    indicators[1]["comparator"] = "~"
    figures = score(parsed, expected_structure(YUEYANG))
    assert figures["indicator_f1"] == 1.0
    assert figures["year"] < 1.0 and figures["comparator"] < 1.0


def test_a_missed_and_an_invented_indicator_lower_recall_and_precision():
    parsed = _perfect()
    task = next(t for t in _tasks(parsed) if any(not i["borderline"] for i in t["indicators"]))
    task["indicators"] = []
    missed = score(parsed, expected_structure(YUEYANG))
    assert missed["indicator_r"] < 1.0 and missed["indicator_p"] == 1.0

    parsed = _perfect()
    _tasks(parsed)[0]["indicators"].append({"name": "220千伏变电站", "target": 220, "unit": "千伏"})
    invented = score(parsed, expected_structure(YUEYANG))
    assert invented["indicator_p"] < 1.0 and invented["indicator_r"] == 1.0


def test_a_borderline_indicator_is_neither_required_nor_penalised():
    expected = expected_structure(YUEYANG)
    expected["goals"] = [
        {"name": "新能源装机容量", "target": 135.5, "unit": "万千瓦", "year": 2025, "comparator": ">="},
        {"name": "锅炉", "target": 2, "unit": "台", "year": None, "comparator": ">=", "borderline": True},
    ]
    parsed = copy.deepcopy(expected)
    without = copy.deepcopy(parsed)
    without["goals"] = without["goals"][:1]
    assert score(parsed, expected)["indicator_f1"] == 1.0
    assert score(without, expected)["indicator_f1"] == 1.0
    assert score({**without, "goals": []}, expected)["indicator_r"] < 1.0


def test_the_closest_name_wins_when_two_indicators_share_a_target_and_unit():
    expected = {
        "plan": {},
        "actions": [],
        "goals": [
            {"name": "森林覆盖率", "target": 60, "unit": "%", "year": 2025, "comparator": "="},
            {"name": "非化石能源消费比重", "target": 60, "unit": "%", "year": 2030, "comparator": ">="},
        ],
    }
    parsed = copy.deepcopy(expected)
    parsed["goals"].reverse()
    figures = score(parsed, expected)
    assert (figures["year"], figures["comparator"]) == (1.0, 1.0)


def test_plan_facts_and_action_titles_are_scored():
    parsed = _perfect()
    parsed["plan"]["doc_number"] = None
    parsed["actions"][0]["title"] = "保障措施"
    result = compare(parsed, expected_structure(YUEYANG))
    assert result.figures["plan"] == 0.8
    assert result.figures["actions"] == 0.9
    assert any("doc_number" in miss for miss in result.misses)


def test_below_thresholds_names_the_figures_that_fail():
    parsed = _perfect()
    for task in _tasks(parsed)[:5]:
        task["lead"] = []
    figures = score(parsed, expected_structure(YUEYANG))
    assert list(below_thresholds(figures)) == ["lead"]
    assert THRESHOLDS["task_f1"] == 0.97 and THRESHOLDS["indicator_f1"] == 0.90
