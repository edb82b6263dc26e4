"""`watcher demo`: the real pipeline, offline, on the bundled demo site (version 1, then version 2)."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import click

from watcher.capture.capturer import Capturer
from watcher.config.targets import load_config
from watcher.deliver.notify import deliver_alerts
from watcher.demo.server import DemoSite
from watcher.i18n.texts import t
from watcher.publish.changelog.build import build_changelog
from watcher.service import policy
from watcher.service.check import CheckResult, check_targets
from watcher.store.snapshots import Store

__all__ = ["DEMO_TARGETS", "run_demo"]

DEMO_TARGETS = """\
# targets.yaml written by `watcher demo` for its local demo site (port chosen at start)
settings:
  concurrency: 2
targets:
  - id: demo-accueil
    name: "Mes Aides Démo — accueil"
    url: {base}/
    tags: [demo, caf]
    schedule: "every 6h"
    procedures:
      - name: "Se connecter à Mon Compte"
        audience: [caf, rsa]
        steps:
          - click: {{role: link, name: "Mon Compte"}}
          - expect: {{role: heading, name: "Mon Compte"}}
          - fill: {{label: "Numéro d'allocataire", value: "1234567"}}
          - fill: {{label: "Code postal", value: "75001"}}
          - click: {{role: button, name: "Se connecter"}}
      - name: "Commencer une déclaration de ressources"
        audience: [rsa]
        steps:
          - click: {{role: link, name: "Déclarer mes ressources"}}
          - expect: {{role: heading, name: "Déclarer mes ressources"}}
          - fill: {{label: "Code postal", value: "75001"}}
          - select: {{label: "Votre situation", option: "Seul(e)"}}
  - id: demo-mon-compte
    name: "Mes Aides Démo — Mon Compte"
    url: {base}/mon-compte.html
    tags: [demo, caf]
    schedule: "0 7 * * 1-5"
  - id: demo-declaration
    name: "Mes Aides Démo — déclarer mes ressources"
    url: {base}/demande/etape1.html
    tags: [demo, rsa]
    schedule: "every 1d"
    procedures:
      - name: "Déclarer ses ressources"
        audience: [rsa]
        steps:
          - fill: {{label: "Code postal", value: "75001"}}
          - fill: {{label: "Commune", value: "Paris"}}
          - select: {{label: "Votre situation", option: "Seul(e)"}}
          - click: {{role: button, name: "Continuer", submits: true}}
          - expect: {{role: heading, name: "Vos ressources du trimestre"}}
"""

def run_demo(out: Path | None, lang: str, capturer: Capturer | None = None) -> int:
    """Run the demo end to end; returns 0 when the demo's change was detected and alerted.

    `capturer` loads the pages (None: Chromium; a dry run passes a ReplayCapturer of recorded folders)."""
    started = time.monotonic()
    out = out or Path(tempfile.mkdtemp(prefix="watcher-demo-"))
    out.mkdir(parents=True, exist_ok=True)
    alerts_file = (out / "alertes.txt").resolve()
    snapshots = out / "snapshots"
    with DemoSite("v1") as site:
        click.echo(t("demo.start", lang, url=site.url))
        config_path = out / "targets.yaml"
        config_path.write_text(DEMO_TARGETS.format(base=site.url), encoding="utf-8")
        config = load_config(config_path)
        with Store(snapshots) as store:
            click.echo(t("demo.v1", lang))
            _report(asyncio.run(check_targets(config, store, config.targets, capturer=capturer)), lang)
            site.switch("v2")
            click.echo(t("demo.v2", lang))
            results = asyncio.run(check_targets(config, store, config.targets, capturer=capturer))
            _report(results, lang)
            click.echo(t("demo.alerts", lang, file=alerts_file))
            # the demo alerts at once (no confirming re-check): what the policy says to send, sent now
            actions = [a for r in results for a in policy.after_check(r, policy.PolicyState(confirm=False))]
            delivery = deliver_alerts([a.result for a in actions if isinstance(a, policy.Alert)], None,
                                      snapshots, extra_urls=[f"watcherfile://{alerts_file}"])
            changelog = build_changelog(store, out / "changelog", lang=lang, config=config)
    click.echo(t("demo.done", lang, seconds=time.monotonic() - started, out=out, config=config_path,
                                   snapshots=snapshots, file=alerts_file,
                                   changelog=(out / "changelog" / "index.html").resolve()))
    return 0 if delivery.ok and delivery.count("sent") and changelog.alerts else 1


def _report(results: list[CheckResult], lang: str) -> None:
    """One line per page; the full story is in the alerts that follow."""
    for result in results:
        changes = [c for c in result.changes if not c.noise]
        line = f"  {result.target.name}{t('colon', lang)}{t('status.' + result.status, lang)}"
        if changes:
            line += " — " + t("changes_count", lang, count=len(changes))
        if result.alert:
            line += f"  [{t('alert', lang)}]"
        click.echo(line)
