"""`watcher diff` as other tools call it: exit codes 0/1/2 and the exact JSON of the public contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from tests.conftest import run_watcher

CASES = Path(__file__).parent / "diffcases"
CHANGE_KEYS = {"kind", "role", "before", "after", "landmark", "severity", "summary"}


def case(name: str) -> tuple[Path, Path]:
    return CASES / name / "before.html", CASES / name / "after.html"


def page(path: Path, button: str, banner: bool = False) -> Path:
    top = 120 if banner else 0  # a banner pushes the whole page down: the page grows by its height
    image = Image.new("RGB", (800, 1200 + top), "white")
    draw = ImageDraw.Draw(image)
    if banner:
        draw.rectangle((0, 0, 800, 119), fill=(0, 0, 145))
    for row in range(10):
        draw.rectangle((40, top + 60 + row * 90, 700, top + 80 + row * 90), fill=(60, 60, 60))
    draw.rectangle((40, top + 1000, 240, top + 1040), fill=(0, 0, 145))
    draw.text((60, top + 1012), button, fill="white")
    image.save(path)
    return path


def test_png_pair_json_is_the_same_without_the_command_line_loaded(tmp_path: Path) -> None:
    """`diff A.png B.png --format json` is answered without loading click (watcher/cli/fast.py, start-up
    counts): the same JSON and exit code as the full command line gives."""
    before, after = page(tmp_path / "a.png", "Se connecter"), page(tmp_path / "b.png", "Valider", banner=True)
    fast = run_watcher("diff", before, after, "--format=json")
    full = run_watcher("diff", before, after, "--format", "json", "--lang", "fr")  # --lang: the full path
    assert fast.code == full.code == 1 and fast.out == full.out and fast.err == ""
    probe = ("import atexit, sys\n"
             "atexit.register(lambda: print('click' in sys.modules, file=sys.stderr))\n"
             "sys.argv = ['watcher', 'diff', sys.argv[1], sys.argv[2], '--format', 'json']\n"
             "from watcher.cli.fast import main\nmain()\n")
    proc = subprocess.run([sys.executable, "-c", probe, str(before), str(before)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0 and json.loads(proc.stdout)["alert"] is False
    assert proc.stderr.strip() == "False"


def test_html_pair_with_a_renamed_button_alerts_with_the_contract_json() -> None:
    before, after = case("button_renamed_login")
    result = run_watcher("diff", before, after, "--format", "json")
    assert result.code == 1, result.err
    data = json.loads(result.out)
    assert set(data) == {"alert", "changes"} and data["alert"] is True
    assert data["changes"] and all(set(c) >= CHANGE_KEYS for c in data["changes"])
    kinds = {c["kind"] for c in data["changes"]}
    assert kinds <= {"added", "removed", "renamed", "moved", "target_changed", "required_changed"}
    renamed = [c for c in data["changes"] if c["kind"] == "renamed"]
    assert renamed and renamed[0]["before"]["name"] != renamed[0]["after"]["name"]
    english = json.loads(run_watcher("diff", before, after, "--format", "json", "--lang", "en").out)
    assert english["changes"][0]["summary"] != data["changes"][0]["summary"]


def test_noise_pair_does_not_alert() -> None:
    noise = CASES / "noise_attribute_order"
    result = run_watcher("diff", noise / "before.html", noise / "after.html", "--format", "json")
    assert result.code == 0, (noise, result.out)
    assert json.loads(result.out)["alert"] is False


def test_png_pair_gives_regions_and_a_banner_is_one_inserted_region(tmp_path: Path) -> None:
    before = page(tmp_path / "a.png", "Se connecter")
    same = page(tmp_path / "b.png", "Se connecter")
    shifted = page(tmp_path / "c.png", "Se connecter", banner=True)
    quiet = run_watcher("diff", before, same, "--format", "json")
    assert quiet.code == 0 and json.loads(quiet.out) == {"alert": False, "changed_ratio": 0.0, "regions": []}
    result = run_watcher("diff", before, shifted, "--format", "json")
    data = json.loads(result.out)
    assert result.code == 1 and set(data) == {"alert", "changed_ratio", "regions"}
    assert [r["kind"] for r in data["regions"]] == ["inserted"]
    assert set(data["regions"][0]) == {"x", "y", "width", "height", "kind"}
    assert data["changed_ratio"] < 0.2


def test_snapshot_folders_report_structure_and_pixels(tmp_path: Path) -> None:
    for name, html, button in (("a", case("button_renamed_login")[0], "Se connecter"),
                               ("b", case("button_renamed_login")[1], "Acceder")):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "dom.html").write_text(html.read_text(encoding="utf-8"), encoding="utf-8")
        page(folder / "screenshot.png", button)
    result = run_watcher("diff", tmp_path / "a", tmp_path / "b", "--format", "json")
    data = json.loads(result.out)
    assert result.code == 1 and data["alert"] is True
    assert {"alert", "changes", "visual"} <= set(data) and data["visual"]["regions"]


@pytest.mark.parametrize("setup, message, english", [
    (lambda d: (d / "missing.html", d / "b.html"), "fichier ou dossier introuvable", "no such file"),
    (lambda d: (d / "empty.html", d / "b.html"), "le fichier est vide", "the file is empty"),
    (lambda d: (d / "b.html", d / "a.png"), "impossible de comparer une page HTML", "cannot compare an HTML page"),
    (lambda d: (d / "blob.bin", d / "b.html"), "ni une page HTML ni une capture", "neither an HTML page nor a PNG"),
    (lambda d: (d / "b.html", d / "notsnap"), "pas un dossier de capture", "not a snapshot folder"),
    (lambda d: (d / "a.png", d / "bad.png"), "image PNG abîmée", "damaged or unreadable PNG"),
    (lambda d: (d / "text.png", d / "text2.png"), "ce n'est pas une image PNG", "not a PNG image"),
])
def test_bad_inputs_exit_2_with_one_line(tmp_path: Path, setup, message: str,  # type: ignore[no-untyped-def]
                                         english: str) -> None:
    (tmp_path / "empty.html").write_text("", encoding="utf-8")
    (tmp_path / "b.html").write_text("<html><body><a href='/'>Accueil</a></body></html>", encoding="utf-8")
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "notsnap").mkdir()
    for name in ("text.png", "text2.png"):  # text named as a screenshot: refused, not read as a page
        (tmp_path / name).write_text("not a png", encoding="utf-8")
    page(tmp_path / "a.png", "x")
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(13))
    before, after = setup(tmp_path)
    result = run_watcher("diff", before, after, "--format", "json")
    assert result.code == 2
    assert message in result.err and len(result.err.strip().splitlines()) == 1
    assert "Traceback" not in result.err and result.out == ""
    result = run_watcher("diff", before, after, "--lang", "en")
    assert result.code == 2 and english in result.err and len(result.err.strip().splitlines()) == 1


def test_target_settings_ignore_a_region(tmp_path: Path) -> None:
    before = tmp_path / "before.html"
    after = tmp_path / "after.html"
    before.write_text('<main><div class="promo"><a href="/a">Offre A</a></div><button>Envoyer</button></main>',
                      encoding="utf-8")
    after.write_text('<main><div class="promo"><a href="/b">Offre B</a></div><button>Envoyer</button></main>',
                     encoding="utf-8")
    config = tmp_path / "targets.yaml"
    config.write_text('targets:\n  - id: p\n    name: P\n    url: https://example.org/\n    ignore: [".promo"]\n',
                      encoding="utf-8")
    assert run_watcher("diff", before, after, "--format", "json").code == 1
    quiet = run_watcher("diff", before, after, "--format", "json", "--config", config, "--target", "p")
    assert quiet.code == 0 and json.loads(quiet.out)["changes"] == []


def test_diff_errors_follow_lang(tmp_path: Path) -> None:
    result = run_watcher("diff", tmp_path / "missing.html", tmp_path / "other.html", "--lang", "en")
    assert result.code == 2 and "no such file or folder" in result.err


def test_text_report_words_severities_and_regions_in_the_language(tmp_path: Path) -> None:
    """The text report says « Changement important » / « modifiée » in French, "Major change" / "changed" in
    English (one word per severity level, issue 15 item 1)."""
    for side, label in (("a", "Envoyer"), ("b", "Valider")):
        folder = tmp_path / side
        folder.mkdir()
        (folder / "dom.html").write_text(f"<html><body><main><button>{label}</button></main></body></html>",
                                         encoding="utf-8")
        page(folder / "screenshot.png", label)
    french = run_watcher("diff", tmp_path / "a", tmp_path / "b")
    assert french.code == 1 and "[Changement important]" in french.out and "Major" not in french.out
    assert "modifiée : x=" in french.out and "changed:" not in french.out
    english = run_watcher("diff", tmp_path / "a", tmp_path / "b", "--lang", "en")
    assert "[Major change]" in english.out and "changed: x=" in english.out
