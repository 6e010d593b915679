"""Chinese names for imported entries: pcf's own translation of plain terms, not the source's.

`terms_zh.toml` beside this module maps an English term (matched as a whole word, any case)
to its Chinese name. An entry's Chinese name joins the translations of the terms found in
its labels, most specific label first, and is None when no term is known: an imported name
is never machine-translated. The curators' guide and each imported file's header say so.

    >>> name_zh(["Material use", "Plastics", "PET (average)"], load_terms())
    'PET，塑料，材料使用'
"""
from __future__ import annotations

import re
from pathlib import Path

import tomli

TERMS_FILE = Path(__file__).with_name("terms_zh.toml")
Terms = tuple[tuple[re.Pattern, str], ...]


def load_terms(path: Path = TERMS_FILE) -> Terms:
    """The term table, longest terms first so `steel cans` wins over `steel`."""
    data = tomli.loads(path.read_text(encoding="utf-8"))["terms"]
    return tuple((re.compile(rf"(?<![a-z0-9]){re.escape(k.lower())}(?![a-z0-9])"), v)
                 for k, v in sorted(data.items(), key=lambda kv: (-len(kv[0]), kv[0])))


def name_zh(labels, terms: Terms) -> str | None:
    found: list[str] = []
    for label in reversed(list(labels)):
        text = label.lower()
        for pattern, zh in terms:
            if pattern.search(text):
                text = pattern.sub(" ", text)
                if zh not in found:
                    found.append(zh)
    return "，".join(found) if found else None
