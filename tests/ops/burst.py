"""A deadline-hour burst against the embedded default (tests/ops/embedded.py).

Concurrent clients: agency staff who mistype their password (and a username everyone
mistypes), log in, autosave a draft, submit it, ask the token endpoint with a wrong and
a right password, create, change and submit a second report through the API and read
their pages; the office approving reports through the API while they arrive; a leader
reading the boards. `burst` records every answer and every write acknowledged to a
client; `summary` gives the figures. Also a command for larger bursts (README):

    .venv/bin/python -m tests.ops.burst --clients 30
"""

import argparse
import re
import shutil
import statistics
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tests.ops.embedded import AUTOSAVES, SHARED_TYPO, EmbeddedSite, build, verify

# --- the clients --------------------------------------------------------------------------


@dataclass
class Answer:
    client: str
    step: str
    method: str
    path: str
    status: int
    seconds: float
    expected: tuple
    text: str = ""


@dataclass
class Outcome:
    """What the clients were told: every answer, and the writes acknowledged to them."""

    answers: list = field(default_factory=list)
    autosaves: list = field(default_factory=list)  # (agency, task, period, text)
    submitted: list = field(default_factory=list)  # (agency, task, period)
    created: list = field(default_factory=list)  # (report id, text)
    approved: list = field(default_factory=list)  # report id
    tokens: list = field(default_factory=list)  # (username, key)
    typo: Counter = field(default_factory=Counter)  # answers to the shared mistyped username
    lock: threading.Lock = field(default_factory=threading.Lock)
    seconds: float = 0.0

    def add(self, **kinds):
        with self.lock:
            for name, value in kinds.items():
                getattr(self, name).append(value)

    @property
    def server_errors(self):
        return [a for a in self.answers if a.status >= 500]

    @property
    def unexpected(self):
        return [a for a in self.answers if a.status not in a.expected]


class Client:
    def __init__(self, site_url, name, outcome):
        import requests

        self.session = requests.Session()
        self.session.headers["User-Agent"] = "carbonplan-burst"
        self.api_session = requests.Session()
        self.api_session.headers["User-Agent"] = "carbonplan-burst"
        self.url, self.name, self.outcome = site_url, name, outcome

    def send(self, step, method, path, *, expected, api=False, **kwargs):
        """One request; `api` ones go without the browser session's cookies."""
        kwargs.setdefault("timeout", 120)
        kwargs.setdefault("allow_redirects", False)
        if "headers" in kwargs and "Authorization" in kwargs["headers"]:
            api = True
        session = self.api_session if api else self.session
        started = time.perf_counter()
        response = session.request(method, self.url + path, **kwargs)
        seconds = time.perf_counter() - started
        text = response.text[:2000] if response.status_code not in expected else ""
        self.outcome.add(
            answers=Answer(self.name, step, method, path, response.status_code, seconds, expected, text)
        )
        return response

    @property
    def csrf(self):
        return self.session.cookies.get("csrftoken", "")

    def form_login(self, username, password, *, step, expected):
        if not self.csrf:
            self.send("login page", "GET", "/accounts/login/", expected=(200,))
        return self.send(
            step,
            "POST",
            "/accounts/login/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": self.csrf},
            expected=expected,
        )

    def token(self, username, password, *, step, expected):
        # As an API client asks: without the browser's session cookie (with it, the
        # session's CSRF check would apply).
        return self.send(
            step,
            "POST",
            "/api/auth/token/",
            json={"username": username, "password": password},
            expected=expected,
            api=True,
        )

    def mistype_shared(self):
        response = self.form_login(SHARED_TYPO, "wrong-password", step="shared typo", expected=(200, 429))
        with self.outcome.lock:
            self.outcome.typo[response.status_code] += 1


