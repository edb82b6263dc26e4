"""A failed send's reason is stored as Apprise says it (a fact) and worded in the reader's language."""

from __future__ import annotations

import pytest

from watcher.deliver.notify import NO_DETAIL, URL_REFUSED, failure_words


@pytest.mark.parametrize(("stored", "fr", "en"), [
    ("A Connection error occurred sending JSON notification to 127.0.0.1.", "connexion impossible", "could not connect"),
    ("Failed to send JSON POST notification: Service Unavailable, error=503.", "réponse HTTP 503", "HTTP answer 503"),
    ("Failed to send Discord notification: error=404.", "réponse HTTP 404", "HTTP answer 404"),
    ("SMTP authentication failed", "mot de passe refusé", "password refused"),
    (URL_REFUSED, "adresse refusée par Apprise", "address refused by Apprise"),
    (NO_DETAIL, "sans détail", "no detail"),
    ("échec de l'envoi (sans détail)", "sans détail", "no detail"),  # stored by an earlier version
    ("Something odd", "selon Apprise : Something odd", "Apprise says: Something odd"),
])
def test_failure_reasons_in_both_languages(stored: str, fr: str, en: str) -> None:
    assert fr in failure_words(stored, "fr")
    assert en in failure_words(stored, "en")
    assert "error occurred" not in failure_words(stored, "fr")
