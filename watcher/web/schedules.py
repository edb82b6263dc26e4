"""A page's `schedule` in plain words: « chaque jour à 7 h UTC », « toutes les 6 heures », « du lundi au vendredi
à 8 h 30 UTC » (English: "every day at 07:00 UTC"…), from the two forms targets.yaml accepts
(config.targets.parse_schedule): `every N{s,m,h,d}` and a five-field cron expression.

The service runs cron schedules in UTC (service/scheduler.trigger_for), so the times say « UTC ». Cron forms
worded: a fixed minute with a fixed hour, a list of hours or `*/N` hours, or every hour; day of week `*`, a
range, a list or names (`mon-fri`); day of month `*` or one number with every month. Anything else (steps on
hours, months…) is shown as « selon le calendrier cron « … » (UTC) ». The words come from the gettext catalogs
(« web.schedule.* »); lists are joined by babel (« lundi, mercredi et vendredi »).
"""

from __future__ import annotations

import re

from babel.lists import format_list

from watcher.config.targets import parse_schedule
from watcher.i18n.texts import t

__all__ = ["ADD_CHOICES", "schedule_words"]

# The add page's choices (key -> the schedule written to targets.yaml), worded by schedule_words.
ADD_CHOICES = {"weekdays7": "0 7 * * 1-5", "daily7": "0 7 * * *", "6h": "every 6h", "1h": "every 1h"}

_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))
_DAY_NAMES = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
_NUMBER = re.compile(r"^\d{1,2}$")


def _w(key: str, lang: str, **values: object) -> str:
    return t("web.schedule." + key, lang, **values)


def _interval(seconds: int, lang: str) -> str:
    for unit, size in _UNITS:
        if seconds % size == 0:
            return _w("every." + unit, lang, count=seconds // size)
    return _w("every.second", lang, count=seconds)  # unreachable: every whole number of seconds divides by 1


def _day(value: str) -> int | None:
    value = value.strip().lower()
    if value in _DAY_NAMES:
        return _DAY_NAMES[value]
    if _NUMBER.match(value) and int(value) <= 7:
        return int(value) % 7
    return None


def _days(field: str) -> list[int] | None:
    """Day-of-week numbers (0 Sunday … 6 Saturday) of a cron field, in week order from Monday; None: not worded."""
    days: set[int] = set()
    for part in field.split(","):
        if "-" in part:
            first, last = (_day(x) for x in part.split("-", 1))
            if first is None or last is None:
                return None
            span = range(first, (last if last >= first else last + 7) + 1)
            days.update(d % 7 for d in span)
        else:
            day = _day(part)
            if day is None:
                return None
            days.add(day)
    return sorted(days, key=lambda d: (d - 1) % 7)


def _days_words(days: list[int], lang: str) -> str:
    monday_first = [(d - 1) % 7 for d in days]
    if len(days) == 7:
        return _w("daily", lang)
    if len(days) > 2 and monday_first == list(range(monday_first[0], monday_first[-1] + 1)):
        return _w("range", lang, first=_w(f"day.{days[0]}", lang), last=_w(f"day.{days[-1]}", lang))
    names = [_w(f"on_day.{d}", lang) for d in days]
    return format_list(names, locale=lang)


def _time(hour: int, minute: int, lang: str) -> str:
    if minute == 0:
        return _w("hour", lang, hour=hour, hh=f"{hour:02d}")
    return _w("time", lang, hour=hour, hh=f"{hour:02d}", minute=f"{minute:02d}")


def _cron(expression: str, lang: str) -> str | None:
    minute, hour, day, month, weekday = expression.split()
    if minute.startswith("*/") and minute[2:].isdigit() and (hour, day, month, weekday) == ("*",) * 4:
        return _w("every.minute", lang, count=int(minute[2:]))
    if not _NUMBER.match(minute):
        return None
    m = int(minute)
    days = _days(weekday) if weekday != "*" else list(range(7))
    if days is None or month != "*":
        return None
    if day != "*":
        if weekday != "*" or not _NUMBER.match(day) or not _NUMBER.match(hour):
            return None
        number = _w("first", lang) if int(day) == 1 else str(int(day))
        return _w("monthly", lang, day=number, time=_time(int(hour), m, lang))
    when = _days_words(days, lang)
    if hour == "*" or (hour.startswith("*/") and hour[2:].isdigit()):
        step = 1 if hour == "*" else int(hour[2:])
        words = _w("every.hour", lang, count=step)
        if m:
            words = _w("past", lang, every=words, minute=m)
        return words if len(days) == 7 else _w("on_days", lang, every=words, days=when)
    hours = hour.split(",")
    if not all(_NUMBER.match(h) and int(h) < 24 for h in hours):
        return None
    times = format_list([_time(int(h), m, lang) for h in sorted(hours, key=int)], locale=lang)
    return _w("at", lang, days=when, times=times)


def schedule_words(schedule: str, lang: str = "fr") -> str:
    """The schedule of a page as a person says it, in `lang` ("fr" or "en"); a form not worded (or not valid) is
    quoted as it is written."""
    try:
        kind, value = parse_schedule(schedule)
    except ValueError:
        return _w("raw", lang, value=schedule)
    if kind == "interval":
        return _interval(int(value), lang)
    return _cron(str(value), lang) or _w("raw", lang, value=schedule)
