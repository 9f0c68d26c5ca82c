from django.urls import path

from .assessment import notice_views, views

urlpatterns = [
    path("assessments/", views.assessments_home, name="assessments"),
    path("plans/<int:plan_id>/assessments/", views.plan_assessments, name="plan-assessments"),
    path("plans/<int:plan_id>/assessments/new/", views.assessment_start, name="assessment-start"),
    path("plans/<int:plan_id>/assessments/<int:year>/scheme/", views.scheme_edit, name="assessment-scheme"),
    path("assessments/<int:assessment_id>/", views.assessment_detail, name="assessment"),
    path("assessments/<int:assessment_id>/status/", views.assessment_status, name="assessment-status"),
    path("assessments/<int:assessment_id>/scores.xlsx", views.assessment_xlsx, name="assessment-xlsx"),
    path(
        "assessments/<int:assessment_id>/do/<str:action>/", views.assessment_action, name="assessment-action"
    ),
    path(
        "assessments/<int:assessment_id>/agencies/<int:agency_id>/",
        views.assessment_agency,
        name="assessment-agency",
    ),
    path("assessments/<int:assessment_id>/objections/", views.objection_raise, name="objection-raise"),
    path("assessment-objections/<int:objection_id>/answer/", views.objection_answer, name="objection-answer"),
    path("assessments/<int:assessment_id>/adjustments/", views.adjustment_add, name="adjustment-add"),
    path(
        "assessment-adjustments/<int:adjustment_id>/delete/",
        views.adjustment_remove,
        name="adjustment-remove",
    ),
    path(
        "assessment-adjustments/<int:adjustment_id>/evidence/",
        views.adjustment_evidence,
        name="adjustment-evidence",
    ),
    path(
        "assessments/<int:assessment_id>/notices/new/", notice_views.notice_generate, name="notice-generate"
    ),
    path("assessment-notices/<int:notice_id>/edit/", notice_views.notice_edit, name="notice-edit"),
    path("assessment-notices/<int:notice_id>/status/", notice_views.notice_status, name="notice-status"),
    path("assessment-notices/<int:notice_id>/docx/", notice_views.notice_download, name="notice-download"),
]
