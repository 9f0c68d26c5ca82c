import pytest

from tests.agencies.robot_server import RobotServer


@pytest.fixture
def robots(settings):
    """robots(kind=…, secret=…, keyword=…) → a started fake robot on 127.0.0.1; the
    allow-list lets webhooks reach it, as a private deployment's setting would."""
    settings.CHANNEL_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.CHANNEL_TIMEOUT_SECONDS = 2
    settings.SITE_URL = "https://carbon.example.gov.cn"
    started = []

    def start(**kwargs):
        server = RobotServer(**kwargs).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