def agency_client(site_url, cast, me, outcome, start):
    c = Client(site_url, me["username"], outcome)
    start.wait(timeout=60)
    c.send("login page", "GET", "/accounts/login/", expected=(200,))
    c.form_login(me["username"], "wrong-password", step="wrong password", expected=(200,))
    c.mistype_shared()
    c.form_login(me["username"], cast["password"], step="login", expected=(302,))
    c.send("agency home", "GET", "/tasks/", expected=(200,))
    task, second = me["tasks"]
    form_path = f"/tasks/report/{task}/{me['period']}/"
    page = c.send("report form", "GET", form_path, expected=(200,))
    found = re.search(r'name="version" value="(\d+)"', page.text)
    version = int(found.group(1)) if found else 0
    fields = {"status": "in_progress", "percent": "10", "problems": "", "next_steps": "下季度完成验收"}
    for n in range(AUTOSAVES):
        text = f"{me['username']} 自动保存第{n + 1}次：已完成项目前期工作"
        fields.update(progress_text=text, percent=str(10 + 10 * n))
        saved = c.send(
            "autosave",
            "POST",
            form_path + "autosave/",
            json={"version": version, **fields},
            headers={"X-CSRFToken": c.csrf},
            expected=(200,),
        )
        if saved.status_code == 200:
            version = saved.json()["version"]
            outcome.add(autosaves=(me["agency"], task, me["period"], text))
    text = f"{me['username']} 提交：项目已开工建设"
    submitted = c.send(
        "form submit",
        "POST",
        form_path,
        data={
            "csrfmiddlewaretoken": c.csrf,
            "version": version,
            "action": "submit",
            **fields,
            "progress_text": text,
        },
        expected=(302,),
    )
    if submitted.status_code == 302:
        outcome.add(
            autosaves=(me["agency"], task, me["period"], text), submitted=(me["agency"], task, me["period"])
        )
    c.token(me["username"], "wrong-password", step="token, wrong password", expected=(400,))
    answer = c.token(me["username"], cast["password"], step="token", expected=(200,))
    if answer.status_code != 200:
        return
    key = answer.json()["token"]
    outcome.add(tokens=(me["username"], key))
    api = {"Authorization": f"Token {key}"}
    c.send("API reports", "GET", f"/api/progress-reports/?plan={me['plan']}", headers=api, expected=(200,))
    text = f"{me['username']} 经接口填报：已完成年度目标的六成"
    created = c.send(
        "API create",
        "POST",
        "/api/progress-reports/",
        headers=api,
        json={
            "task": second,
            "period": me["period"],
            "status": "in_progress",
            "percent": "60",
            "progress_text": text,
        },
        expected=(201,),
    )
    if created.status_code != 201:
        return
    report = created.json()
    outcome.add(created=(report["id"], text))
    text = f"{me['username']} 经接口修改：已完成年度目标的七成"
    changed = c.send(
        "API change",
        "PATCH",
        f"/api/progress-reports/{report['id']}/",
        headers=api,
        json={"version": report["version"], "percent": "70", "progress_text": text},
        expected=(200,),
    )
    if changed.status_code == 200:
        outcome.add(created=(report["id"], text))
    done = c.send(
        "API submit", "POST", f"/api/progress-reports/{report['id']}/submit/", headers=api, expected=(200,)
    )
    if done.status_code == 200:
        outcome.add(submitted=(me["agency"], second, me["period"]))
    c.send("API tasks", "GET", f"/api/tasks/?plan={me['plan']}", headers=api, expected=(200,))
    c.send("notifications", "GET", "/tasks/notifications/", expected=(200,))
    c.send("report form", "GET", form_path, expected=(200,))


def office_client(site_url, cast, outcome, start):
    """The office reviews while the agencies report: late reports of earlier quarters,
    and the quarter's new submissions as they arrive (each approval recomputes the
    plan's figures for its quarter, in-process on the embedded default)."""
    c = Client(site_url, "office", outcome)
    start.wait(timeout=60)
    c.form_login("office", "wrong-password", step="wrong password", expected=(200,))
    c.mistype_shared()
    c.form_login("office", cast["password"], step="login", expected=(302,))
    c.send("dashboard", "GET", f"/reports/plans/{cast['plan']}/dashboard/", expected=(200,))
    answer = c.token("office", cast["password"], step="token", expected=(200,))
    if answer.status_code != 200:
        return
    key = answer.json()["token"]
    outcome.add(tokens=("office", key))
    api = {"Authorization": f"Token {key}"}

    def approve(report_id):
        approved = c.send(
            "API approve",
            "POST",
            f"/api/progress-reports/{report_id}/approve/",
            headers=api,
            json={"comment": "同意"},
            expected=(200,),
        )
        if approved.status_code == 200:
            outcome.add(approved=report_id)

    for report_id in cast["approvals"]:
        approve(report_id)
        arrived = c.send(
            "API submitted list",
            "GET",
            f"/api/progress-reports/?period={cast['period']}&state=submitted",
            headers=api,
            expected=(200,),
        )
        if arrived.status_code == 200 and arrived.json()["results"]:
            approve(arrived.json()["results"][-1]["id"])
        c.send("review list", "GET", "/tasks/review/", expected=(200,))
    c.send("dashboard", "GET", f"/reports/plans/{cast['plan']}/dashboard/", expected=(200,))


