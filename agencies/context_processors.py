from functools import cached_property

from agencies.models import Notification
from carbonplan.access import Viewer


class UnreadNotices:
    """The signed-in user's unread notices as the top bar shows them. The viewer counted
    them with its roles; only a user without roles costs a query of its own, and only on
    a page that shows the bar."""

    def __init__(self, viewer):
        self.viewer = viewer

    @cached_property
    def count(self) -> int:
        if self.viewer.unread_notices is not None:
            return self.viewer.unread_notices
        return Notification.objects.filter(user=self.viewer.user, read_at__isnull=True).count()

    @property
    def label(self) -> str:
        return "99+" if self.count > 99 else str(self.count)

    def __bool__(self) -> bool:
        return self.count > 0


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    viewer = Viewer.of(user)
    return {"viewer": viewer, "unread_notices": UnreadNotices(viewer)}
