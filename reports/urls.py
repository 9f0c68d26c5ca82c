from .urls_assessments import urlpatterns as assessment_urls
from .urls_bulletins import urlpatterns as bulletin_urls
from .urls_dashboards import urlpatterns as dashboard_urls

app_name = "reports"

urlpatterns = bulletin_urls + dashboard_urls + assessment_urls
