"""Stage: the method's settings (standard, boundary, GWP set, factor year) are known and set once."""
from __future__ import annotations

from ..core.errors import Diagnostic, did_you_mean
from ..language import nodes as n

# A partial study names its stages: `boundary partial(use, end_of_life)`.
BOUNDARIES = {"cradle_to_gate", "cradle_to_grave", "gate_to_gate", "gate_to_grave", "partial"}
GWP_SETS = {"SAR": "sar", "AR4": "ar4", "AR5": "ar5", "AR5_ccfb": "ar5_ccfb", "AR6": "ar6"}
FACTOR_YEAR = {"exact", "latest_earlier"}
# The life-cycle stages a boundary leaves out, by their library ids (the ids of the standards'
# `boundary_complete` rules): a line in one of them is computed but not counted.
OUTSIDE = {"cradle_to_grave": (), "cradle_to_gate": ("distribution", "use", "end_of_life"),
           "gate_to_gate": ("raw_material", "distribution", "use", "end_of_life"), "gate_to_grave": ("raw_material",)}


def outside_stages(method) -> tuple[str, ...]:
    """The declared stages outside the method's boundary: excluded ones, those a partial boundary
    does not name, and the library's stages a cradle-to-gate (or gate-to-x) boundary leaves out."""
    partial = method.boundary_stages()
    left = OUTSIDE.get(method.setting("boundary") or "", ())
    return tuple(s.id for s in method.stages
                 if s.excluded is not None or (partial is not None and s.id not in partial) or s.id in left)
_REQUIRED_HINT = {"standard": 'e.g. `standard "GB/T 24067-2024"`',
                  "boundary": "one of cradle_to_gate, cradle_to_grave, gate_to_gate, gate_to_grave, "
                              "partial(<stage>, ...)",
                  "gwp": "e.g. `gwp AR5`"}


def settings_problems(method: n.Method) -> list[Diagnostic]:
    problems = []
    seen: dict[str, n.Setting] = {}
    for s in method.settings:
        if s.key in seen:
            problems.append(Diagnostic("duplicate", f"`{s.key}` is set twice", s.span,
                                       related=(("first set", seen[s.key].span),)))
        seen[s.key] = s
    allowed = {"boundary": BOUNDARIES, "gwp": set(GWP_SETS), "factor_year": FACTOR_YEAR}
    for key, values in allowed.items():
        s = seen.get(key)
        if s is not None and s.value not in values:
            problems.append(Diagnostic("bad-setting", f"unknown {key} `{s.value}`", s.span,
                                       hint=did_you_mean(s.value, values) or f"one of {', '.join(sorted(values))}"))
    b = seen.get("boundary")
    if b is not None and b.value in BOUNDARIES:
        problems.extend(_boundary_stages(method, b))
    if is_model(method):
        problems.append(Diagnostic("missing-setting", f"method `{method.id}` sets no standard, boundary or gwp: a "
                                   "product model, to be run under a standard", method.span,
                                   hint=f"a method that extends it with a standard's base runs it: "
                                        f"`method my.product extends {method.id}, iso14067.base {{ }}`"))
        return problems
    for key in ("standard", "boundary", "gwp"):
        if key not in seen:
            problems.append(Diagnostic("missing-setting", f"method `{method.id}` does not set `{key}`", method.span,
                                       hint=_REQUIRED_HINT[key]))
    return problems


MODEL_SETTINGS = ("standard", "boundary", "gwp")


def is_model(method: n.Method) -> bool:
    """A product model: stages, inputs and formulas, no standard (none of its required settings).
    It is run under a standard by a method extending it with that standard's base; `pcf check`
    and the editor check everything else in it."""
    return not any(s.key in MODEL_SETTINGS for s in method.settings)


def _boundary_stages(method: n.Method, b: n.Setting) -> list[Diagnostic]:
    """A partial boundary names stages the method declares, and only it names stages."""
    if b.value != "partial":
        if b.args:
            return [Diagnostic("bad-setting", f"boundary `{b.value}` takes no stages: its stages are the "
                               "standard's", b.span, hint=f"write `boundary partial({', '.join(b.args)})` "
                               "for a study of these stages only")]
        return []
    if not b.args:
        return [Diagnostic("bad-setting", "a partial boundary names its stages", b.span,
                           hint="e.g. `boundary partial(use)` or `boundary partial(use, end_of_life)`")]
    stages = {s.id: s for s in method.stages}
    out = []
    for name in b.args:
        if name not in stages:
            out.append(Diagnostic("unknown-stage", f"the partial boundary names stage `{name}`, which the method "
                                  "does not declare", b.span,
                                  hint=did_you_mean(name, stages) or f'declare it: `stage {name} "label"`'))
        elif stages[name].excluded is not None:
            out.append(Diagnostic("bad-setting", f"the partial boundary names stage `{name}`, which the method "
                                  f"excludes ({stages[name].excluded})", b.span))
    if len(set(b.args)) < len(b.args):
        out.append(Diagnostic("duplicate", "the partial boundary names a stage twice", b.span))
    return out
