"""Matching, typed changes, severities, noise and summaries of the structural diff."""

from __future__ import annotations

import json

from watcher.changes import Change, Kind, Severity, is_alert, max_severity
from watcher.skeleton import Element, Skeleton, extract_skeleton
from watcher.structural import diff_skeletons, similarity

MENU = ["Mon Compte", "Aides", "Actualités", "Contact", "Aide en ligne"]


def page(menu: list[str] = MENU, main: str = "", footer: str = "") -> str:
    items = "".join(f'<li><a href="/{n.lower().replace(" ", "-")}">{n}</a></li>' for n in menu)
    return (f'<html data-watcher-url="https://www.caf.fr/"><body><header><nav aria-label="Menu principal"><ul>{items}'
            f"</ul></nav></header><main><h1>Accueil</h1>{main}</main><footer>{footer}</footer></body></html>")


def diff(before: str, after: str) -> list[Change]:
    return diff_skeletons(extract_skeleton(before), extract_skeleton(after))


def kinds(changes: list[Change]) -> list[tuple[str, str]]:
    return [(c.kind.value, c.role) for c in changes if not c.noise]


def test_identical_pages_have_no_change() -> None:
    assert diff(page(), page()) == []


def test_single_rename_in_a_stable_menu_is_not_noise() -> None:
    changes = diff(page(), page().replace(">Actualités<", ">Infos<"))
    assert len(changes) == 1
    change = changes[0]
    assert (change.kind, change.noise, change.severity) == (Kind.RENAMED, False, Severity.MAJOR)
    assert change.summary() == "Le lien « Actualités » s'appelle désormais « Infos » (menu de l'en-tête)"
    assert change.summary("en") == "The link “Actualités” is now called “Infos” (menu of the header)"


def test_menu_entry_moved_within_menu_and_to_another_landmark() -> None:
    moved = diff(page(), page(["Aides", "Actualités", "Contact", "Aide en ligne", "Mon Compte"]))
    assert kinds(moved) == [("moved", "link")] and moved[0].severity == Severity.MAJOR
    assert moved[0].summary() == "Le lien « Mon Compte » a changé de place (menu de l'en-tête)"
    to_footer = diff(page(footer='<a href="/x">Plan</a>'), page(MENU[:-1], footer='<a href="/x">Plan</a><a href="/aide-en-ligne">Aide en ligne</a>'))
    assert kinds(to_footer) == [("moved", "link")]
    assert to_footer[0].summary() == "Le lien « Aide en ligne » a été déplacé du menu de l'en-tête vers le pied de page"


def test_adjacent_swap_is_not_a_clear_move() -> None:
    assert diff(page(), page(["Aides", "Mon Compte", "Actualités", "Contact", "Aide en ligne"])) == []


def test_new_wrapper_landmark_moves_nothing() -> None:
    before = '<body><a href="/a">A</a><button>B</button></body>'
    after = '<body><main><a href="/a">A</a><button>B</button></main></body>'
    assert kinds(diff(before, after)) == [("added", "main")]
    assert not is_alert(diff(before, after))


def test_link_becoming_a_button_with_the_same_words_is_no_change() -> None:
    assert diff('<body><a href="/go">Continuer</a></body>', "<body><button>Continuer</button></body>") == []


def test_control_change_is_removed_plus_added() -> None:
    before = '<body><label for="c">Commune</label><input id="c"></body>'
    after = '<body><label for="c">Commune</label><select id="c"><option>Paris</option></select></body>'
    changes = diff(before, after)
    assert kinds(changes) == [("removed", "textbox"), ("added", "combobox")]
    assert all(c.severity >= Severity.MINOR for c in changes) and is_alert(changes)
    email = '<body><label for="c">Commune</label><input id="c" type="email"></body>'
    assert diff(before, email) == []  # typed the same way
    date = '<body><label for="c">Commune</label><input id="c" type="date"></body>'
    assert kinds(diff(before, date)) == [("removed", "textbox"), ("added", "textbox")]


def test_required_changes_and_added_fields() -> None:
    before = '<body><form aria-label="F"><label>Nom <input></label></form></body>'
    required = diff(before, before.replace("<input>", "<input required>"))
    assert kinds(required) == [("required_changed", "textbox")] and required[0].severity == Severity.MAJOR
    assert required[0].summary() == "Le champ « Nom » est désormais obligatoire (formulaire)"
    added = diff(before, before.replace("</form>", "<label>Ville <input required></label></form>"))
    assert kinds(added) == [("added", "textbox")] and added[0].severity == Severity.MAJOR
    assert added[0].summary() == "Un champ obligatoire « Ville » a été ajouté (formulaire)"
    # Issue 14: any field added inside a form changes the step a person learned, required or not.
    optional = diff(before, before.replace("</form>", "<label>Ville <input></label></form>"))
    assert optional[0].severity == Severity.MAJOR and optional[0].rule == "added-control-in-form"


def test_target_changes() -> None:
    before = '<body><a href="/mon-compte">Mon compte</a><a href="#c1">Aller au contenu</a></body>'
    changed = diff(before, before.replace("/mon-compte", "/espace"))
    # Issue 14: another page of the same site, outside menus, is the site reorganising its addresses.
    assert kinds(changed) == [("target_changed", "link")] and changed[0].severity == Severity.MINOR
    assert changed[0].rule == "link-target-same-site"
    in_menu = before.replace("<body>", "<body><nav>").replace("</body>", "</nav></body>")
    moved = diff(in_menu, in_menu.replace("/mon-compte", "/espace"))
    assert moved[0].severity == Severity.MAJOR and moved[0].rule == "link-target"
    assert diff(before, before.replace("#c1", "#c2")) == []  # generated anchors
    assert diff(before, before.replace("/mon-compte", "/mon-compte?utm_source=x&xtor=AD-1")) == []


