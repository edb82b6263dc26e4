"""Illustrated tutorials: captions, dummy data only, pictures, versions, the changelog and `watcher tutorial`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from tests.conftest import LocalSite, run_watcher
from watcher.capture import procedures
from watcher.config.targets import Config, Procedure, Step
from watcher.publish.changelog.build import build_changelog
from watcher.publish.changelog.pdf import PdfJob, print_pdfs
from watcher.publish.tutorials import (
    HIGHLIGHT,
    OUTLINE,
    PAD,
    StoredStep,
    looks_personal,
    make_tutorial,
    private_boxes,
    read_run,
    step_caption,
    step_picture,
)
from watcher.service.check import check_targets
from watcher.store.snapshots import Store, utc_now

SLUG = "demarrer-une-demande"
PROCEDURE = {"name": "Démarrer une demande", "audience": ["rsa"], "steps": [
    {"click": {"role": "link", "name": "Commencer"}},
    {"fill": {"label": "Courriel", "value": "jean.dupont@example.com"}},
    {"click": {"role": "button", "name": "Continuer"}},
]}


def stored(number: int, action: str, role: str = "button", name: str = "Continuer", login: bool = False) -> StoredStep:
    return StoredStep(number, action, role, name, (10, 10, 100, 40), "http://x/", login, "texte")


# --- pure ---------------------------------------------------------------------------------------------------

def test_captions_say_what_a_mediator_says() -> None:
    click = Step.model_validate({"click": {"role": "button", "name": "Continuer"}})
    fill = Step.model_validate({"fill": {"label": "Code postal", "value": "75001"}})
    assert step_caption(stored(2, "click"), click) == "Étape 2 : cliquez sur le bouton «\u00a0Continuer\u00a0»"
    assert step_caption(stored(3, "fill", "textbox", "Code postal"), fill) == (
        "Étape 3 : dans le champ «\u00a0Code postal\u00a0», écrivez 75001 (exemple)")
    assert step_caption(stored(3, "fill", "textbox", "Code postal"), None) == (
        "Étape 3 : dans le champ «\u00a0Code postal\u00a0», écrivez votre code postal")
    assert step_caption(stored(3, "fill", "textbox", "Code postal"), fill, "en") == (
        "Step 3: in the “Code postal” text field, type 75001 (example)")
    assert "propres identifiants" in step_caption(stored(5, "click", login=True), click)


@pytest.mark.parametrize("value, personal", [
    ("jean.dupont@example.com", True), ("06 12 34 56 78", True), ("+33612345678", True),
    ("1 85 05 78 006 084 36", True), ("FR76 3000 6000 0112 3456 7890 189", True), ("12/05/1985", True),
    ("1985-05-12", True), ("75001", False), ("1234567", False), ("Paris", False),
])
def test_personal_looking_values(value: str, personal: bool) -> None:
    assert looks_personal(value) is personal


def test_fields_to_blur() -> None:
    elements: list[dict[str, Any]] = [
        {"role": "textbox", "name": "Code postal", "box": [0, 0, 10, 10]},
        {"role": "textbox", "name": "Courriel", "box": [0, 20, 10, 10]},
        {"role": "textbox", "name": "Mot de passe", "control": "password", "box": [0, 40, 10, 10]},
        {"role": "textbox", "name": "Nom", "value": "Martin", "box": [0, 60, 10, 10]},
        {"role": "textbox", "name": "Ville", "box": [0, 80, 10, 10]},
        {"role": "textbox", "name": "Commune", "box": [0, 100, 10, 10]},
    ]
    typed = {("textbox", "Code postal", "u"): "75001", ("textbox", "Courriel", "u"): "a.b@example.org",
             ("textbox", "Commune", "u"): None}
    boxes = private_boxes(elements, "u", typed, {"75001", "a.b@example.org"})
    # password always; a personal-looking typed value; a value the site put there; typed but unknown
    assert [b[1] for b in boxes] == [20, 40, 60, 100]


def test_highlight_outlines_the_element_and_blur_hides_a_field() -> None:
    page = Image.new("RGB", (1280, 1500), "white")
    box = (600, 900, 200, 40)
    picture = step_picture(page, box, 2, [(100, 100, 50, 20)])
    assert picture.image.width <= 1200 and picture.box is not None
    assert_highlight_around(picture.image, picture.box)


def assert_highlight_around(image: Image.Image, box: tuple[int, int, int, int]) -> None:
    """The highlight colour frames the element: on its four sides, never over the element itself."""
    pixels = np.all(np.asarray(image.convert("RGB")) == HIGHLIGHT, axis=2)
    x, y, w, h = box
    assert not pixels[y:y + h, x:x + w].any()
    reach = PAD + OUTLINE
    top, left = max(0, y - reach), max(0, x - reach)  # an element at the page's edge: that side is cut
    ring = pixels[top:y + h + reach, left:x + w + reach]
    assert ring[:, -OUTLINE:].any() and ring[-OUTLINE:].any()
    assert ring[:OUTLINE].any() if y >= reach else True
    assert ring[:, :OUTLINE].any() if x >= reach else ring[:, 0].any()


# --- from real replays ----------------------------------------------------------------------------------------

def home(title: str) -> str:
    return f"""<!DOCTYPE html><html lang="fr"><head><title>Accueil</title></head><body style="font: 18px sans-serif">
