"""Who may see and change what.

One place answers it for pages, the API, exports, file downloads and services. Outsiders
get a 404 (the object might as well not exist), read-only users a 403 on writes. The
office's own pages (schedule, accounts, chases, 未报清单, the agency list, the review
queue, imports) are outsiders' ground for agency staff too: they get the same 404,
so a page's existence tells them nothing; the plan's leaders, who read it, get 403.

This module sits above the apps: it reads their models and nothing else, and no model
imports it. A page, a serializer or a service asks here (`visible_plans(user)`,
`get_report_for_user(user, pk, write=True)`, `Viewer.of(user).is_office_of(plan)`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404

from agencies.models import Channel, Delivery, Notification, Role
from indicators.models import Indicator, IndicatorValue
from plans.models import Plan, PlanImport, Region
from reports.models import (
    Assessment,
    AssessmentAdjustment,
    AssessmentNotice,
    AssessmentObjection,
    AssessmentScore,
    Bulletin,
)
from tasks.models import ProgressReport, Project, ProjectUpdate, Task, TaskAssignment


@dataclass
class Viewer:
    user: object
    is_admin: bool = False
    agency_ids: frozenset = field(default_factory=frozenset)
    office_plan_ids: frozenset = field(default_factory=frozenset)
    office_region_ids: frozenset = field(default_factory=frozenset)
    leader_plan_ids: frozenset = field(default_factory=frozenset)
    leader_region_ids: frozenset = field(default_factory=frozenset)
    # The user's unread notices, which every page's top bar shows: counted in the same
    # query as the roles (None for a user without roles, whose count is asked apart).
    unread_notices: int | None = None

    @classmethod
    def of(cls, user) -> Viewer:
        """The viewer for a user, built with one query and cached on the user object."""
        cached = getattr(user, "_carbon_viewer", None)
        if cached is not None:
            return cached
        if user is None or not user.is_authenticated:
            viewer = cls(user=user)
        else:
            unread = (
                Notification.objects.filter(user=user, read_at__isnull=True)
                .order_by()
                .values("user")
                .annotate(n=Count("pk"))
                .values("n")
            )
            roles = list(
                Role.objects.filter(user=user)
                .annotate(unread=Coalesce(Subquery(unread), Value(0)))
                .values_list("kind", "agency_id", "plan_id", "region_id", "unread")
            )
            by = lambda kind, col: frozenset(r[col] for r in roles if r[0] == kind and r[col])  # noqa: E731
            viewer = cls(
                user=user,
                is_admin=user.is_superuser or any(r[0] == Role.Kind.ADMIN for r in roles),
                agency_ids=by(Role.Kind.STAFF, 1),
                office_plan_ids=by(Role.Kind.OFFICE, 2),
                office_region_ids=by(Role.Kind.OFFICE, 3),
                leader_plan_ids=by(Role.Kind.LEADER, 2),
                leader_region_ids=by(Role.Kind.LEADER, 3),
                unread_notices=roles[0][4] if roles else None,
            )
        try:
            user._carbon_viewer = viewer
        except AttributeError:
            pass
        return viewer

    # --- what kind of user ---------------------------------------------------------
    @property
    def is_office(self) -> bool:
        return self.is_admin or bool(self.office_plan_ids or self.office_region_ids)

    @property
    def is_leader(self) -> bool:
        return bool(self.leader_plan_ids or self.leader_region_ids)

    @property
    def is_agency_staff(self) -> bool:
        return bool(self.agency_ids)

    @property
    def is_read_only(self) -> bool:
        return self.is_leader and not (self.is_office or self.is_agency_staff)

    # --- plans and regions -----------------------------------------------------------
    def _plan_scope_q(self, plan_ids, region_ids, prefix=""):
        q = Q(**{f"{prefix}pk__in": list(plan_ids)}) if plan_ids else Q(pk__in=[])
        if region_ids:
            q |= Region.subtree_q(region_ids, prefix=f"{prefix}region")
        return q

    def supervised_plans_q(self, prefix=""):
        """Plans this user reviews as office or reads as leader."""
        return self._plan_scope_q(
            self.office_plan_ids | self.leader_plan_ids,
            self.office_region_ids | self.leader_region_ids,
            prefix=prefix,
        )

    def _filter(self, qs, prefix, agency_q):
        """qs narrowed to the plans this user supervises (objects reached by `prefix`)
        and, for agency staff, to what `agency_q()` lets their agencies see."""
        if self.is_admin:
            return qs
        if not getattr(self.user, "is_authenticated", False):
            return qs.none()
        q = self.supervised_plans_q(prefix)
        if self.agency_ids:
            q |= agency_q()
        return qs.filter(q)

    def filter_plans(self, qs):
        return self._filter(
            qs,
            "",
            lambda: Q(
                pk__in=TaskAssignment.objects.filter(agency_id__in=self.agency_ids).values(
                    "task__action__plan_id"
                )
            ),
        )

    def filter_plans_related(self, qs, path):
        """Objects hanging off a plan (by `path`) whose plan is visible."""
        if self.is_admin:
            return qs
        return qs.filter(**{f"{path}__in": self.filter_plans(Plan.objects.all()).values("pk")})

    @staticmethod
    def _within(region, region_ids) -> bool:
        """The region is one of region_ids or lies below one of them."""
        return bool(region_ids) and not region_ids.isdisjoint(region.ancestor_ids())

    def is_office_of_region(self, region) -> bool:
        return self.is_admin or self._within(region, self.office_region_ids)

    def supervises_region(self, region) -> bool:
        return self.is_admin or self._within(region, self.office_region_ids | self.leader_region_ids)

    def is_office_of(self, plan) -> bool:
        return plan.pk in self.office_plan_ids or self.is_office_of_region(plan.region)

    def is_leader_of(self, plan) -> bool:
        return plan.pk in self.leader_plan_ids or self._within(plan.region, self.leader_region_ids)

    def supervises(self, plan) -> bool:
        return self.is_office_of(plan) or self.is_leader_of(plan)

    # --- tasks and reports -------------------------------------------------------------
    def filter_tasks(self, qs, path=""):
        """Tasks of the plans the user supervises, those its agencies carry, and the lower
        tasks answering a task of a plan it supervises (上级任务下达), wherever they are.
        `path`: the task of the objects in `qs` ("task" for projects), so they are narrowed
        by their own task's plan rather than matched against every visible task — at
        national size a province office sees sixty thousand of them."""
        p = f"{path}__" if path else ""

        def agency_or_answering():
            q = Q(
                **{
                    f"{p}parent__in": Task.objects.filter(self.supervised_plans_q("action__plan__")).values(
                        "pk"
                    )
                }
            )
            if self.agency_ids:
                assigned = TaskAssignment.objects.filter(agency_id__in=self.agency_ids).values("task_id")
                q |= Q(**{f"{p}pk__in": assigned})
            return q

        if self.is_admin:
            return qs
        if not getattr(self.user, "is_authenticated", False):
            return qs.none()
        return qs.filter(self.supervised_plans_q(f"{p}action__plan__") | agency_or_answering())

    def filter_reports(self, qs):
        """Reports the user may read: the office's and leader's plans; an agency's own,
        and, for a task the agency leads, its supporters' reports."""

        def own_and_led():
            led = TaskAssignment.objects.filter(
                agency_id__in=self.agency_ids, role=TaskAssignment.Role.LEAD
            ).values("task_id")
            return Q(agency_id__in=self.agency_ids) | Q(task_id__in=led)

        return self._filter(qs, "task__action__plan__", own_and_led)

    def may_edit_report(self, report) -> bool:
        """Only the agency's own staff write a report."""
        return report.agency_id in self.agency_ids

    def may_review_report(self, report) -> bool:
        return self.is_office_of(report.task.action.plan)

    def may_return_input(self, report) -> bool:
        """Staff of the task's lead agency send a supporter's input back (退回补充)."""
        if not self.agency_ids or report.agency_id in self.agency_ids:
            return False
        return TaskAssignment.objects.filter(
            task_id=report.task_id, agency_id__in=self.agency_ids, role=TaskAssignment.Role.LEAD
        ).exists()

    # --- audit trail -------------------------------------------------------------------
    @property
    def may_browse_audit(self) -> bool:
        """The office reads the trail of its plans, the administrator all of it."""
        return self.is_office

    def filter_audit_entries(self, qs):
        """Entries of the plans this user is office of; entries tied to no plan (agencies,
        roles granted without a plan) only for the administrator."""
        return self._filter_office(qs, "plan__")

    def filter_office_plans(self, qs):
        """Plans this user is office of (all of them for the administrator)."""
        return self._filter_office(qs, "")

    def _filter_office(self, qs, prefix):
        if self.is_admin:
            return qs
        if not (self.office_plan_ids or self.office_region_ids):
            return qs.none()
        return qs.filter(self._plan_scope_q(self.office_plan_ids, self.office_region_ids, prefix=prefix))


