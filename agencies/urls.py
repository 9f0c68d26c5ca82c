from django.urls import path

from . import views

app_name = "agencies"

urlpatterns = [
    path("audit/", views.audit_list, name="audit"),
    path("audit/export.xlsx", views.audit_export, name="audit-export"),
]