<main><h1>{title}</h1><p>Bienvenue.</p><a href="/form">Commencer</a></main></body></html>"""


FORM = """<!DOCTYPE html><html lang="fr"><head><title>Demande</title></head><body style="font: 18px sans-serif">
<main><h1>Votre demande</h1><form action="/fin" method="get">
<p><label for="c">Courriel</label><br><input id="c" name="c" size="30"></p>
<p><label for="p">Mot de passe</label><br><input id="p" name="p" type="password" value="secret123"></p>
<button type="submit">Continuer</button></form></main></body></html>"""
END = "<html lang='fr'><body><main><h1>Merci</h1></main></body></html>"


def make_config(site: LocalSite, procs: list[dict[str, Any]] | None = None, ids: tuple[str, ...] = ("t",)) -> Config:
    return Config.model_validate({"settings": {"concurrency": 1}, "targets": [
        {"id": i, "name": f"Site {i}", "url": site.url("/"), "timeout": 10, "procedures": procs or [PROCEDURE]}
        for i in ids]})


class Replayed:
    """A store with two versions of the tutorial (the page's title changed between them) and its site."""

    def __init__(self, root: Path, site: LocalSite) -> None:
        self.config = make_config(site)
        self.store = Store(root / "snapshots")
        site.routes.update({"/": home("Mes aides"), "/form": FORM, "/fin": END})
        asyncio.run(check_targets(self.config, self.store, self.config.targets))
        site.routes["/"] = home("Mes aides en ligne")
        asyncio.run(check_targets(self.config, self.store, self.config.targets))
        self.out = root / "site"
        self.printed: list[PdfJob] = []
        self.report = build_changelog(self.store, self.out, config=self.config, printer=self.print)

    def print(self, jobs: list[PdfJob]) -> int:
        self.printed.extend(jobs)
        return print_pdfs([j for j in jobs if "tutoriels/" in str(j.html)])  # change sheets: not needed here

    def runs(self) -> list[Path]:
        return sorted((self.store.root / "t").glob(f"*/procedures/{SLUG}"))


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replayed]:
    import tests.conftest as conftest

    patch = pytest.MonkeyPatch()
    patch.setattr(procedures, "STEP_TIMEOUT", 2.0)
    fixture = conftest.local_site.__wrapped__()  # type: ignore[attr-defined]
    site = next(fixture)
    try:
        yield Replayed(tmp_path_factory.mktemp("tuto"), site)
    finally:
        patch.undo()
        next(fixture, None)


@pytest.mark.browser
def test_tutorial_has_three_steps_in_html_pdf_and_animation(replayed: Replayed) -> None:
    folders = replayed.runs()
    assert len(folders) == 2 and all(read_run(f).status == "ok" for f in folders)  # type: ignore[union-attr]
    current = replayed.out / "tutoriels" / "t" / SLUG
    newest = folders[-1].parent.parent.name
    html = (current / "index.html").read_text()
    assert html.count('class="tutorial-step"') == 3 and "<ol class=\"tutorial-steps\">" in html
    assert f'src="{newest}/etape-01.png"' in html and 'alt="Étape 1 : cliquez sur le lien' in html
    assert "Content-Security-Policy" in html and 'lang="fr"' in html
    with Image.open(current / newest / "animation.webp") as animation:
        assert animation.n_frames == 3 and animation.width <= 800
    assert (current / newest / "animation.webp").stat().st_size < 3_000_000
    assert (current / newest / "tutoriel.pdf").read_bytes()[:4] == b"%PDF"
    tutorial = make_tutorial(read_run(folders[-1]), replayed.config.targets[0].procedures[0])  # type: ignore[arg-type]
    for step in tutorial.steps:
        assert step.picture.box is not None
        with Image.open(current / newest / f"etape-{step.number:02d}.png") as image:
            assert_highlight_around(image, step.picture.box)


@pytest.mark.browser
def test_a_version_change_makes_a_new_tutorial_and_keeps_the_old_one(replayed: Replayed) -> None:
    old, new = (f.parent.parent.name for f in replayed.runs())
    base = replayed.out / "tutoriels" / "t" / SLUG
    assert (base / old / "index.html").is_file() and (base / new / "index.html").is_file()
    versions = json.loads((base / "versions.json").read_text())["versions"]
    assert [v["folder"] for v in versions] == [old, new]
    assert "Ancienne version" in (base / old / "index.html").read_text()
    change = (replayed.out / "changes" / "t" / new / "index.html").read_text()
    assert f"tutoriels/t/{SLUG}/{old}/index.html" in change and f"tutoriels/t/{SLUG}/{new}/index.html" in change
    assert "ancien tutoriel" in change and "nouveau tutoriel" in change
    # A rebuild finds nothing new: no file, no PDF.
    again = build_changelog(replayed.store, replayed.out, config=replayed.config, printer=replayed.print)
    assert again.files_written == 0 and again.tutorials == 1