# --- what a user may list ----------------------------------------------------------------
def visible_plans(user):
    return Viewer.of(user).filter_plans(Plan.objects.all())


def visible_tasks(user):
    return Viewer.of(user).filter_tasks(Task.objects.all())


def visible_reports(user):
    return Viewer.of(user).filter_reports(ProgressReport.objects.all())


def visible_projects(user):
    """Key projects of the tasks the user may see."""
    return Viewer.of(user).filter_tasks(Project.objects.all(), path="task")


def visible_project_updates(user):
    """Project quarters of the reports the user may read (an agency's own and, for a task
    it leads, its supporters')."""
    return ProjectUpdate.objects.filter(report__in=visible_reports(user).values("pk"))


def visible_indicators(user):
    return Viewer.of(user).filter_plans_related(Indicator.objects.all(), "plan")


def visible_indicator_values(user):
    return Viewer.of(user).filter_plans_related(IndicatorValue.objects.all(), "indicator__plan")


def supervised_plans(user):
    """Plans the user reads as their office or as a leader (dashboards, bulletins)."""
    viewer = Viewer.of(user)
    qs = Plan.objects.select_related("region")
    return qs if viewer.is_admin else qs.filter(viewer.supervised_plans_q())


def office_plans(user):
    """Plans the user is office of (all of them for the administrator)."""
    return Viewer.of(user).filter_office_plans(Plan.objects.select_related("region"))


