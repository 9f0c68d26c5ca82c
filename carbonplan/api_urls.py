from rest_framework.routers import DefaultRouter

from agencies.api import AgencyViewSet
from indicators.api import IndicatorValueViewSet, IndicatorViewSet
from plans.api import ActionViewSet, PlanViewSet
from reports.api import BulletinViewSet
from tasks.api import PeriodViewSet, ProgressReportViewSet, TaskViewSet

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

urlpatterns = router.urls
