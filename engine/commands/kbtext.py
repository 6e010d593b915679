"""Knowledge-base entries as the kb commands print them (text and JSON)."""
from __future__ import annotations

from .common import out_json, out


def entry_dict(e, kb) -> dict:
    src = kb.sources.get(e.source)
    return {"id": e.id, "value": e.value, "formula": e.formula, "unit": e.unit, "basis": e.basis,
            "source": e.source, "source_title": src.title if src else None,
            "issuer": src.issuer if src else None, "source_year": src.year if src else None,
            "licence": src.licence if src else None, "redistribution": src.redistribution if src else None,
            "valid_from": e.valid_from, "valid_to": e.valid_to, "data_year": e.data_year,
            "region": e.region, "boundary": e.boundary, "quality": e.quality, "confidence": e.confidence,
            "default": e.default, "name_zh": e.name_zh, "name_en": e.name_en, "note": e.note,
            "parts": {g: {"value": v, "unit": u} for g, v, u in e.parts} if e.parts else None,
            "file": e.span.path, "line": e.span.line, **layer_fields(e, kb)}


def layer_fields(e, kb) -> dict:
    """Where a layered KB's entry comes from and what it hides (nothing for a single folder)."""
    layer = kb.layer_of(e.id)
    if layer is None:
        return {}
    hidden = kb.shadowed.get(e.id, ())
    return {"layer": {"kind": layer.kind, "folder": layer.root},
            "overrides": [{"layer": {"kind": s.layer.kind, "folder": s.layer.root},
                           "entries": [{"value": o.value, "formula": o.formula, "unit": o.unit, "source": o.source,
                                        "valid_from": o.valid_from, "valid_to": o.valid_to,
                                        "file": o.span.path, "line": o.span.line} for o in s.versions]}
                          for s in hidden]}


def redistribution_text(allowed: bool | None) -> str:
    return {True: " (redistribution allowed)", False: " (no redistribution)"}.get(allowed, "")


def list_entries(entries, kb, as_json: bool) -> None:
    if as_json:
        out_json([entry_dict(e, kb) for e in entries])
        return
    from ..render.text import table
    rows = [["id", "period", "value", "unit", "source", "name"]]
    for e in entries:
        rows.append([e.id, e.period, "=" + "formula" if e.value is None else f"{e.value:g}", e.unit, e.source,
                     e.name_zh or e.name_en or ""])
    out("\n".join(table(rows)))
    out(f"{len(entries)} entries")
