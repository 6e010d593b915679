"""All user-facing problems, as structured data, and their one rendering.

A `Diagnostic` is one problem: a stable code, a message saying what was expected and what
was found, where (a span, or a file and TOML key path), and an optional hint. Stages
collect diagnostics and raise them together as one `PcfError`; only the CLI prints them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..render.escape import terminal_text
from .source import Span, caret_lines

# Stable codes: the error catalogue. Adding a code is fine; renaming one is not.
CATALOGUE: dict[str, str] = {
    "syntax": "the method file does not follow the grammar",
    "unknown-name": "a formula refers to a name that is not declared",
    "unknown-stage": "an emission is assigned to a stage the method does not declare",
    "unknown-table": "a row sum runs over a table the method does not declare",
    "unknown-column": "a row field or an inventory row names a column the table does not declare",
    "unknown-key": "a map is looked up with a key it does not hold (a quoted key, or an inventory's word)",
    "bad-map": "a map without entries, with texts for values, or with values that are not constants",
    "bad-default": "an input's or column's default is not a number with its unit (or a quoted text)",
    "bad-scenario": "a scenario sets an input to something other than a constant",
    "duplicate": "a name, stage or setting is declared twice, or an inventory gives a product, input row or "
                 "column twice",
    "override": "an `override` replaces nothing, or a base method is misused",
    "rule": "a rule of the method is unknown or has bad arguments",
    "cycle": "formulas depend on each other in a circle",
    "unit-unknown": "a unit is not in the unit vocabulary",
    "unit-mismatch": "quantities of different dimensions are added, compared or assigned",
    "basis-conversion": "a 44/12 or 44/28 conversion is applied to a quantity without that basis",
    "not-co2e": "an emission is not a mass of CO2e",
    "missing-setting": "a method lacks a required setting",
    "bad-setting": "a setting has a value outside its allowed set",
    "gwp-mismatch": "a CO2e factor characterised with another GWP set than the method's",
    "kb-unknown": "a knowledge-base id does not exist",
    "kb-year": "a knowledge-base id has no value for the year asked",
    "kb-invalid": "a knowledge-base file breaks the schema",
    "kb-not-default": "an entry marked unconfirmed is used without pinning it",
    "kb-import": "a file given to `pcf kb import` has a row (or a mapping) the importer cannot read",
    "toml": "a TOML file cannot be read",
    "inventory": "an inventory does not fit the method",
    "missing-input": "the inventory does not give a value for a required input",
    "basis-conflict": "an inventory line gives an amount per functional unit where the method fixes it for the "
                      "period, or the other way",
    "bad-number": "a number is not finite, negative where not allowed, or malformed",
    "case": "a case folder or case.toml is malformed",
    "method-not-found": "a method id or path does not name a method file",
    "io": "a file cannot be read",
    "input-file": "a file a case brings is a link leading out of its folder, not a regular file (a FIFO, a device), "
                  "or larger than its size cap",
    "output": "an output path names a file the run read (or a link to one), lies in a folder the run reads whole, "
              "or is not a regular file (a folder, a device, a FIFO)",
    "uncertainty": "an uncertainty.toml (or a knowledge-base `uncertainty`) names an unknown parameter or distribution",
    "pact": "a case cannot be exported as PACT ProductFootprints: [pact] lacks what the data model requires, "
            "or the method uses what PACT (v3 or v2) cannot express",
    "pact-check": "a received PACT footprint (`pcf check FILE.json`) breaks the schema or the data model, or its "
                  "figures disagree with each other (the biogenic balance, periods, shares, the mass per unit)",
    "pact-spec": "the file given as --pact-spec is not a PACT OpenAPI 3.1 document of the footprint's version",
}


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    span: Span | None = None
    hint: str | None = None
    # For problems outside method files: file and TOML key path.
    path: str | None = None
    key: str | None = None
    related: tuple[tuple[str, Span], ...] = field(default=())

    def location(self) -> str:
        if self.span is not None:
            return str(self.span)
        where = self.path or "pcf"  # no file to name: the problem is in what pcf was asked to do
        if self.key:
            where += f": {self.key}"
        return where


class PcfError(Exception):
    """One or more diagnostics, raised by a stage that found problems."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = tuple(diagnostics)
        super().__init__(self.diagnostics[0].message if self.diagnostics else "error")

    def __str__(self) -> str:
        return render(self.diagnostics, with_source=False)


def fail(code: str, message: str, span: Span | None = None, **kw) -> PcfError:
    """A PcfError holding one diagnostic (for `raise fail(...)`)."""
    return PcfError([Diagnostic(code, message, span, **kw)])


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    import difflib     # only when a name is not found: not part of every start
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None


MAX_SHOWN = 20


def render(diagnostics: Iterable[Diagnostic], with_source: bool = True) -> str:
    """`file:line:col: message`, then the source line with a caret and a hint, per problem.

    Each field is one line of text: a newline or a terminal escape sequence in a name, a TOML key or
    a file name is shown escaped (`\\n`, `\\x1b`), so it can neither forge a diagnostic nor reach the
    terminal as a command.
    """
    diagnostics = list(diagnostics)
    out: list[str] = []
    texts: dict[str, str | None] = {}
    for d in diagnostics[:MAX_SHOWN]:
        out.append(f"{terminal_text(d.location())}: {terminal_text(d.message)} [{d.code}]")
        if with_source and d.span is not None and not d.span.path.lower().endswith(".xlsx"):   # a zip: no lines
            out.extend(caret_lines(_read(texts, d.span.path), d.span))
        for label, span in d.related[:MAX_SHOWN]:
            out.append(f"  {terminal_text(label)} at {terminal_text(span)}")
        if len(d.related) > MAX_SHOWN:
            out.append(f"  ... and {len(d.related) - MAX_SHOWN} more places")
        if d.hint:
            out.append(f"  hint: {terminal_text(d.hint)}")
    if len(diagnostics) > MAX_SHOWN:
        out.append(f"... and {len(diagnostics) - MAX_SHOWN} more")
    return "\n".join(out)


def _read(cache: dict[str, str | None], path: str) -> str:
    if path not in cache:
        try:
            cache[path] = Path(path).read_text(encoding="utf-8-sig", errors="replace")
        except OSError:
            cache[path] = None
    return cache[path] or ""
