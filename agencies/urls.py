from django.urls import path

from . import first_login, views

app_name = "agencies"

urlpatterns = [
    path("audit/", views.audit_list, name="audit"),
    path("audit/export.xlsx", views.audit_export, name="audit-export"),
    path("password/first-login/", first_login.first_login, name="first-login"),
]
