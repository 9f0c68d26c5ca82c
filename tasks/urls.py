from django.urls import path

from .views import (
    evidence,
    handdown,
    handdown_answer,
    home,
    notifications,
    period_settings,
    report_form,
    review,
    workbook,
)

app_name = "tasks"

urlpatterns = [
    path("", home.agency_home, name="agency_home"),
    path("report/<int:task_id>/<int:period_id>/", report_form.report_form, name="report_form"),
    path(
        "report/<int:task_id>/<int:period_id>/autosave/", report_form.report_autosave, name="report_autosave"
    ),
    path("report/<int:task_id>/<int:period_id>/evidence/", evidence.evidence_upload, name="evidence_upload"),
    path("reports/<int:pk>/", review.report_detail, name="report_detail"),
    path("reports/<int:pk>/history/", review.report_history, name="report_history"),
    path("reports/<int:pk>/approve/", review.report_approve_view, name="report_approve"),
    path("reports/<int:pk>/withdraw/", report_form.report_withdraw_view, name="report_withdraw"),
    path("reports/<int:pk>/return/", review.report_return_view, name="report_return"),
    path("reports/<int:pk>/return-input/", review.report_return_input_view, name="report_return_input"),
    path("evidence/<int:pk>/", evidence.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/delete/", evidence.evidence_delete, name="evidence_delete"),
    path("review/", review.review, name="review"),
    path("review/approve/", review.review_batch_approve, name="review_batch_approve"),
    path("periods/<int:pk>/", period_settings.period_settings, name="period_settings"),
    path("periods/<int:period_id>/workbook.xlsx", workbook.workbook_download, name="workbook_download"),
    path("periods/<int:period_id>/upload/", workbook.workbook_upload, name="workbook_upload"),
    path("notifications/", notifications.notifications, name="notifications"),
    path("<int:task_id>/hand-down/", handdown.hand_down, name="hand_down"),
    path("<int:task_id>/unlink/", handdown.unlink, name="unlink"),
    path("<int:task_id>/progress-source/", handdown.progress_source, name="progress_source"),
    path("handed-down/<int:pk>/", handdown_answer.hand_down_answer, name="hand_down_answer"),
]
