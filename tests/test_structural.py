"""Matching, typed changes, severities, noise and summaries of the structural diff."""

from __future__ import annotations

import json

from watcher.detect.changes import Change, Kind, Severity, is_alert, max_severity
from watcher.detect.skeleton import Element, Skeleton, extract_skeleton
from watcher.detect.structural import diff_skeletons, similarity

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
    assert kinds(changed) == [("target_changed", "link")] and changed[0].severity == Severity.MAJOR
    # A link to another site now leading to another page of that site: that site reorganised its addresses.
    docs = '<body><a href="/a">A</a><a href="https://docs.example.org/v1/forms">Documentation</a></body>'
    moved = diff(docs, docs.replace("/v1/forms", "/current/fr/forms"))
    assert moved[0].severity == Severity.MINOR and moved[0].rule == "external-link-path"
    page_url = docs.replace("<body>", '<html data-watcher-url="https://docs.example.org/"><body>')
    own = diff(page_url, page_url.replace("/v1/forms", "/current/fr/forms"))
    assert own[0].severity == Severity.MAJOR and own[0].rule == "link-target"
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


# --- issue 14: added controls, steppers and counters, destinations, names and targets as people see them ---


def alert_rules(before: str, after: str) -> list[tuple[str, str, str]]:
    """(kind, role, rule) of the changes that alert."""
    return [(c.kind.value, c.role, c.rule) for c in diff(before, after)
            if not c.noise and c.severity >= Severity.MAJOR]


SHOP = ('<html><body><header><a href="/">Home</a><button>Menu</button></header><main><h1>Apply</h1>{main}</main>'
        '<aside><form action="/newsletter"><label>E-mail <input type="email"></label>{aside}</form></aside>'
        '<footer><a href="/legal">Legal notice</a></footer></body></html>')


def shop(main: str = "", aside: str = "") -> str:
    return SHOP.replace("{main}", main).replace("{aside}", aside)


def test_controls_added_where_people_act_alert_wherever_the_form_sits() -> None:
    form = '<form action="/apply"><label>Name <input name="n"></label>{x}<button>Send</button></form>'
    base = shop(main=form.replace("{x}", ""))
    for added, role in [('<button type="button">Save as draft</button>', "button"),
                        ('<label><input type="checkbox"> I am a student</label>', "checkbox"),
                        ('<label>Phone <input type="tel"></label>', "textbox")]:
        assert alert_rules(base, shop(main=form.replace("{x}", added))) == [("added", role, "added-control-in-form")]
    # A form in a side box: still a form a person fills.
    assert alert_rules(shop(), shop(aside="<button>Unsubscribe</button>")) == [
        ("added", "button", "added-control-in-form")]
    # Controls of a page's task without a <form> element (a script-driven step).
    step = '<div><label>Amount <input type="number"></label>{x}<button>Next</button></div>'
    assert alert_rules(shop(main=step.replace("{x}", "")),
                       shop(main=step.replace("{x}", '<label><input type="radio" name="r"> Monthly</label>'))) == [
        ("added", "radio", "added-control-in-form")]


def test_controls_added_outside_the_task_area_or_that_only_reveal_stay_minor() -> None:
    header = shop().replace("<button>Menu</button>", "<button>Menu</button><button>Dark mode</button>")
    assert alert_rules(shop(), header) == []
    disclosure = '<button aria-expanded="false" aria-controls="p1">Show the example</button><div id="p1" hidden>x</div>'
    assert alert_rules(shop(), shop(main=disclosure)) == []
    link_in_text = "<p>Read the <a href='/guide'>guide</a> before you start, then come back to this page.</p>"
    assert alert_rules(shop(), shop(main=link_in_text)) == []
    # A <form> holding the whole page (ASP.NET) is no form a person fills: its header stays chrome.
    wrapper = "<html><body><form action='/page.aspx'><header><a href='/'>Home</a>{x}</header><main><h1>T</h1>" \
        "<a href='/a'>A</a><a href='/b'>B</a></main></form></body></html>"
    assert alert_rules(wrapper.replace("{x}", ""), wrapper.replace("{x}", "<button>Print</button>")) == []


