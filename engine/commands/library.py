"""Commands on the method library and the knowledge base: check, methods, kb list/show/search/import."""
from __future__ import annotations

import sys
from pathlib import Path
from ..api import Workspace, read_method
from ..core.errors import Diagnostic, PcfError, render
from ..evaluation.evaluate import plan_findings
from ..core.units import load_units
from ..inputs.inventory import load_inventory
from ..knowledge.kb import check_kb, kb_root, load_kb
from ..knowledge.layers import load_layered, overlay_all
from ..language.library import DEFAULT_METHODS_DIR, method_ids
from ..plan import compile_model
from ..render.escape import terminal_text
from .checkdir import check_targets
from .common import out_json, out
from .kbtext import entry_dict, list_entries, redistribution_text


def cmd_check(args) -> int:
    units = load_units()
    problems = []
    kb = None

    def get_kb():
        nonlocal kb
        if kb is None:
            kb = load_layered(args.kb, units)
        return kb

    checked = 0
    warnings = []
    for path in args.paths:
        targets = check_targets(path, args.kb.library)
        if targets is None and not path.exists():
            print(f"{path}: no such file or folder", file=sys.stderr)
            return 1
        if targets is None:
            print(f"{path}: not a method (.pcf), inventory (.toml), case folder or kb folder", file=sys.stderr)
            return 1
        for kind, target in targets:
            try:
                if kind == "case":   # binding and evaluation are the validation of a case
                    Workspace(units, get_kb(), DEFAULT_METHODS_DIR).run_case(target)
                elif kind == "kb":
                    root = kb_root(target)
                    if (root / "sources.toml").is_file() or not any(root.rglob("*.toml")):
                        check_kb(load_kb(root, units))
                    else:   # a layer citing the library's sources (a case's or project's kb/)
                        check_kb(overlay_all(get_kb(), [("--kb", root)], units))
                elif kind == "method":
                    ws = Workspace(units, get_kb(), DEFAULT_METHODS_DIR)
                    method = ws.resolve(read_method(target))
                    plan = compile_model(method, get_kb(), units)
                    check_scenarios(method, get_kb(), units)
                    # what compiles but deserves a look (an input no formula uses)
                    warnings.extend(Diagnostic(f.code, f"warning: {f.message}", f.at) for f in plan_findings(plan)
                                    if f.code == "unused-input")
                elif kind == "pact":   # a received PACT footprint (exchange/pactcheck.py)
                    from ..exchange.pactcheck import check_file
                    found = check_file(target, getattr(args, "pact_spec", None))
                    problems.extend(d for d in found if not d.message.startswith("warning: "))
                    warnings.extend(d for d in found if d.message.startswith("warning: "))
                else:
                    load_inventory(target)
                checked += 1
            except PcfError as exc:
                problems.extend(exc.diagnostics)
    if getattr(args, "json", False):
        out_json({"schema": "pcf-check/1", "checked": checked, "ok": not problems,
                  "diagnostics": [diagnostic_dict(d, "error") for d in problems]
                  + [diagnostic_dict(d, "warning") for d in warnings]})
        return 1 if problems else 0
    if problems:
        print(render(problems + warnings), file=sys.stderr)
        return 1
    if warnings:
        print(render(warnings), file=sys.stderr)
    out(f"ok: {checked} checked" + (f", {len(warnings)} warning(s)" if warnings else ""))
    return 0


def diagnostic_dict(d: Diagnostic, severity: str) -> dict:
    """One diagnostic for machines: what the text shows as `file:line:col: message [code]`."""
    s = d.span
    message = d.message.removeprefix("warning: ")
    return {"code": d.code, "severity": severity, "file": s.path if s is not None else d.path,
            "line": s.line if s else None, "column": s.column if s else None,
            "end_line": s.end_line if s else None, "end_column": s.end_column if s else None,
            "key": d.key, "message": message, "hint": d.hint,
            "related": [{"label": label, "file": sp.path, "line": sp.line, "column": sp.column}
                        for label, sp in d.related]}


def check_scenarios(method, kb, units) -> None:
    """Each scenario of the method compiles: the formulas it gives its lets are checked as the
    method's own are (its inputs' constants are checked when a case binds them)."""
    from ..evaluation.scenario import apply_scenario, scenarios_of
    from ..inputs.inventory import Inventory
    problems = []
    for sc in scenarios_of(method).values():
        try:
            variant, _ = apply_scenario(method, Inventory(()), sc)
            compile_model(variant, kb, units)
        except PcfError as exc:
            from dataclasses import replace
            problems.extend(replace(d, message=f"under scenario `{sc.name}`: {d.message}",
                                    related=(*d.related, (f"scenario `{sc.name}`", sc.span)))
                            for d in exc.diagnostics)
    if problems:
        raise PcfError(problems)


def inside_kb(path: Path, kb: Path) -> bool:
    try:
        path.resolve().relative_to(kb.resolve())
        return True
    except ValueError:
        return False


def cmd_methods(args) -> int:
    rows = []
    ws = None
    for ident, path in sorted(method_ids().items()):
        if ws is None:
            ws = Workspace(load_units(), None, DEFAULT_METHODS_DIR)
        m = ws.resolve(read_method(path))
        rows.append({"id": m.id, "title": m.title, "standard": m.setting("standard"),
                     "boundary": (m.setting("boundary") or "").replace("_", "-") or None,
                     "gwp": m.setting("gwp"), "extends": m.extends, "path": str(Path(m.path))})
    if args.json:
        out_json(rows)
    else:
        from ..render.text import table
        lines = table([["id", "standard", "boundary", "gwp", "title"]]
                      + [[r["id"], r["standard"] or "", r["boundary"] or "", r["gwp"] or "", r["title"] or ""]
                         for r in rows])
        out("\n".join(lines))
    return 0


