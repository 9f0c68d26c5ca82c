"""Who hears of an assessment's steps: the agencies when the office opens the 公示 window,
the office when an agency objects, the agency when its objection is answered, everyone
when results are published. Through agencies.notifications.notify, so the plan's group
robots that list the kind "assessment" hear of the publication and the answers."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from agencies.notifications import agency_users_of, notify, office_users_of

KIND = "assessment"


def _agencies(assessment):
    from agencies.models import Agency

    return Agency.objects.filter(pk__in=assessment.scores.values("agency_id")).order_by("pk")


def _agency_staff(assessment):
    users = {}
    for agency in _agencies(assessment):
        for user in agency_users_of(agency):
            users[user.pk] = user
    return list(users.values())


def notify_window_opened(*, assessment):
    notify(
        users=_agency_staff(assessment),
        kind="assessment_window",
        title=_("%(year)s年度考核结果公示：%(start)s 至 %(end)s 可查看本单位得分并提出申诉")
        % {
            "year": assessment.year,
            "start": assessment.objection_opens_on.isoformat(),
            "end": assessment.objection_closes_on.isoformat(),
        },
        body=str(assessment.plan),
        url=reverse("reports:assessment", args=[assessment.pk]),
    )


def notify_objection_raised(*, objection):
    assessment = objection.assessment
    notify(
        users=office_users_of(plan=assessment.plan),
        kind="assessment_objection",
        title=_("%(agency)s 对%(year)s年度考核得分提出申诉")
        % {"agency": objection.agency.name, "year": assessment.year},
        body=objection.comment,
        url=reverse("reports:assessment-agency", args=[assessment.pk, objection.agency_id]),
    )


def notify_objection_answered(*, objection, adjustment=None):
    assessment = objection.assessment
    body = _("答复意见：%(answer)s") % {"answer": objection.answer}
    if adjustment is not None:
        body += "\n" + _("已复核调整%(component)s %(points)s 分。") % {
            "component": adjustment.get_component_display(),
            "points": f"{adjustment.points:+g}",
        }
    notify(
        users=agency_users_of(objection.agency),
        kind=KIND,
        title=_("%(agency)s 的%(year)s年度考核申诉已答复")
        % {"agency": objection.agency.name, "year": assessment.year},
        body=body,
        url=reverse("reports:assessment-agency", args=[assessment.pk, objection.agency_id]),
        plan=assessment.plan,
        agency=objection.agency,
        event_key=f"assessment-objection:{objection.pk}:answered",
    )


def notify_published(*, assessment):
    users = {u.pk: u for u in office_users_of(plan=assessment.plan)}
    users.update({u.pk: u for u in _agency_staff(assessment)})
    notify(
        users=list(users.values()),
        kind=KIND,
        title=_("%(plan)s %(year)s年度考核结果已发布")
        % {"plan": assessment.plan.title, "year": assessment.year},
        body=_("各单位可登录查看本单位得分、排名、等次及扣分明细。"),
        url=reverse("reports:assessment", args=[assessment.pk]),
        plan=assessment.plan,
        event_key=f"assessment:{assessment.pk}:published",
    )
