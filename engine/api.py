"""The Python API: what scripts use, and what the CLI is a thin layer over.

    >>> import pcf
    >>> ws = pcf.Workspace.load()                       # units, knowledge base, method library
    >>> result = ws.run_case("examples/seed-003-metering-box")
    >>> round(result.products[0].total, 4)
    64.2254
    >>> result.to_dict()["schema"]
    'pcf-result/1'

Or piece by piece: `ws.method("gbt24067.electrical")`, `ws.compile(method, data_year=2025)`,
`ws.evaluate(plan, pcf.Inventory.build([...]))`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

from .checks.across import across_checks
from .checks.audit import audit, product_intervals
from .checks.rows import row_checks
from .checks.rules import apply_rules
from .core.errors import Diagnostic, PcfError, fail
from .core.keys import Key
from .core.source import Span, display_path
from .core.units import DEFAULT_UNITS_FILE, Units, load_units
from .evaluation.evaluate import bind, check_findings, plan_findings, run
from .evaluation.scenario import apply_scenario, find_scenario, scenarios_of
from .evaluation.result import Finding, Line, MethodInfo, ProductResult, Result
from .evaluation.totals import offsets, totals
from .evaluation.trace import Trace
from .inputs.case import Case, load_case
from .inputs.inventory import Inventory
from .checks.literals import inventory_literals, method_literals
from .knowledge.kb import DEFAULT_KB_DIR
from .knowledge.layers import KbChoice, case_folders, describe_hidden, load_layered, overlay_all
from .knowledge.kbmodel import KnowledgeBase
from .language.build import build_method
from .language.inherit import resolve
from .language.library import DEFAULT_METHODS_DIR, find_method
from .language.nodes import Method
from .plan import Plan, compile_method

MAX_METHOD_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Workspace:
    """Everything an evaluation reads besides the case: units, knowledge base, method library."""
    units: Units
    kb: KnowledgeBase
    methods_dir: Path

    @staticmethod
    def load(kb_dir: "Path | str | KbChoice" = DEFAULT_KB_DIR, methods_dir: Path | str = DEFAULT_METHODS_DIR,
             units_file: Path | str = DEFAULT_UNITS_FILE) -> "Workspace":
        """`kb_dir`: the library folder, or a KbChoice (the library and `--kb` layers over it)."""
        units = load_units(Path(units_file))
        choice = kb_dir if isinstance(kb_dir, KbChoice) else KbChoice(Path(kb_dir))
        return Workspace(units, load_layered(choice, units), Path(methods_dir))

    def for_case(self, case: Case) -> "Workspace":
        """This workspace with the knowledge-base layers of a case's project and of the case itself
        (layers.py) over its own; unchanged for a case that has none."""
        folders = case_folders(Path(case.dir), case.kb, Path(self.kb.root))
        return self if not folders else replace(self, kb=overlay_all(self.kb, folders, self.units))

    def method(self, ref: str | Path, case_dir: Path | None = None) -> Method:
        """A method by id from the library, or by file path, with its `extends` chain merged."""
        path = Path(ref) if Path(ref).suffix == ".pcf" and Path(ref).is_file() and case_dir is None \
            else find_method(str(ref), case_dir, self.methods_dir)
        return self.resolve(read_method(path))

    def resolve(self, method: Method) -> Method:
        """Merge the base methods a method extends (by id, from the library)."""
        return resolve(method, lambda ident, span: read_method(find_method(
            ident, None, self.methods_dir, span, near=_folder_of(span))))

    def compile(self, method: Method, data_year: int | None = None) -> Plan:
        return compile_method(method, self.kb, self.units, data_year)

    def evaluate(self, plan: Plan, inventory: Inventory, case: Case | None = None) -> Result:
        return evaluate(plan, inventory, self.kb, case)

    def run_case(self, case_dir: Path | str, method: str | None = None, scenario: str | None = None) -> Result:
        """Evaluate a case folder; `method` evaluates its inventory under another method,
        `scenario` with a scenario of the method or the case applied."""
        case = load_case(Path(case_dir), self.methods_dir)
        return self.for_case(case)._run(case, case_dir, method, scenario)

    def _run(self, case: Case, case_dir: Path | str, method: str | None, scenario: str | None) -> Result:
        path = case.method_path if method is None else \
            (Path(method).resolve() if Path(method).suffix == ".pcf" and Path(method).is_file()
             else find_method(method, Path(case_dir), self.methods_dir))
        resolved = self.resolve(read_method(path))
        inventory, applied = case.inventory, None
        if scenario is not None:
            applied = find_scenario(scenario, resolved, case.scenarios)
            resolved, inventory = apply_scenario(resolved, inventory, applied)
        plan = self.compile(resolved, case.data_year)
        # Printed figures belong to the case's own method and data: under another method or a
        # scenario they are not audited.
        result = evaluate(plan, inventory, self.kb, replace(case, inventory=inventory),
                          audit_reported=method is None and scenario is None)
        return replace(result, scenario=applied)

    def scenario_names(self, case_dir: Path | str) -> list[str]:
        """The scenarios a case may be run under: its method's, then its own."""
        case = load_case(Path(case_dir), self.methods_dir)
        return list(scenarios_of(self.resolve(read_method(case.method_path)), case.scenarios))


