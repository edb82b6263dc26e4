"""What a person can see, on raw HTML and annotated DOMs: revealable menus and disclosures, shadow trees, frames.

Browser-made DOMs are in test_capture_visible.py; these feed the skeleton HTML directly.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from watcher.detect.skeleton import Element, Skeleton, extract_skeleton, render_skeleton_text
from watcher.detect.structural import diff_skeletons

HERE = Path(__file__).parent


def page(body: str, html_attrs: str = "") -> str:
    return f'<!DOCTYPE html><html lang="fr"{html_attrs}><head><title>t</title></head><body>{body}</body></html>'


def found(body: str, html_attrs: str = "") -> list[tuple[str, str, tuple[str, str] | None]]:
    sk = extract_skeleton(page(body, html_attrs), base_url="https://exemple.gouv.fr/")
    return [(e.role, e.name, e.revealed_by) for e in sk.elements]


MENU = """<nav aria-label="Menu"><ul>
<li><button aria-expanded="false" aria-controls="sous-menu">Mon compte</button>
<ul id="sous-menu" hidden><li><a href="/paiements">Mes paiements</a></li><li><a href="/messagerie">Ma messagerie</a></li></ul>
</li><li><a href="/contact">Contact</a></li></ul></nav>"""


# --- revealable content ----------------------------------------------------------------------------

def test_disclosure_menu_entries_record_their_control() -> None:
    assert found(MENU) == [
        ("navigation", "Menu", None),
        ("button", "Mon compte", None),
        ("link", "Mes paiements", ("button", "Mon compte")),
        ("link", "Ma messagerie", ("button", "Mon compte")),
        ("link", "Contact", None),
    ]


@pytest.mark.parametrize("body, control", [
    # APG menu button: aria-haspopup, the popup is the next element when there is no aria-controls
    ('<button aria-haspopup="true" aria-expanded="false">Démarches</button>'
     '<ul role="menu" style="display: none"><li role="none"><a role="menuitem" href="/cg">Carte grise</a></li></ul>',
     ("button", "Démarches")),
    ('<button aria-haspopup="menu" aria-controls="m">Démarches</button>'
     '<div id="m" aria-hidden="true"><a href="/cg">Carte grise</a></div>', ("button", "Démarches")),
    # disclosure without aria-controls: the element right after the button
    ('<button aria-expanded="false">Démarches</button><div hidden><a href="/cg">Carte grise</a></div>',
     ("button", "Démarches")),
    # a closed <details>: its summary shows the rest
    ('<details><summary>Démarches</summary><p><a href="/cg">Carte grise</a></p></details>', ("button", "Démarches")),
    # a tab shows its panel
    ('<div role="tablist"><button role="tab" aria-selected="true" aria-controls="p1">Particuliers</button>'
     '<button role="tab" aria-selected="false" aria-controls="p2">Démarches</button></div>'
     '<div role="tabpanel" id="p1"><a href="/x">X</a></div>'
     '<div role="tabpanel" id="p2" hidden><a href="/cg">Carte grise</a></div>', ("tab", "Démarches")),
])
def test_revealable_patterns(body: str, control: tuple[str, str]) -> None:
    entry = next(e for e in found(body) if e[1] == "Carte grise")
    assert entry[2] == control


@pytest.mark.parametrize("body", [
    '<div hidden><a href="/cg">Carte grise</a></div>',
    '<div style="display:none"><a href="/cg">Carte grise</a></div>',
    # aria-controls alone does not say the control shows anything
    '<button aria-controls="m">Démarches</button><div id="m" hidden><a href="/cg">Carte grise</a></div>',
    # the control itself cannot be seen (a mobile menu button on a desktop capture)
    '<div hidden><button aria-expanded="false" aria-controls="m">Menu</button></div>'
    '<div id="m" hidden><a href="/cg">Carte grise</a></div>',
    '<button aria-expanded="false" aria-controls="m" data-watcher-visible="false">Menu</button>'
    '<div id="m" data-watcher-visible="false" data-watcher-hidden="display"><a href="/cg">Carte grise</a></div>',
    # what an opened details still hides by itself
    '<details><summary>Plus</summary><div hidden><a href="/cg">Carte grise</a></div></details>',
    # content hidden inside a revealed menu, with nothing to reveal it
    '<button aria-expanded="false" aria-controls="m">Menu</button>'
    '<div id="m" hidden><div style="display:none"><a href="/cg">Carte grise</a></div></div>',
])
def test_content_nobody_can_reveal_stays_out(body: str) -> None:
    assert "Carte grise" not in [e[1] for e in found(body)]


def test_nested_sub_menu_records_the_innermost_control() -> None:
    body = ('<button aria-expanded="false" aria-controls="m1">Menu</button><div id="m1" hidden>'
            '<button aria-expanded="false" aria-controls="m2">Santé</button>'
            '<ul id="m2" hidden><li><a href="/cv">Carte Vitale</a></li></ul></div>')
    assert found(body)[-2:] == [("button", "Santé", ("button", "Menu")),
                                ("link", "Carte Vitale", ("button", "Santé"))]


def test_captured_menu_descendants_hidden_by_the_menu_are_shown_with_it() -> None:
    # capture marks every descendant of a hidden menu; data-watcher-hidden says where the hiding starts
    body = ('<button aria-expanded="false" aria-controls="m" data-watcher-box="0,0,80,20">Menu</button>'
            '<ul id="m" data-watcher-visible="false" data-watcher-hidden="visibility">'
            '<li data-watcher-visible="false"><a href="/a" data-watcher-visible="false">'
            '<span data-watcher-visible="false">Mes paiements</span></a></li>'
            '<li data-watcher-visible="false" data-watcher-hidden="display"><a href="/b" data-watcher-visible="false">'
            'Jamais</a></li>'
            '<li data-watcher-visible="false"><select aria-label="Choix" data-watcher-visible="false">'
            '<option data-watcher-visible="false">Un</option><option data-watcher-visible="false">Deux</option>'
            '</select></li></ul>')
    sk = extract_skeleton(page(body, ' data-watcher-url="https://e.fr/" data-watcher-dom-version="2"'))
    names = {e.name: e for e in sk.elements}
    assert names["Mes paiements"].revealed_by == ("button", "Menu")
    assert "Jamais" not in names
    assert names["Choix"].options == ("Un", "Deux")


def test_revealed_entries_show_their_control_in_the_listing() -> None:
    sk = extract_skeleton(page(MENU), base_url="https://exemple.gouv.fr/")
    text = render_skeleton_text(sk)
    assert "lien « Ma messagerie » (visible après un clic sur le bouton « Mon compte ») → /messagerie" in text
    assert "shown after clicking the button “Mon compte”" in render_skeleton_text(sk, "en")


def test_renamed_revealed_entry_alerts_like_a_visible_link() -> None:
    before = extract_skeleton(page(MENU))
    after = extract_skeleton(page(MENU.replace("Ma messagerie", "Mes échanges")))
    visible_before = extract_skeleton(page(MENU.replace(" hidden>", ">")))
    visible_after = extract_skeleton(page(MENU.replace(" hidden>", ">").replace("Ma messagerie", "Mes échanges")))
    (hidden_change,) = diff_skeletons(before, after)
    (visible_change,) = diff_skeletons(visible_before, visible_after)
    assert (hidden_change.kind, hidden_change.severity, hidden_change.noise) == \
        (visible_change.kind, visible_change.severity, visible_change.noise)
    assert hidden_change.severity.value == "major"
    # a menu open in one capture and closed in the other is not a change
    assert diff_skeletons(before, visible_before) == []


# --- skeleton.json ---------------------------------------------------------------------------------

def test_revealed_by_round_trips_and_old_json_still_reads() -> None:
    el = Element(role="link", name="Ma messagerie", landmark="navigation", order=2, revealed_by=("button", "Menu"))
    data = el.to_json()
    assert data["revealed_by"] == {"role": "button", "name": "Menu"}
    assert Element.from_json(json.loads(json.dumps(data))) == el
    old = {"role": "link", "name": "Contact", "landmark": "navigation", "order": 3, "target": "/contact"}
    assert Element.from_json(old).revealed_by is None
    assert "revealed_by" not in Element.from_json(old).to_json()


@pytest.mark.parametrize("name", ["menu", "mix"])
def test_version_less_annotated_dom_gives_the_skeleton_it_gave(name: str) -> None:
    # dom.html files written by capture before the format had a version (tests/domv1, with their skeleton.json)
    dom = (HERE / "domv1" / f"{name}.dom.html").read_text(encoding="utf-8")
    want = json.loads((HERE / "domv1" / f"{name}.skeleton.json").read_text(encoding="utf-8"))
    assert 'data-watcher-dom-version' not in dom
    got = extract_skeleton(dom)
    # the same elements as then (later rule versions add fields to each element, not elements)
    assert got.reads == 1 and _shape(got.to_json()["elements"]) == _shape(want["elements"])
    again = Skeleton.from_json(want)
    assert again.reads == 1 and _shape(again.to_json()["elements"]) == _shape(want["elements"])


# --- shadow trees (declarative form, as capture writes open shadow roots) --------------------------

SHADOW = """<main><x-connexion><template shadowrootmode="open">
<h2>Connexion</h2><form action="/c"><label for="id">Identifiant</label><input id="id" required>
<slot name="aide"><a href="/aide-par-defaut">Aide</a></slot><button type="submit"><slot></slot></button></form>
</template>Se connecter<a slot="aide" href="/aide">Besoin d'aide ?</a><a slot="ailleurs" href="/x">Perdu</a>
</x-connexion>
<label for="id">Autre libellé</label><input id="id">
<x-vide><template shadowrootmode="open"><slot><a href="/repli">Contenu de repli</a></slot></template></x-vide>
</main>"""


def test_shadow_tree_is_read_in_place_with_slots_resolved() -> None:
    assert [(r, n) for r, n, _ in found(SHADOW)] == [
        ("main", ""),
        ("heading", "Connexion"),
        ("form", ""),  # unnamed, listed for its destination
        ("textbox", "Identifiant"),  # the label of its own tree, not the document's
        ("link", "Besoin d'aide ?"),  # slotted where the slot is, fallback dropped
        ("button", "Se connecter"),  # name from the light text assigned to the default slot
        ("textbox", "Autre libellé"),
        ("link", "Contenu de repli"),  # nothing assigned: the slot's own content
    ]


# --- frames (<watcher-frame>, as capture inlines iframe documents) ---------------------------------

def test_frame_document_links_resolve_against_the_frame_url() -> None:
    body = ('<main><iframe src="https://rdv.exemple.fr/module" title="Module" data-watcher-box="0,100,700,400">'
            '</iframe><watcher-frame data-watcher-url="https://rdv.exemple.fr/module" '
            'data-watcher-base="https://rdv.exemple.fr/module" data-watcher-box="1,101,698,398">'
            '<form action="creneaux"><button data-watcher-box="20,480,120,20">Choisir un créneau</button></form>'
            '<a href="/annuler" data-watcher-box="20,520,100,20">Annuler</a></watcher-frame>'
            '<a href="/pieces" data-watcher-box="0,520,100,20">Pièces</a></main>')
    sk = extract_skeleton(page(body, ' data-watcher-url="https://www.exemple.gouv.fr/rdv" data-watcher-dom-version="2"'))
    got = {e.name: e for e in sk.elements}
    assert got["Choisir un créneau"].box == (20, 480, 120, 20)
    assert got["Annuler"].target == "https://rdv.exemple.fr/annuler"
    assert got["Pièces"].target == "https://www.exemple.gouv.fr/pieces"
    assert got["Annuler"].landmark == "main"


def test_embedded_media_player_frame_is_left_out() -> None:
    body = ('<main><h1>Vidéo</h1><iframe src="https://video.exemple.fr/embed/1" allow="autoplay"></iframe>'
            '<watcher-frame data-watcher-url="https://video.exemple.fr/embed/1"><video src="v.mp4"></video>'
            '<button>Lire</button><a href="https://video.exemple.fr/v/1">Titre de la vidéo</a></watcher-frame></main>')
    assert [n for _, n, _ in found(body)] == ["", "Vidéo"]


def _shape(elements: list[dict[str, object]]) -> list[tuple[object, ...]]:
    """What a stored skeleton says a person sees: role, name, place and target of each element, in order.

    Unnamed forms are left out: skeleton version 3 lists them for their destination, version 1 did not.
    """
    return [(e["role"], e["name"], e["landmark"], e.get("target")) for e in elements
            if not (e["role"] == "form" and not e["name"])]