def test_rename_keeps_target_and_position() -> None:
    before = '<body><main><a href="/a">Alpha</a><button>Se connecter</button><a href="/z">Zoulou</a></main></body>'
    after = before.replace("Se connecter", "Accéder à mon espace")
    changes = diff(before, after)
    assert kinds(changes) == [("renamed", "button")]
    assert changes[0].summary() == "Le bouton « Se connecter » s'appelle désormais « Accéder à mon espace » (contenu principal)"
    same_target = diff('<body><a href="/aides">Aides</a></body>', '<body><a href="/aides">Toutes les aides</a></body>')
    assert kinds(same_target) == [("renamed", "link")]


def test_cosmetic_and_numeric_renames() -> None:
    assert diff("<body><button>Se connecter</button></body>", "<body><button>SE CONNECTER ›</button></body>") == []
    numeric = diff('<body><a href="/m">Messages (2)</a></body>', '<body><a href="/m">Messages (3)</a></body>')
    assert kinds(numeric) == [("renamed", "link")] and numeric[0].severity == Severity.MINOR


def news(titles: list[str]) -> str:
    cards = "".join(f'<li><img src="/i.jpg" alt=""><h3><a href="/n/{t}">{t}</a></h3><p>1 mars</p></li>' for t in titles)
    return f'<section aria-label="À la une"><ul>{cards}</ul></section>'


def test_rotating_news_is_noise_but_stays_listed() -> None:
    changes = diff(page(main=news(["Un", "Deux", "Trois", "Quatre"])), page(main=news(["Cinq", "Six", "Sept", "Huit"])))
    assert changes and all(c.noise and c.severity == Severity.INFO for c in changes)
    assert not is_alert(changes)
    assert changes[0].summary().endswith("— contenu qui change régulièrement")


def test_news_feed_shift_is_noise() -> None:
    changes = diff(page(main=news(["Un", "Deux", "Trois", "Quatre"])), page(main=news(["Zéro", "Un", "Deux", "Trois"])))
    assert changes and all(c.noise for c in changes)


def test_one_card_removed_in_the_middle_is_not_noise() -> None:
    changes = diff(page(main=news(["Un", "Deux", "Trois", "Quatre"])), page(main=news(["Un", "Deux", "Quatre"])))
    assert not any(c.noise for c in changes) and is_alert(changes)


def test_options_of_a_select() -> None:
    before = '<body><label for="s">Situation</label><select id="s"><option>Seul</option><option>En couple</option><option>Autre</option></select></body>'
    changes = diff(before, before.replace("<option>Autre</option>", ""))
    assert kinds(changes) == [("removed", "option")] and changes[0].severity == Severity.MAJOR
    assert changes[0].summary() == "L'option « Autre » a été retirée de la liste « Situation »"
    slots = before.replace("Seul", "Lundi 9h").replace("En couple", "Mardi 10h").replace("Autre", "Jeudi 14h")
    assert all(c.noise for c in diff(before, slots))


def test_whole_cookie_dialog_appearing_is_minor() -> None:
    dialog = '<div role="dialog" aria-label="Cookies"><button>Tout accepter</button><button>Tout refuser</button></div>'
    changes = diff(page(), page(main=dialog))
    assert kinds(changes) == [("added", "button"), ("added", "button")]
    removed = diff(page(main=dialog), page())
    assert not is_alert(removed)


def test_severity_order_and_alerts() -> None:
    assert Severity.INFO < Severity.MINOR < Severity.MAJOR < Severity.BREAKING
    assert Severity.MAJOR >= "major" and max(Severity, key=lambda s: s.rank) is Severity.BREAKING
    el = Element(role="button", name="OK", landmark="main", order=0)
    change = Change(Kind.REMOVED, "button", el, None, "main", Severity.MINOR)
    assert not is_alert([change])
    assert is_alert([change.with_severity(Severity.BREAKING)])
    assert is_alert([change], min_severity=Severity.MINOR)
    assert not is_alert([Change(Kind.REMOVED, "button", el, None, "main", Severity.MAJOR, noise=True)])
    assert max_severity([change]) is Severity.MINOR and max_severity([]) is None


def test_change_json_contract() -> None:
    changes = diff(page(), page().replace(">Actualités<", ">Infos<"))
    data = json.loads(json.dumps(changes[0].to_json("en")))
    assert {"kind", "role", "before", "after", "landmark", "severity", "summary"} <= data.keys()
    assert data["kind"] == "renamed" and data["role"] == "link" and data["severity"] == "major"
    assert data["before"]["name"] == "Actualités" and data["after"]["name"] == "Infos"
    assert data["landmark"] == "banner > navigation"
    assert data["summary"].startswith("The link")


def test_diff_of_skeletons_loaded_from_json() -> None:
    sk = extract_skeleton(page(main=news(["Un", "Deux", "Trois"])))
    again = Skeleton.from_json(json.loads(json.dumps(sk.to_json())))
    assert diff_skeletons(sk, again) == []


def test_similarity() -> None:
    assert similarity("Se connecter", "se connecter") == 1.0
    assert similarity("Mon compte", "Mon espace") > similarity("Mon compte", "Contact")
    assert similarity("", "") == 1.0 and similarity("", "x") == 0.0
