"""Text encodings a user names (--encoding): checked before any file is read."""

from __future__ import annotations

import codecs

from gisdesk.errors import InputError


def check_encoding(encoding: str) -> str:
    """`encoding` when Python knows it, else a clear refusal."""
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InputError("未知的编码 {encoding}（例如 GBK、GB18030、UTF-8）",
                         "unknown encoding {encoding} (e.g. GBK, GB18030, UTF-8)", encoding=encoding) from None
    return encoding
