"""Tuning without a browser: hand-made annotated DOMs and screenshots, and safe edits of targets.yaml."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from watcher.config.edit import TargetsFile
from watcher.config.targets import Target, load_config
from watcher.detect.tuning import Sample, Tuner, looks_generated
from watcher.errors import ConfigError
from watcher.store.snapshots import Store

NEWS = ["Calendrier des versements", "Prime de Noël", "Le simulateur évolue", "Permanences d'été", "Formulaire"]


def page(n: int, clock: str, wrapper: str = '<section class="actus" aria-label="Actualités">') -> str:
    items = "".join(f'<li data-watcher-box="0,{200 + 30 * k},400,24"><a href="/a/{(n + k) % 5}" '
                    f'data-watcher-box="0,{200 + 30 * k},300,24">{NEWS[(n + k) % 5]}</a></li>' for k in range(3))
    return f"""<html><body data-watcher-box="0,0,800,600">
<header data-watcher-box="0,0,800,100"><p id="horloge" data-watcher-box="0,10,300,24">{clock}</p>
<nav aria-label="Menu" data-watcher-box="0,40,800,30"><a href="/compte" data-watcher-box="0,40,100,30">Mon Compte</a>
<a href="/aides" data-watcher-box="100,40,100,30">Mes aides</a></nav></header>
<main data-watcher-box="0,100,800,500"><h1 data-watcher-box="0,100,800,40">Bienvenue</h1>
{wrapper.replace('>', ' data-watcher-box="0,180,800,120">', 1)}<ul data-watcher-box="0,200,800,90">{items}</ul></section>
<button data-watcher-box="0,400,200,40">Se connecter</button></main>
<div id="cookies" role="dialog" style="position:fixed" data-watcher-box="0,560,800,40">Nous utilisons des cookies
<button data-watcher-box="0,560,100,40">Tout accepter</button>
<button id="refus" data-watcher-box="100,560,100,40">Continuer sans accepter</button></div></body></html>"""


def screenshot(n: int) -> bytes:
    """White page; the clock area and the news area differ from one capture to the next."""
    image = np.full((600, 800, 3), 255, np.uint8)
    image[14:30, 10:10 + 20 * (n + 1)] = 0
    image[205:220, 5:5 + 40 * (n % 3 + 2)] = 30
    out = io.BytesIO()
    Image.fromarray(image).save(out, format="PNG")
    return out.getvalue()


def samples(**kwargs: str) -> list[Sample]:
    return [Sample(page(n, f"12:00:0{n}", **kwargs), screenshot(n), "https://example.org/") for n in range(3)]


TARGET = Target(id="aides", name="Aides", url="https://example.org/")


def test_generated_ids_and_classes_are_recognised() -> None:
    for token in ("css-1q2w3e", "sc-bdVaJa", "item-12345", "a3f9c2e1", "ember123", "jsx-4067"):
        assert looks_generated(token), token
    for token in ("actus", "news-list", "horloge", "main-menu", "fr-header"):
        assert not looks_generated(token), token


def test_rotating_news_and_clock_get_ignore_and_mask_that_silence_them() -> None:
    report = Tuner(TARGET, samples()).report()
    proposed = {(p.key, p.selector) for p in report.proposals}
    assert ("ignore", "section.actus > ul") in proposed
    assert ("mask", "#horloge") in proposed
    assert report.quiet, (report.remaining_changes, report.remaining_regions)
    assert all(v.selector for v in report.variations)


def test_the_cookie_banner_button_that_declines_is_preferred() -> None:
    cookie = Tuner(TARGET, samples()).report().cookie
    assert cookie is not None and cookie.selector == "#refus" and cookie.refuses
    assert cookie.buttons == ["Tout accepter", "Continuer sans accepter"]


def test_a_block_without_stable_attributes_is_never_widened_to_main() -> None:
    report = Tuner(TARGET, samples(wrapper="<section>")).report()
    assert all("main" not in p.selector for p in report.proposals)
    ignored = [p.selector for p in report.proposals if p.key == "ignore"]
    assert ignored == [] or all("ul" in s for s in ignored)


def test_a_procedure_step_is_never_ignored() -> None:
    from watcher.config.targets import Procedure

    target = TARGET.model_copy(update={"procedures": [Procedure.model_validate(
        {"name": "Lire", "steps": [{"click": {"role": "link", "name": "Le simulateur évolue"}}]})]})
    report = Tuner(target, samples()).report()
    assert not [p for p in report.proposals if p.key == "ignore"]
    assert any(r.why == "procedure" for r in report.refused)


# --- configedit -------------------------------------------------------------------------------------------

FILE = """# yaml-language-server: $schema=./schema/targets.schema.json
# Our pages (kept)
targets:
  - id: aides
    name: "Aides"
    url: https://example.org/
    tags: [caf]   # end-of-line comment (kept)

  # the next page (kept)
  - id: impots
    name: "Impôts"
    url: https://example.org/impots
    procedures:
      - name: "Entrer"
        steps:
          - click: {role: link, name: "Entrer"}
"""


def test_edits_keep_comments_order_and_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text(FILE, encoding="utf-8")
    edited = TargetsFile(path)
    assert edited.extend("aides", "ignore", ["section.actus > ul"]) == ["section.actus > ul"]
    edited.extend("impots", "mask", ["#horloge"])
    edited.set("aides", "cookie_banner", '#cookies button:has-text("Continuer sans accepter")')
    edited.add_target({"id": "neuf", "name": "Neuf", "url": "https://example.org/n", "tags": ["x"],
                       "schedule": "0 7 * * 1-5"})
    edited.save()
    text = path.read_text(encoding="utf-8")
    for kept in ("# Our pages (kept)", "# end-of-line comment (kept)", "# the next page (kept)", "$schema="):
        assert kept in text
    assert (tmp_path / "targets.yaml.bak").read_text(encoding="utf-8") == FILE
    assert text.index('mask: ["#horloge"]') < text.index("procedures:")
    assert "\n\n  - id: neuf\n" in text
    config = load_config(path)
    assert config.target("aides").ignore == ["section.actus > ul"]
    assert config.target("aides").cookie_banner == '#cookies button:has-text("Continuer sans accepter")'
    assert [t.id for t in config.targets] == ["aides", "impots", "neuf"]


def test_an_edit_that_breaks_the_file_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text(FILE, encoding="utf-8")
    edited = TargetsFile(path)
    edited.add_target({"id": "aides", "name": "Doublon", "url": "https://example.org/d"})
    with pytest.raises(ConfigError, match="identifiant « aides » déjà utilisé.*rien n'a été écrit"):
        edited.save()
    assert path.read_text(encoding="utf-8") == FILE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["targets.yaml"]


def test_marks_remember_the_latest_judgement(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.mark(3, "noise")
        store.mark(3, "real", "finalement un vrai changement")
        assert [(m.check_id, m.label, m.note) for m in store.marks()] == [(3, "real", "finalement un vrai changement")]
