"""Stage: the method's settings (standard, boundary, GWP set, factor year) are known and set once."""
from __future__ import annotations

from ..core.errors import Diagnostic, did_you_mean
from ..language import nodes as n

BOUNDARIES = {"cradle_to_gate", "cradle_to_grave", "gate_to_gate"}
GWP_SETS = {"SAR": "sar", "AR4": "ar4", "AR5": "ar5", "AR5_ccfb": "ar5_ccfb", "AR6": "ar6"}
FACTOR_YEAR = {"exact", "latest_earlier"}
_REQUIRED_HINT = {"standard": 'e.g. `standard "GB/T 24067-2024"`',
                  "boundary": "one of cradle_to_gate, cradle_to_grave, gate_to_gate",
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
    for key in ("standard", "boundary", "gwp"):
        if key not in seen:
            problems.append(Diagnostic("missing-setting", f"method `{method.id}` does not set `{key}`", method.span,
                                       hint=_REQUIRED_HINT[key]))
    return problems
