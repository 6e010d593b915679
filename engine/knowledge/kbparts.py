"""Per-gas parts of a CO2e entry: read from `parts.<gas> = { value, unit }`, checked to add up.

A CO2e factor may say what it is made of, so that a method can re-characterise it under
another GWP set:

    [[entry]]
    id = "uk.desnz.fuels.gaseous_fuels.butane.per_t"
    value = 3033.38067
    unit = "kgCO2e/t"
    basis = "CO2e"
    parts.co2 = { value = 3029.26, unit = "kgCO2e/t" }
    parts.ch4 = { value = 2.52, unit = "kgCO2e/t" }
    parts.n2o = { value = 1.60067, unit = "kgCO2e/t" }

A part is in CO2e per activity (as characterised by the source) or in mass of its gas per
activity (kgCH4/t); the latter needs the entry's `gwp` set to be in the knowledge base
(`gwp.<set>.<gas>`) to be added up. The parts must add up to the entry's value within
TOLERANCE: 0.1 % of the value, or 0.00005 of its own unit, whichever is larger (sources that
print five decimals round each part and the total separately: four parts and a total can
differ by up to 0.000025).
"""
from __future__ import annotations

from typing import Callable, Mapping

from ..core.errors import Diagnostic
from ..core.units import UnitError, Units

# part name -> the gas-mass unit a part in mass of its gas is written in (None: CO2e only).
# `co2` and `ch4` are for sources that do not say the origin; `other` is every other gas, in CO2e.
PART_GASES: dict[str, str | None] = {
    "co2": "kgCO2", "co2_fossil": "kgCO2", "co2_biogenic": "kgCO2",
    "ch4": "kgCH4", "ch4_fossil": "kgCH4_fossil", "ch4_biogenic": "kgCH4_nonfossil",
    "n2o": "kgN2O", "other": None,
}
# The GWP id of each gas unit within a set: gwp.<set>.<suffix>.
_GWP_SUFFIX = {"kgCO2": "co2", "kgCH4": "ch4", "kgCH4_fossil": "ch4_fossil",
               "kgCH4_nonfossil": "ch4_nonfossil", "kgN2O": "n2o"}
RELATIVE_TOLERANCE = 0.001
ABSOLUTE_TOLERANCE = 0.00005   # in the entry's own unit

Parts = tuple[tuple[str, float, str], ...]   # (part name, value, unit), sorted by name


def read_parts(raw, units: Units, entry_dim, err: Callable[..., None]) -> Parts | None:
    """The parts of one entry as plain tuples, or None after reporting what is wrong through
    `err(key, message, hint=None)` (key relative to the entry, e.g. `parts.ch4.unit`)."""
    if not isinstance(raw, dict) or not raw:
        err("parts", "parts must be a table of gases, e.g. `parts.co2 = { value = 2.5, unit = \"kgCO2e/L\" }`")
        return None
    out, ok = [], True
    for name in sorted(raw):
        part, key = raw[name], f"parts.{name}"
        if name not in PART_GASES:
            err(key, f"unknown part `{name}`", f"one of {', '.join(PART_GASES)}")
            ok = False
            continue
        if not isinstance(part, dict) or set(part) != {"value", "unit"}:
            err(key, "a part is `{ value = <number>, unit = \"...\" }`")
            ok = False
            continue
        value, unit = part["value"], part["unit"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0 \
                or value == float("inf"):
            err(f"{key}.value", f"a part's value must be a finite number, not negative, found {value!r}")
            ok = False
            continue
        if not isinstance(unit, str):
            err(f"{key}.unit", f"unit must be a string, found {unit!r}")
            ok = False
            continue
        try:
            dim = dict(units.parse(unit).dim)
        except UnitError as exc:
            err(f"{key}.unit", str(exc), exc.hint)
            ok = False
            continue
        if _as_co2e(dim, PART_GASES[name]) != dict(entry_dim):
            gas = PART_GASES[name]
            err(f"{key}.unit", f"`{unit}` is not CO2e{f' or {gas}' if gas else ''} per the entry's activity",
                "a part has the entry's unit, or its gas's mass in place of kgCO2e")
            ok = False
            continue
        out.append((name, float(value), unit))
    return tuple(out) if ok else None


def _as_co2e(dim: dict, gas: str | None) -> dict:
    """A part's dimension with its gas mass counted as CO2e (what a GWP turns it into)."""
    if gas is None or dim.get(gas) != 1:
        return dim
    d = dict(dim)
    del d[gas]
    d["kgCO2e"] = d.get("kgCO2e", 0) + 1
    return {k: v for k, v in d.items() if v}


def check_sum(entry, units: Units, gwp_value: Callable[[str, str], float | None]) -> Diagnostic | None:
    """A problem when `entry`'s parts do not add up to its value; `gwp_value(set, suffix)`
    gives a GWP in base units (kgCO2e per kg of gas), or None when the KB has none."""
    total, gwp_needed = 0.0, []
    for name, value, unit in entry.parts:
        spec = units.parse(unit)
        gas = PART_GASES[name]
        if gas is not None and dict(spec.dim).get(gas) == 1:
            factor = gwp_value(entry.gwp.lower(), _GWP_SUFFIX[gas]) if entry.gwp else None
            if factor is None:
                gwp_needed.append(name)
                continue
            total += spec.to_base(value) * factor
        else:
            total += spec.to_base(value)
    at = f"{entry.key} ({entry.id})"
    if gwp_needed:
        return Diagnostic("kb-invalid", f"{at}: parts {', '.join(gwp_needed)} are in mass of gas, and "
                          + (f"the GWP set `{entry.gwp}` is not in the knowledge base" if entry.gwp
                             else "the entry names no `gwp` set"), entry.span,
                          hint="give `gwp = \"AR5\"` (a set under kb/gwp/), or the parts in kgCO2e")
    shown = entry.spec.from_base(total)
    if abs(shown - entry.value) > max(RELATIVE_TOLERANCE * entry.value, ABSOLUTE_TOLERANCE):
        return Diagnostic("kb-invalid", f"{at}: its parts add up to {shown:.6g} {entry.unit}, "
                          f"not its value {entry.value:g} {entry.unit}", entry.span,
                          hint=f"parts must add up within {RELATIVE_TOLERANCE:.1%} or "
                               f"{ABSOLUTE_TOLERANCE} {entry.unit}; check for a missing or mistyped gas")
    return None


def check_all(by_id: Mapping[str, list], units: Units, problems: list[Diagnostic]) -> None:
    """Add a problem for every entry whose parts do not add up."""
    def gwp_value(gwp_set: str, suffix: str) -> float | None:
        versions = by_id.get(f"gwp.{gwp_set}.{suffix}")
        return versions[0].base_value if versions and versions[0].value is not None else None

    for versions in by_id.values():
        for e in versions:
            if e.parts:
                problem = check_sum(e, units, gwp_value)
                if problem:
                    problems.append(problem)
