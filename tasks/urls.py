from django.urls import path

from . import views

app_name = "tasks"

urlpatterns = [
    path("", views.agency_home, name="agency_home"),
    path("report/<int:task_id>/<int:period_id>/", views.report_form, name="report_form"),
    path("report/<int:task_id>/<int:period_id>/autosave/", views.report_autosave, name="report_autosave"),
    path("report/<int:task_id>/<int:period_id>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/history/", views.report_history, name="report_history"),
    path("reports/<int:pk>/approve/", views.report_approve_view, name="report_approve"),
    path("reports/<int:pk>/return/", views.report_return_view, name="report_return"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/delete/", views.evidence_delete, name="evidence_delete"),
    path("review/", views.review, name="review"),
    path("periods/<int:pk>/", views.period_settings, name="period_settings"),
    path("periods/<int:period_id>/workbook.xlsx", views.workbook_download, name="workbook_download"),
    path("periods/<int:period_id>/upload/", views.workbook_upload, name="workbook_upload"),
    path("notifications/", views.notifications, name="notifications"),
]