# --- one object, or 404 / 403 ------------------------------------------------------------
def get_plan_for_user(user, pk, *, office=False):
    """The plan, if the user may see it (404 otherwise); office=True also requires the
    office role for it: 403 for its leaders, who may only read, 404 for anyone else
    (agency staff of the plan included)."""
    plan = get_object_or_404(visible_plans(user).select_related("region", "region__parent"), pk=pk)
    if office:
        viewer = Viewer.of(user)
        if not viewer.is_office_of(plan):
            if viewer.is_leader_of(plan):
                raise PermissionDenied
            raise Http404
    return plan


def get_supervised_plan(user, pk) -> Plan:
    """The plan for its office and leaders. Agency staff may see the plan itself but not
    its dashboards and bulletins (other agencies' figures), so they get the same 404 as
    outsiders."""
    plan = get_plan_for_user(user, pk)
    if not Viewer.of(user).supervises(plan):
        raise Http404
    return plan


def get_office_plan(user, pk) -> Plan:
    """404 for outsiders and agency staff, 403 for the plan's leaders (read-only)."""
    return get_plan_for_user(user, pk, office=True)


def get_region_for_user(user, pk) -> Region:
    """A region for the office or leaders of it or of a region above it; 404 otherwise."""
    region = get_object_or_404(Region.objects.select_related("parent", "parent__parent"), pk=pk)
    if not Viewer.of(user).supervises_region(region):
        raise Http404
    return region


def get_report_for_user(user, pk, *, write=False, review=False, lead=False):
    report = get_object_or_404(
        visible_reports(user).select_related(
            "task", "task__action", "task__action__plan", "task__action__plan__region", "agency", "period"
        ),
        pk=pk,
    )
    viewer = Viewer.of(user)
    if write and not viewer.may_edit_report(report):
        raise PermissionDenied
    if review and not viewer.may_review_report(report):
        raise PermissionDenied
    if lead and not viewer.may_return_input(report):
        raise PermissionDenied
    return report


def get_bulletin_for_user(user, pk, *, office=False):
    bulletin = get_object_or_404(
        Bulletin.objects.select_related("plan", "plan__region", "plan__region__parent", "period").filter(
            plan__in=supervised_plans(user).values("pk")
        ),
        pk=pk,
    )
    if office and not Viewer.of(user).is_office_of(bulletin.plan):
        raise PermissionDenied
    return bulletin


# --- group robot channels ------------------------------------------------------------------
def channels_visible_to(user):
    """Channels of the plans, and of the regions (with those below), the user is office of."""
    viewer = Viewer.of(user)
    qs = Channel.objects.select_related("plan", "plan__region", "region")
    if viewer.is_admin:
        return qs
    if not (viewer.office_plan_ids or viewer.office_region_ids):
        return qs.none()
    q = Q(plan__in=viewer.filter_office_plans(Plan.objects.all()).values("pk"))
    if viewer.office_region_ids:
        q |= Region.subtree_q(viewer.office_region_ids, prefix="region")
    return qs.filter(q)


