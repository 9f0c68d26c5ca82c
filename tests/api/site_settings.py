"""The project's settings for a server the tests start, with the test conveniences the
in-process tests get from tests/conftest.py: a fast password hasher (the token and
password endpoints then cost a millisecond an example rather than half a second)."""

from carbonplan.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