def kb_of(args):
    """The layered KB a kb command reads: the library and --kb layers, and with `--case` the
    project and case layers of that case."""
    if getattr(args, "case", None) is not None:
        from ..inputs.case import load_case
        ws = Workspace.load(args.kb)
        return ws.for_case(load_case(args.case, ws.methods_dir)).kb
    return load_layered(args.kb, load_units())


def cmd_kb_list(args) -> int:
    kb = kb_of(args)
    list_entries(kb.entries, kb, args.json)
    return 0


def cmd_kb_search(args) -> int:
    kb = kb_of(args)
    list_entries(kb.search(args.text), kb, args.json)
    return 0


def cmd_kb_import(args) -> int:
    from ..knowledge.imports import convert
    options = {k: v for k, v in (("source", args.source_key), ("confidence", args.confidence), ("gwp", args.gwp),
                                 ("sheet", args.sheet), ("mapping", args.mapping)) if v is not None}
    text = convert(args.format, args.file, options)
    from ..files.atomic import write_atomic
    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(args.output, text, inputs=[args.file] + ([args.mapping] if args.mapping else []))
    out(f"wrote {text.count(chr(10) + '[[entry]]')} entries to {args.output}")
    return 0


def cmd_kb_show(args) -> int:
    kb = kb_of(args)
    ident = args.id.removeprefix("kb.")
    versions = kb.by_id.get(ident)
    if not versions:
        from ..core.errors import Diagnostic, did_you_mean
        raise PcfError([Diagnostic("kb-unknown", f"unknown knowledge-base id `{ident}`", None,
                                   path=str(args.kb), hint=did_you_mean(ident, kb.by_id))])
    if args.json:
        out_json([entry_dict(e, kb) for e in versions])
        return 0
    t = terminal_text       # every field on its own line: a newline in a name or note is shown as \n
    for e in versions:
        src = kb.sources.get(e.source)
        out(f"kb.{e.id}  [{e.period}]  {t(e.name_zh or '')} {t(e.name_en or '')}".rstrip())
        out(f"  value     {e.value if e.value is not None else '= ' + t(e.formula)} {e.unit}  ({e.basis})")
        for label, v in (("region", e.region), ("boundary", e.boundary), ("quality", e.quality),
                         ("confidence", e.confidence + ("" if e.default else ", not a default") if e.confidence else None),
                         ("data year", e.data_year), ("table", e.table), ("note", e.note),
                         ("parts", ", ".join(f"{g} {v:g} {u}" for g, v, u in e.parts) if e.parts else None)):
            if v is not None:
                out(f"  {label:<9} {t(v)}")
        if src:
            out(f"  source    {t(src.title)} — {t(src.issuer)}, {t(src.date or src.year)}"
                 + (f", {t(src.document)}" if src.document else ""))
            out(f"  licence   {t(src.licence or 'not recorded')}" + redistribution_text(src.redistribution))
        out(f"  defined   {e.span.path}:{e.span.line}")
    layer = kb.layer_of(ident)
    if layer is not None:
        out(f"layer       {layer.kind}: {t(layer.root)}")
        for s in reversed(kb.shadowed.get(ident, ())):
            for o in s.versions:
                was = f"{o.value:g}" if o.value is not None else f"= {t(o.formula)}"
                out(f"overrides   {s.layer.kind} ({t(s.layer.root)}): [{o.period}] {was} {o.unit}, "
                    f"source {t(o.source)}, {o.span.path}:{o.span.line}")
    return 0


def cmd_lsp(args) -> int:
    try:
        from ..editor.lsp import serve
    except ImportError:   # pygls is the extra `lsp`
        print("pcf lsp needs pygls: pip install 'pcf[lsp]'", file=sys.stderr)
        return 1
    try:
        import pygls  # noqa: F401
    except ImportError:
        print("pcf lsp needs pygls: pip install 'pcf[lsp]'", file=sys.stderr)
        return 1
    serve(args.kb)
    return 0


def cmd_fmt(args) -> int:
    """Method files in pcf's canonical layout (comments and blank lines kept): rewritten in place,
    or with --check only named. A file whose comments cannot be placed is left as it is, and said so."""
    from ..files.atomic import write_atomic
    from ..language.layout import LayoutError, format_file
    files = []
    for path in args.paths:
        files += sorted(path.rglob("*.pcf")) if path.is_dir() else [path]
    changed = kept = 0
    for path in files:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"{path}: cannot read ({exc})", file=sys.stderr)
            return 1
        read_method(path)   # a file that does not parse: its positioned error, exit 1
        try:
            new = format_file(text, str(path))
        except LayoutError as exc:
            kept += 1
            out(f"kept {path}: {exc}")
            continue
        if new == text:
            continue
        changed += 1
        if args.check:
            out(f"would reformat {path}")
        else:
            write_atomic(path, new)
            out(f"reformatted {path}")
    out(f"{len(files)} file(s): {changed} {'to reformat' if args.check else 'reformatted'}"
        + (f", {kept} kept (comments could not be placed)" if kept else ""))
    return 1 if args.check and changed else 0