def get_office_region(user, pk) -> Region:
    """A region for its office (or an office above it): 404 to those who do not
    supervise it, 403 to its leaders."""
    region = get_region_for_user(user, pk)
    if not Viewer.of(user).is_office_of_region(region):
        raise PermissionDenied
    return region


def get_channel_for_user(user, pk) -> Channel:
    """A channel for the office of its plan or region; 403 to the leaders who read the
    plan or region, 404 to everyone else (agency staff of the plan included: a channel
    is the office's)."""
    channel = channels_visible_to(user).filter(pk=pk).first()
    if channel is not None:
        return channel
    channel = get_object_or_404(Channel.objects.select_related("plan", "region"), pk=pk)
    viewer = Viewer.of(user)
    if channel.plan_id and viewer.is_leader_of(channel.plan):
        raise PermissionDenied
    if channel.region_id and viewer.supervises_region(channel.region):
        raise PermissionDenied
    raise Http404


def get_delivery_for_user(user, pk) -> Delivery:
    delivery = get_object_or_404(Delivery.objects.only("pk", "channel_id"), pk=pk)
    get_channel_for_user(user, delivery.channel_id)
    return Delivery.objects.select_related("channel", "channel__plan", "channel__region").get(pk=pk)


# --- plan imports ------------------------------------------------------------------------
def import_regions_for(user):
    """Regions the user may import plans into: those of the office's plans and the
    regions (with everything below them) it is the office of."""
    viewer = Viewer.of(user)
    if viewer.is_admin:
        return Region.objects.all()
    q = Q(plans__in=list(viewer.office_plan_ids)) if viewer.office_plan_ids else Q(pk__in=[])
    if viewer.office_region_ids:
        q |= Region.subtree_q(viewer.office_region_ids, prefix="")
    return Region.objects.filter(q).distinct()


def imports_visible_to(user):
    """PlanImports the user may see: those in a region it is the office of, those it
    uploaded, and those revising one of its plans."""
    viewer = Viewer.of(user)
    qs = PlanImport.objects.select_related("region", "uploaded_by", "plan", "replaces")
    if viewer.is_admin:
        return qs
    if not viewer.is_office:
        return qs.none()
    q = Q(uploaded_by=user) | Q(replaces__in=list(viewer.office_plan_ids))
    if viewer.office_region_ids:
        q |= Region.subtree_q(viewer.office_region_ids)
    return qs.filter(q)


def require_office(user):
    """Office pages that name no plan: 403 for a leader (read-only), 404 for anyone else."""
    viewer = Viewer.of(user)
    if not viewer.is_office:
        if viewer.is_leader:
            raise PermissionDenied
        raise Http404


def get_import_for_user(user, pk) -> PlanImport:
    """The import, for an office that may see it: 403 for leaders, 404 for other
    offices and everyone else."""
    require_office(user)
    return get_object_or_404(imports_visible_to(user), pk=pk)


# --- year-end assessment ---------------------------------------------------------------------
# The office and the leaders of a plan see every agency's score of every round; agency
# staff see their own agency's row of a round once the office has opened it for
# objections (公示, from its first day) or published it, and nothing before: a draft is
# the office's working copy.
def _rounds_shown_to_agencies():
    from django.utils import timezone

    return Q(state=Assessment.State.PUBLISHED) | Q(
        state=Assessment.State.OBJECTION, objection_opens_on__lte=timezone.localdate()
    )


def assessment_agency_ids(user, assessment):
    """The agencies whose rows the user may read in the round: None for all of them."""
    viewer = Viewer.of(user)
    if viewer.is_admin or viewer.supervises(assessment.plan):
        return None
    if not viewer.agency_ids:
        return frozenset()
    shown = Assessment.objects.filter(_rounds_shown_to_agencies(), pk=assessment.pk).exists()
    return viewer.agency_ids if shown else frozenset()


