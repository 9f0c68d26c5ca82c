"""One count for one question: the dashboard, the 未报清单, the bulletin and the briefing
show the same report counts and rates for the same quarter (reports.counts)."""

import io
import re
import subprocess
from decimal import Decimal

from docx import Document

from reports.bulletin import bulletin_context
from reports.counts import PeriodCounts, percent, period_counts
from reports.exporters import BulletinDocx
from reports.models import Rollup
from reports.rollups import rollup_plan_period
from tasks.models import ProgressReport


def test_one_rounding_rule_half_up_to_one_decimal():
    assert percent(61, 80) == Decimal("76.3")  # 76.25: float rounding made it 76.2
    assert percent(29, 38) == Decimal("76.3")
    assert percent(1, 3) == Decimal("33.3")
    assert percent(2, 3) == Decimal("66.7")
    assert percent(0, 0) is None
    row = Rollup(expected=80, on_time=61)
    assert row.on_time_rate == Decimal("76.3")


def test_a_draft_counts_as_missing_and_missing_is_what_is_not_submitted():
    row = Rollup(
        expected=5, missing=1, draft=1, submitted=1, returned=1, approved=1, on_time=2, late=1,
        missing_lead=1, to_review=1,
    )  # fmt: skip
    assert PeriodCounts.of(row) == PeriodCounts(
        expected=5, submitted=3, approved=1, returned=1, missing=2, on_time=2, late=1,
        missing_lead=1, missing_support=1, to_review=1,
    )  # fmt: skip
    assert PeriodCounts.of(None) == PeriodCounts()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_dashboard_missing_list_bulletin_and_briefing_give_the_same_counts(quarter, login, tmp_path):
    q = quarter
    # 3 expected: 县发改局's A1 report approved on time, 县交通运输局's A1 report absent
    # and its A2 report still a draft — 2 not submitted, on time 1 of 3.
    ProgressReport.objects.filter(pk=q.r2.pk).update(state="draft", is_late=False)
    rollup_plan_period(plan=q.plan_a, period=q.period_a, today=q.today)
    counts = period_counts(q.plan_a, q.period_a)
    assert (counts.expected, counts.submitted, counts.missing, counts.on_time) == (3, 1, 2, 1)
    assert counts.on_time_rate == Decimal("33.3")

    office = login(q.users.office)
    dashboard = _text(office.get(f"/reports/plans/{q.plan_a.pk}/dashboard/?period=2026Q1").content.decode())
    assert "按时 1 / 应报 3，未报 2" in dashboard
    assert "33.3 %" in dashboard

    missing = office.get(f"/reports/plans/{q.plan_a.pk}/missing/?period=2026Q1").content.decode()
    assert "1 个单位未报送，其中任务进展 1 项、配合单位材料 1 项" in missing
    assert "本季度应报 3，已报 1，未报 2，按时报送率 33.3%" in missing
    # 县交通运输局 leads A2 (a draft) and supports A1 (nothing): one of each kind.
    assert (counts.missing_lead, counts.missing_support) == (1, 1)
    assert "牵头单位未报 1，配合单位未报送材料 1" in missing
    for kind, label in (("lead", "牵头单位未报"), ("support", "配合单位未报送材料")):
        page = office.get(f"/reports/plans/{q.plan_a.pk}/missing/?period=2026Q1&kind={kind}")
        rows = page.context["rows"]
        assert len(rows) == 1 and rows[0]["kind"] == kind
        assert f'<td class="kind-{kind}">{label}</td>' in page.content.decode()

    context = bulletin_context(plan=q.plan_a, period=q.period_a, today=q.today)
    o = context["overview"]
    assert (o["expected"], o["reported"], o["missing"], o["on_time_rate"]) == (3, 1, 2, 33.3)
    _name, _mime, content = BulletinDocx().export(context)
    words = "".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
    assert "应报送进展3份，实际报送1份" in words and "按时报送率33.3%" in words and "尚未报送2份" in words

    pdf = tmp_path / "briefing.pdf"
    pdf.write_bytes(
        login(q.users.leader).get(f"/reports/plans/{q.plan_a.pk}/briefing.pdf?period=2026Q1").content
    )
    briefing = re.sub(
        r"\s+", " ", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    )
    assert "未报 2" in briefing
    assert "33.3" in briefing
