"""Roles, accessible names, landmarks, targets and hidden content in the interface skeleton."""

from __future__ import annotations

from pathlib import Path

import pytest

from watcher.detect.skeleton import (
    Element,
    Skeleton,
    compile_selectors,
    extract_skeleton,
    is_destination,
    normalize_target,
    render_skeleton_text,
    target_key,
)


def only(html: str, **kwargs: object) -> Element:
    elements = [e for e in extract_skeleton(f"<body>{html}</body>", **kwargs).elements]  # type: ignore[arg-type]
    assert len(elements) == 1, elements
    return elements[0]


def roles(html: str) -> list[tuple[str, str]]:
    return [(e.role, e.name) for e in extract_skeleton(f"<body>{html}</body>").elements]


# --- roles (HTML-AAM) -----------------------------------------------------------------------------

@pytest.mark.parametrize(("html", "role"), [
    ('<a href="/x">x</a>', "link"),
    ("<button>x</button>", "button"),
    ('<input type="submit" value="x">', "button"),
    ('<input type="image" alt="x" src="a.png">', "button"),
    ('<input aria-label="x">', "textbox"),
    ('<input type="email" aria-label="x">', "textbox"),
    ('<input type="password" aria-label="x">', "textbox"),
    ('<input type="tel" aria-label="x">', "textbox"),
    ('<input type="url" aria-label="x">', "textbox"),
    ('<input type="date" aria-label="x">', "textbox"),
    ('<input type="bogus" aria-label="x">', "textbox"),
    ('<textarea aria-label="x"></textarea>', "textbox"),
    ('<input type="search" aria-label="x">', "searchbox"),
    ('<input type="number" aria-label="x">', "spinbutton"),
    ('<input type="range" aria-label="x">', "slider"),
    ('<input list="l" aria-label="x">', "combobox"),
    ('<select aria-label="x"><option>a</option></select>', "combobox"),
    ('<select multiple aria-label="x"><option>a</option></select>', "listbox"),
    ('<select size="4" aria-label="x"><option>a</option></select>', "listbox"),
    ('<input type="checkbox" aria-label="x">', "checkbox"),
    ('<input type="checkbox" switch aria-label="x">', "switch"),
    ('<input type="radio" aria-label="x">', "radio"),
    ("<h3>x</h3>", "heading"),
    ('<div role="button">x</div>', "button"),
    ('<div role="foo link">x</div>', "link"),
    ('<a href="/x" role="menuitem">x</a>', "menuitem"),
    ('<span role="tab">x</span>', "tab"),
    ("<details><summary>x</summary></details>", "button"),
])
def test_roles_follow_html_aam(html: str, role: str) -> None:
    assert only(html).role == role


def test_elements_without_interactive_role_are_left_out() -> None:
    assert roles("<a>no href</a><div onclick='go()'>x</div><p>text</p><img alt='logo' src='l.png'>") == []


def test_presentation_role_is_ignored_on_focusable_elements() -> None:
    assert only('<a href="/x" role="presentation">x</a>').role == "link"
    assert roles('<h2 role="none">x</h2>') == []


def test_landmarks_and_their_scoping() -> None:
    html = """<header><a href="/">Accueil</a></header><nav><a href="/a">A</a></nav>
    <main><article><header><a href="/b">B</a></header></article>
    <section><a href="/c">C</a></section><section aria-label="Actualités"><a href="/d">D</a></section>
    <aside><a href="/e">E</a></aside><form><input aria-label="F"></form><form aria-label="Connexion"></form></main>
    <search><input type="search" aria-label="G"></search><footer><a href="/h">H</a></footer>"""
    sk = extract_skeleton(html)
    by_name = {e.name: e for e in sk.elements if e.role not in ("banner", "main", "navigation", "contentinfo")}
    assert [e.role for e in sk.elements if e.role in ("banner", "navigation", "main", "contentinfo")] == [
        "banner", "navigation", "main", "contentinfo"]
    assert by_name["Accueil"].landmark == "banner"
    assert by_name["B"].landmark == "main"  # header inside article is not a banner
    assert by_name["C"].landmark == "main"  # section without a name is not a region
    assert by_name["D"].landmark == "main > region"
    assert by_name["Actualités"].role == "region" and by_name["Actualités"].landmark == "main"
    assert by_name["E"].landmark == "main > complementary"
    assert by_name["F"].landmark == "main"  # a form without a name is not a landmark
    assert by_name["Connexion"].role == "form"
    assert by_name["G"].landmark == "search"
    assert by_name["H"].landmark == "contentinfo"


