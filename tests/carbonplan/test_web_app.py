"""The site on a phone's home screen: the web app manifest and its icons, served locally,
and no service worker anywhere."""

import json
import re
import struct
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def png_size(path):
    """(width, height) from a PNG's IHDR chunk; fails on anything that is not a PNG."""
    head = Path(path).read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def static_path(url):
    assert url.startswith("/static/"), url
    found = finders.find(url.removeprefix("/static/"))
    assert found, f"{url} is not a local static file"
    return found


def test_the_manifest_describes_an_installable_standalone_app(client):
    response = client.get(reverse("webmanifest"), HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 200  # public: browsers fetch it without the session
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "碳达峰任务督办"
    assert manifest["short_name"] == "碳达峰督办"
    assert manifest["start_url"] == manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#0b6e4f"
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        width, height = png_size(static_path(icon["src"]))
        assert f"{width}x{height}" == icon["sizes"] and icon["type"] == "image/png"


def test_the_manifest_speaks_the_readers_language(client):
    manifest = json.loads(client.get(reverse("webmanifest"), HTTP_ACCEPT_LANGUAGE="en").content)
    assert manifest["name"] == "Carbon Peaking Task Supervision" and manifest["lang"] == "en"


def test_every_page_links_the_manifest_and_the_home_screen_icon(client, login, world):
    for page in (client.get(reverse("login")), login(world.users.owner).get(reverse("tasks:agency_home"))):
        body = page.content.decode()
        assert f'<link rel="manifest" href="{reverse("webmanifest")}">' in body
        icon = re.search(r'<link rel="apple-touch-icon" href="([^"]+)">', body).group(1)
        assert png_size(static_path(icon)) == (180, 180)
        assert '<meta name="theme-color" content="#0b6e4f">' in body


def test_nothing_registers_a_service_worker():
    """A service worker could answer with a cached, stale report form: none is shipped."""
    scripts = [
        *ROOT.glob("static/**/*.js"),
        *ROOT.glob("templates/**/*.html"),
        *ROOT.glob("*/templates/**/*.html"),
    ]
    assert scripts
    offenders = [
        str(p.relative_to(ROOT)) for p in scripts if "serviceWorker" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []
