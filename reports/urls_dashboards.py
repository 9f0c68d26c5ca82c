from django.urls import path

from . import dashboard_views as views
from . import project_views

urlpatterns = [
    path("plans/<int:pk>/dashboard/", views.plan_dashboard, name="dashboard"),
    path("plans/<int:pk>/dashboard/tasks/<int:task_pk>/", views.task_detail, name="dashboard-task"),
    path("plans/<int:pk>/leader/", views.leader_view, name="leader"),
    path("plans/<int:pk>/projects/", views.project_ledger, name="projects"),
    path("plans/<int:pk>/projects/<int:project_pk>/", project_views.project_edit, name="project-edit"),
    path("plans/<int:pk>/briefing.pdf", views.briefing_pdf, name="briefing"),
    path("regions/<int:pk>/", views.region_dashboard, name="region"),
    path("regions/<int:pk>/briefing.pdf", views.region_briefing_pdf, name="region-briefing"),
]
