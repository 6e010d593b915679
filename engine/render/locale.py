"""The documentation site's languages: the words the generated pages are built from, in English
(as written in the code) or translated (engine/render/locales/<lang>.toml).

English is the key, as in gettext: the code reads as the English page does, and a translation
file maps each English string to its translation. A string the file lacks is an error when the
site is built (`mkdocs build --strict` fails naming it), never an English phrase silently left
on a Chinese page. What a method, a case or the knowledge base says is shown as written, in
whatever language its author used; only the frame around it is translated.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

FOLDER = Path(__file__).resolve().parent / "locales"
LANGUAGES = ("en", "zh")


class MissingTranslation(LookupError):
    pass


@dataclass(frozen=True)
class Locale:
    lang: str = "en"
    strings: Mapping[str, str] = field(default_factory=dict)    # English -> translation
    errors: Mapping[str, str] = field(default_factory=dict)     # error code -> its meaning
    findings: Mapping[str, str] = field(default_factory=dict)   # finding code -> its meaning

    def __call__(self, text: str, **fields) -> str:
        """`text` in this language, with `{name}` fields filled in."""
        if self.lang != "en":
            try:
                text = self.strings[text]
            except KeyError:
                raise MissingTranslation(f"no {self.lang} translation of {text!r}: add it to "
                                         f"engine/render/locales/{self.lang}.toml") from None
        return text.format(**fields) if fields else text

    def boundary(self, text: str) -> str:
        """A boundary as the pages write it (`cradle-to-gate`, `partial (use, end_of_life)`), its
        keyword in this language; the stage ids stay as they are."""
        head, sep, rest = (text or "").partition(" (")
        return (self(head) if head else head) + sep + rest

    def meaning(self, table: str, code: str, english: str) -> str:
        """An error's or a finding's meaning (`table` "errors" or "findings") in this language."""
        if self.lang == "en":
            return english
        try:
            return getattr(self, table)[code]
        except KeyError:
            raise MissingTranslation(f"no {self.lang} meaning of the {table[:-1]} `{code}`: add it to "
                                     f"[{table}] in engine/render/locales/{self.lang}.toml") from None


EN = Locale()


def load_locale(lang: str = "en") -> Locale:
    if lang == "en":
        return EN
    if lang not in LANGUAGES:
        raise ValueError(f"the site has no language {lang!r}; it has {', '.join(LANGUAGES)}")
    with open(FOLDER / f"{lang}.toml", "rb") as f:
        data = tomllib.load(f)
    return Locale(lang, MappingProxyType(dict(data.get("strings", {}))),
                  MappingProxyType(dict(data.get("errors", {}))), MappingProxyType(dict(data.get("findings", {}))))