def test_a_list_gaining_or_losing_choices_alerts_but_a_list_of_slots_is_dynamic() -> None:
    select = '<label>Country <select>{opts}</select></label>'
    opts = "".join(f"<option>{c}</option>" for c in ["Belgium", "France", "Italy", "Spain"])
    base = shop(main=select.replace("{opts}", opts))
    gained = shop(main=select.replace("{opts}", opts + "<option>Portugal</option>"))
    assert alert_rules(base, gained) == [("added", "option", "options-changed")]
    lost = shop(main=select.replace("{opts}", opts.replace("<option>Italy</option>", "")))
    assert alert_rules(base, lost) == [("removed", "option", "options-changed")]
    placeholder = shop(main=select.replace("{opts}", "<option disabled>Choose</option>" + opts))
    assert diff(base, placeholder) == []  # a disabled placeholder is not a choice
    slots = shop(main=select.replace("{opts}", "<option>9:00</option><option>9:30</option>"))
    later = shop(main=select.replace("{opts}", "<option>14:00</option><option>14:30</option>"))
    assert alert_rules(slots, later) == []


def test_a_step_indicator_changing_alerts_a_counter_does_not() -> None:
    stepper = shop(main="<h2>Step 2 of 5 <span>Your income</span></h2>")
    assert alert_rules(stepper, stepper.replace("2 of 5", "2 of 6")) == [("renamed", "heading", "step-count")]
    assert alert_rules(stepper, stepper.replace("2 of 5", "3 of 5")) == [("renamed", "heading", "step-count")]
    slash = shop(main="<h3>Étape 4/4 : confirmation</h3>")
    assert alert_rules(slash, slash.replace("4/4", "4/5")) == [("renamed", "heading", "step-count")]
    # Counters: in a link or a badge, and in a heading without a position and total.
    badge = shop(main='<a href="/inbox">Inbox <span class="badge">1 new message</span></a>')
    assert alert_rules(badge, badge.replace("1 new message", "12 new messages")) == []
    results = shop(main="<h2>Résultats (12)</h2>")
    assert alert_rules(results, results.replace("12", "7")) == []


def test_a_form_sending_elsewhere_alerts_named_or_not() -> None:
    form = '<form action="{a}" method="post"><label>Login <input></label><button>Log in</button></form>'
    before = shop(main=form.replace("{a}", "/account/login"))
    for action in ("https://auth.example.org/account/login", "/account/signin"):
        changes = [c for c in diff(before, shop(main=form.replace("{a}", action))) if not c.noise]
        assert [(c.kind.value, c.role, c.rule) for c in changes] == [("target_changed", "form", "form-destination")]
        assert changes[0].severity == Severity.MAJOR and changes[0].before is not None
        assert changes[0].summary("en").startswith("The form now submits to")
    assert diff(before, shop(main=form.replace("{a}", "/account/login?token=8f3a1c9e2b7d4f60a1b2"))) == []
    named = before.replace("<form ", '<form aria-label="Sign in" ')
    assert alert_rules(named, named.replace("/account/login", "/v2/login")) == [
        ("target_changed", "form", "form-destination")]


def test_a_link_moving_to_another_host_alerts_even_in_the_footer() -> None:
    before = shop()
    after = before.replace('<a href="/legal">Legal notice</a>', '<a href="https://other.example.net/legal">Legal notice</a>')
    assert alert_rules(before, after) == [("target_changed", "link", "link-other-host")]


def test_generated_ids_in_names_are_masked() -> None:
    before = shop(main='<button id="b-91fa2c">Delete b-91fa2c</button>'
                       '<a href="/files" id="f1" aria-describedby="note-48213">File 48213</a><p id="note-48213">x</p>'
                       '<a href="#" aria-controls="panel-x7k2">Section panel-x7k2</a><div id="panel-x7k2"></div>')
    after = (before.replace("91fa2c", "c03e77").replace("48213", "50917").replace("x7k2", "q9z4"))
    assert [c for c in diff(before, after) if not c.noise and c.severity >= Severity.MINOR
            and c.kind != Kind.TARGET_CHANGED] == []
    names = [e.name for e in extract_skeleton(before).elements if e.role in ("button", "link")]
    assert "Delete …" in names and "File …" in names and "Section …" in names
    # Numbers that are no identifier of the page stay: a form number, a year, a step.
    kept = extract_skeleton(shop(main='<a href="/forms/cerfa">Formulaire 2042</a>')).elements
    assert any(e.name == "Formulaire 2042" for e in kept)