def read_method(path: Path) -> Method:
    shown = display_path(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise fail("io", f"cannot read method file ({exc.strerror or exc})", None, path=shown) from None
    if len(raw) > MAX_METHOD_BYTES:
        raise fail("syntax", f"method file larger than {MAX_METHOD_BYTES // 2**20} MiB",
                   Span(shown, 1, 1))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise fail("syntax", "method file is not UTF-8 text", Span(shown, line, 1)) from None
    return build_method(text.replace("\r\n", "\n"), shown)


def evaluate(plan: Plan, inventory: Inventory, kb: KnowledgeBase, case: Case | None = None,
             audit_reported: bool = True) -> Result:
    findings: list[Finding] = plan_findings(plan)
    notes = case.factor_notes if case is not None else {}
    findings.extend(method_literals(plan.method, plan.units, notes))
    problems: list[Diagnostic] = []
    products = []
    used: dict[str, set[str]] = {}
    bounds: dict[str, object] = {}
    for p in inventory.products:
        try:
            b = bind(plan, p, kb, inventory.path)
        except PcfError as exc:
            problems.extend(exc.diagnostics)
            continue
        used[p.id] = set(b.kb_used.values())
        bounds[p.id] = b
        values = run(plan, b.values)
        lines = tuple(Line(e.name, e.label, e.stage, values[Key.emission(e.name)] / b.divisor)
                      for e in plan.method.emissions)
        bad = [l.name for l in lines if not math.isfinite(l.value)]
        if bad:
            problems.append(Diagnostic("bad-number", f"product `{p.id}`: {', '.join(bad)} per unit is not finite "
                                       f"(quantity {b.product.quantity!r} too small?)", p.span))
            continue
        t = totals({l.name: l.value for l in lines}, plan.method.emissions, plan.stage_ids)
        stages, total, excluded, shares = t.stages, t.total, t.excluded, t.shares()
        if not total:
            findings.append(Finding("warning", "zero-total", f"products.{p.id}.total",
                                    "the total is zero: shares are reported as 0"))
        findings.extend(check_findings(plan, p.id, values))
        findings.extend(inventory_literals(plan.method, b.product, plan.units, notes))
        for name in b.defaulted:
            findings.append(Finding("info", "input-default", f"products.{p.id}.inputs.{name}",
                                    f"input `{name}` is not in the inventory: the method's default is used"))
        for name in b.not_given:
            findings.append(Finding("info", "input-not-given", f"products.{p.id}.inputs.{name}",
                                    f"optional input `{name}` is not in the inventory: counted as not given (0)"))
        pr = ProductResult(p.id, p.name, p.functional_unit or plan.method.setting("functional_unit"),
                           b.product.quantity, total, stages, shares, lines, values, b.divisor, excluded=excluded,
                           quantity_given=_given(p.quantity_amount), period=p.period,
                           trace=Trace(b, {e.source: kb.sources[e.source] for e in b.kb_entries.values()
                                                         if e.source in kb.sources}))
        for name, v in excluded.items():
            if v:
                findings.append(Finding("info", "offset-excluded", f"products.{p.id}.lines.{name}",
                                        f"`{name}` is an offset ({v:.6g} kgCO2e per unit): never counted in the footprint"))
        findings.extend(outside_findings(plan, p.id, lines))
        products.append(pr)
        if case is not None and audit_reported:
            try:
                findings.extend(audit(plan, b, pr, [f for f in case.reported if f.product == p.id],
                                      case.audit))
                findings.extend(row_checks(plan, b, pr, [r for r in case.rows if r.product == p.id],
                                           case.audit)[1])
            except PcfError as exc:
                problems.extend(exc.diagnostics)
    if case is not None and audit_reported and case.across and not problems:
        try:
            findings.extend(across_checks(case.across, {p.id: p for p in products},
                                          {p.id: product_intervals(plan, bounds[p.id], p, case.audit)
                                           for p in products}, plan)[1])
        except PcfError as exc:
            problems.extend(exc.diagnostics)
    if problems:
        raise PcfError(problems)
    plan_ids = {kn.entry.id for kn in plan.kb_nodes.values()}
    kb_ids = {pid: plan_ids | ids for pid, ids in used.items()}
    findings.extend(override_findings(kb, sorted(set().union(plan_ids, *used.values())), plan.data_year))
    outcome = apply_rules(plan.method, inventory, products, plan.units, kb_ids)
    findings.extend(outcome.findings)
    products = [replace(p, separately=outcome.separately.get(p.id), data_quality=outcome.data_quality.get(p.id))
                for p in products]
    m = plan.method
    info = MethodInfo(m.id, m.title, m.setting("standard"), m.setting("boundary"), m.setting("gwp"), m.path,
                      m.extends, m.boundary_stages())
    labels = {s.id: s.label for s in m.stages}
    return Result(info, tuple(products), tuple(findings), labels, plan.data_year, plan, case, kb)


def outside_findings(plan: Plan, product: str, lines) -> list[Finding]:
    """The lines of stages outside the boundary (left out by a standard's base or a variant over
    the model that computes them): named with their values, never counted."""
    offset = offsets(plan.method.emissions)
    out = [l for l in lines if l.stage not in plan.stage_ids and l.name not in offset]
    if not out:
        return []
    stages = {s.id: s for s in plan.method.stages}
    why = {s: (f"excluded: {stages[s].excluded}" if stages[s].excluded else
               f"outside the {(plan.method.setting('boundary') or '').replace('_', '-')} boundary")
           for s in {l.stage for l in out}}
    listed = "; ".join(f"`{l.name}` in {l.stage} {l.value:.6g} kgCO2e per unit ({why[l.stage]})" for l in out)
    return [Finding("info", "outside-boundary", f"products.{product}.lines.{out[0].name}",
                    f"computed, not counted: {listed}")]


def override_findings(kb: KnowledgeBase, ids: list[str], year: int | None) -> list[Finding]:
    """An entry of a layer that hides the library's (or a lower layer's) entry of the same id."""
    out = []
    for ident in ids:
        told = describe_hidden(kb, ident, year)
        if told is not None:
            out.append(Finding("info", "kb-override", kb.by_id[ident][0].span, f"`kb.{ident}` comes from the {told}"))
    return out


def _folder_of(span: Span | None) -> Path | None:
    """The folder of the method file a span is in: its bases are looked for there first."""
    if span is None or not span.path or span.path.startswith("<"):
        return None
    folder = Path(span.path).parent
    return folder if folder.is_dir() else None


def _given(a) -> str | None:
    """A quantity given with a unit, as written ("10000 t")."""
    return None if a is None else f"{a.text} {a.unit}"


def run_case(case_dir: Path | str, method: str | None = None) -> Result:
    """One-call evaluation of a case folder with the default workspace."""
    return Workspace.load().run_case(case_dir, method)
