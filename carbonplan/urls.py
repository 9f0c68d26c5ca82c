from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from agencies.password_api import change_password
from agencies.views import obtain_auth_token

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.healthz, name="healthz"),
    path("manifest.webmanifest", views.webmanifest, name="webmanifest"),
    path("admin/", admin.site.urls),
    path("plans/", include("plans.urls")),
    path("tasks/", include("tasks.urls")),
    path("agencies/", include("agencies.urls")),
    path("reports/", include("reports.urls")),
    path("api/auth/token/", obtain_auth_token, name="api-token"),
    path("api/auth/password/", change_password, name="api-password"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("carbonplan.api_urls")),
]
