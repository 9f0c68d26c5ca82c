"""Access along the supervision chain (上级任务下达, 上级催办): who answers a task handed
down to a plan, and who may chase a plan below. The same rules as carbonplan.access:
404 to outsiders, 403 to those who see the object but may not act."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from plans.models import Plan
from tasks.models import HandDown

from .access import Viewer, supervised_plans


def get_hand_down_for_answer(user, pk) -> HandDown:
    """A task handed down to a plan, for the office of that plan to answer: 403 to the
    plan's leaders and to those of the upper task's plan (who see the hand-down), 404 to
    everyone else (agency staff, sibling regions)."""
    hand_down = get_object_or_404(
        HandDown.objects.select_related("task__action__plan__region", "plan__region__parent"), pk=pk
    )
    viewer = Viewer.of(user)
    if not viewer.is_office_of(hand_down.plan):
        if viewer.is_leader_of(hand_down.plan) or viewer.supervises(hand_down.task.action.plan):
            raise PermissionDenied
        raise Http404
    return hand_down


def visible_hand_downs(user):
    """Tasks handed down to the plans the user supervises, or from those plans' tasks."""
    viewer = Viewer.of(user)
    qs = HandDown.objects.all()
    if viewer.is_admin:
        return qs
    supervised = supervised_plans(user).values("pk")
    return qs.filter(Q(plan__in=supervised) | Q(task__action__plan__in=supervised))


def may_chase_lower(user, plan) -> bool:
    """催办 one level down: the office of a region above the plan's, or of a plan there."""
    viewer = Viewer.of(user)
    above = set(plan.region.ancestor_ids()[1:])
    if viewer.is_admin or not above.isdisjoint(viewer.office_region_ids):
        return True
    return (
        bool(viewer.office_plan_ids)
        and Plan.objects.filter(pk__in=viewer.office_plan_ids, region_id__in=above).exists()
    )


def get_plan_for_lower_chase(user, pk, *, write=False) -> Plan:
    """A plan below for its 上级催办 page: its history for whoever supervises the plan or
    may chase it; a chase only by an office above (403 to the plan's own office and
    leaders); 404 to everyone else (sibling regions, a county looking up, agencies)."""
    plan = get_object_or_404(Plan.objects.select_related("region__parent"), pk=pk)
    may_chase = may_chase_lower(user, plan)
    if not may_chase and not Viewer.of(user).supervises(plan):
        raise Http404
    if write and not may_chase:
        raise PermissionDenied
    return plan