def test_homonyms_are_paired_by_target_then_position() -> None:
    card = '<article><h3>{t}</h3><p>Text</p><a href="{h}">Read more</a></article>'
    items = [("Open days", "/n/9"), ("Open days", "/n/8"), ("Forum", "/n/7"), ("Closing", "/n/6")]

    def feed(xs: list[tuple[str, str]]) -> str:
        return shop(main="<section aria-label='News'>" + "".join(
            card.replace("{t}", t).replace("{h}", h) for t, h in xs) + "</section>")

    rotated = [("Open days", "/n/10")] + items[:-1]
    assert alert_rules(feed(items), feed(rotated)) == []
    # Plain list (one link per item): a new homonym at the top, the oldest out at the bottom.
    lst = '<h2>News</h2><ul>{li}</ul>'

    def plain(xs: list[tuple[str, str]]) -> str:
        return shop(main=lst.replace("{li}", "".join(f'<li><a href="{h}">{t}</a></li>' for t, h in xs)))

    assert alert_rules(plain(items), plain(rotated)) == []
    # A homonym whose target really changed is still reported.
    moved = [items[0], ("Open days", "/elsewhere")] + items[2:]
    assert [(c.kind.value, c.role) for c in diff(plain(items), plain(moved)) if not c.noise] == [
        ("target_changed", "link")]


def test_empty_sizeless_anchors_are_not_links() -> None:
    base = shop(main="<p>Text</p>")
    for anchor in ('<a href="#top"></a>', '<a id="x" href="/page"> </a>', '<a href="/p"><span></span></a>',
                   '<a href="/p" data-watcher-box="10,20,0,0"><img src="i.png"></a>'):
        assert diff(base, shop(main=anchor + "<p>Text</p>")) == [], anchor
    for anchor in ('<a href="/p"><img src="logo.png"></a>', '<a href="/p" data-watcher-box="0,0,24,24"></a>'):
        assert [c.kind.value for c in diff(base, shop(main=anchor + "<p>Text</p>"))] == ["added"], anchor


def test_equivalent_targets_are_equal() -> None:
    pairs = [("tel:0033 1 23 45 67 89", "tel:+33.1.23.45.67.89"), ("tel:01-23-45-67-89", "tel:01 23 45 67 89"),
             ("mailto:Accueil@Mairie.FR", "mailto:accueil@mairie.fr"), ("/aides/", "/aides"),
             ("http://www.example.org/a", "https://www.example.org/a/"), ("https://example.org:443/a", "https://example.org/a"),
             ("http://example.org:80/", "https://example.org")]
    for old, new in pairs:
        before = shop(main=f'<nav aria-label="Quick"><a href="{old}">Call us</a></nav>')
        assert diff(before, before.replace(old, new)) == [], (old, new)
    before = shop(main='<nav aria-label="Quick"><a href="tel:0123456789">Call us</a></nav>')
    assert [c.kind.value for c in diff(before, before.replace("0123456789", "0123456780"))] == ["target_changed"]


def test_relative_dates_and_times_in_names_are_noise() -> None:
    for old, new in [("Publié il y a 3 min", "Publié il y a 2 heures"), ("Updated 5 minutes ago", "Updated yesterday"),
                     ("Mis à jour aujourd'hui à 10 h 30", "Mis à jour hier à 9 h"),
                     ("Réunion du 12 mars 2025", "Réunion du 3 avril 2025"), ("Posted on March 3, 2025", "Posted on Apr 1, 2025"),
                     ("Bulletin 12/03/2025", "Bulletin 2025-04-01"), ("Ouvert lundi 8:30", "Ouvert mardi 9:00")]:
        before = shop(main=f'<nav aria-label="Quick"><a href="/x">{old}</a></nav>')
        assert diff(before, before.replace(old, new)) == [], (old, new)


def test_the_deciding_rule_is_in_the_json() -> None:
    change = diff(page(), page().replace(">Actualités<", ">Infos<"))[0]
    assert change.to_json()["rule"] == "step" and change.to_json()["severity"] == "major"


def test_explain_names_the_deciding_rule() -> None:
    from watcher.cli.commands.coordinator import rule_of

    form = '<form action="/a"><label>Nom <input></label>{x}<button>Envoyer</button></form>'
    change = diff(page(main=form.replace("{x}", "")), page(main=form.replace("{x}", "<button>Brouillon</button>")))[0]
    assert rule_of(change, "fr").endswith("[added-control-in-form]")
    assert "where the person acts" in rule_of(change, "en")


