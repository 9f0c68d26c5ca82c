"""The audit log reads like a record, not a database dump: labelled fields, long texts
compared sentence by sentence, a filter by agency, and the same in the Excel export."""

import io

import pandas as pd
import pytest

from agencies.audit import audit_log
from agencies.audit_display import sentence_diff, sentences
from agencies.models import AuditEntry
from reports.chases import chase_send
from tests import factories as f

pytestmark = pytest.mark.django_db

LIST = "/agencies/audit/"
EXPORT = "/agencies/audit/export.xlsx"

OLD = "已完成光伏项目选址。正在开展环评工作。资金到位偏慢。"
NEW = "已完成光伏项目选址。环评已批复<script>x</script>。资金到位偏慢。下步开工建设！"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def report(world):
    return f.ReportFactory(task=world.task_a1, agency=world.own, period=world.period_a, state="draft")


def save_entry(world, report, changes, actor=None):
    return audit_log(
        actor=actor or world.users.owner,
        action="report.save",
        target=report,
        changes=changes,
        plan=world.plan_a,
    )


def test_sentences_split_at_chinese_and_western_stops_and_line_ends():
    assert sentences("一。二！三？四；五\n六") == ["一。", "二！", "三？", "四；", "五", "六"]
    assert sentences("") == []


def test_a_long_text_is_compared_by_sentence_and_escaped():
    html, text = sentence_diff(OLD, NEW)
    assert html == (
        "已完成光伏项目选址。<del>正在开展环评工作。</del><ins>环评已批复&lt;script&gt;x&lt;/script&gt;。</ins>"
        "资金到位偏慢。<ins>下步开工建设！</ins>"
    )
    assert (
        text
        == "已完成光伏项目选址。[-正在开展环评工作。-][+环评已批复<script>x</script>。+]资金到位偏慢。[+下步开工建设！+]"
    )


def test_the_page_shows_labels_and_the_sentence_comparison(world, report, login):
    save_entry(
        world,
        report,
        {"progress_text": [OLD, NEW], "percent": [10, 40], "indicator:新增公共充电桩": [None, "12"]},
    )
    body = login(world.users.office).get(LIST).content.decode()
    assert "进展情况" in body and "完成进度" in body and "指标：新增公共充电桩" in body
    assert "progress_text" not in body and "indicator:" not in body
    assert "<del>正在开展环评工作。</del>" in body and "<ins>下步开工建设！</ins>" in body
    assert "<script>x</script>" not in body
    assert "10 → 40" in body and "— → 12" in body


def test_labels_follow_the_readers_language(world, report, login):
    save_entry(world, report, {"progress_text": ["甲", "乙"], "indicator:新增公共充电桩": [None, "12"]})
    client = login(world.users.office)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get(LIST).content.decode()
    assert "Indicator: 新增公共充电桩" in body and "indicator:" not in body


def test_filtering_by_agency_keeps_its_staff_and_its_records(world, report, login):
    own_save = save_entry(world, report, {"percent": [10, 40]})
    other_report = f.ReportFactory(
        task=world.task_a1, agency=world.other, period=world.period_a, state="draft"
    )
    other_save = save_entry(world, other_report, {"percent": [0, 5]}, actor=world.users.other_agency)
    review = audit_log(actor=world.users.office, action="report.return", target=report, plan=world.plan_a)
    chase = chase_send(
        plan=world.plan_a,
        period=world.period_a,
        agencies=[world.other],
        message="请补报",
        by=world.users.office,
    )
    chase_entry = AuditEntry.objects.get(action="chase.send")
    client = login(world.users.office)
    page = client.get(LIST, {"agency": world.own.pk})
    assert {e.pk for e in page.context["page"].object_list} == {own_save.pk, review.pk}
    page = client.get(LIST, {"agency": world.other.pk})
    assert {e.pk for e in page.context["page"].object_list} == {other_save.pk, chase_entry.pk}
    assert chase.sent and "发送催办" in page.content.decode() and "催办内容" in page.content.decode()
    assert world.other.name in client.get(LIST).content.decode()  # an option of the filter


def test_the_export_has_the_labelled_changes_in_text(world, report, login):
    save_entry(world, report, {"progress_text": [OLD, NEW], "percent": [10, "=1+1"]})
    response = login(world.users.office).get(EXPORT)
    frame = pd.read_excel(io.BytesIO(response.content))
    changes = frame.iloc[0]["变更"]
    assert "进展情况：已完成光伏项目选址。[-正在开展环评工作。-]" in changes
    assert "完成进度（%）：10 → =1+1" in changes


@pytest.mark.parametrize("n", [5, 60])
def test_the_agency_filter_and_the_comparison_cost_the_same_queries_however_long_the_trail(
    world, report, login, django_assert_num_queries, n
):
    for i in range(n):
        save_entry(world, report, {"progress_text": [OLD, NEW + str(i)], "percent": [i, i + 1]})
    client = login(world.users.office)
    client.get(LIST)  # warm the session
    # session, user, roles, action choices, the chosen agency, count, page, and the plan,
    # agency and actor options of the filter form.
    with django_assert_num_queries(10):
        response = client.get(LIST, {"agency": world.own.pk})
    assert response.content.decode().count("<del>正在开展环评工作。</del>") == min(n, 50)
