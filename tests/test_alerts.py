"""The alert value and its rendering with the editable templates."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from watcher.report.alerts import (
    PACKAGE_TEMPLATES,
    Alert,
    AlertChange,
    Renderer,
    alert_from_result,
    dumps,
    loads,
    render_alert,
    render_digest,
    short_phrase,
)
from watcher.report.render import steps_now
from watcher.store.report import (
    CandidateFacts,
    ChangeFacts,
    CheckReport,
    ElementFacts,
    ProcedureFacts,
    StepFacts,
    TargetFacts,
)

REPO = Path(__file__).resolve().parents[1]
BASE = "https://veille.example.org/"


def renamed(before: str = "Se connecter", after: str = "Me connecter") -> AlertChange:
    return AlertChange(
        "renamed", "button", "major",
        {"fr": f"Le bouton « {before} » s'appelle désormais « {after} » (en-tête)",
         "en": f"The “{before}” button is now called “{after}” (header)"},
        {"fr": short_phrase("renamed", "button", before), "en": short_phrase("renamed", "button", before, "en")},
        before, after, "banner")


def added(name: str, severity: str = "minor") -> AlertChange:
    return AlertChange("added", "textbox", severity, {"fr": f"Un champ « {name} » a été ajouté"},
                       {"fr": short_phrase("added", "textbox", name)}, None, name, "main")


def make_alert(*changes: AlertChange, **extra: object) -> Alert:
    values: dict[str, object] = {
        "target_id": "caf-mon-compte", "target_name": "CAF — Mon Compte", "target_url": "https://caf.example/mon-compte",
        "changes": changes or (renamed(),), "first_seen": datetime(2025, 3, 12, 13, 5, tzinfo=UTC),
        "tags": ("caf",), "snapshot": "20250312T130500.000000Z", **extra}
    return Alert(**values)  # type: ignore[arg-type]


def test_title_names_site_and_first_change() -> None:
    message = render_alert(Renderer(), make_alert(), "fr", "txt", BASE)
    assert message.title == "CAF — Mon Compte : le bouton « Se connecter » a changé"
    many = render_alert(Renderer(), make_alert(renamed(), added("Pays"), added("Ville")), "fr", "txt", BASE)
    assert many.title.endswith("a changé et 2 autres changements")


def test_french_body_says_what_where_when_who_and_what_to_show() -> None:
    alert = make_alert(procedures=("Se connecter à Mon Compte",), audiences=("seniors",),
                       images=(Path("/snapshots/x/images/composite.png"),))
    body = render_alert(Renderer(), alert, "fr", "txt", BASE).body
    assert "s'appelle désormais « Me connecter » (en-tête)" in body
    assert "12 mars 2025 à 14 h 05 (heure de Paris)" in body  # 13:05 UTC in March is 14:05 in Paris
    assert "Démarches enseignées concernées : Se connecter à Mon Compte." in body
    assert "Publics concernés : seniors." in body
    assert f"{BASE}changes/caf-mon-compte/20250312T130500.000000Z/" in body
    assert "À montrer en co-formation : le nouveau nom « Me connecter »" in body


def test_english_and_short_forms() -> None:
    message = render_alert(Renderer(), make_alert(), "en", "txt", None)
    assert message.title == "CAF — Mon Compte: the “Se connecter” button changed"
    assert "First seen on 12 March 2025 at 14:05" in message.body
    short = render_alert(Renderer(), make_alert(), "fr", "short", BASE)
    assert len(short.body) < 120 and short.body.startswith("Détails : https://")


def test_html_escapes_names_from_pages() -> None:
    alert = make_alert(added("<script>alert(1)</script>", "major"))
    message = render_alert(Renderer(), alert, "fr", "html", BASE)
    assert message.body_format == "html"
    assert "<script>" not in message.body and "&lt;script&gt;" in message.body
    assert "<script>" in message.title  # the title is plain text, not HTML


def test_coordinators_templates_override_the_defaults(tmp_path: Path) -> None:
    (tmp_path / "alert.fr.txt.j2").write_text(
        "{% set title %}[Réseau] {{ alert.target_name }}{% endset %}Voir {{ link }}\n", encoding="utf-8")
    renderer = Renderer(tmp_path)
    assert render_alert(renderer, make_alert(), "fr", "txt", BASE).title == "[Réseau] CAF — Mon Compte"
    assert "Me connecter" in render_alert(renderer, make_alert(), "fr", "html", BASE).body  # default html


# How coordinators wrote overrides before the templates were shared between languages: a copy of the French
# template, importing its macros from "_alert.fr.j2".
OLD_STYLE_OVERRIDE = """{% from "_alert.fr.j2" import title_text, prompt, severity_label %}
{% set title %}[Réseau] {{ title_text(alert) }}{% endset %}
{% for c in changes %}
- {{ c.text("summary", "fr") }} ({{ severity_label(c.severity) }})
{% endfor %}
Repéré le {{ alert.first_seen|when("fr") }}. À montrer : {{ prompt(changes[0]) }}
"""


def test_an_override_written_for_the_old_per_language_templates_still_renders(tmp_path: Path) -> None:
    (tmp_path / "alert.fr.txt.j2").write_text(OLD_STYLE_OVERRIDE, encoding="utf-8")
    renderer = Renderer(tmp_path)
    message = render_alert(renderer, make_alert(), "fr", "txt", BASE)
    assert message.title == "[Réseau] CAF — Mon Compte : le bouton « Se connecter » a changé"
    assert "(Changement important)" in message.body and "Repéré le 12 mars 2025 à 14 h 05." in message.body
    assert "le nouveau nom « Me connecter » (anciennement « Se connecter ») : montrez-le" in message.body
    english = render_alert(renderer, make_alert(), "en", "txt", BASE)  # the French override is not used in English
    assert english.title.startswith("CAF — Mon Compte: ") and "Hello," in english.body


def test_an_override_for_every_language_uses_the_catalogs(tmp_path: Path) -> None:
    (tmp_path / "alert.txt.j2").write_text(
        '{% set title %}[Réseau] {{ _("mail.title", site=alert.target_name, what=_("mail.page_changed")) }}'
        '{% endset %}{{ _("mail.hello") }} {{ alert.first_seen|when }}\n', encoding="utf-8")
    renderer = Renderer(tmp_path)
    french, english = (render_alert(renderer, make_alert(), lang, "txt", BASE) for lang in ("fr", "en"))
    assert french.title == "[Réseau] CAF — Mon Compte : la page a changé" and french.body.startswith("Bonjour, 12 mars")
    assert english.title == "[Réseau] CAF — Mon Compte: the page changed" and english.body.startswith("Hello, 12 March")
    assert "Me connecter" in render_alert(renderer, make_alert(), "fr", "html", BASE).body  # default html


def test_each_template_exists_once_and_notifiers_holds_no_copy() -> None:
    names = sorted(p.name for p in PACKAGE_TEMPLATES.glob("*.j2"))
    assert names and not any(name.count(".") > 2 for name in names), names  # no « .fr. » / « .en. » copies
    assert not list((REPO / "notifiers" / "templates").glob("*.j2"))


def test_digest_lists_every_alert() -> None:
    other = make_alert(target_id="ants", target_name="ANTS — Permis", snapshot=None)
    message = render_digest(Renderer(), [make_alert(), other], "fr", "txt", BASE)
    assert message.title == "watcher : 2 pages ont changé"
    assert "CAF — Mon Compte" in message.body and "ANTS — Permis" in message.body


def test_fingerprint_ignores_when_and_where_stored() -> None:
    first = make_alert()
    again = make_alert(first_seen=datetime(2025, 4, 1, tzinfo=UTC), snapshot="other")
    assert first.fingerprint == again.fingerprint
    assert first.fingerprint != make_alert(renamed(after="S'identifier")).fingerprint
    assert Alert.from_json(first.to_json()) == first


def test_alert_from_a_stored_report_keeps_serious_changes_first() -> None:
    def change(kind: str, severity: str, before: str | None, after: str | None, noise: bool = False) -> ChangeFacts:
        def element(name: str | None) -> ElementFacts | None:
            return ElementFacts(role="button", name=name, landmark="banner") if name else None

        return ChangeFacts(kind=kind, role="button", severity=severity, landmark="banner", noise=noise,
                           before=element(before), after=element(after))

    report = CheckReport(
        id="caf", status="changed", alert=True, time="2025-03-12T13:05:00+00:00",
        target=TargetFacts(name="CAF", url="https://caf.example/", tags=["caf"]),
        snapshot="/s/caf/20250312T130500.000000Z", images=["/s/composite.png"],
        changes=[change("added", "minor", None, "Aide"), change("renamed", "major", "Se connecter", "Me connecter"),
                 change("renamed", "major", "Actu 1", "Actu 2", noise=True)])
    alert = alert_from_result(report, procedures=[SimpleNamespace(name="Connexion", audiences=["seniors"])])
    assert alert is not None
    assert [c.kind for c in alert.changes] == ["renamed", "added"]
    assert alert.changes[0].short["fr"] == "le bouton « Se connecter » a changé"
    assert alert.changes[0].summary["en"].startswith("The button “Se connecter”")
    assert alert.procedures == ("Connexion",) and alert.audiences == ("seniors",)
    assert alert.snapshot == "20250312T130500.000000Z"
    assert alert_from_result(report.model_copy(update={"alert": False})) is None


def test_alert_tells_broken_procedures_in_both_languages_from_facts() -> None:
    step = StepFacts(action="click", role="link", name="Mon Compte")
    broken = ProcedureFacts(name="Se connecter", slug="se-connecter", audience=["caf"], status="broken",
                            broken_step=1, step=step, steps=3, problem="missing",
                            candidate=CandidateFacts(role="link", name="Mon espace"))
    report = CheckReport(id="caf", status="changed", alert=True, procedures=[broken],
                         target=TargetFacts(name="CAF", url="https://caf.example/"))
    alert = alert_from_result(report)
    assert alert is not None and alert.procedures == ("Se connecter",) and alert.audiences == ("caf",)
    assert alert.breaks == ((
        "La procédure « Se connecter » ne passe plus à l'étape 1 : le lien « Mon Compte » est introuvable ;"
        " à sa place : le lien « Mon espace »",
        "The procedure “Se connecter” no longer gets through step 1: the link “Mon Compte” cannot be found;"
        " in its place: the link “Mon espace”"),)
    assert alert.tutorials == (("Se connecter", "tutoriels/caf/se-connecter/index.html"),)
    assert alert.severity == "breaking" and alert.blocked == (("Se connecter", 1),)


def _blocked_report(**run: object) -> CheckReport:
    step = StepFacts(action="click", role="link", name="Mon Compte")
    broken = ProcedureFacts(name="Se connecter", slug="se-connecter", audience=["caf"], status="broken",
                            broken_step=1, step=step, steps=3, problem="missing", **run)  # type: ignore[arg-type]
    minor = ChangeFacts(kind="added", role="link", severity="minor", landmark="main",
                        after=ElementFacts(role="link", name="Actualités", landmark="main"))
    return CheckReport(id="caf", status="changed", alert=True, procedures=[broken], changes=[minor],
                       time="2025-03-12T13:05:00+00:00", target=TargetFacts(name="CAF", url="https://caf.example/"))


@pytest.mark.parametrize(("lang", "subject", "label"), [
    ("fr", "Démarche bloquée : « Se connecter » — CAF", "(Changement mineur)"),
    ("en", "Procedure blocked: “Se connecter” — CAF", "(Minor change)"),
])
def test_a_blocked_procedure_is_the_subject_and_the_level_of_its_alert(lang: str, subject: str, label: str) -> None:
    """A procedure that worked and fails now is « Démarche bloquée »: first words of the subject, and the
    alert's level (routing), whatever the level of the page's changes."""
    alert = alert_from_result(_blocked_report())
    assert alert is not None and alert.severity == "breaking"
    for fmt in ("txt", "html", "md", "short"):
        message = render_alert(Renderer(), alert, lang, fmt, BASE)
        assert message.title == subject
    assert label in render_alert(Renderer(), alert, lang, "txt", BASE).body


def test_already_reported_only_when_the_outbox_sent_it() -> None:
    alert = alert_from_result(_blocked_report(already=True))
    assert alert is not None
    assert "déjà signalé" not in " ".join(alert.break_notes("fr"))
    assert "déjà constaté" in alert.break_notes("fr")[0]
    said = dataclasses.replace(alert, said=("Se connecter",))
    assert said.break_notes("fr")[0].endswith("(déjà signalé)")
    assert said.break_notes("en")[0].endswith("(already reported)")
    assert loads(dumps(said)) == said


def test_a_procedure_that_never_worked_is_not_told_to_mediators() -> None:
    report = _blocked_report(never_worked=True)
    alert = alert_from_result(report)
    assert alert is not None and alert.breaks == () and alert.blocked == () and alert.severity == "minor"
    assert not render_alert(Renderer(), alert, "fr", "txt", BASE).title.startswith("Démarche bloquée")


def test_a_broken_procedure_note_is_a_sentence_of_its_own() -> None:
    from datetime import UTC, datetime

    from watcher.report.alerts import Alert

    alert = Alert("caf", "CAF", "https://www.caf.fr/", (), datetime(2025, 3, 4, tzinfo=UTC),
                  breaks=(("la procédure « Déclarer » ne passe plus à l'étape 2", "the procedure “Déclarer” fails"),))
    assert alert.break_notes("fr") == ["La procédure « Déclarer » ne passe plus à l'étape 2"]
    assert alert.break_notes("en") == ["The procedure “Déclarer” fails"]


def test_a_digest_lists_blocked_procedures_first_under_their_title() -> None:
    blocked = alert_from_result(_blocked_report())
    plain = make_alert()
    assert blocked is not None
    for fmt in ("txt", "html"):
        body = render_digest(Renderer(), [plain, blocked], "fr", fmt, BASE).body
        assert body.index("Démarche bloquée : « Se connecter » — CAF") < body.index("CAF — Mon Compte")


def test_a_broken_procedure_shows_the_new_path_and_no_up_to_date_tutorial() -> None:
    plan = [StepFacts(action="click", role="link", name="Mon Compte"), StepFacts(action="expect", role="heading",
                                                                                 name="Mon Compte")]
    broken = ProcedureFacts(name="Se connecter", slug="se-connecter", status="broken", broken_step=1, step=plan[0],
                            steps=2, problem="missing", plan=plan,
                            candidate=CandidateFacts(role="link", name="Mon espace", landmark="banner > navigation"))
    report = CheckReport(id="caf", status="changed", alert=True, procedures=[broken],
                         target=TargetFacts(name="CAF", url="https://caf.example/"))
    alert = alert_from_result(report)
    assert alert is not None
    assert alert.breaks[0][0].endswith("à sa place : le lien « Mon espace » (menu de l'en-tête)")
    (name, steps), = alert.steps_now("fr")
    assert name == "Se connecter"
    assert steps[0] == "cliquer sur le lien « Mon espace » (menu de l'en-tête) — à vérifier"
    assert "pas encore vérifiée" in steps[1]
    alert = replace(alert, tutorials=(("Se connecter", "tutoriels/caf/se-connecter/index.html"),))
    for fmt in ("txt", "md", "html"):
        body = render_alert(Renderer(), alert, "fr", fmt, BASE).body
        assert "Tutoriel à jour" not in body and "ancien chemin, à mettre à jour" in body, fmt
        assert "— à vérifier" in body, fmt
    assert Alert.from_json(alert.to_json()) == alert


def test_steps_now_puts_the_field_the_page_stopped_on_before_the_click() -> None:
    plan = [StepFacts(action="fill", label="Code postal"), StepFacts(action="click", role="button", name="Continuer"),
            StepFacts(action="expect", role="heading", name="Étape 2")]
    broken = ProcedureFacts(name="Déclarer", status="broken", broken_step=3, step=plan[2], steps=3,
                            problem="missing", plan=plan, blocked_by=["Date de naissance"])
    assert steps_now(broken, "fr") == [
        "remplir le champ « Code postal »", "remplir le champ « Date de naissance » — à vérifier",
        "cliquer sur le bouton « Continuer »", "voir le titre « Étape 2 » — à vérifier"]
