"""What "the same" means is written once (plans.matching): the revision diff the office
previews and the revision it commits pair the same tasks, and an upload repeats a plan
when its title is the plan's, width, spacing and punctuation aside."""

import pytest

from plans.duplicates import plan_duplicates
from plans.import_review import plan_diff
from plans.matching import plan_title_key, title_key
from plans.parsing import parse_plan_text
from plans.services import plan_revise_from_parsed, task_restore
from tasks.models import Task
from tests import factories as f

from .docs import SMALL_PLAN

pytestmark = pytest.mark.django_db

# Drops 推广绿色建筑, rewords 推进绿色交通 slightly, adds two tasks — one of them under the
# title of an existing task written with other punctuation and width — and an action
# written as one paragraph (its task takes the action's title).
REVISED = (
    SMALL_PLAN.replace("2．推进绿色交通。", "2．推进绿色交通运输。")
    .replace("1．推广绿色建筑。到2025年，城镇新建建筑全面执行绿色建筑标准。", "1．推进公共机构节能。到2025年，公共机构节能10%。")
    .replace(
        "三、保障措施",
        "（三）全民低碳行动\n倡导绿色低碳生活方式，开展节约型机关创建。（县机关事务中心牵头）\n\n三、保障措施",
    )
)  # fmt: skip


def titles(items):
    return sorted(item["title"] for item in items)


def test_the_preview_and_the_commit_pair_the_same_tasks(jia_plan):
    parsed = parse_plan_text(REVISED, "jia-v2.txt")
    diff = plan_diff(jia_plan, parsed)
    before = {t.pk: t.title for t in Task.objects.filter(action__plan=jia_plan)}
    counts = plan_revise_from_parsed(plan=jia_plan, parsed=parsed)
    after = {t.pk: t for t in Task.objects.filter(action__plan=jia_plan)}
    archived = sorted(before[pk] for pk in counts["tasks_archived"])
    assert archived == titles(diff["tasks_removed"]) == ["推广绿色建筑"]
    created = sorted(t.title for pk, t in after.items() if pk not in before)
    assert created == titles(diff["tasks_added"]) == ["全民低碳行动", "推进公共机构节能"]
    # The reworded task is the same task: it keeps its row and its reports.
    changed = {t["title"]: t["changes"] for t in diff["tasks_changed"]}
    assert "标题：推进绿色交通 → 推进绿色交通运输" in changed["推进绿色交通"]
    kept = next(t for t in after.values() if t.title == "推进绿色交通运输")
    assert before[kept.pk] == "推进绿色交通" and kept.reports.count() == 2
    assert counts["tasks_kept"] == 2 and diff["tasks_unchanged"] + len(diff["tasks_changed"]) == 2


def test_a_task_brought_back_is_restored_in_the_preview_and_the_commit_alike(jia_plan):
    plan_revise_from_parsed(plan=jia_plan, parsed=parse_plan_text(REVISED, "jia-v2.txt"))
    gone = Task.objects.of_plan(jia_plan).archived().get()
    # The original document again, the task's title written with a space in it.
    again = parse_plan_text(SMALL_PLAN.replace("1．推广绿色建筑。", "1．推广 绿色建筑。"), "jia-v3.txt")
    diff = plan_diff(jia_plan, again)
    assert [t["title"] for t in diff["tasks_restored"]] == ["推广绿色建筑"]
    counts = plan_revise_from_parsed(plan=jia_plan, parsed=again)
    assert counts["tasks_restored"] == [gone.pk]
    gone.refresh_from_db()
    assert gone.archived_at is None and gone.reports.count() == 2
    with pytest.raises(Exception, match="未归档"):
        task_restore(task=gone, by=None)


@pytest.mark.parametrize(
    "a,b",
    [("（一）能源绿色低碳转型行动", "能源绿色低碳转型行动"), ("1．推进 绿色交通。", "推进绿色交通"),
     ("推进“绿色”交通", "推进绿色交通"), ("推进绿色交通(试点)", "推进绿色交通（试点）")],
)  # fmt: skip
def test_a_title_is_the_same_whatever_its_number_width_spacing_or_punctuation(a, b):
    assert title_key(a) == title_key(b)


def test_a_plan_title_keeps_its_year_and_its_words_apart():
    assert plan_title_key("岳阳县碳达峰实施方案 (征求意见稿)") == plan_title_key(
        "岳阳县碳达峰实施方案（征求意见稿）"
    )
    assert plan_title_key("2025年岳阳县碳达峰工作要点") != plan_title_key("2026年岳阳县碳达峰工作要点")
    assert plan_title_key("岳阳县碳达峰实施方案") != plan_title_key("岳阳县碳达峰实施方案（征求意见稿）")


def test_an_upload_repeats_a_plan_whose_title_differs_only_in_width_and_spacing(world):
    f.PlanFactory(region=world.county_a, title="甲县碳达峰实施方案（2025—2030年）")
    found = plan_duplicates(region=world.county_a, title="甲县碳达峰实施方案 (2025—2030年)")
    assert [p.title for p in found] == ["甲县碳达峰实施方案（2025—2030年）"]
    assert plan_duplicates(region=world.county_a, title="甲县碳达峰实施方案（2026—2030年）") == []
    assert plan_duplicates(region=world.county_b, title="甲县碳达峰实施方案（2025—2030年）") == []