def test_nested_landmark_path() -> None:
    el = [e for e in extract_skeleton('<header><nav><a href="/x">X</a></nav></header>').elements if e.role == "link"][0]
    assert el.landmark == "banner > navigation"


# --- accessible names (accname 1.2) ---------------------------------------------------------------

def test_aria_labelledby_wins_and_concatenates() -> None:
    html = '<span id="a">Votre</span><span id="b" hidden>adresse</span><input aria-labelledby="a b" aria-label="no">'
    assert only(html).name == "Votre adresse"  # a hidden referenced node still names


def test_aria_label_beats_content() -> None:
    assert only('<button aria-label="Fermer la fenêtre">×</button>').name == "Fermer la fenêtre"


def test_label_for_and_wrapping_label() -> None:
    assert only('<label for="n">Nom <abbr title="obligatoire">*</abbr></label><input id="n">').name == "Nom *"
    assert only("<label>Prénom <input></label>").name == "Prénom"
    assert only("<label><span>Ville</span><select><option>Paris</option></select></label>").name == "Ville"


def test_label_for_a_repeated_id_labels_the_first_element_only() -> None:
    # HTML: label[for] labels the first element of its tree with that id; every such label is part of its name
    html = ('<form><label for="x">Nom</label><input id="x"><label for="x">Nom</label><input id="x"></form>')
    fields = [e for e in extract_skeleton(html).elements if e.role == "textbox"]
    assert [f.name for f in fields] == ["Nom Nom", ""]


def test_alt_of_image_link() -> None:
    assert only('<a href="/"><img src="logo-v3.png" alt="Caf.fr - Accueil"></a>').name == "Caf.fr - Accueil"


def test_title_and_placeholder_fallbacks() -> None:
    assert only('<a href="/x" title="Imprimer"><svg></svg></a>').name == "Imprimer"
    assert only('<input placeholder="Rechercher">').name == "Rechercher"
    assert only('<input title="Code postal">').name == "Code postal"


def test_submit_value_and_default() -> None:
    assert only('<input type="submit" value="Valider">').name == "Valider"
    assert only('<input type="submit">').name == "Envoyer"


def test_button_text_with_nested_spans_and_hidden_parts() -> None:
    html = ('<button><span class="i" aria-hidden="true">→</span><span>Se </span><strong>connecter</strong>'
            '<span style="display:none">caché</span><span data-watcher-visible="false">aussi</span></button>')
    assert only(html).name == "Se connecter"


def test_block_children_are_separate_words() -> None:
    assert only('<a href="/x"><div>Mon</div><div>compte</div></a>').name == "Mon compte"
    assert only('<a href="/x"><span>Mon</span><span>compte</span></a>').name == "Moncompte"


def test_svg_title_and_whitespace_normalisation() -> None:
    assert only('<button><svg><title>Menu</title></svg></button>').name == "Menu"
    assert only("<a href='/x'>  Mes\u00a0 \n démarches\u200b </a>").name == "Mes démarches"


# --- states ---------------------------------------------------------------------------------------

def test_field_states() -> None:
    el = only('<select aria-label="Titre" required><option>CNI</option><option label="Passeport">P</option>'
              '<option hidden>x</option></select>')
    assert (el.control, el.required, el.options) == ("select", True, ("CNI", "Passeport"))
    assert only('<fieldset disabled><input aria-label="x"></fieldset>').disabled
    assert only('<input type="checkbox" aria-label="x" data-watcher-checked="true">').checked is True
    assert only('<input type="email" aria-label="x" aria-required="true">').control == "email"
    assert only('<input type="email" aria-label="x" aria-required="true">').required
    assert only('<div role="heading" aria-level="4">x</div>').level == 4
    assert only('<a href="/x" data-watcher-box="10,20,30,40">x</a>').box == (10, 20, 30, 40)


# --- hidden content -------------------------------------------------------------------------------

@pytest.mark.parametrize("html", [
    '<a href="/x" hidden>x</a>',
    '<div aria-hidden="true"><a href="/x">x</a></div>',
    '<div style="color:red; display: none"><a href="/x">x</a></div>',
    '<div style="visibility:hidden"><a href="/x">x</a></div>',
    '<div data-watcher-visible="false"><a href="/x">x</a></div>',
    '<input type="hidden" name="csrf" value="1">',
    '<details><summary>Plus</summary><div hidden><a href="/x">x</a></div></details>',
    '<dialog><button>x</button></dialog>',
    '<noscript><a href="/x">x</a></noscript><template><a href="/y">y</a></template>',
])
def test_hidden_elements_are_left_out(html: str) -> None:
    # (a closed <details> shows its content once its summary is used: see the revealable tests)
    assert [e for e in roles(html) if e[0] != "button" or "Plus" not in e[1]] == []