@pytest.mark.browser
def test_personal_looking_value_and_password_are_blurred(replayed: Replayed) -> None:
    run = read_run(replayed.runs()[-1])
    assert run is not None
    tutorial = make_tutorial(run, replayed.config.targets[0].procedures[0])
    assert "jean.dupont" not in tutorial.steps[1].caption
    with Image.open(run.screenshot(2)) as image:  # the page of step 3: the e-mail is typed in
        shot = image.convert("RGB")
    plain = step_picture(shot, run.steps[2].box, 3, []).image
    blurred = tutorial.steps[2].picture.image
    skeleton = {e["name"]: e["box"] for e in run.skeleton(2) if e.get("box")}
    window_left = run.steps[2].box[0] - tutorial.steps[2].picture.box[0]  # type: ignore[index]
    window_top = run.steps[2].box[1] - tutorial.steps[2].picture.box[1]  # type: ignore[index]
    for name in ("Courriel", "Mot de passe"):
        x, y, w, h = skeleton[name]
        area = (x - window_left, y - window_top, x - window_left + w, y - window_top + h)
        assert np.asarray(plain.crop(area)).std() != np.asarray(blurred.crop(area)).std(), name


# --- `watcher tutorial` ---------------------------------------------------------------------------------------

def fake_run(store: Store, target: str, name: str, status: str) -> None:
    """A stored replay written by hand (no browser): enough for the command's choices and errors."""
    slug = Procedure.model_validate({"name": name, "steps": [{"wait": 1}]}).slug
    when = utc_now()
    run = {"name": name, "slug": slug, "status": status, "broken_step": 1 if status == "broken" else None,
           "steps": [{"number": 1, "action": "click", "status": "failed" if status == "broken" else "ok",
                      "url": "http://x/", "found": None, "text": "cliquer"}]}
    with store.new_snapshot(target, when, None) as writer:
        writer.add_json(f"procedures/{slug}/run.json", run)
        writer.add(f"procedures/{slug}/step-00.png", b"")
    store.record_check(target, when, "new", snapshot=writer.final, report={"target": {"name": target}})


def test_tutorial_command_errors(tmp_path: Path) -> None:
    with Store(tmp_path / "snapshots") as store:
        fake_run(store, "caf", "Déclarer", "ok")
        fake_run(store, "msa", "Déclarer", "ok")
        fake_run(store, "caf", "Se connecter", "broken")
    config = tmp_path / "targets.yaml"
    config.write_text("targets: []\n")
    args = ("--config", config, "--no-pdf", "--out", tmp_path / "site")
    ambiguous = run_watcher("tutorial", "Déclarer", *args)
    assert ambiguous.code == 2 and "caf/declarer, msa/declarer" in ambiguous.err
    assert len(ambiguous.err.strip().splitlines()) == 1
    never = run_watcher("tutorial", "se-connecter", *args)
    assert never.code == 2 and "jamais été rejouée avec succès" in never.err
    unknown = run_watcher("tutorial", "Inconnue", *args)
    assert unknown.code == 2 and "procédure inconnue" in unknown.err


def test_alert_links_the_tutorial_of_a_procedure_it_breaks() -> None:

    from watcher.report.alerts import Alert, Renderer, alert_from_result, render_alert
    from watcher.store.report import CheckReport, ProcedureFacts, StepFacts, TargetFacts

    procedure = Procedure.model_validate(PROCEDURE)
    broken = ProcedureFacts(name=procedure.name, slug=procedure.slug, status="broken", broken_step=1,
                            step=StepFacts.of(procedure.steps[0]), steps=len(procedure.steps), problem="missing")
    result = CheckReport(id="caf", status="changed", alert=True, time=utc_now().isoformat(), procedures=[broken],
                         target=TargetFacts(name="CAF", url="https://caf.example/", tags=["caf"]))
    alert = alert_from_result(result)
    assert alert is not None and alert.tutorials == (("Démarrer une demande", f"tutoriels/caf/{SLUG}/index.html"),)
    assert Alert.from_json(alert.to_json()) == alert
    for fmt in ("txt", "md", "html"):
        body = render_alert(Renderer(), alert, "fr", fmt, "https://veille.example.org/").body
        assert f"https://veille.example.org/tutoriels/caf/{SLUG}/index.html" in body


def test_a_broken_procedure_animation_opens_on_its_warning() -> None:
    from io import BytesIO

    from PIL import Image as PILImage

    from watcher.publish.tutorials import animation

    frames = [(PILImage.new("RGB", (400, 200), "white"), "Étape 1 : cliquez sur le lien « Mon Compte »")]
    plain = PILImage.open(BytesIO(animation(frames)))
    warned = PILImage.open(BytesIO(animation(frames, warning="Attention : la démarche ne passe plus à l'étape 1.")))
    assert getattr(warned, "n_frames", 1) == getattr(plain, "n_frames", 1) + 1
