"""The clause registers (`standards/*.toml`): each standard pcf cites, its clauses (number, title)
and the evidence for them, and which rules and checks of the method library cite each clause.

A citation is the text a rule or check carries (`rule gwp_set reading "PAS 2050:2011 5.3 / Annex
A"`). `cited_clauses` reads the standard and the clause numbers out of it; `tests/test_standards.py`
checks every citation of the library against the registers, and the docs show each register with
the rules that cite its clauses.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import tomli

from ..core.paths import ROOT

REGISTERS = ROOT / "standards"
_CLAUSE = re.compile(r"\b(Annex [A-Z]+|Article \d+|Table \d+|\d+(?:\.\d+)*)\b")


@dataclass(frozen=True)
class Clause:
    number: str
    title: str
    confidence: str
    note: str | None = None


@dataclass(frozen=True)
class Register:
    standard: str
    title: str
    issuer: str
    evidence: str
    confidence: str
    clauses: tuple[Clause, ...]
    path: str

    def clause(self, number: str) -> Clause | None:
        return next((c for c in self.clauses if c.number == number), None)


def load_registers(folder: Path = REGISTERS) -> dict[str, Register]:
    out = {}
    for path in sorted(Path(folder).glob("*.toml")):
        data = tomli.loads(path.read_text(encoding="utf-8"))
        clauses = tuple(Clause(c["number"], c["title"], c.get("confidence", data["confidence"]), c.get("note"))
                        for c in data.get("clauses", ()))
        out[data["standard"]] = Register(data["standard"], data["title"], data["issuer"], data["evidence"],
                                         data["confidence"], clauses, str(path))
    return out


def cited_clauses(citation: str, registers: dict[str, Register]) -> tuple[str | None, list[str]]:
    """(the registered standard the citation names, the clause numbers after it); (None, []) when it
    names no registered standard."""
    for std in sorted(registers, key=len, reverse=True):
        at = citation.find(std)
        if at >= 0:
            rest = citation[at + len(std):]
            rest = re.sub(r"\((?:[^()]*)\)", " ", rest)   # a parenthesis comments, it does not cite
            rest = re.sub(r"\bNote \d+", " ", rest)          # a note of the clause before it
            return std, [m.group(1) for m in _CLAUSE.finditer(rest)]
    return None, []