def get_assessment_for_user(user, pk, *, office=False) -> Assessment:
    """A round for the office and leaders of its plan (office=True: its office only, 403
    to the leaders, who may only read), for staff of an agency scored in it once it is
    shown to agencies; 404 to everyone else (agency staff asking for the office's pages
    included)."""
    assessment = get_object_or_404(
        Assessment.objects.select_related("plan", "plan__region", "plan__region__parent", "scheme"), pk=pk
    )
    viewer = Viewer.of(user)
    if viewer.is_admin or viewer.supervises(assessment.plan):
        if office and not viewer.is_office_of(assessment.plan):
            raise PermissionDenied
        return assessment
    agencies = assessment_agency_ids(user, assessment)
    if office or not agencies or not assessment.scores.filter(agency_id__in=agencies).exists():
        raise Http404
    return assessment


def visible_assessment_scores(user):
    """Score rows of the current round of each plan and year the user may read: the
    latest round for the office and leaders; for agency staff their own rows of the
    latest round shown to agencies."""
    from django.db.models import OuterRef, Subquery

    viewer = Viewer.of(user)
    scores = AssessmentScore.objects.all()
    rounds = Assessment.objects.all()
    if not viewer.is_admin:
        if not getattr(user, "is_authenticated", False):
            return scores.none()
        supervised = Plan.objects.filter(viewer.supervised_plans_q()).values("pk")
        mine = Q(
            pk__in=AssessmentScore.objects.filter(agency_id__in=viewer.agency_ids).values("assessment_id")
        )
        rounds = rounds.filter(Q(plan__in=supervised) | (_rounds_shown_to_agencies() & mine))
        scores = scores.filter(Q(assessment__plan__in=supervised) | Q(agency_id__in=viewer.agency_ids))
    latest = (
        rounds.filter(plan_id=OuterRef("plan_id"), year=OuterRef("year")).order_by("-round").values("pk")[:1]
    )
    current = rounds.filter(pk=Subquery(latest))
    return scores.filter(assessment__in=current.values("pk"))


def get_adjustment_for_user(user, pk, *, office=False) -> AssessmentAdjustment:
    """An item entered by hand, for whoever may read its agency's row of the round."""
    adjustment = get_object_or_404(AssessmentAdjustment.objects.select_related("agency", "assessment"), pk=pk)
    assessment = get_assessment_for_user(user, adjustment.assessment_id, office=office)
    agencies = assessment_agency_ids(user, assessment)
    if agencies is not None and adjustment.agency_id not in agencies:
        raise Http404
    return adjustment


def get_objection_for_user(user, pk, *, office=False) -> AssessmentObjection:
    objection = get_object_or_404(AssessmentObjection.objects.select_related("agency"), pk=pk)
    assessment = get_assessment_for_user(user, objection.assessment_id, office=office)
    agencies = assessment_agency_ids(user, assessment)
    if agencies is not None and objection.agency_id not in agencies:
        raise Http404
    objection.assessment = assessment
    return objection


def get_assessment_notice_for_user(user, pk, *, office=False) -> AssessmentNotice:
    """A result notice for the office and leaders of its plan; an issued one also for
    the staff of the agencies of its (published) round."""
    notice = get_object_or_404(AssessmentNotice.objects.select_related("assessment"), pk=pk)
    assessment = get_assessment_for_user(user, notice.assessment_id, office=office)
    if assessment_agency_ids(user, assessment) is not None and not notice.is_published:
        raise Http404
    notice.assessment = assessment
    return notice


# --- tasks handed down (上级任务下达) ------------------------------------------------------
_TASK_CHAIN = ("action__plan__region__parent__parent", "parent__action__plan__region__parent__parent")


def get_task_for_office(user, pk) -> Task:
    """A task for the office of its plan (handing it down, choosing where its progress
    comes from): 403 to the plan's leaders, 404 to everyone else, agency staff included."""
    task = get_object_or_404(visible_tasks(user).select_related(*_TASK_CHAIN), pk=pk)
    viewer = Viewer.of(user)
    if not viewer.is_office_of(task.action.plan):
        if viewer.is_leader_of(task.action.plan):
            raise PermissionDenied
        raise Http404
    return task


def get_task_for_unlink(user, pk) -> Task:
    """A lower task answering an upper one, for the upper task's office, the only one who
    may take the link back: 403 to those who see the task (its own office included),
    404 to everyone else."""
    task = get_object_or_404(visible_tasks(user).select_related(*_TASK_CHAIN), pk=pk)
    if task.parent_id is None or not Viewer.of(user).is_office_of(task.parent.action.plan):
        raise PermissionDenied
    return task
