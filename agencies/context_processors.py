from functools import cached_property

from agencies.models import Notification
from carbonplan.access import Viewer


class UnreadNotices:
    """The signed-in user's unread notices as the top bar shows them: counted once, and
    only on a page that shows the bar."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def count(self) -> int:
        return Notification.objects.filter(user=self.user, read_at__isnull=True).count()

    @property
    def label(self) -> str:
        return "99+" if self.count > 99 else str(self.count)

    def __bool__(self) -> bool:
        return self.count > 0


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"viewer": Viewer.of(user), "unread_notices": UnreadNotices(user)}
