"""Installs are the same everywhere: uv.lock pins every transitive dependency, bin/setup,
the Dockerfile and CI install from it, and what is installed here is what it says.

The install from an offline bundle with no package index reachable is CI's own step
(.ci/run → bin/bundle → .ci/offline-install): it needs a network namespace and a
bundle of ~100 MB, which a test run should not make every time."""

import re
import subprocess
import sys
import tomllib
from importlib.metadata import distributions
from pathlib import Path

from packaging.markers import Marker

ROOT = Path(__file__).resolve().parents[2]
UV = Path(sys.prefix) / "bin" / "uv"


def uv(*args) -> str:
    result = subprocess.run([str(UV), *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def locked(*extra) -> dict[str, str]:
    """{name: version} uv.lock gives this Python (markers evaluated here)."""
    text = uv("export", "--frozen", "--offline", "--no-emit-project", *extra, "--format", "requirements-txt")
    pins = {}
    for line in text.replace("\\\n", " ").splitlines():
        line = line.split(" --hash=")[0].strip()
        if not line or line.startswith("#"):
            continue
        pin, _, marker = line.partition(";")
        if marker.strip() and not Marker(marker.strip()).evaluate():
            continue
        name, _, version = pin.strip().partition("==")
        pins[name.lower().replace("_", "-")] = version
    return pins


def test_the_lock_is_the_one_pyproject_asks_for():
    uv("lock", "--check", "--offline")


def test_every_direct_pin_of_pyproject_is_the_locked_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    versions = {p["name"]: p["version"] for p in lock["package"]}
    direct = project["dependencies"] + project["optional-dependencies"]["dev"]
    for requirement in direct:
        name, version = re.fullmatch(r"([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==(\S+)", requirement).groups()
        assert versions[name.lower().replace("_", "-")] == version, requirement
    # Every locked distribution (transitive ones included) carries hashes to check.
    registry = [p for p in lock["package"] if "registry" in p.get("source", {})]
    assert len(registry) > len(direct)
    assert all(w.get("hash", "").startswith("sha256:") for p in registry for w in p.get("wheels", []))


def test_what_is_installed_here_is_exactly_the_lock():
    wanted = locked("--extra", "dev")
    have = {d.metadata["Name"].lower().replace("_", "-"): d.version for d in distributions()}
    wrong = {name: (version, have.get(name)) for name, version in wanted.items() if have.get(name) != version}
    assert not wrong, f"installed versions differ from uv.lock: {wrong}"


def test_setup_the_dockerfile_and_ci_install_from_the_lock():
    setup = (ROOT / "bin" / "setup").read_text(encoding="utf-8")
    uv_version = re.search(r"^UV_VERSION=(\S+)$", setup, re.M).group(1)
    assert "uv sync -q --frozen" in setup and "-r pyproject.toml" not in setup
    assert "--require-hashes" in setup  # the offline install checks the bundle's wheels
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "COPY pyproject.toml uv.lock" in dockerfile and "--require-hashes" in dockerfile
    assert f"uv=={uv_version}" in dockerfile
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "bin/setup --test --services --libreoffice" in ci
    assert "uv lock --check" in ci and "bin/bundle" in ci and ".ci/offline-install" in ci
    offline = (ROOT / ".ci" / "offline-install").read_text(encoding="utf-8")
    assert "unshare --net" in offline and "UV_OFFLINE=1" in offline


def run(*command):
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_an_offline_setup_without_a_bundle_says_what_it_needs(tmp_path):
    result = run("bin/setup", "--offline", str(tmp_path))
    assert result.returncode == 2
    assert "bin/bundle" in result.stderr and "requirements.txt" in result.stderr
    assert run("bin/setup", "--offline").returncode == 2
    usage = run("bin/bundle")
    assert usage.returncode == 2 and "usage: bin/bundle OUT" in usage.stderr
    assert run("bin/bundle", str(tmp_path / "b"), "--python", "3.10").returncode == 2


def test_the_bundle_lists_the_debian_packages_setup_installs():
    listing = run("bin/setup", "--list-debian-packages")
    assert listing.returncode == 0
    packages = [line for line in listing.stdout.splitlines() if line and not line.startswith("#")]
    for package in (
        "python3-venv",
        "libpango-1.0-0",
        "fonts-noto-cjk",
        "libreoffice-writer-nogui",
        "postgresql",
    ):
        assert package in packages


def test_setup_is_quiet_when_everything_is_there():
    result = run("bin/setup", "--test")
    assert result.returncode == 0 and result.stdout == "" and result.stderr == ""


def test_an_offline_setup_refuses_a_bundle_of_another_lock(tmp_path):
    (tmp_path / "wheels").mkdir()
    (tmp_path / "requirements.txt").write_text("django==5.2.19\n")
    (tmp_path / "uv.lock.sha256").write_text("0" * 64 + "\n")
    result = run("bin/setup", "--offline", str(tmp_path))
    assert result.returncode == 2 and "another uv.lock" in result.stderr