def test_visible_child_of_hidden_parent() -> None:
    # visibility can be undone by a descendant; capture measures rendered descendants (data-watcher-box).
    assert roles('<div style="visibility:hidden"><a style="visibility:visible" href="/x">x</a></div>') == [("link", "x")]
    assert roles('<div data-watcher-visible="false"><a data-watcher-box="0,0,9,9" href="/x">x</a></div>') == [("link", "x")]


def test_ignore_selectors_remove_subtrees() -> None:
    html = '<div id="promo"><a href="/p">Promo</a></div><ul class="news live"><li><a href="/n">N</a></li></ul><a href="/k">K</a>'
    sk = extract_skeleton(html, ignore=["#promo", "ul.news > li"])
    assert [e.name for e in sk.elements] == ["K"]
    assert compile_selectors(["div [data-x^='a']"])  # attribute operators parse
    with pytest.raises(ValueError):
        compile_selectors(["a:hover"])


# --- targets --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("href", "expected"), [
    ("/mon-compte?utm_source=nl&utm_medium=mail&xtor=CS1", "https://www.caf.fr/mon-compte"),
    ("aides?b=2&a=1&fbclid=XYZ&gclid=1", "https://www.caf.fr/dossier/aides?a=1&b=2"),
    ("#contenu", "#contenu"),
    ("HTTPS://WWW.CAF.FR:443/x#frag", "https://www.caf.fr/x#frag"),
    ("/x;jsessionid=0A1B2C?y=1", "https://www.caf.fr/x?y=1"),
    ("/x?token=3f2a9c1b4d5e6f708192a3b4c5d6e7f8", "https://www.caf.fr/x?token=%2A"),
    ("javascript:void(openPopup(42))", "javascript:"),
    ("mailto:contact@caf.fr", "mailto:contact@caf.fr"),
])
def test_targets_are_normalised(href: str, expected: str) -> None:
    assert normalize_target(href, "https://www.caf.fr/dossier/page") == expected


def test_base_url_from_capture_then_base_element() -> None:
    html = '<html data-watcher-url="https://a.fr/p/"><head><base href="/b/"></head><body><a href="x">x</a></body></html>'
    sk = extract_skeleton(html)
    assert sk.url == "https://a.fr/p/"
    assert sk.elements[0].target == "https://a.fr/b/x"
    assert extract_skeleton('<a href="x">x</a>', base_url="https://c.fr/d/").elements[0].target == "https://c.fr/d/x"


# --- structure helpers ----------------------------------------------------------------------------

def test_repeated_blocks_and_context() -> None:
    html = """<nav aria-label="Menu"><ul><li><a href="/a">A</a></li><li><a href="/b">B</a></li><li><a href="/c">C</a></li></ul></nav>
    <main><h2>Actualités</h2><div><a href="/n1">N1</a></div><p>texte</p></main>"""
    sk = extract_skeleton(html)
    links = {e.name: e for e in sk.elements if e.role == "link"}
    assert links["A"].repeat and links["A"].repeat == links["C"].repeat
    assert [links[n].repeat_item for n in "ABC"] == [0, 1, 2]
    assert links["A"].context == "Menu"
    assert links["N1"].context == "Actualités" and not links["N1"].repeat


def test_json_round_trip_and_render() -> None:
    html = '<header><nav><a href="/mon-compte">Mon Compte</a></nav></header><main><label>Nom <input required></label></main>'
    sk = extract_skeleton(html, base_url="https://www.caf.fr/")
    assert Skeleton.from_json(sk.to_json()) == sk
    text = render_skeleton_text(sk)
    assert "    lien « Mon Compte » → /mon-compte" in text.splitlines()
    assert "champ « Nom » (obligatoire)" in text
    assert "link “Mon Compte”" in render_skeleton_text(sk, lang="en")


def test_the_listing_quotes_landmark_names_the_language_s_way() -> None:
    sk = extract_skeleton('<nav aria-label="Principal"><a href="/a">Aide</a></nav>', base_url="https://x.fr/")
    assert render_skeleton_text(sk).splitlines()[0] == "[menu « Principal »]"
    english = render_skeleton_text(sk, lang="en")
    assert english.splitlines()[0] == "[menu “Principal”]" and "«" not in english


def test_empty_or_odd_documents() -> None:
    assert extract_skeleton("").elements == []
    assert extract_skeleton("   ").elements == []
    xml_decl = '<?xml version="1.0" encoding="iso-8859-1"?><html><body><a href="/é">Été</a></body></html>'
    assert [e.name for e in extract_skeleton(xml_decl).elements] == ["Été"]


# --- issue 14: forms, disclosures, empty anchors, generated ids, equivalent targets ----------------


