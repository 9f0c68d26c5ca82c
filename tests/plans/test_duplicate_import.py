"""The same plan imported twice is caught: on the upload page and by import_plan."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from agencies.models import Role
from plans.models import Plan, PlanImport
from tests import factories as f

from .docs import PINGJIANG, SMALL_PLAN

pytestmark = pytest.mark.django_db

# The world's plan A: the title of a document that repeats it.
REPEAT_OF_PLAN_A = SMALL_PLAN.replace("甲县碳达峰行动方案", "甲县碳达峰实施方案")


def import_command(path, *args):
    from io import StringIO

    out = StringIO()
    call_command("import_plan", str(path), *args, stdout=out)
    return int(out.getvalue().strip())


# --- import_plan ---------------------------------------------------------------------------
def test_import_plan_office_grants_the_office_role_on_the_new_plan(db):
    user = f.UserFactory(username="pingjiang-office")
    plan_id = import_command(PINGJIANG, "--office", "pingjiang-office")
    assert Role.objects.filter(user=user, kind="office", plan_id=plan_id).exists()
    with pytest.raises(CommandError, match="没有用户"):
        import_command(PINGJIANG, "--office", "nobody", "--new")
    assert Plan.objects.count() == 1


def test_import_plan_refuses_the_same_file_twice_unless_told_which(db):
    first = import_command(PINGJIANG)
    with pytest.raises(CommandError, match=rf"--revision-of {first}"):
        import_command(PINGJIANG)
    assert Plan.objects.count() == 1
    assert import_command(PINGJIANG, "--revision-of", str(first)) == first
    assert Plan.objects.count() == 1
    second = import_command(PINGJIANG, "--new")
    assert second != first and Plan.objects.count() == 2


def test_the_same_title_in_the_same_region_is_a_duplicate_too(db, tmp_path):
    first = import_command(PINGJIANG)
    edited = tmp_path / "pingjiang-edited.txt"
    edited.write_text(PINGJIANG.read_text(encoding="utf-8") + "\n（此件公开发布）\n", encoding="utf-8")
    with pytest.raises(CommandError, match="与已有方案重复"):
        import_command(edited)
    assert import_command(edited, "--revision-of", str(first)) == first


# --- the upload page -----------------------------------------------------------------------
def upload(client, data, region):
    return client.post(
        reverse("plans:import_list"), {"file": SimpleUploadedFile("jia.txt", data), "region": region.pk}
    )


def commit(client, plan_import):
    return client.post(reverse("plans:import_commit", args=[plan_import.pk]), follow=True)


def test_uploading_a_committed_file_again_offers_a_revision_or_cancel(world, login):
    client = login(world.users.office)
    data = SMALL_PLAN.encode("utf-8")
    upload(client, data, world.county_a)
    first = PlanImport.objects.get()
    commit(client, first)
    first.refresh_from_db()
    plan = first.plan
    assert plan.source_sha256

    response = upload(client, data, world.county_a)
    again = PlanImport.objects.exclude(pk=first.pk).get()
    duplicate_url = reverse("plans:import_duplicate", args=[again.pk])
    assert response.status_code == 302 and response["Location"] == duplicate_url
    page = client.get(duplicate_url).content.decode()
    assert "作为修订版导入" in page and "取消导入" in page and plan.title in page

    # Committing it as a new plan anyway is refused: no second identical plan.
    refused = commit(client, again)
    assert "与已有方案重复" in refused.content.decode()
    assert Plan.objects.filter(title=plan.title).count() == 1

    chosen = client.post(duplicate_url, {"action": "revision", "plan": plan.pk})
    assert chosen["Location"] == reverse("plans:import_review", args=[again.pk])
    again.refresh_from_db()
    assert again.replaces == plan
    commit(client, again)
    again.refresh_from_db()
    assert again.state == "committed" and again.plan == plan
    assert Plan.objects.filter(title=plan.title).count() == 1


def test_the_office_may_cancel_a_duplicate_upload(world, login):
    client = login(world.users.office)
    upload(client, REPEAT_OF_PLAN_A.encode("utf-8"), world.county_a)
    plan_import = PlanImport.objects.get()
    duplicate_url = reverse("plans:import_duplicate", args=[plan_import.pk])
    assert world.plan_a.title in client.get(duplicate_url).content.decode()
    response = client.post(duplicate_url, {"action": "cancel"})
    assert response["Location"] == reverse("plans:import_list")
    plan_import.refresh_from_db()
    assert plan_import.state == "discarded"
    assert Plan.objects.filter(title=world.plan_a.title).count() == 1


def test_a_plan_the_office_does_not_run_is_not_offered_for_revision(world, login):
    client = login(world.users.office)
    upload(client, REPEAT_OF_PLAN_A.encode("utf-8"), world.county_a)
    plan_import = PlanImport.objects.get()
    response = client.post(
        reverse("plans:import_duplicate", args=[plan_import.pk]),
        {"action": "revision", "plan": world.plan_b.pk},
    )
    assert response.status_code == 302
    plan_import.refresh_from_db()
    assert plan_import.replaces is None


def test_the_revision_dropdown_tells_plans_of_the_same_title_apart(world, login):
    from plans.forms import plan_choice_label

    twin = f.PlanFactory(region=world.county_a, title=world.plan_a.title, doc_number="甲政发〔2027〕1号")
    page = login(world.users.admin).get(reverse("plans:import_list")).content.decode()
    labels = [plan_choice_label(world.plan_a), plan_choice_label(twin)]
    assert labels[0] != labels[1]
    assert all(f">{label}</option>" in page for label in labels), labels
    assert f"甲政发〔2027〕1号，#{twin.pk}" in labels[1]
