"""Login throttling: django-axes in front of the password check."""

from axes.backends import AxesStandaloneBackend


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuses a locked-out username+address before the password is looked at.

    Only logins that come with an HTTP request can be brute-forced from outside; an
    authenticate() call without one (a management command, the test client's login())
    has no address to count against, so it is let through to the next backend instead
    of failing.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
