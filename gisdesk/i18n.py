"""The language of messages produced by the core (errors, reports, CLI output).

The Qt widgets translate through Qt Linguist; the core cannot import Qt, so its
user-facing sentences carry both languages and pick one here. Simplified Chinese
is the default; English when GISDESK_LANG (or the CLI's --lang) says "en".
"""

from __future__ import annotations

import os

LANGUAGES = ("zh", "en")
_language: str | None = None


def language() -> str:
    if _language is not None:
        return _language
    env = os.environ.get("GISDESK_LANG", "zh").lower()
    return "en" if env.startswith("en") else "zh"


def set_language(lang: str | None) -> None:
    """Fix the language; None goes back to GISDESK_LANG (default Chinese)."""
    global _language
    if lang is not None and lang not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {lang!r}")
    _language = lang


def tr(zh: str, en: str, **values) -> str:
    """Pick the sentence of the current language and fill in its {placeholders}."""
    text = en if language() == "en" else zh
    return text.format(**values) if values else text


# The same, under a name Qt's lupdate does not take for its own tr(): UI modules use this
# for the core's bilingual sentences, so the Qt catalogue holds only Qt-translated strings.
bilingual = tr