def leader_client(site_url, cast, outcome, start):
    c = Client(site_url, "leader", outcome)
    start.wait(timeout=60)
    c.form_login("leader", "wrong-password", step="wrong password", expected=(200,))
    c.form_login("leader", cast["password"], step="login", expected=(302,))
    for _round in range(3):
        c.send("home", "GET", "/", expected=(200,))
        c.send("leader view", "GET", f"/reports/plans/{cast['plan']}/leader/", expected=(200,))
        c.send("dashboard", "GET", f"/reports/plans/{cast['plan']}/dashboard/", expected=(200,))
    answer = c.token("leader", cast["password"], step="token", expected=(200,))
    if answer.status_code == 200:
        key = answer.json()["token"]
        outcome.add(tokens=("leader", key))
        for name in ("plans", "tasks", "progress-reports", "indicator-values"):
            c.send(
                f"API {name}",
                "GET",
                f"/api/{name}/?plan={cast['plan']}",
                headers={"Authorization": f"Token {key}"},
                expected=(200,),
            )


def burst(site_url: str, cast: dict) -> Outcome:
    """Every client of the cast at once (released together), each sending its requests
    one after the other without pause: harsher than people, who read and type between
    requests."""
    outcome = Outcome()
    jobs = [(agency_client, (site_url, cast, me, outcome)) for me in cast["agencies"]]
    jobs += [(office_client, (site_url, cast, outcome)), (leader_client, (site_url, cast, outcome))]
    start = threading.Barrier(len(jobs))
    started = time.perf_counter()
    with ThreadPoolExecutor(len(jobs)) as pool:
        futures = [pool.submit(function, *args, start) for function, args in jobs]
        for future in futures:
            future.result()
    outcome.seconds = time.perf_counter() - started
    return outcome


# --- figures ------------------------------------------------------------------------------


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] if ordered else 0.0


def summary(outcome: Outcome, transactions: list[dict]) -> str:
    lines = [
        f"{len(outcome.answers)} requests in {outcome.seconds:.1f} s "
        f"({len(outcome.answers) / max(outcome.seconds, 1e-9):.1f}/s), "
        f"{len(outcome.server_errors)} answers of 5xx, {len(outcome.unexpected)} unexpected",
        "step                       n    p50 ms   p95 ms   max ms",
    ]
    by_step = defaultdict(list)
    for a in outcome.answers:
        by_step[a.step].append(a.seconds * 1000)
    for step, values in sorted(by_step.items()):
        lines.append(
            f"{step:<24} {len(values):>4} {statistics.median(values):>9.0f} "
            f"{percentile(values, 0.95):>8.0f} {max(values):>8.0f}"
        )
    statements = [t for t in transactions if "statement" in t]
    transactions = [t for t in transactions if "statement" not in t]
    if statements:
        took = [t["seconds"] * 1000 for t in statements]
        lines.append(
            f"writes outside a transaction: {len(took)}, p50 {statistics.median(took):.0f} ms, "
            f"p95 {percentile(took, 0.95):.0f} ms, max {max(took):.0f} ms "
            f"({Counter(t['statement'] for t in statements).most_common(4)})"
        )
    if transactions:
        for label, rows in (
            ("rollup recompute", [t for t in transactions if t["rollup"]]),
            ("other transactions", [t for t in transactions if not t["rollup"]]),
        ):
            if rows:
                hold = [t["hold"] * 1000 for t in rows]
                wait = [t["wait"] * 1000 for t in rows]
                lines.append(
                    f"{label}: {len(rows)}, write lock held p50 {statistics.median(hold):.0f} ms, "
                    f"p95 {percentile(hold, 0.95):.0f} ms, max {max(hold):.0f} ms; "
                    f"waited to begin p50 {statistics.median(wait):.0f} ms, p95 {percentile(wait, 0.95):.0f} ms, "
                    f"max {max(wait):.0f} ms"
                )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description="A deadline-hour burst against the embedded default.")
    parser.add_argument(
        "--clients", type=int, default=14, help="agency clients (the office and a leader come on top)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="carbonplan-burst-"))
    cast = build(directory, agency_clients=args.clients)
    with EmbeddedSite(directory) as site:
        outcome = burst(site.url, cast)
        transactions = site.transaction_log()
    lost = verify(directory, outcome)
    print(f"{args.clients + 2} clients (agencies {args.clients}, office, leader)")
    print(summary(outcome, transactions))
    print(
        f"writes checked: {len(outcome.autosaves) + len(outcome.created)} saves, {len(outcome.submitted)} "
        f"submissions, {len(outcome.approved)} approvals, {len(outcome.tokens)} tokens; lost: {len(lost)}"
    )
    for problem in lost + [
        f"{a.status} {a.method} {a.path} ({a.step}): {a.text[:300]}" for a in outcome.unexpected
    ]:
        print("  ", problem)
    if not args.keep:
        shutil.rmtree(directory, ignore_errors=True)
    else:
        print(directory)


if __name__ == "__main__":
    main()
