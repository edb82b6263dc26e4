"""The Starlette application of `watcher web`: login, dashboard, one page, review, alerts, add a page.

Safety (issue 17): every page but /login, /lang and /static needs a session (a random token in an HttpOnly,
SameSite=Strict cookie, Secure when the request came over https; the index keeps only its SHA-256); every POST
carries the session's CSRF token (the login form a double-submit one) or is answered 403; failed logins are
limited per address and per name; read-only accounts get 403 on every POST but logout; answers carry a strict
Content-Security-Policy (no inline script, nothing from elsewhere).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import tempfile
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from watcher.config.targets import Config, Target, load_config
from watcher.errors import ConfigError, WatcherError
from watcher.i18n.texts import t as cli_t
from watcher.report.messages import role_label
from watcher.store.requests import CheckRequests
from watcher.store.snapshots import Store
from watcher.web import views
from watcher.web.accounts import Accounts, LoginLimiter, Session
from watcher.web.schedules import ADD_CHOICES, schedule_words
from watcher.web.texts import STATUS_SYMBOL, WORDS, ui

__all__ = ["WebSettings", "create_app"]

SESSION_COOKIE = "watcher_session"
LOGIN_CSRF_COOKIE = "watcher_login_csrf"
LANG_COOKIE = "watcher_lang"
HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                 b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


@dataclass
class WebSettings:
    """Where the files are and the default language of `watcher web`."""

    config: Path
    snapshots: Path
    notifiers: Path
    lang: str = "fr"
    in_service: bool = False  # served by `watcher run --web`: « Vérifier maintenant » goes to its scheduler


@dataclass
class Preview:
    """A trial capture waiting for « Enregistrer »: who made it, what was asked, what was seen."""

    user: str
    url: str
    name: str
    tags: list[str]
    schedule: str
    screenshot: bytes
    title: str | None
    groups: list[tuple[str, list[Any]]]


@dataclass
class State:
    """What the application keeps between requests (one process)."""

    settings: WebSettings
    store: Store
    accounts: Accounts
    limiter: LoginLimiter
    requests: CheckRequests
    previews: dict[str, Preview] = field(default_factory=dict)
    checks: dict[str, str] = field(default_factory=dict)  # target id -> why this process's own check failed
    check_lock: threading.Lock = field(default_factory=threading.Lock)
    checking: bool = False  # this process's own check thread is running (no service on the folder)


class SecurityHeaders:
    """Adds the security headers to every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


_ENV = Environment(loader=PackageLoader("watcher.web", "templates"), autoescape=select_autoescape(default=True),
                   trim_blocks=True, lstrip_blocks=True)


def request_lang(request: Request, state: State) -> str:
    lang = request.cookies.get(LANG_COOKIE) or state.settings.lang
    return lang if lang in ("fr", "en") else "fr"


def render(request: Request, state: State, template: str, session: Session | None, status: int = 200,
           **context: Any) -> HTMLResponse:
    """A page of `template` in the person's language, with the session's CSRF token for its forms."""
    lang = request_lang(request, state)

    def tr(key: str, **values: object) -> str:
        return ui(key, lang, **values)

    html = _ENV.get_template(template).render(
        t=tr, cli_t=lambda key, **v: cli_t(key, lang, **v), role_label=lambda role: role_label(role, lang), lang=lang, session=session,
        schedule_words=lambda schedule: schedule_words(schedule, lang),
        csrf=session.csrf if session else "", path=request.url.path, symbols=STATUS_SYMBOL, **context)
    return HTMLResponse(html, status_code=status)


def _safe_next(value: str | None) -> str:
    """A local path to go back to; anything else (another site, `//host`) becomes "/"."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


Handler = Callable[[Request, State, Session, FormData | None], Awaitable[Response]]


def guarded(state: State, handler: Handler, write: bool = False) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint with its checks: a session (else back to /login), on POST the CSRF token (else 403), and a
    coordinator account for changes (`write`)."""

    async def endpoint(request: Request) -> Response:
        session = state.accounts.session(request.cookies.get(SESSION_COOKIE))
        if session is None:
            if request.method != "GET":
                return forbidden(request, state, None, "forbidden")
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        form = None
        if request.method == "POST":
            form = await request.form()
            token = form.get("csrf")
            if not isinstance(token, str) or not secrets.compare_digest(token, session.csrf):
                return forbidden(request, state, session, "forbidden")
            if write and session.role != "coordinator":
                return forbidden(request, state, session, "forbidden.role")
        return await handler(request, state, session, form)

    return endpoint


