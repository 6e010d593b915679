"""The docs page of the clause registers (standards/*.toml): per standard, each clause with the
evidence for it and the rules and checks of the method library that cite it."""
from __future__ import annotations

from pathlib import Path

from ..language import nodes as n
from ..language.standards import cited_clauses, load_registers
from .escape import markdown_text
from .locale import EN, Locale


def clause_anchor(standard: str, number: str) -> str:
    """The id of a clause's row on the Standards page (letters, digits and `-` only)."""
    import re
    return "clause-" + re.sub(r"[^A-Za-z0-9]+", "-", f"{standard} {number}").strip("-").lower()


def citation_links(citation: str | None, registers, prefix: str = "") -> str:
    """Links from a rule's citation to its clauses on the Standards page (Markdown), or ""."""
    if not citation:
        return ""
    std, clauses = cited_clauses(citation, registers)
    found = [c for c in clauses if std and registers[std].clause(c) is not None]
    return " ".join(f"[{markdown_text(c)}]({prefix}standards.md#{clause_anchor(std, c)})" for c in found)


def standards_page(method_files: list[Path], root: Path, t: Locale = EN) -> str:
    from ..language.build import build_method
    registers = load_registers()
    cites: dict[tuple[str, str], list[str]] = {}
    methods = [build_method(path.read_text(encoding="utf-8"), str(path)) for path in method_files]
    for m in methods:
        for d in m.decls:
            text = getattr(d, "citation", None)
            if not isinstance(d, (n.Rule, n.Check)) or not text:
                continue
            std, clauses = cited_clauses(text, registers)
            kind = t("rule") if isinstance(d, n.Rule) else t("check")
            # the knowledge-base families a rule names (avoid_factors' ids and use): clause -> rule -> factors
            families = [v for a in getattr(d, "args", ()) if a.key in ("ids", "use") for v in a.values
                        if isinstance(v, str)]
            named = " " + t("on factors {ids}", ids=", ".join(f"kb.{f}" for f in families)) if families else ""
            for c in clauses if std else ():
                cites.setdefault((std, c), []).append(f"{kind} `{d.name}` ({m.id}){named}")
    out = [f"# {t('Standards: clause registers')}", "",
           t("What pcf cites of each standard, and what each citation rests on. The purchased texts were not "
           "available: a clause's number and title are as good as the evidence named beside it (a table of "
           "contents, a translation, a ministry notice, a specification file). Rules citing a clause are "
           "marked `reading` in the methods unless their wording was checked. Generated from `standards/*.toml` "
           "and the method files; `tests/test_standards.py` checks every citation against these registers."), ""]
    out += _bases_table(methods, t)
    for std, reg in sorted(registers.items()):
        out += [f"## {markdown_text(std)}", "", f"{markdown_text(reg.title)} — {markdown_text(reg.issuer)}", "",
                t("Evidence: {evidence} ({confidence}).", evidence=markdown_text(reg.evidence),
                  confidence=markdown_text(reg.confidence)), "",
                f"| {t('clause')} | {t('title')} | {t('confidence')} | {t('cited by')} |", "|---|---|---|---|"]
        for c in reg.clauses:
            by = ", ".join(cites.get((std, c.number), [])) or ""
            title = c.title + (f" — {c.note}" if c.note else "")
            out.append(f'| <a id="{clause_anchor(std, c.number)}"></a>{markdown_text(c.number)} | '
                       f"{markdown_text(title)} | {markdown_text(c.confidence)} | "
                       f"{markdown_text(by) if by else ''} |")
        out.append("")
    return "\n".join(out)


def _bases_table(methods: list[n.Method], t: Locale = EN) -> list[str]:
    """Per standard base of the library: its boundary, GWP set, and what it reports apart from the
    total (biogenic, land-use change, aircraft, offsets: the `report_separately` rule). A tagged line
    still counts in the total (offsets never do); the figures apart are reported beside it."""
    from ..core.errors import PcfError
    from ..language.inherit import resolve
    methods = {m.id: m for m in methods}
    rows = []
    for ident in sorted(methods):
        if not ident.endswith(".base"):
            continue
        try:
            m = resolve(methods[ident], lambda base, span: methods[base])   # the bases' own chain
        except (KeyError, PcfError):      # a base outside these files, or a broken chain: not listed
            continue
        if m.setting("standard") is None:
            continue
        sep = next((r for r in m.rules if r.name == "report_separately"), None)
        arg = sep.arg("tags") if sep is not None else None
        tags = ", ".join(v for v in arg.values if isinstance(v, str)) if arg else t("nothing")
        rows.append(f"| `{m.id}` | {markdown_text(m.setting('standard'))} | "
                    f"{markdown_text(t.boundary((m.setting('boundary') or '').replace('_', '-')))} | "
                    f"{markdown_text(m.setting('gwp') or '')} | {markdown_text(tags)} |")
    if not rows:
        return []
    return [f"## {t('The library' + chr(39) + 's standard bases')}", "",
            t("What each base decides for every method built on it. Lines tagged as reported separately "
            "still count in the total, and their sums are reported beside it (biogenic emissions and "
            "removals apart); an `offset` line never counts. PAS 2050:2011 5.5 (carbon storage, delayed "
            "emissions) is not encoded: its text was not available."), "",
            f"| {t('base')} | {t('standard')} | {t('boundary')} | GWP | {t('reported separately')} |",
            "|---|---|---|---|---|", *rows, ""]
