"""The same plan imported twice: the same file, or the same title in the same region
(what "the same title" means is in plans.matching).

One check serves the upload page (which then offers to import the document as a
revision of the plan it repeats, or to cancel) and ``import_plan`` (which refuses
unless told ``--revision-of PLAN_ID`` or ``--new``).
"""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from agencies.audit import audit_log
from carbonplan.access import Viewer, visible_plans

from .matching import plan_title_key
from .models import Plan, PlanImport


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def plan_duplicates(*, region, title: str = "", sha256: str = "", exclude=None) -> list[Plan]:
    """Plans that the document would repeat: one imported from the same file, or one
    of the same region with the same title (plans.matching.plan_title_key: width,
    spacing and punctuation aside)."""
    q = Q(source_sha256=sha256) if sha256 else Q(pk__in=[])
    key = plan_title_key(title)
    if region is not None and key:
        candidates = Plan.objects.filter(region=region).values_list("pk", "title")
        q |= Q(pk__in=[pk for pk, t in candidates if plan_title_key(t) == key])
    qs = Plan.objects.filter(q).select_related("region").order_by("pk")
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return list(qs)


def import_sha256(plan_import: PlanImport) -> str:
    if not plan_import.file:
        return ""
    try:
        with plan_import.file.open("rb") as fh:
            return file_sha256(fh.read())
    except OSError:
        return ""


def import_duplicates(plan_import: PlanImport, user=None) -> list[Plan]:
    """Plans (visible to `user`, if given) that a pending new-plan import repeats."""
    if plan_import.replaces_id or plan_import.state != PlanImport.State.PARSED:
        return []
    title = plan_import.parsed_plan.plan.title or ""
    found = plan_duplicates(region=plan_import.region, title=title, sha256=import_sha256(plan_import))
    if user is not None:
        visible = set(visible_plans(user).filter(pk__in=[p.pk for p in found]).values_list("pk", flat=True))
        found = [p for p in found if p.pk in visible]
    return found


def plan_source_record(*, plan: Plan, sha256: str) -> None:
    """Remember which file the plan (or its latest revision) came from."""
    if sha256 and plan.source_sha256 != sha256:
        plan.source_sha256 = sha256
        plan.save(update_fields=["source_sha256"])


@transaction.atomic
def plan_import_as_revision(*, plan_import: PlanImport, plan: Plan, by) -> PlanImport:
    """The office chose to import the repeated document as a revision of `plan`."""
    plan_import = PlanImport.objects.select_for_update().get(pk=plan_import.pk)
    if plan_import.state != PlanImport.State.PARSED:
        raise ValidationError(_("该导入已不能修改。"))
    if not Viewer.of(by).is_office_of(plan):
        raise PermissionDenied
    plan_import.replaces = plan
    plan_import.region = plan.region
    plan_import.save(update_fields=["replaces", "region"])
    audit_log(
        actor=by,
        action="plan_import.as_revision",
        target=plan_import,
        plan=plan,
        changes={"replaces": [None, plan.pk]},
    )
    return plan_import


def duplicate_message(plans: list[Plan]) -> str:
    names = "、".join(f"#{p.pk}“{p.title}”（{p.region.name}）" for p in plans)
    return _("与已有方案重复：%(plans)s。") % {"plans": names}
