"""A snapshot store with a few changes of three sites, drawn with Pillow, for the changelog tests and bench.

Built with the Store API only (no capture, no diff), so the changelog is tested on its own contract: the index
rows described in docs/architecture.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from watcher.store.snapshots import Store

PAYLOAD_IMG = '<img src=x onerror="window.__pwned=1;alert(1)">'
PAYLOAD_SCRIPT = "</script><script>window.__pwned=1;alert(2)</script>"
START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


def png(width: int, height: int, color: str, label: str = "") -> bytes:
    """A flat picture with a bar and a label: enough for images to load and look like something."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 60), fill="#1f4e79")
    draw.rectangle((40, 120, width - 40, 180), fill=color)
    draw.text((50, 140), label, fill="black")
    buffer = BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def composite(label_before: str, label_after: str) -> bytes:
    image = Image.new("RGB", (1200, 700), "#eeeeee")
    image.paste(Image.open(BytesIO(png(580, 680, "#dddddd", label_before))), (10, 10))
    image.paste(Image.open(BytesIO(png(580, 680, "#ffd27f", label_after))), (610, 10))
    buffer = BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def change(kind: str, role: str, before: str | None, after: str | None, severity: str, summary: str,
           noise: bool = False) -> dict[str, Any]:
    return {"kind": kind, "role": role, "before": {"role": role, "name": before} if before is not None else None,
            "after": {"role": role, "name": after} if after is not None else None, "landmark": "main",
            "severity": severity, "noise": noise, "summary": summary}


@dataclass(frozen=True)
class Site:
    id: str
    name: str
    url: str
    tags: list[str]


CAF = Site("caf", "CAF — Mon Compte", "https://www.caf.fr/allocataires/mon-compte", ["allocataires", "familles"])
IMPOTS = Site("impots", "impots.gouv.fr", "https://www.impots.gouv.fr/accueil", ["seniors", "Déclaration & revenus"])
ANTS = Site("ants", f"ANTS {PAYLOAD_IMG}", "javascript:alert(3)", ["jeunes", PAYLOAD_SCRIPT])


class SampleWriter:
    """Adds checks to a store the way check.py does: snapshot folder first, then the index row."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.previous: dict[str, Path] = {}

    def first(self, site: Site, when: datetime) -> None:
        with self.store.new_snapshot(site.id, when, None) as writer:
            writer.add("screenshot.png", png(600, 900, "#dddddd", "v1"))
        self.previous[site.id] = writer.final
        self.store.record_check(site.id, when, "new", snapshot=writer.final, report={"id": site.id})

    def changed(self, site: Site, when: datetime, changes: list[dict[str, Any]], *, alert: bool,
                procedures: list[dict[str, Any]] | None = None, images: bool = True) -> None:
        baseline = self.previous[site.id]
        names = []
        with self.store.new_snapshot(site.id, when, baseline) as writer:
            writer.add("screenshot.png", png(600, 900, "#ffd27f", when.isoformat()))
            if images:
                writer.add("images/composite.png", composite("avant", "après"))
                names.append("images/composite.png")
                for number, _ in enumerate([c for c in changes if not c["noise"]][:2], start=1):
                    writer.add(f"images/change-{number}.png", png(420, 200, "#ffd27f", f"change {number}"))
                    names.append(f"images/change-{number}.png")
        report = {"id": site.id, "status": "changed", "alert": alert, "changes": changes,
                  "changes_en": [dict(c, summary="EN " + c["summary"]) for c in changes],
                  "procedures": procedures or [], "snapshot": str(writer.final), "reason": None,
                  "visual": {"alert": alert, "changed_ratio": 0.042, "regions": [{"x": 1, "y": 2}]},
                  "image_files": names, "target": {"name": site.name, "url": site.url, "tags": site.tags}}
        self.store.record_check(site.id, when, "changed", alert=alert, snapshot=writer.final, baseline=baseline,
                                report=report)
        self.previous[site.id] = writer.final


def renamed(before: str, after: str, severity: str = "major") -> dict[str, Any]:
    return change("renamed", "button", before, after, severity,
                  f"Le bouton « {before} » s'appelle désormais « {after} »")


def make_sample_store(root: Path, extra: int = 0) -> Store:
    """Three sites: CAF (2 alerts around a minor change), impots (1 alert), ANTS (1 alert with HTML payloads)."""
    store = Store(root)
    sample = SampleWriter(store)
    for site in (CAF, IMPOTS, ANTS):
        sample.first(site, START)
    hour = timedelta(hours=1)
    procedure = {"name": "Déclarer un changement de situation", "status": "broken", "broken_step": 2,
                 "step": "cliquer sur « Se connecter »", "candidate": "bouton « Me connecter »",
                 "steps": ["Ouvrir caf.fr", "Cliquer sur « Me connecter »", "Choisir « Mon profil »"]}
    sample.changed(CAF, START + 24 * hour, [renamed("Se connecter", "Me connecter"),
                                            change("removed", "link", "Aide", None, "major",
                                                   "Le lien « Aide » a disparu"),
                                            change("renamed", "heading", "Actu 1", "Actu 2", "info",
                                                   "Le titre « Actu 1 » s'appelle désormais « Actu 2 »", True)],
                   alert=True, procedures=[procedure])
    sample.changed(IMPOTS, START + 30 * hour, [renamed("Votre espace", "Espace particulier")], alert=True)
    sample.changed(CAF, START + 48 * hour, [change("moved", "link", "Contact", "Contact", "minor",
                                                   "Le lien « Contact » a changé de place")], alert=False,
                   images=False)
    sample.changed(ANTS, START + 50 * hour, [renamed(PAYLOAD_IMG, PAYLOAD_SCRIPT, "breaking")], alert=True)
    sample.changed(CAF, START + 72 * hour, [renamed("Me connecter", "Connexion")], alert=True)
    for number in range(extra):
        sample.changed(IMPOTS, START + (100 + number) * hour, [renamed(f"Bouton {number}", f"Bouton {number + 1}")],
                       alert=True)
    return store