def forbidden(request: Request, state: State, session: Session | None, key: str) -> HTMLResponse:
    return render(request, state, "message.html", session, status=403, title=ui(key, request_lang(request, state)))


def not_found(request: Request, state: State, session: Session | None) -> HTMLResponse:
    return render(request, state, "message.html", session, status=404,
                  title=ui("not_found", request_lang(request, state)))


def _targets(state: State) -> tuple[list[Target], str | None]:
    try:
        return load_config(state.settings.config).targets, None
    except ConfigError as exc:
        return [], str(exc).splitlines()[0]


def _config(state: State) -> Config | None:
    try:
        return load_config(state.settings.config)
    except ConfigError:
        return None


# --- login ---------------------------------------------------------------------------------------------------


async def login_page(request: Request, state: State) -> Response:
    if request.method == "POST":
        return await login_post(request, state)
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render(request, state, "login.html", None, login_csrf=token, error=None,
                      next=_safe_next(request.query_params.get("next")), no_account=state.accounts.count() == 0)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request),
                        path="/login")
    return response


async def login_post(request: Request, state: State) -> Response:
    form = await request.form()
    lang = request_lang(request, state)
    cookie, token = request.cookies.get(LOGIN_CSRF_COOKIE), form.get("csrf")
    if not cookie or not isinstance(token, str) or not secrets.compare_digest(cookie, token):
        return forbidden(request, state, None, "forbidden")
    name, password = str(form.get("username") or "")[:64], str(form.get("password") or "")
    if len(password) > 1024:  # argon2 hashes whatever it is given: a huge "password" only costs us time
        password = ""
    address = request.client.host if request.client else "?"
    next_path = _safe_next(str(form.get("next") or "/"))
    wait = state.limiter.wait(address, name)
    error = None
    if wait > 0:
        error = ui("login.limited", lang, minutes=max(1, round(wait / 60)))
        status = 429
    else:
        account = await asyncio.to_thread(state.accounts.verify, name, password)
        if account is not None:
            state.limiter.succeeded(address, name)
            session_token, _ = state.accounts.open_session(account.name)
            response = RedirectResponse(next_path, status_code=303)
            response.set_cookie(SESSION_COOKIE, session_token, httponly=True, samesite="strict",
                                secure=_secure(request), path="/", max_age=12 * 3600)
            response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
            return response
        state.limiter.failed(address, name)
        error, status = ui("login.wrong", lang), 401
    return render(request, state, "login.html", None, status=status, login_csrf=cookie, error=error,
                  next=next_path, no_account=state.accounts.count() == 0, username=name)


