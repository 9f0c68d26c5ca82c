from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .access import Viewer, visible_plans

HOME_PLANS_PER_PAGE = 20


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
    from reports.home import home_queue
    from tasks.home_queue import agency_queue

    # A province office sees every plan of the province: the list is paged like the others.
    page = Paginator(plans, HOME_PLANS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "plans": page.object_list,
        "page": page,
        "agencies": agencies,
        "queue": home_queue(request.user),
    }
    if viewer.agency_ids:
        context["agency_queue"] = agency_queue(request.user, viewer.agency_ids)
    return render(request, "home.html", context)


def healthz(request):
    """Liveness for the load balancer and docker-compose: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


THEME_COLOUR = "#0b6e4f"


@require_GET
def webmanifest(request):
    """The web app manifest: added to a phone's home screen, the site opens on its own,
    without the browser's bars. Public, as browsers fetch it without the session. No service
    worker goes with it: a cached page could show a stale form."""
    icons = [
        {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
        {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
        {
            "src": static("icons/maskable-192.png"),
            "sizes": "192x192",
            "type": "image/png",
            "purpose": "maskable",
        },
        {
            "src": static("icons/maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    start = reverse("home")
    response = JsonResponse(
        {
            "id": start,
            "name": _("碳达峰任务督办"),
            "short_name": _("碳达峰督办"),
            "description": _("碳达峰目标跟踪与任务督办"),
            "lang": get_language(),
            "start_url": start,
            "scope": start,
            "display": "standalone",
            "background_color": "#f4f6f8",
            "theme_color": THEME_COLOUR,
            "icons": icons,
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )
    patch_cache_control(response, public=True, max_age=24 * 3600)
    return response
