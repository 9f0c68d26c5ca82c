from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from .access import Viewer, visible_plans


@login_required
def home(request):
    viewer = Viewer.of(request.user)
    plans = (
        visible_plans(request.user).select_related("region").with_counts().order_by("region__name", "title")
    )
    agencies = []
    if viewer.agency_ids:
        from agencies.models import Agency

        agencies = list(Agency.objects.filter(pk__in=viewer.agency_ids).select_related("region"))
    return render(request, "home.html", {"plans": plans, "agencies": agencies})


def healthz(request):
    """Liveness for the load balancer and docker-compose: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})
