from django.urls import path

from . import views

app_name = "plans"

urlpatterns = [
    path("<int:pk>/", views.plan_detail, name="detail"),
]
