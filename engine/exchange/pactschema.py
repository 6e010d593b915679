"""The JSON Schema of a PACT ProductFootprint, derived mechanically from the official OpenAPI file.

PACT publishes no standalone JSON Schema: the normative data model is the OpenAPI 3.1 document of
each version (`spec/v3/openapi.yaml`, `spec/v2/openapi.yaml` in github.com/wbcsd/data-exchange-protocol,
also at docs.carbon-transparency.org/tr/data-exchange-protocol/<version>/openapi.yaml). An OpenAPI
3.1 schema object is JSON Schema 2020-12, so the derivation is mechanical: the file's
`components.schemas` become `$defs`, every `#/components/schemas/X` reference becomes `#/$defs/X`,
and the root refers to `ProductFootprint`. Nothing is added or edited by hand; OpenAPI's own
annotations (`example`, `x-*`, `summary`) are kept, and validators ignore them.

pcf does not ship the OpenAPI files: the WBCSD licence allows reproducing the material but not
sharing parts of it or derivatives of it (its sections 2.1(a)-(c)). A user downloads the file of
the version they exchange and names it (`pcf check FOOTPRINT.json --pact-spec openapi.yaml`);
the schema is derived in memory and never written. `scripts/pact_conformance.py` runs pcf's
exports against it.
"""
from __future__ import annotations

from pathlib import Path

from ..core.errors import Diagnostic, PcfError
from ..core.source import Span, display_path

DIALECT = "https://json-schema.org/draft/2020-12/schema"
PREFIX = "#/components/schemas/"


def derive(openapi: dict, root: str = "ProductFootprint") -> dict:
    """The JSON Schema (2020-12) of `components.schemas[root]` of an OpenAPI 3.1 document."""
    schemas = (openapi.get("components") or {}).get("schemas") if isinstance(openapi, dict) else None
    if not isinstance(schemas, dict) or root not in schemas:
        raise ValueError(f"no components.schemas.{root} in the OpenAPI document")
    version = str((openapi.get("info") or {}).get("version", "?"))
    defs = _rewrite({k: schemas[k] for k in _reachable(schemas, root)})
    return {"$schema": DIALECT, "title": f"PACT {root} {version} (derived from the OpenAPI document)",
            "$ref": f"#/$defs/{root}", "$defs": defs}


def _reachable(schemas: dict, root: str) -> list[str]:
    """The schemas `root` refers to, directly or not (the API's events and errors are left out:
    they are not part of a footprint, and v3's refer into another schema's `properties`)."""
    seen, todo = [], [root]
    while todo:
        name = todo.pop()
        if name in seen or name not in schemas:
            continue
        seen.append(name)
        todo.extend(ref[len(PREFIX):].split("/")[0] for ref in _refs(schemas[name]))
    return sorted(seen)


def _refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str) and v.startswith(PREFIX):
                yield v
            else:
                yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)


def spec_version(openapi: dict) -> str:
    return str((openapi.get("info") or {}).get("version", ""))


def load_openapi(path: Path) -> dict:
    """An OpenAPI file (YAML or JSON); a positioned error if it cannot be read as one."""
    import yaml   # only this command reads YAML
    shown = display_path(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PcfError([Diagnostic("io", f"cannot read the OpenAPI file ({exc})", None, path=shown)]) from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        span = Span(shown, mark.line + 1, mark.column + 1) if mark is not None else Span(shown, 1, 1)
        raise PcfError([Diagnostic("pact-spec", f"not YAML: {getattr(exc, 'problem', exc)}", span)]) from None
    if not isinstance(doc, dict) or not str(doc.get("openapi", "")).startswith("3.1"):
        raise PcfError([Diagnostic("pact-spec", "not an OpenAPI 3.1 document (no `openapi: 3.1.x`)", Span(shown, 1, 1),
                                   hint="use the PACT OpenAPI file of the version exchanged (spec/v3/openapi.yaml)")])
    return doc


def _rewrite(node):
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str) and v.startswith(PREFIX):
                out[k] = "#/$defs/" + v[len(PREFIX):]
            else:
                out[k] = _rewrite(v)
        return out
    if isinstance(node, list):
        return [_rewrite(v) for v in node]
    return node