def test_unnamed_forms_are_listed_for_their_destination_but_are_no_landmark() -> None:
    sk = extract_skeleton('<body><form action="/send"><label>Nom <input></label></form></body>',
                          base_url="https://www.example.fr/page")
    form, field = sk.elements
    assert (form.role, form.name, form.target) == ("form", "", "https://www.example.fr/send")
    assert field.landmark == "" and field.in_form and not form.in_form
    assert [e.role for e in extract_skeleton("<body><form><input></form></body>").elements] == ["textbox"]


def test_forms_wrapping_a_page_and_disclosures_are_marked() -> None:
    wrapper = extract_skeleton('<body><form action="x.aspx"><nav><a href="/a">A</a></nav><main>'
                               '<button aria-expanded="false">Plus</button><input></main></form></body>').elements
    assert not any(e.in_form for e in wrapper)
    assert [e.expands for e in wrapper if e.role == "button"] == [True]


@pytest.mark.parametrize("html", ['<a href="#ancre"></a>', '<a href="/x">  </a>', '<a href="/x"><span></span></a>',
                                  '<a href="/x" data-watcher-box="5,5,0,12"><img src="a.png"></a>'])
def test_empty_sizeless_anchors_are_left_out(html: str) -> None:
    assert extract_skeleton(f"<body>{html}</body>").elements == []


def test_ids_in_names_are_masked_only_when_they_are_identifiers_of_the_page() -> None:
    assert only('<a id="item-5f2c" href="/i">Entrée item-5f2c</a>').name == "Entrée …"
    assert only('<a href="/d" aria-describedby="d-2025-118734">Dossier 2025-118734</a>').name == "Dossier …"
    assert only('<a href="/rapport-2024.pdf">Rapport 2024</a>').name == "Rapport 2024"
    assert only('<button aria-controls="tab3x9">Onglet tab3x9</button>').name == "Onglet …"
    assert only('<a href="/cerfa">Cerfa 12100*02</a>').name == "Cerfa 12100*02"
    assert only('<a href="/etapes/3">Étape 3 sur 4</a>').name == "Étape 3 sur 4"


@pytest.mark.parametrize(("a", "b"), [
    ("tel:0033241000000", "tel:+33 2 41 00 00 00"), ("tel:02.41.00.00.00", "tel:02-41-00-00-00"),
    ("mailto:Contact@Exemple.fr", "mailto:contact@exemple.fr"), ("https://a.fr/x/", "https://a.fr/x"),
    ("http://a.fr/x", "https://a.fr/x"), ("https://a.fr:443/", "https://a.fr"), ("/aide/", "/aide"),
])
def test_equivalent_targets_have_one_key(a: str, b: str) -> None:
    assert target_key(normalize_target(a, None)) == target_key(normalize_target(b, None))


def test_different_targets_keep_different_keys() -> None:
    assert target_key("https://a.fr/x") != target_key("https://b.fr/x")
    assert target_key("tel:0241000000") != target_key("tel:0241000001")
    assert target_key("https://a.fr/x?id=1") != target_key("https://a.fr/x?id=2")


def test_placeholders_and_fragments_lead_nowhere() -> None:
    assert not is_destination("[url - à modifier]") and not is_destination("#") and not is_destination("{{ url }}")
    assert not is_destination("javascript:") and not is_destination(None)
    assert is_destination("https://a.fr/docs/Guide%20usager.pdf") and is_destination("/recherche?f[0]=x")


def test_skeletons_stored_by_older_rules_are_rebuilt_from_the_dom(tmp_path: Path) -> None:
    import json

    from watcher.detect.skeleton import SKELETON_VERSION
    from watcher.store.reader import SnapshotReader

    html = '<html><body><a id="r-8c41e2" href="/r">Rubrique r-8c41e2</a></body></html>'
    (tmp_path / "dom.html").write_text(html, encoding="utf-8")
    old = {"version": 1, "url": None, "elements": [{"role": "link", "name": "Rubrique r-8c41e2", "landmark": "",
                                                     "order": 0, "target": "/r"}]}
    (tmp_path / "skeleton.json").write_text(json.dumps(old), encoding="utf-8")
    assert [e.name for e in SnapshotReader(tmp_path).skeleton().elements] == ["Rubrique …"]
    current = extract_skeleton(html).to_json()
    assert current["version"] == SKELETON_VERSION
    current["elements"][0]["name"] = "kept as stored"
    (tmp_path / "skeleton.json").write_text(json.dumps(current), encoding="utf-8")
    assert [e.name for e in SnapshotReader(tmp_path).skeleton().elements] == ["kept as stored"]
