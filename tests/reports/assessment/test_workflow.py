"""A round from start to publication through the pages, as the office and the agencies
use them: the scheme, the draft, 公示 and objections, corrections, publication, a new
round; who sees what at each step; the audit trail and the notices."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from agencies.models import AuditEntry, Notification
from reports.assessment import services
from reports.models import Assessment, AssessmentScheme

from .conftest import compute, compute_again, scores

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%evidence\n"


def _open_window(assessment, office, *, closes_in=7):
    today = timezone.localdate()
    return services.assessment_open_objections(
        assessment=assessment, opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=closes_in), by=office,
    )  # fmt: skip


def test_the_office_writes_and_publishes_the_scheme_on_its_page(world, login):
    client = login(world.users.office)
    url = reverse("reports:assessment-scheme", args=[world.plan_a.pk, 2027])
    page = client.get(url)
    assert page.status_code == 200 and "按时报送" in page.content.decode()
    data = {name: page.context["form"].initial[name] for name in page.context["form"].fields}
    data.update(reporting_points="25", consolidation_points="15", note="<b>说明</b>", publish="1")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    scheme = AssessmentScheme.objects.get(plan=world.plan_a, year=2027)
    assert scheme.is_published and scheme.reporting_points == 25 and scheme.consolidation_points == 15
    assert AuditEntry.objects.filter(action="assessment_scheme.publish", plan=world.plan_a).exists()
    # Points that do not add up to 100 are refused, with the sum said.
    data.update(reporting_points="30")
    refused = client.post(url, data)
    assert refused.status_code == 200 and "现为105分" in refused.content.decode()
    # Agencies read the published scheme; they cannot change it (404, as on every office
    # page), and the leaders, who may only read, get 403.
    agency = login(world.users.owner)
    assert agency.get(url).status_code == 200
    assert agency.post(url, data).status_code == 404
    assert login(world.users.leader).post(url, data).status_code == 403


def test_changing_a_scheme_used_by_published_results_makes_a_new_version(year):
    assessment = compute(year)
    office = year.users.office
    assessment.state, assessment.published_at = "published", timezone.now()
    assessment.save()
    changed = services.scheme_save(
        plan=year.plan_a, year=2025, data={"late_deduction": Decimal(2)}, by=office
    )
    assert changed.version == 2 and not changed.is_published
    year.scheme.refresh_from_db()
    assert year.scheme.late_deduction == Decimal(1)  # the published results' version is untouched
    assessment.refresh_from_db()
    assert assessment.scheme_id == year.scheme.pk
    services.scheme_publish(scheme=changed, by=office)
    revised = services.assessment_revise(assessment=assessment, by=office)
    revised = compute_again(assessment_id=revised.pk, today=year.as_of)
    assert revised.round == 2 and revised.scheme_id == changed.pk
    assert scores(revised)["县发改局"].score == Decimal("58.00")  # the Q2 late report now costs 2
    assert scores(assessment)["县发改局"].score == Decimal("59.00")


def test_agencies_see_nothing_of_a_draft_and_their_own_row_once_it_is_shown(year, login):
    assessment = compute(year)
    owner = login(year.users.owner)
    url = reverse("reports:assessment", args=[assessment.pk])
    api = reverse("assessment-list") + f"?plan={year.plan_a.pk}&year=2025"
    assert owner.get(url).status_code == 404
    assert owner.get(api).json()["count"] == 0
    _open_window(assessment, year.users.office)
    page = owner.get(url)
    body = page.content.decode()
    assert (
        page.status_code == 200
        and "59.00" in body
        and "93.78" not in body
        and "县交通运输局" not in body.split("得分明细")[0]
    )
    rows = owner.get(api).json()["results"]
    assert [(r["agency_name"], r["score"], r["published"]) for r in rows] == [("县发改局", 59.0, False)]
    other = reverse("reports:assessment-agency", args=[assessment.pk, year.other.pk])
    assert owner.get(other).status_code == 404
    assert owner.get(reverse("reports:assessment-xlsx", args=[assessment.pk])).status_code == 404
    # The agencies of the round heard of the 公示.
    assert Notification.objects.filter(user=year.users.owner, kind="assessment_window").exists()


def test_an_objection_is_answered_with_a_correction_and_both_are_audited(year, login, robots,
                                                                         django_capture_on_commit_callbacks):  # fmt: skip
    from agencies.channels.models import Delivery
    from agencies.channels.services import channel_create

    robot = robots()
    channel_create(plan=year.plan_a, kind="dingtalk", webhook=robot.webhook(), by=year.users.office)
    assessment = _open_window(compute(year), year.users.office)
    owner = login(year.users.owner)
    response = owner.post(
        reverse("reports:objection-raise", args=[assessment.pk]),
        {"component": "reporting", "comment": "第二季度逾期系系统故障 <script>x</script>"},
    )
    assert response.status_code == 302
    objection = assessment.objections.get()
    assert objection.agency == year.own and objection.state == "open"
    assert Notification.objects.filter(user=year.users.office, kind="assessment_objection").exists()
    # One open objection per agency.
    again = owner.post(reverse("reports:objection-raise", args=[assessment.pk]), {"comment": "再次申诉"})
    assert assessment.objections.count() == 1 and again.status_code == 302

    office = login(year.users.office)
    page = office.get(reverse("reports:assessment-agency", args=[assessment.pk, year.own.pk]))
    assert "&lt;script&gt;" in page.content.decode() and "<script>x" not in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        office.post(
            reverse("reports:objection-answer", args=[objection.pk]),
            {"answer": "经核实属实，恢复1分", "correct": "on", "component": "reporting", "points": "1",
             "reason": "系统故障顺延"},
        )  # fmt: skip
    objection.refresh_from_db()
    assert objection.state == "answered" and objection.answered_by == year.users.office
    own = scores(Assessment.objects.get(pk=assessment.pk))["县发改局"]
    assert (
        own.score == Decimal("60.00") and own.items.filter(rule="correction", points=Decimal("1.00")).exists()
    )
    entry = AuditEntry.objects.get(action="assessment.objection_answer")
    assert entry.changes["correction"][1] == "reporting +1.00" and entry.actor == year.users.office
    assert AuditEntry.objects.filter(action="assessment.objection", actor=year.users.owner).exists()
    assert Notification.objects.filter(user=year.users.owner, kind="assessment").exists()
    delivery = Delivery.objects.get(event_key=f"assessment-objection:{objection.pk}:answered")
    assert delivery.event_kind == "assessment" and delivery.status == "sent"


def test_publication_waits_for_the_answers_and_the_window_then_freezes_the_scores(
    year, login, django_capture_on_commit_callbacks
):
    from django.core.exceptions import ValidationError

    office = year.users.office
    assessment = _open_window(compute(year), office)
    objection = services.objection_raise(
        assessment=assessment, agency=year.own, comment="请复核", by=year.users.owner
    )
    with pytest.raises(ValidationError, match="未答复的申诉"):
        services.assessment_publish(assessment=assessment, by=office)
    services.objection_answer(objection=objection, answer="维持原分", by=office)
    with pytest.raises(ValidationError, match="期满后方可发布"):
        services.assessment_publish(assessment=assessment, by=office)
    today = timezone.localdate()
    Assessment.objects.filter(pk=assessment.pk).update(
        objection_opens_on=today - dt.timedelta(days=9), objection_closes_on=today - dt.timedelta(days=1)
    )
    # Computed on an earlier day: it is computed again before it can be published.
    with pytest.raises(ValidationError, match="重新计算"):
        services.assessment_publish(assessment=assessment, by=office)
    compute_again(assessment_id=assessment.pk)
    client = login(office)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:assessment-action", args=[assessment.pk, "publish"]))
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.state == "published" and assessment.published_by == office
    assert Notification.objects.filter(user=year.users.owner, kind="assessment").exists()
    frozen = {s.agency_id: (s.score, s.components) for s in assessment.scores.all()}
    # Nothing moves a published round: not a recompute, not new data, not an item.
    compute_again(assessment_id=assessment.pk, today=dt.date(2026, 6, 1))
    year.lead[2].is_late = False
    year.lead[2].save()
    with pytest.raises(ValidationError, match="已发布"):
        services.adjustment_add(
            assessment=assessment, agency=year.own, kind="bonus", points=Decimal(1), reason="表彰",
            upload=SimpleUploadedFile("表彰.pdf", PDF), by=office,
        )  # fmt: skip
    page = client.post(reverse("reports:assessment-action", args=[assessment.pk, "recompute"]), follow=True)
    assert "考核结果已发布，不能再修改" in page.content.decode()
    assert {s.agency_id: (s.score, s.components) for s in assessment.scores.all()} == frozen


def test_the_office_enters_a_deduction_with_its_evidence_on_the_page(
    year, login, django_capture_on_commit_callbacks
):
    assessment = compute(year)
    client = login(year.users.office)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:adjustment-add", args=[assessment.pk]),
            {"agency": year.own.pk, "kind": "deduction", "points": "2", "reason": "被县领导小组约谈",
             "evidence": SimpleUploadedFile("约谈记录.pdf", PDF)},
        )  # fmt: skip
    assert response.status_code == 302
    item = assessment.adjustments.get()
    assert item.evidence_name == "约谈记录.pdf" and item.signed_points == Decimal(-2)
    assert scores(Assessment.objects.get(pk=assessment.pk))["县发改局"].adjustment == Decimal("-2.00")
    download = client.get(reverse("reports:adjustment-evidence", args=[item.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert AuditEntry.objects.filter(action="assessment.adjustment_add", plan=year.plan_a).exists()
    # The agency concerned sees it once the round is shown; the other agency does not.
    _open_window(Assessment.objects.get(pk=assessment.pk), year.users.office)
    assert (
        login(year.users.owner).get(reverse("reports:adjustment-evidence", args=[item.pk])).status_code == 200
    )
    assert (
        login(year.users.other_agency).get(reverse("reports:adjustment-evidence", args=[item.pk])).status_code
        == 404
    )


def test_the_round_page_and_the_list_keep_a_fixed_number_of_queries(
    year, login, django_assert_max_num_queries
):
    from tests import factories as f

    assessment = compute(year)
    client = login(year.users.office)
    url = reverse("reports:assessment", args=[assessment.pk])
    api = reverse("assessment-list") + f"?plan={year.plan_a.pk}&year=2025"
    agency_url = reverse("reports:assessment-agency", args=[assessment.pk, year.own.pk])
    with django_assert_max_num_queries(20) as small:
        client.get(url)
    with django_assert_max_num_queries(8) as small_api:
        client.get(api)
    with django_assert_max_num_queries(14) as small_agency:
        client.get(agency_url)
    for i in range(12):
        agency = f.AgencyFactory(region=year.county_a, name=f"县单位{i}")
        f.AssignmentFactory(task=year.task_a1 if i % 2 else year.task_a2, agency=agency, role="support")
    assessment = compute_again(assessment_id=assessment.pk, today=year.as_of)
    assert assessment.scores.count() == 14
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)
    with django_assert_max_num_queries(len(small_api.captured_queries)):
        assert client.get(api).json()["count"] == 14
    with django_assert_max_num_queries(len(small_agency.captured_queries)):
        client.get(agency_url)