async def logout(request: Request, state: State, session: Session, form: FormData | None) -> Response:
    state.accounts.close_session(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def switch_lang(request: Request, state: State) -> Response:
    lang = request.path_params["lang"]
    response = RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
    if lang in ("fr", "en"):
        response.set_cookie(LANG_COOKIE, lang, samesite="strict", secure=_secure(request), path="/",
                            max_age=365 * 24 * 3600)
    return response


# --- dashboard, one page, review ------------------------------------------------------------------------------


async def dashboard(request: Request, state: State, session: Session, form: FormData | None) -> Response:
    targets, error = _targets(state)
    tag = request.query_params.get("tag") or None
    rows, tags = views.dashboard(state.store, targets, tag, request_lang(request, state))
    return render(request, state, "dashboard.html", session, rows=rows, tags=tags, tag=tag, config_error=error)


async def page(request: Request, state: State, session: Session, form: FormData | None) -> Response:
    target_id = request.path_params["target"]
    targets, _ = _targets(state)
    target = next((t for t in targets if t.id == target_id), None)
    lang = request_lang(request, state)
    checks = views.page_checks(state.store, target_id, lang)
    if target is None and not checks:
        return not_found(request, state, session)
    row = views.page_row(state.store, target_id, target, lang)
    state.requests.expire()  # requests nobody took (no service), or whose process died mid-check
    asked = views.request_view(state.requests.latest(target_id), state.store, lang,
                               failure=state.checks.get(target_id))
    return render(request, state, "page.html", session, row=row, target=target, checks=checks, asked=asked,
                  schedule=schedule_words(target.schedule, lang) if target else "")


def _service_running(state: State) -> bool:
    """Whether a `watcher run` holds the snapshots folder (this process's own, with --web, counts too)."""
    from watcher.service.scheduler import RunLock

    if state.settings.in_service:
        return True
    try:
        RunLock(state.settings.snapshots).__enter__().__exit__()
    except WatcherError:
        return True
    return False


async def check_now(request: Request, state: State, session: Session, form: FormData | None) -> Response:
    """« Vérifier maintenant »: a request in the index that the running service carries out (service/requests.py);
    with no service on the folder, this process checks the page itself, in a thread, holding the service's lock
    meanwhile so that a `watcher run` starting then waits for it (one writer of the snapshots at a time); pages
    asked meanwhile are checked one after another by that thread."""
    from watcher.service.scheduler import RunLock

    target_id = request.path_params["target"]
    config = _config(state)
    target = next((t for t in config.targets if t.id == target_id), None) if config else None
    if config is None or target is None:
        return not_found(request, state, session)
    back = RedirectResponse(f"/page/{target_id}", status_code=303)
    with state.check_lock:
        if state.checking:  # this process's own checks are under way: this page waits its turn
            state.requests.ask(target_id, session.user, "web")
            return back
        if _service_running(state):
            state.requests.ask(target_id, session.user, "service")
            return back
        try:
            lock = RunLock(state.settings.snapshots).__enter__()
        except WatcherError:  # a service started just now: it takes the request
            state.requests.ask(target_id, session.user, "service")
            return back
        state.requests.ask(target_id, session.user, "web")
        state.checking = True
    lang = request_lang(request, state)

    def work() -> None:
        from watcher.service.check import check_targets

        def done() -> None:  # under check_lock: a click now sees either this thread or a free folder
            lock.__exit__(None, None, None)
            state.checking = False

        try:
            while True:
                with state.check_lock:
                    waiting = state.requests.open_requests("queued", performer="web")
                    if not waiting:
                        done()
                        return
                asked = waiting[0]
                state.requests.set_state(asked.id, "running")
                state.checks.pop(asked.target, None)
                config_now = _config(state) or config
                page = next((t for t in config_now.targets if t.id == asked.target), None)
                try:
                    if page is not None:
                        asyncio.run(check_targets(config_now, state.store, [page]))
                except Exception as exc:  # noqa: BLE001 - shown to the coordinator, the web page keeps running
                    state.checks[asked.target] = ui("page.check_failed", lang, error=str(exc).splitlines()[0][:200])
                finally:
                    state.requests.finish(state.requests.get(asked.id) or asked)
        except BaseException:
            with state.check_lock:
                done()
            raise

    threading.Thread(target=work, name="watcher-web-check", daemon=True).start()
    return back


async def review(request: Request, state: State, session: Session, form: FormData | None) -> Response:
    try:
        record = state.store.check(int(request.path_params["check"]))
    except ValueError:
        record = None
    if record is None:
        return not_found(request, state, session)
    lang = request_lang(request, state)
    message = None
    if form is not None:
        message = _judge(state, record.id, record.status, form, lang)
    changes = views.rebuilt_changes(state.store, record)
    marks = {m.check_id: m for m in state.store.marks()}
    proposals = []
    if record.status not in views.NOTHING_TO_JUDGE and session.role == "coordinator":
        latest = state.store.baseline(record.target)
        proposals = [(selector, _described(views.hidden_by(latest, selector), lang))
                     for selector in _proposals(changes, record)]
    return render(request, state, "review.html", session, record=record, time=views.paris(record.time),
                  changes=changes, summaries=views.stored_summaries(record, lang), pictures=views.pictures(record),
                  mark=marks.get(record.id), mark_time=views.paris(marks[record.id].time) if record.id in marks
                  else "", judgeable=record.status not in views.NOTHING_TO_JUDGE, message=message,
                  procedures=views.report_procedures(record, lang), proposals=proposals)


def _judge(state: State, check_id: int, status: str, form: FormData, lang: str) -> str:
    label = str(form.get("label") or "")
    if label not in ("noise", "real") or status in views.NOTHING_TO_JUDGE:
        return ui("review.nothing", lang, status=ui("status." + status, lang))
    note = str(form.get("note") or "").strip()[:500] or None
    state.store.mark(check_id, label, note)  # the same table as `watcher mark`
    return ui("review.saved", lang)


def _proposals(changes: list[views.ReviewedChange], record: Any = None) -> list[str]:
    """The selectors that would ignore the blocks of the changes that are not noise (as `watcher explain`):
    never a block holding a form or an element a watched procedure uses (tuning.safe_to_ignore)."""
    from watcher.detect.htmlio import read_html
    from watcher.detect.tuning import block_selector, safe_to_ignore

    report = getattr(record, "check_report", None)
    steps = {(c.before.role, c.before.name) for c in (report.changes if report else [])
             if c.procedures and c.before is not None}
    out: dict[str, None] = {}
    for item in changes:
        if item.change.noise or item.folder is None or not (item.folder / "dom.html").is_file():
            continue
        dom = read_html(item.folder / "dom.html")
        selector = block_selector(dom, item.skeleton, item.element)
        if selector and safe_to_ignore(dom, selector, steps):
            out[selector] = None
    return list(out)


def _described(elements: list[Any], lang: str, limit: int = 8) -> str:
    """« bouton « Envoyer », lien « Aide » … (12) » for a person."""
    from watcher.report.messages import quoted

    words = [f"{role_label(e.role, lang)} {quoted(e.name, lang)}" for e in elements[:limit]]
    more = f" … ({len(elements)})" if len(elements) > limit else ""
    return ", ".join(words) + more if words else "—"


async def silence(request: Request, state: State, session: Session, form: FormData | None) -> Response:
    """Write the proposed ignore rules of a change to targets.yaml (round-trip, comments kept, `.bak`)."""
    from watcher.config.edit import TargetsFile

    assert form is not None
    record = state.store.check(int(request.path_params["check"])) if request.path_params["check"].isdigit() \
        else None
    if record is None:
        return not_found(request, state, session)
    lang = request_lang(request, state)
    proposed = set(_proposals(views.rebuilt_changes(state.store, record), record))
    chosen = [str(value) for value in form.getlist("selector") if str(value) in proposed]
    try:
        edited = TargetsFile(state.settings.config)
        added = edited.extend(record.target, "ignore", chosen)
        if added:
            edited.save()
        text = ui("silence.done", lang, rules=", ".join(added)) if added else ui("silence.already", lang)
    except (WatcherError, KeyError) as exc:
        text = str(exc).splitlines()[0]
    return render(request, state, "message.html", session, title=text, back=f"/change/{record.id}")


async def picture(request: Request, state: State, session: Session, form: FormData | None) -> Response:
    record = state.store.check(int(request.path_params["check"])) if request.path_params["check"].isdigit() \
        else None
    path = views.picture_path(state.store, record, request.path_params["name"]) if record else None
    if path is None:
        return not_found(request, state, session)
    return FileResponse(path, media_type="image/png", headers={"cache-control": "private, max-age=3600"})


# --- alerts --------------------------------------------------------------------------------------------------


async def alerts(request: Request, state: State, session: Session, form: FormData | None) -> Response:
    return await _alerts_page(request, state, session, None)


async def _alerts_page(request: Request, state: State, session: Session, message: str | None) -> Response:
    from watcher.config.channels import load_channels
    from watcher.deliver.notify import Outbox

    with Outbox.at(state.settings.snapshots) as box:
        entries = list(reversed(box.entries()))[:200]
    channels: list[tuple[str, list[str]]] = []
    channel_error = None
    try:
        loaded = load_channels(state.settings.notifiers)
        for name in loaded.settings.channels:
            channels.append((name, [dest.masked for dest in loaded.destinations(name)]))
    except (WatcherError, ValueError) as exc:
        channel_error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return render(request, state, "alerts.html", session, entries=entries, channels=channels,
                  channel_error=channel_error, message=message, paris=views.paris, outbox_words=WORDS)


async def alerts_retry(request: Request, state: State, session: Session, form: FormData | None) -> Response:
    from watcher.config.channels import load_channels
    from watcher.deliver.notify import Notifier, Outbox

    lang = request_lang(request, state)

    def work() -> str:
        with Outbox.at(state.settings.snapshots) as box:
            box.requeue_failed()
            report = Notifier(box, load_channels(state.settings.notifiers)).send_due(force=True)
        return ui("alerts.retried", lang, sent=report.count("sent"), failed=report.count("failed"),
                  pending=report.count("pending"))

    try:
        message = await asyncio.to_thread(work)
    except WatcherError as exc:
        message = str(exc).splitlines()[0]
    return await _alerts_page(request, state, session, message)


async def alerts_test(request: Request, state: State, session: Session, form: FormData | None) -> Response:
    from watcher.config.channels import load_channels
    from watcher.deliver.notify import send_test

    assert form is not None
    lang = request_lang(request, state)
    name = str(form.get("channel") or "")

    def work() -> str:
        with tempfile.TemporaryDirectory(prefix="watcher-web-test-") as tmp:
            report = send_test(load_channels(state.settings.notifiers), name, Path(tmp))
        return ui("alerts.tested", lang, channel=name, ok=report.count("sent"), failed=report.count("failed"))

    try:
        message = await asyncio.to_thread(work)
    except (WatcherError, KeyError) as exc:
        message = str(exc).splitlines()[0]
    return await _alerts_page(request, state, session, message)


# --- add a page ----------------------------------------------------------------------------------------------

SCHEDULES = ADD_CHOICES  # the choices of the add page, worded by schedule_words like every schedule shown


async def add_page(request: Request, state: State, session: Session, form: FormData | None) -> Response:
    if form is None:
        return render(request, state, "add.html", session, schedules=SCHEDULES, values={}, error=None)
    return await _try_page(request, state, session, form)


async def _try_page(request: Request, state: State, session: Session, form: FormData) -> Response:
    from watcher.web.adding import AddError, trial

    lang = request_lang(request, state)
    values = {key: str(form.get(key) or "").strip() for key in ("url", "name", "tags", "schedule")}
    schedule = SCHEDULES.get(values["schedule"], SCHEDULES["weekdays7"])
    try:
        seen = await trial(state.settings.config, values["url"], lang)
    except AddError as exc:
        return render(request, state, "add.html", session, status=400, schedules=SCHEDULES, values=values,
                      error=str(exc))
    token = secrets.token_urlsafe(16)
    for old in [k for k, p in state.previews.items() if p.user == session.user]:
        del state.previews[old]  # one trial per person at a time
    tags = [tag.strip() for tag in values["tags"].split(",") if tag.strip()]
    state.previews[token] = Preview(session.user, seen.url, values["name"] or seen.title or seen.url, tags,
                                    schedule, seen.screenshot, seen.title, views.grouped_skeleton(seen.skeleton))
    return render(request, state, "preview.html", session, token=token, preview=state.previews[token])


async def add_save(request: Request, state: State, session: Session, form: FormData | None) -> Response:
    from watcher.web.adding import AddError, save

    assert form is not None
    lang = request_lang(request, state)
    preview = state.previews.get(str(form.get("token") or ""))
    if preview is None or preview.user != session.user:
        return render(request, state, "add.html", session, status=400, schedules=SCHEDULES, values={},
                      error=ui("add.expired", lang))
    try:
        target_id = save(state.settings.config, preview.url, preview.name, preview.tags, preview.schedule, lang)
    except AddError as exc:
        return render(request, state, "add.html", session, status=400, schedules=SCHEDULES,
                      values={"url": preview.url}, error=str(exc))
    state.previews = {k: p for k, p in state.previews.items() if p is not preview}
    return render(request, state, "message.html", session,
                  title=ui("add.saved", lang, name=preview.name, id=target_id), back=f"/page/{target_id}")


async def preview_picture(request: Request, state: State, session: Session, form: FormData | None) -> Response:
    preview = state.previews.get(request.path_params["token"])
    if preview is None or preview.user != session.user:
        return not_found(request, state, session)
    return Response(preview.screenshot, media_type="image/png", headers={"cache-control": "no-store"})


# --- the application -----------------------------------------------------------------------------------------


def create_app(settings: WebSettings) -> Starlette:
    """The web application over one snapshots folder (its index holds the accounts)."""
    store = Store(settings.snapshots)
    state = State(settings, store, Accounts(store), LoginLimiter(store), CheckRequests(store))

    def plain(handler: Callable[[Request, State], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return await handler(request, state)
        return endpoint

    static = Path(__file__).parent / "static"
    routes = [
        Route("/login", plain(login_page), methods=["GET", "POST"]),
        Route("/lang/{lang}", plain(switch_lang)),
        Route("/logout", guarded(state, logout), methods=["POST"]),
        Route("/", guarded(state, dashboard)),
        Route("/page/{target}", guarded(state, page)),
        Route("/page/{target}/check", guarded(state, check_now, write=True), methods=["POST"]),
        Route("/change/{check}", guarded(state, review)),
        Route("/change/{check}", guarded(state, review, write=True), methods=["POST"]),
        Route("/change/{check}/silence", guarded(state, silence, write=True), methods=["POST"]),
        Route("/picture/{check}/{name:path}", guarded(state, picture)),
        Route("/alerts", guarded(state, alerts)),
        Route("/alerts/retry", guarded(state, alerts_retry, write=True), methods=["POST"]),
        Route("/alerts/test", guarded(state, alerts_test, write=True), methods=["POST"]),
        Route("/add", guarded(state, add_page)),
        Route("/add", guarded(state, add_page, write=True), methods=["POST"]),
        Route("/add/save", guarded(state, add_save, write=True), methods=["POST"]),
        Route("/add/preview/{token}.png", guarded(state, preview_picture)),
        Mount("/static", StaticFiles(directory=static), name="static"),
    ]
    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        store.close()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.watcher = state
    app.add_middleware(SecurityHeaders)
    return app
