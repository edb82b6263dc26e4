"""`watcher web` without a browser: accounts, sessions, login limits, the guards of every page, safe pictures."""

from __future__ import annotations

import http.client
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from changelog_sample import make_sample_store
from conftest import Run
from web_server import running_web

from watcher.errors import InputError
from watcher.store.snapshots import Store
from watcher.web import views
from watcher.web.accounts import Accounts, LoginLimiter
from watcher.web.server import check_exposure, is_loopback

PASSWORD = "un-mot-de-passe-long"


def test_accounts_hash_verify_and_remove(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        accounts = Accounts(store)
        accounts.add("alice", PASSWORD)
        stored = store.db.execute("SELECT hash FROM users WHERE name = 'alice'").fetchone()[0]
        assert stored.startswith("$argon2id$") and PASSWORD not in stored
        assert accounts.verify("alice", PASSWORD) is not None
        assert accounts.verify("alice", "mauvais-mot-de-passe") is None
        assert accounts.verify("personne", PASSWORD) is None
        token, session = accounts.open_session("alice")
        assert accounts.session(token) == session
        assert token not in str(store.db.execute("SELECT * FROM web_sessions").fetchall())  # only its hash
        accounts.remove("alice")
        assert accounts.session(token) is None  # removing the account closes its sessions
        with pytest.raises(InputError, match="aucun compte"):
            accounts.remove("alice")


@pytest.mark.parametrize(("name", "password", "words"), [
    ("a b", PASSWORD, "identifiant « a b » invalide"),
    ("bob", "court", "au moins 10 caractères"),
])
def test_accounts_refuse_bad_names_and_short_passwords(tmp_path: Path, name: str, password: str, words: str) -> None:
    with Store(tmp_path) as store, pytest.raises(InputError, match=words):
        Accounts(store).add(name, password)


def test_login_limiter_blocks_after_five_failures_then_window_passes(tmp_path: Path) -> None:
    now = [1_000_000.0]
    with Store(tmp_path) as store:
        limiter = LoginLimiter(store, attempts=5, window=300, clock=lambda: now[0])
        for _ in range(5):
            assert limiter.wait("10.0.0.1", "alice") == 0
            limiter.failed("10.0.0.1", "alice")
        assert limiter.wait("10.0.0.1", "alice") > 0
        assert limiter.wait("10.0.0.2", "alice") > 0  # the name is limited from any address
        assert limiter.wait("10.0.0.2", "bob") == 0
        assert "alice" not in str(store.db.execute("SELECT * FROM login_failures").fetchall())  # hashed keys
    with Store(tmp_path) as store:  # a restart (a new process) remembers them: they are in the index
        limiter = LoginLimiter(store, attempts=5, window=300, clock=lambda: now[0])
        assert limiter.wait("10.0.0.1", "alice") > 0
        now[0] += 301
        assert limiter.wait("10.0.0.1", "alice") == 0
        limiter.failed("10.0.0.1", "alice")
        assert store.db.execute("SELECT COUNT(*) FROM login_failures").fetchone()[0] == 2  # old rows dropped
        limiter.succeeded("10.0.0.1", "alice")
        assert store.db.execute("SELECT COUNT(*) FROM login_failures").fetchone()[0] == 0


def test_pictures_never_leave_the_snapshots_folder(tmp_path: Path) -> None:
    with make_sample_store(tmp_path / "snapshots") as store:
        record = next(r for r in store.history("caf") if views.pictures(r))
        name = views.pictures(record)[0]
        assert views.picture_path(store, record, name) is not None
        for bad in ("../../../../etc/passwd", "../index.sqlite3", "/etc/passwd", "dom.html"):
            assert views.picture_path(store, record, bad) is None


def test_non_loopback_address_needs_an_account(tmp_path: Path) -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")
    check_exposure(tmp_path, "127.0.0.1", "fr")
    with pytest.raises(InputError, match="une fois un compte"):
        check_exposure(tmp_path, "0.0.0.0", "fr")
    with Store(tmp_path) as store:
        Accounts(store).add("alice", PASSWORD)
    check_exposure(tmp_path, "0.0.0.0", "fr")


def test_cli_user_commands_and_refused_exposure(tmp_path: Path) -> None:
    import subprocess
    import sys

    def run(*args: str, stdin: str = "") -> Run:
        proc = subprocess.run([sys.executable, "-m", "watcher", *args], input=stdin, capture_output=True,
                              text=True, cwd=tmp_path, timeout=60)
        return Run(proc.returncode, proc.stdout, proc.stderr)

    (tmp_path / "targets.yaml").write_text("targets: []\n", encoding="utf-8")
    refused = run("web", "--host", "0.0.0.0", "--port", "0")
    assert refused.code == 2 and "watcher user add" in refused.err and "Traceback" not in refused.err
    added = run("user", "add", "alice", "--password-stdin", stdin=PASSWORD + "\n")
    assert added.code == 0 and "Compte « alice » créé" in added.out
    again = run("user", "add", "alice", "--password-stdin", "--lang", "en", stdin=PASSWORD + "\n")
    assert again.code == 2 and "already exists" in again.err
    listed = run("user", "list")
    assert "alice" in listed.out and PASSWORD not in listed.out
    removed = run("user", "remove", "alice")
    assert removed.code == 0 and "supprimé" in removed.out
    assert run("user", "remove", "alice").code == 2


# --- the running server, over plain HTTP -----------------------------------------------------------------


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A served sample store and a logged-in session token."""
    (tmp_path / "targets.yaml").write_text("targets: []\n", encoding="utf-8")
    with make_sample_store(tmp_path / "snapshots") as store:
        accounts = Accounts(store)
        accounts.add("alice", PASSWORD)
        token, _ = accounts.open_session("alice")
    with running_web(tmp_path) as base:
        yield base, token


def request(base: str, method: str, path: str, body: dict[str, str] | None = None,
            cookies: dict[str, str] | None = None) -> http.client.HTTPResponse:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())}
    data = urlencode(body) if body is not None else None
    if data is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        response.read()
        return response
    finally:
        conn.close()


def test_every_page_needs_a_session(web: tuple[str, str]) -> None:
    base, _ = web
    for path in ("/", "/page/caf", "/change/1", "/alerts", "/add", "/picture/2/screenshot.png"):
        response = request(base, "GET", path)
        assert response.status == 303 and response.getheader("location", "").startswith("/login"), path
    assert request(base, "GET", "/login").status == 200
    assert request(base, "GET", "/static/style.css").status == 200


def test_posts_without_csrf_token_are_refused(web: tuple[str, str]) -> None:
    base, token = web
    session = {"watcher_session": token}
    for path in ("/change/4", "/alerts/retry", "/add", "/logout", "/change/4/silence"):
        assert request(base, "POST", path, {"label": "noise"}, session).status == 403, path
        assert request(base, "POST", path, {"label": "noise", "csrf": "faux"}, session).status == 403, path
    assert request(base, "POST", "/login", {"username": "alice", "password": PASSWORD}).status == 403
    assert request(base, "GET", "/", cookies=session).status == 200  # the session itself is fine


def test_login_cookie_flags_and_wrong_password(web: tuple[str, str]) -> None:
    base, _ = web
    login = request(base, "GET", "/login")
    cookie = login.getheader("set-cookie", "")
    csrf_cookie = re.search(r"watcher_login_csrf=([^;]+)", cookie)
    assert csrf_cookie
    form = {"username": "alice", "password": "mauvais", "csrf": csrf_cookie.group(1)}
    cookies = {"watcher_login_csrf": csrf_cookie.group(1)}
    assert request(base, "POST", "/login", form, cookies).status == 401
    good = request(base, "POST", "/login", {**form, "password": PASSWORD}, cookies)
    assert good.status == 303
    session_cookie = next(v for k, v in good.getheaders() if k == "set-cookie" and "watcher_session" in v)
    assert "HttpOnly" in session_cookie and "SameSite=strict" in session_cookie
    assert "Secure" not in session_cookie  # plain http on loopback; Secure comes with https
    conn = http.client.HTTPConnection("127.0.0.1", urlsplit(base).port, timeout=30)
    try:  # behind a local reverse proxy that speaks https
        conn.request("GET", "/login", headers={"X-Forwarded-Proto": "https"})
        proxied = conn.getresponse()
        proxied.read()
    finally:
        conn.close()
    assert "Secure" in (proxied.getheader("set-cookie") or "")
    for _ in range(5):
        request(base, "POST", "/login", form, cookies)
    assert request(base, "POST", "/login", {**form, "password": PASSWORD}, cookies).status == 429


def test_dashboard_rows_from_the_index(tmp_path: Path) -> None:
    with make_sample_store(tmp_path / "snapshots", extra=35) as store:
        rows, tags = views.dashboard(store, [], None)
        by_id = {row.id: row for row in rows}
        assert set(by_id) == {"caf", "impots", "ants"}
        assert "familles" in tags and by_id["caf"].name == "CAF — Mon Compte"
        assert by_id["caf"].status == "changed" and by_id["caf"].last_alert
        assert len(by_id["impots"].strip) == views.STRIP_LENGTH  # 37 checks, the last 30 shown
        filtered, _ = views.dashboard(store, [], "familles")
        assert [row.id for row in filtered] == ["caf"]
        assert views.paris("2025-07-01T06:00:00+00:00") == "2025-07-01 08:00"  # summer time in Paris


def test_procedures_never_worked_or_blocked(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    def runs(first: str, second: str) -> dict[str, object]:
        return {"procedures": [{"name": "Déclarer", "status": first, "broken_step": 2, "step": "cliquer"},
                               {"name": "Se connecter", "status": second, "broken_step": 1, "step": "ouvrir"}]}

    with Store(tmp_path) as store:
        store.record_check("p", datetime(2025, 1, 1, tzinfo=UTC), "new", report=runs("ok", "broken"))
        store.record_check("p", datetime(2025, 1, 2, tzinfo=UTC), "unchanged")
        store.record_check("p", datetime(2025, 1, 3, tzinfo=UTC), "changed", report=runs("broken", "broken"))
        states = {p.name: p.state for p in views.page_row(store, "p", None).procedures}
    assert states == {"Déclarer": "broken", "Se connecter": "never"}


def test_a_no_notify_trial_is_shown_as_a_trial_never_as_an_alert(tmp_path: Path) -> None:
    """`watcher check --no-notify` marks its alerting change a trial: the dashboard's last alert ignores it, the
    strip and the page's lines say « essai, non envoyée », never « alerte »."""
    from datetime import UTC, datetime

    from watcher.i18n.texts import t as cli_t
    from watcher.store.snapshots import TRIAL
    from watcher.web.app import _ENV
    from watcher.web.texts import STATUS_SYMBOL, ui

    with Store(tmp_path) as store:
        store.record_check("p", datetime(2025, 1, 1, tzinfo=UTC), "new")
        sent = store.record_check("p", datetime(2025, 1, 2, tzinfo=UTC), "changed", alert=True)
        trial = store.record_check("p", datetime(2025, 1, 3, tzinfo=UTC), "changed", alert=True)
        store.set_confirmation(trial, TRIAL, alert=True)
        row = views.page_row(store, "p", None)
        records = store.history("p")
    assert row.last_alert == views.paris("2025-01-02T00:00:00+00:00")
    assert [(cell.check_id, cell.alert, cell.trial) for cell in row.strip[1:]] == [(sent, True, False), (trial, True, True)]
    module = _ENV.get_template("_status.html").make_module(
        {"t": lambda key, **v: ui(key, "fr", **v), "cli_t": lambda key, **v: cli_t(key, "fr", **v),
         "symbols": STATUS_SYMBOL})
    html = str(module.strip(row.strip))  # type: ignore[attr-defined]
    assert html.count(" alerted") == 1 and html.count("essai, non envoyée") == 2
    assert records[-1].trial and not records[-2].trial


def test_dashboard_words_follow_the_language(tmp_path: Path) -> None:
    """A broken step in the page's language (the stored English run when there is one), a counted noun with
    its plural, and the language's colon."""
    from datetime import UTC, datetime

    from watcher.web.texts import ui

    report = {"procedures": [{"name": "Déclarer", "status": "broken", "broken_step": 2,
                              "step": "cliquer sur le bouton « Valider »"}],
              "procedures_en": [{"name": "Déclarer", "status": "broken", "broken_step": 2,
                                 "step": "click the button “Valider”"}]}
    with Store(tmp_path) as store:
        store.record_check("p", datetime(2025, 1, 1, tzinfo=UTC), "new", report=report)
        [english] = views.page_row(store, "p", None, "en").procedures
        [french] = views.page_row(store, "p", None).procedures
    assert english.step == "click the button “Valider”" and french.step == "cliquer sur le bouton « Valider »"
    facts = {"procedures": [{"name": "Déclarer", "status": "broken", "broken_step": 2,
                             "step": {"action": "click", "role": "button", "name": "Valider"}}]}
    with Store(tmp_path / "facts") as store:  # a CheckReport stores the step as facts, worded when shown
        store.record_check("p", datetime(2025, 1, 1, tzinfo=UTC), "new", report=facts)
        [english] = views.page_row(store, "p", None, "en").procedures
        [french] = views.page_row(store, "p", None).procedures
        record = store.history("p")[-1]
        [run] = views.report_procedures(record, "en")
    assert english.step == "click the button “Valider”" and french.step == "cliquer sur le bouton « Valider »"
    assert run["step"] == "click the button “Valider”"
    assert ui("dash.count", "en", count=1) == "1 watched page" and ui("dash.count", "en", count=3) == "3 watched pages"
    assert ui("dash.count", "fr", count=3) == "3 pages surveillées" and "(s)" not in ui("add.count", "fr", count=2)
    assert ui("colon", "en") == ": " and ui("colon", "fr") == " : "
    assert ui("page.review", "en", id=5) == "Review #5" and ui("page.review", "fr", id=5) == "Revoir n° 5"


def test_adding_a_page_with_an_unreadable_targets_yaml_says_so(tmp_path: Path) -> None:
    """A broken targets.yaml is named in the add form's error (no server error), before any capture."""
    import asyncio

    from watcher.web.adding import AddError, save, trial

    config = tmp_path / "targets.yaml"
    config.write_text("targets:\n  - id: [oops\n", encoding="utf-8")
    with pytest.raises(AddError, match="targets.yaml ne se lit pas"):
        asyncio.run(trial(config, "https://www.example.org/", "fr"))
    with pytest.raises(AddError, match="targets.yaml ne se lit pas"):
        save(config, "https://www.example.org/", "Exemple", [], "0 7 * * 1-5", "fr")


def test_read_only_accounts_change_nothing(tmp_path: Path) -> None:
    (tmp_path / "targets.yaml").write_text("targets: []\n", encoding="utf-8")
    with make_sample_store(tmp_path / "snapshots") as store:
        accounts = Accounts(store)
        accounts.add("dominique", PASSWORD, role="reader")
        token, session = accounts.open_session("dominique")
        change = next(r for r in store.history("caf") if r.status == "changed")
    cookies = {"watcher_session": token}
    with running_web(tmp_path) as base:
        assert request(base, "GET", f"/change/{change.id}", cookies=cookies).status == 200
        refused = request(base, "POST", f"/change/{change.id}", {"label": "noise", "csrf": session.csrf}, cookies)
        assert refused.status == 403
        assert request(base, "POST", "/logout", {"csrf": session.csrf}, cookies).status == 303
    with Store(tmp_path / "snapshots") as store:
        assert store.marks() == []
