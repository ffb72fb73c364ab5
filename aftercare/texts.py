"""Texts rendered in the reader's language: deferred messages, dates, lists.

``Text`` is a translatable message with its parameters, kept as JSON (``to_json`` /
``from_json``) and rendered when read (``render(language)``), so an inbox message recorded
while the sender's page was Chinese reads in English for a reader who chose English, and the
other way round. The msgid is marked for makemessages by the caller with ``gettext_noop``
(``pgettext_lazy`` / ``ngettext_lazy`` proxies are accepted too: their msgid, context and
plural forms are read from them)::

    Text(gettext_noop("Application for %(student)s received"), student=student.name)

Parameters are kept as data: text and numbers as they are, dates and times (formatted per
language when rendered), lists (joined per language), choice labels (lazy proxies) and
nested ``Text`` (translated when rendered).

``format_day`` and ``join_list`` are the per-language formats the pages use (template
filters ``day`` and ``join_list`` in ``aftercare_tags``): "9月7日" and "周一、周五" in
Chinese, "Sep 7" and "Monday, Friday" in English.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import timezone, translation
from django.utils.dateformat import format as dateformat
from django.utils.functional import Promise

# Per-language formats of a day, a day with its weekday and a day with a time (Django's
# date format characters). Chinese is the default: any language not listed uses it.
DAY_FORMATS: dict[str, dict[str, str]] = {
    "zh": {"day": "n月j日", "weekday": "n月j日 l", "time": "n月j日 H:i", "year": "Y年n月j日"},
    "en": {"day": "M j", "weekday": "l, M j", "time": "M j, H:i", "year": "M j, Y"},
}
LIST_SEPARATORS = {"zh": "、", "en": ", "}


def _lang(language: str | None = None) -> str:
    return (language or translation.get_language() or "zh-hans").split("-")[0]


def format_day(value, kind: str = "day", language: str | None = None) -> str:
    """A date (or an aware datetime, shown in local time) as the reader's language writes
    it: ``kind`` is ``day``, ``weekday``, ``time`` or ``year``."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = (
                dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
            )
        except ValueError:
            return value
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    formats = DAY_FORMATS.get(_lang(language), DAY_FORMATS["zh"])
    with translation.override(language or translation.get_language()):
        return dateformat(value, formats.get(kind, formats["day"]))


def join_list(items: Iterable[Any], language: str | None = None) -> str:
    """Items joined as the reader's language joins a list: "周一、周五", "Monday, Friday"."""
    sep = LIST_SEPARATORS.get(_lang(language), LIST_SEPARATORS["zh"])
    return sep.join(str(i) for i in items)


def _proxy_text(value: Promise) -> Text | None:
    """The msgid (and context or plural) a lazy translation proxy was made from."""
    args, kw = getattr(value, "_args", None), getattr(value, "_kw", None) or {}
    if kw.get("singular"):  # ngettext_lazy without a number yet: not a deferrable text
        return None
    if not args or not all(isinstance(a, str) for a in args):
        return None
    if len(args) == 1:
        return Text(args[0])
    if len(args) == 2:
        return Text(args[1], context=args[0])
    return None


def _param_to_json(value):
    if isinstance(value, Text):
        return {"text": value.to_json()}
    if isinstance(value, Promise):
        text = _proxy_text(value)
        return {"text": text.to_json()} if text else str(value)
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, (list, tuple)):
        return {"list": [_param_to_json(v) for v in value]}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _param_render(value, language: str):
    if isinstance(value, dict):
        if "text" in value:
            return Text.from_json(value["text"]).render(language)
        if "datetime" in value:
            return format_day(dt.datetime.fromisoformat(value["datetime"]), "time", language)
        if "date" in value:
            return format_day(dt.date.fromisoformat(value["date"]), "day", language)
        if "list" in value:
            return join_list((_param_render(v, language) for v in value["list"]), language)
    return value


class Text:
    """A message (msgid, optional context and plural) with parameters, translated when it is
    rendered, not when it is made."""

    __slots__ = ("context", "msgid", "number", "params", "plural")

    def __init__(
        self,
        msgid: str | Promise,
        /,
        *,
        context: str = "",
        plural: str = "",
        number: int | None = None,
        **params,
    ):
        if isinstance(msgid, Promise):
            source = _proxy_text(msgid)
            if source is None:
                kw = getattr(msgid, "_kw", {}) or {}
                if not kw.get("singular"):
                    raise TypeError("Text needs a msgid, not an already translated text")
                msgid, plural = kw["singular"], kw["plural"]
                context = kw.get("context", context)
            else:
                msgid, context = source.msgid, source.context
        self.msgid = str(msgid)
        self.context = context
        self.plural = plural
        self.number = number
        self.params = {k: _param_to_json(v) for k, v in params.items()}

    def to_json(self) -> dict:
        data: dict[str, Any] = {"msgid": self.msgid}
        if self.context:
            data["context"] = self.context
        if self.plural:
            data["plural"] = self.plural
            data["number"] = self.number
        if self.params:
            data["params"] = self.params
        return data

    @classmethod
    def from_json(cls, data: dict) -> Text:
        text = cls(
            data["msgid"],
            context=data.get("context", ""),
            plural=data.get("plural", ""),
            number=data.get("number"),
        )
        text.params = dict(data.get("params") or {})
        return text

    def render(self, language: str | None = None) -> str:
        """The text in ``language`` (the active one by default)."""
        language = language or translation.get_language() or "zh-hans"
        with translation.override(language):
            if self.plural:
                n = self.number or 0
                if self.context:
                    pattern = translation.npgettext(self.context, self.msgid, self.plural, n)
                else:
                    pattern = translation.ngettext(self.msgid, self.plural, n)
            elif self.context:
                pattern = translation.pgettext(self.context, self.msgid)
            else:
                pattern = translation.gettext(self.msgid)
            if not self.params and not self.plural:
                return pattern
            params = {k: _param_render(v, language) for k, v in self.params.items()}
            if self.plural:
                params.setdefault("n", self.number)
            try:
                return pattern % params
            except (KeyError, ValueError, TypeError):
                return pattern

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Text({self.msgid!r}, params={self.params!r})"


def render_stored(message: dict | None, key: str, fallback: str) -> str:
    """``message[key]`` (a stored ``Text``) in the active language, or ``fallback`` (the
    text stored when the message was made) when there is none or it cannot be read."""
    data = (message or {}).get(key)
    if not data:
        return fallback
    try:
        return Text.from_json(data).render()
    except (KeyError, TypeError, ValueError):
        return fallback
