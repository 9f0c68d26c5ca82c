from django.urls import re_path
from rest_framework import exceptions
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from agencies.api import AgencyViewSet
from agencies.channels.api import ChannelViewSet
from indicators.api import IndicatorValueViewSet, IndicatorViewSet
from plans.api import ActionViewSet, PlanViewSet
from reports.api import BulletinViewSet
from reports.assessment.api import AssessmentViewSet
from tasks.api import PeriodViewSet, ProgressReportViewSet, TaskViewSet
from tasks.handdown_answer_api import HandDownViewSet
from tasks.project_api import ProjectUpdateViewSet, ProjectViewSet

router = DefaultRouter()
router.register("plans", PlanViewSet, basename="plan")
router.register("actions", ActionViewSet, basename="action")
router.register("tasks", TaskViewSet, basename="task")
router.register("agencies", AgencyViewSet, basename="agency")
router.register("indicators", IndicatorViewSet, basename="indicator")
router.register("periods", PeriodViewSet, basename="period")
router.register("progress-reports", ProgressReportViewSet, basename="progressreport")
router.register("indicator-values", IndicatorValueViewSet, basename="indicatorvalue")
router.register("bulletins", BulletinViewSet, basename="bulletin")
router.register("projects", ProjectViewSet, basename="project")
router.register("project-updates", ProjectUpdateViewSet, basename="projectupdate")
router.register("channels", ChannelViewSet, basename="channel")
router.register("assessments", AssessmentViewSet, basename="assessment")
router.register("hand-downs", HandDownViewSet, basename="handdown")


class NotFoundView(APIView):
    """Any other address under /api/ (a malformed id, a path that does not exist): the
    API's JSON 404, not the site's HTML page."""

    authentication_classes = []
    permission_classes = []
    schema = None

    def initial(self, request, *args, **kwargs):
        raise exceptions.NotFound()


urlpatterns = [*router.urls, re_path(r"^", NotFoundView.as_view(), name="api-not-found")]
