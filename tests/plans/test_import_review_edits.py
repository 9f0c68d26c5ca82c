"""The import review adds what the parser missed by hand, keeps what the office typed
when something is wrong, and says precisely which lines of a partly read document it
could not place."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.models import AuditEntry
from plans.models import PlanImport
from tasks.models import Task

from .docs import DOCS, SMALL_PLAN

pytestmark = pytest.mark.django_db


@pytest.fixture
def jia_import(world, login):
    client = login(world.users.office)
    client.post(
        reverse("plans:import_list"),
        {"file": SimpleUploadedFile("jia.txt", SMALL_PLAN.encode()), "region": world.county_a.pk},
    )
    return PlanImport.objects.get()


def fields(prefix, **values):
    """The submitted fields of the form with this prefix."""
    return {f"{prefix}-{name}": value for name, value in values.items()}


def review_url(plan_import):
    return reverse("plans:import_review", args=[plan_import.pk])


def test_the_page_offers_forms_to_add_an_action_a_task_and_a_target(world, login, jia_import):
    page = login(world.users.office).get(review_url(jia_import)).content.decode()
    for name in (
        "new-action-action_title",
        "a0-new-title",
        "a1-new-lead",
        "a0-t0-i-new-name",
        "gi-new-target",
    ):
        assert f'name="{name}"' in page


def test_an_action_a_task_and_targets_added_by_hand_are_saved_and_committed(world, login, jia_import):
    client = login(world.users.office)
    data = {
        **fields("a0-new", label="3", title="推进农村屋顶光伏", lead="县发改局", support="县农业农村局、县发改局"),
        **fields("a0-t1-i-new", name="充电站", comparator=">=", target="12", unit="座", year="2026"),
        **fields(
            "gi-new", name="单位地区生产总值能耗", comparator=">=", target="13.5", unit="%", year="2025",
            change="decrease", baseline_year="2020",
        ),
        **fields("new-action", action_label="（三）", action_title="节约型机关创建行动", lead="县机关事务中心"),
    }  # fmt: skip
    response = client.post(review_url(jia_import), data)
    assert response.status_code == 302
    jia_import.refresh_from_db()
    actions = jia_import.parsed["actions"]
    added = actions[0]["tasks"][2]
    assert (added["seq"], added["label"], added["title"], added["lead"], added["support"]) == (
        3, "3", "推进农村屋顶光伏", ["县发改局"], ["县农业农村局"],
    )  # fmt: skip
    charger = actions[0]["tasks"][1]["indicators"][-1]
    assert (charger["name"], charger["target"], charger["unit"], charger["year"]) == (
        "充电站",
        12,
        "座",
        2026,
    )
    goal = jia_import.parsed["goals"][-1]
    assert (goal["target"], goal["change"], goal["baseline_year"]) == (13.5, "decrease", 2020)
    assert actions[2]["title"] == "节约型机关创建行动" and actions[2]["seq"] == 3
    assert actions[2]["tasks"][0]["title"] == "节约型机关创建行动"
    entry = AuditEntry.objects.get(action="plan_import.edit")
    assert entry.changes["added_by_hand_tasks"] == [0, 2] and entry.changes["added_by_hand_indicators"] == [
        0,
        2,
    ]

    page = client.get(review_url(jia_import)).content.decode()
    assert "推进农村屋顶光伏" in page and "手工添加" in page

    client.post(reverse("plans:import_commit", args=[jia_import.pk]))
    plan = PlanImport.objects.get().plan
    task = Task.objects.get(action__plan=plan, title="推进农村屋顶光伏")
    assert [a.agency.name for a in task.assignments.order_by("role")] == ["县发改局", "县农业农村局"]
    assert plan.indicators.filter(name="充电站", target=12, task__title="推进绿色交通").exists()
    assert plan.actions.filter(title="节约型机关创建行动").exists()


def test_deleting_every_task_is_refused(world, login, jia_import):
    client = login(world.users.office)
    response = client.post(
        review_url(jia_import), {"a0-t0-delete": "on", "a0-t1-delete": "on", "a1-t0-delete": "on"}
    )
    assert response.status_code == 400
    assert "方案没有任何任务，无法导入。" in response.context["errors"]


def test_a_partial_parse_lists_the_lines_it_could_not_place_with_their_source(world, login, jia_import):
    """The parser reports lines it could not place as `unplaced_line` warnings with the
    1-based line and its text; the page groups them and points at the line."""
    lines = SMALL_PLAN.split("\n")
    number = lines.index("加强组织领导。") + 1
    jia_import.parsed["warnings"] = [
        *jia_import.parsed.get("warnings", []),
        {"code": "unplaced_line", "line": number, "text": "加强组织领导。", "message": "未能归入任务"},
        {"code": "unplaced_line", "line": 2, "text": "", "message": "未能归入任务"},
    ]
    jia_import.save()
    response = login(world.users.office).get(review_url(jia_import))
    page = response.content.decode()
    assert response.context["is_partial"] and "部分内容未能识别" in page and "已导入识别出的 3 项任务" in page
    group = next(g for g in response.context["warning_groups"] if g["code"] == "unplaced_line")
    assert str(group["label"]) == "未能归入的内容" and len(group["items"]) == 2
    start, end = group["items"][0]["span"]
    assert SMALL_PLAN[start:end] == "加强组织领导。"
    assert f'id="source-line-{number}"' in page and f"第 {number} 行" in page
    assert f'data-span-start="{start}" data-span-end="{end}"' in page
    # The review still works on what was found, and commits it.
    assert len(response.context["actions"]) == 2


def test_a_parse_without_unplaced_lines_is_not_called_partial(world, login, jia_import):
    response = login(world.users.office).get(review_url(jia_import))
    assert not response.context["is_partial"] and "部分内容未能识别" not in response.content.decode()


def test_warnings_show_in_english_for_an_english_reader(world, login, jia_import):
    jia_import.parsed["warnings"] = [
        {"code": "unplaced_line", "line": 3, "text": "x", "message": "未能归入任务"}
    ]
    jia_import.save()
    client = login(world.users.office)
    page = client.get(review_url(jia_import), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Line 3" in page and "Lines not placed" in page


@pytest.mark.parametrize(
    "doc", ["yueyang-county-2024.txt", "pingjiang-county-2026.txt", "huaihua-city-2026.txt"]
)
def test_a_page_submitted_as_shown_is_valid_and_changes_nothing(world, login, doc):
    """Every field the page renders, sent back untouched (empty add-forms included), is
    accepted and leaves the breakdown and its doubts as they were."""
    client = login(world.users.office)
    data = (DOCS / doc).read_bytes()
    client.post(
        reverse("plans:import_list"), {"file": SimpleUploadedFile(doc, data), "region": world.county_a.pk}
    )
    plan_import = PlanImport.objects.get()
    page = client.get(review_url(plan_import))
    submitted = {}
    for form in page.context["edits"].all_forms:
        for field in form:
            value = field.value()
            if field.widget_type == "checkbox":
                submitted.update({field.html_name: "on"} if value else {})
            else:
                submitted[field.html_name] = "" if value is None else field.field.prepare_value(value)
    assert client.post(review_url(plan_import), submitted).status_code == 302
    before = plan_import.parsed
    plan_import.refresh_from_db()
    after = plan_import.parsed

    def summary(parsed):
        tasks = [t for a in parsed["actions"] for t in a["tasks"]]
        targets = parsed["goals"] + [i for t in tasks for i in t["indicators"]]
        return (
            [(a["title"], len(a["tasks"])) for a in parsed["actions"]],
            [(t["title"], t["lead"], t["support"], t.get("lead_inferred")) for t in tasks],
            [
                (i["name"], i["target"], i.get("unit") or "", i.get("year"), bool(i.get("review")))
                for i in targets
            ],
        )

    assert summary(after) == summary(before)


def test_a_task_the_document_gives_no_agency_does_not_block_other_corrections(world, login, jia_import):
    jia_import.parsed["actions"][1]["tasks"][0].update(lead=[], support=[], lead_inferred=False)
    jia_import.save()
    client = login(world.users.office)
    response = client.post(review_url(jia_import), {"a1-t0-lead": "", "a0-t0-title": "大力发展风电"})
    assert response.status_code == 302
    jia_import.refresh_from_db()
    assert jia_import.parsed["actions"][0]["tasks"][0]["title"] == "大力发展风电"
    assert jia_import.parsed["actions"][1]["tasks"][0]["lead"] == []
