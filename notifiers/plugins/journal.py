"""Example custom Apprise plugin: `journal://` appends one JSON line per alert to a file.

Used as `journal://` (writes journal.jsonl beside this file) or `journal://?file=/path/alerts.jsonl`.
"""

import json
from datetime import datetime, timezone
from pathlib import Path

from apprise.decorators import notify


@notify(on="journal", name="Journal des alertes (exemple)")
def journal(body, title, notify_type, meta, attach=None, *args, **kwargs):
    """Append the alert (title, body, names of the attached pictures) as one JSON line."""
    target = Path(meta.get("qsd", {}).get("file") or Path(__file__).with_name("journal.jsonl"))
    entry = {
        "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "title": title,
        "body": body,
        "attachments": [a.name for a in (attach or [])],
    }
    try:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
    except OSError:
        return False
    return True