def test_menu_entries_added_alert_links_in_text_do_not() -> None:
    menu = '<html><body><header><nav aria-label="Main"><ul><li><a href="/a">Apply</a></li><li><a href="/b">Help</a>' \
        '</li>{x}</ul></nav></header><main><h1>T</h1><p>Text <a href="/c">c</a>{y}</p></main></body></html>'
    base = menu.replace("{x}", "").replace("{y}", "")
    assert alert_rules(base, menu.replace("{x}", '<li><a href="/n">News</a></li>').replace("{y}", "")) == [
        ("added", "link", "added-menu-entry")]
    assert alert_rules(base, menu.replace("{x}", "").replace("{y}", ' and <a href="/d">d</a>')) == []
    pages = '<html><body><main><h1>Results</h1><a href="/r1">R1</a><a href="/r2">R2</a><nav aria-label="Pages">' \
        '<a href="?p=1">1</a><a href="?p=2">2</a>{x}</nav></main></body></html>'
    assert alert_rules(pages.replace("{x}", ""), pages.replace("{x}", '<a href="?p=3">3</a>')) == []


def test_what_people_do_not_see_change_stays_minor() -> None:
    def one(before_html: str, after_html: str) -> list[str]:
        page_of = "<html><body><header><a href='/'>Home</a></header><main><h1>T</h1><a href='/x'>X</a>{x}</main>" \
            "<footer><a href='/legal'>Legal</a></footer>{o}</body></html>"
        b, a = (page_of.replace("{x}", h[0]).replace("{o}", h[1]) for h in (before_html, after_html))
        return [c.rule for c in diff(b, a) if not c.noise and c.severity >= Severity.MINOR]

    assert one(("", ""), ("", '<div role="button" tabindex="0" aria-label="Open chat"></div>')) in (
        ["page-overlay"], ["icon-widget"])
    assert one(('<a href="/"><img alt="Service - home" src="l.png"></a>', ""),
               ('<a href="/"><img alt="The new service - home" src="l.png"></a>', "")) == ["unseen-name"]
    assert one(('<button>Search<svg><title>Search icon</title></svg></button>', ""),
               ('<button>Search<svg><title>Magnifier</title></svg></button>', "")) == ["unseen-name"]
    assert one(('<a href="/s">Search <span class="sr-only">the catalogue</span></a>', ""),
               ('<a href="/s">Search <span class="sr-only">all products</span></a>', "")) == ["unseen-name"]
    assert one(('<a href="/w">Watch <span class="product-badge">New</span></a>', ""),
               ('<a href="/w">Watch <span class="label">Coming soon</span></a>', "")) == ["badge"]
    assert one(('<a href="/p">nav.products_title</a>', ""), ('<a href="/p">Our products</a>', "")) == ["template-key"]
    assert one(("", '<div role="dialog" aria-label="Cookies"><a href="/c">Settings - opens in a new window</a></div>'),
               ("", '<div role="dialog" aria-label="Cookies"><a href="/c">Paramètres - nouvel onglet</a></div>')) == [
        "page-overlay"]  # after the footer: an overlay; inside the page's parts, still a dialog
    assert one(('<div role="dialog" aria-label="Cookies"><a href="/c">Settings - opens in a new window</a></div>', ""),
               ('<div role="dialog" aria-label="Cookies"><a href="/c">Paramètres - nouvel onglet</a></div>', "")) == [
        "in-dialog"]


def test_an_error_page_gaining_ways_out_alerts() -> None:
    before = "<html><body><h1>The page you were looking for doesn't exist.</h1></body></html>"
    after = "<html><body><h1>Page introuvable</h1><a href='/'>Retour à l'accueil</a></body></html>"
    assert ("added", "link", "few-actions") in alert_rules(before, after)


def test_addresses_behind_the_same_words() -> None:
    base = '<html><body><main><h1>T</h1><a href="/a">A</a><a href="{m}">Contact support</a>' \
        '<aside aria-label="Promo"><a href="/offer-1">Discover</a></aside></main></body></html>'
    mail = base.replace("{m}", "mailto:contact@service.example.fr")
    assert [c.rule for c in diff(mail, mail.replace("contact@", "support@"))] == ["mail-same-domain"]
    assert [c.rule for c in diff(mail, mail.replace("contact@service", "help@other"))] == ["link-target"]
    assert [c.rule for c in diff(mail, mail.replace("/offer-1", "/offer-2"))] == ["aside"]
    tel = base.replace("{m}", "tel:01 75 43 44 47")
    assert diff(tel, tel.replace("tel:01 75 43 44 47", "tel:+33175434447")) == []
