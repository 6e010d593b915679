"""The catalogue of slips: each way a printed figure is known to go wrong, as one table of data.

The audit (engine/checks/audit.py) names a slip only when it explains a printed figure within that
figure's own rounding and no other entry (nor the plain computation) does as well; the
printed-figure checks (engine/checks/printedcheck.py) name the entries of kind `printed`. The docs
site renders this table (docs: Slips), and tests/test_slips.py plants every entry into clean
copies of at least two cases.

Kinds, i.e. how an entry is detected:
- `ratio`: the printed figure is the computed one times `ratio` (a decimal shift, a unit
  pair, a basis conversion, a GWP set);
- `quantity` / `per-quantity`: the printed figure is the computed one times / divided by
  the product's period quantity (a period figure printed per unit, or the other way);
- `omit-stage`, `omit-line`, `double-line`: the printed total or stage equals the computed
  one without some stages, without one line, or with one line counted twice;
- `printed`: printed figures disagree with each other (no computation involved);
- `rows`: a printed table row pairs values of different inventory rows (engine/checks/rows.py).
"""
from __future__ import annotations

from dataclasses import dataclass

ENERGY = frozenset({"kilogram", "meter", "second"})


@dataclass(frozen=True)
class Slip:
    name: str                 # stable id, named in findings
    description: str          # what a verifier reads
    kind: str                 # how it is detected (see the module docstring)
    ratio: float | None = None            # printed / computed, for kind `ratio`
    needs: frozenset[str] = frozenset()   # base dimensions the method must involve
    gwp: str | None = None                # the method's GWP set, for a GWP swap


def _shift(k: int) -> Slip:
    word = f"×10^{k}" if k > 0 else f"×10^{k} (÷{10 ** -k:,})".replace(",", " ")
    return Slip(f"decimal-shift-{'up' if k > 0 else 'down'}-{abs(k)}",
                f"the decimal point is shifted by {abs(k)} place{'s' if abs(k) > 1 else ''}: "
                f"the printed figure is the computed one {word}", "ratio", 10.0 ** k)


# GWP-100 of the IPCC assessment reports (kb/gwp/ holds them with sources): the swaps a report
# can make. CH4 AR5 (28) and AR6 (27.9) differ by 0.4 %: too close to tell from rounding.
GWP = {"AR4": {"n2o": 298, "ch4": 25}, "AR5": {"n2o": 265, "ch4": 28}, "AR6": {"n2o": 273, "ch4": 27.9}}


def _gwp(gas: str, used: str, belongs: str) -> Slip:
    formula = {"n2o": "N2O", "ch4": "CH4"}[gas]
    return Slip(f"gwp-{gas}-{used.lower()}-for-{belongs.lower()}",
                f"{formula} characterised with {used} ({GWP[used][gas]:g}) instead of {belongs} "
                f"({GWP[belongs][gas]:g})", "ratio", GWP[used][gas] / GWP[belongs][gas],
                frozenset({f"kg{formula}"}), belongs)


SLIPS: tuple[Slip, ...] = (
    *(_shift(k) for k in (1, 2, 3, 4, -1, -2, -3, -4)),
    Slip("unit-kg-as-t", "a mass in kg taken as t, or a per-kg factor applied to t: ×1000", "ratio", 1000.0),
    Slip("unit-t-as-kg", "a mass in t taken as kg, or a per-t factor applied to kg: ÷1000", "ratio", 1e-3),
    Slip("unit-kwh-as-mwh", "an energy in kWh taken as MWh (or a per-kWh factor applied to MWh): ×1000",
         "ratio", 1000.0, ENERGY),
    Slip("unit-mwh-as-kwh", "an energy in MWh taken as kWh (or a per-MWh factor applied to kWh): ÷1000",
         "ratio", 1e-3, ENERGY),
    Slip("unit-mj-as-gj", "an energy in MJ taken as GJ (or a per-MJ factor applied to GJ): ×1000",
         "ratio", 1000.0, ENERGY),
    Slip("unit-gj-as-mj", "an energy in GJ taken as MJ (or a per-GJ factor applied to MJ): ÷1000",
         "ratio", 1e-3, ENERGY),
    Slip("unit-wan-twice", "万 (10^4) applied twice, or an amount in units taken as 万: ×10 000", "ratio", 1e4),
    Slip("unit-wan-dropped", "an amount in 万 (10^4) taken as units: ÷10 000", "ratio", 1e-4),
    Slip("basis-c-as-co2", "carbon (C) reported as CO2: ×44/12 applied twice, or C multiplied by 44/12 "
         "where CO2 was given", "ratio", 44 / 12, frozenset({"kgC"})),
    Slip("basis-co2-as-c", "CO2 reported as carbon (C): the 44/12 conversion is missing", "ratio", 12 / 44,
         frozenset({"kgC"})),
    Slip("basis-n2o-twice", "N2O converted twice (×44/28 applied to N2O)", "ratio", 44 / 28,
         frozenset({"kgN2O_N"})),
    Slip("basis-n2o-n-as-n2o", "N2O reported as N2O-N: the 44/28 conversion is missing", "ratio", 28 / 44,
         frozenset({"kgN2O_N"})),
    Slip("basis-44-12-for-44-28", "44/12 (C to CO2) used where 44/28 (N2O-N to N2O) belongs", "ratio",
         (44 / 12) / (44 / 28), frozenset({"kgN2O_N"})),
    Slip("basis-12-44-for-44-28", "12/44 (CO2 to C) used where 44/28 (N2O-N to N2O) belongs", "ratio",
         (12 / 44) / (44 / 28), frozenset({"kgN2O_N"})),
    Slip("basis-44-28-for-44-12", "44/28 (N2O-N to N2O) used where 44/12 (C to CO2) belongs", "ratio",
         (44 / 28) / (44 / 12), frozenset({"kgC"})),
    Slip("basis-28-44-for-44-12", "28/44 (N2O to N2O-N) used where 44/12 (C to CO2) belongs", "ratio",
         (28 / 44) / (44 / 12), frozenset({"kgC"})),
    *(_gwp(gas, used, belongs) for gas in ("n2o", "ch4") for belongs in GWP for used in GWP
      if abs(GWP[used][gas] / GWP[belongs][gas] - 1) > 0.02),
    Slip("period-as-per-unit", "a period figure (the whole year's production) printed as a per-unit figure: "
         "× the quantity", "quantity"),
    Slip("per-unit-as-period", "a per-unit figure printed as a period figure: ÷ the quantity", "per-quantity"),
    Slip("stage-left-out", "the printed total or period total leaves out one or more stages", "omit-stage"),
    Slip("line-left-out", "the printed total or stage leaves out one emission line", "omit-line"),
    Slip("line-counted-twice", "the printed total or stage counts one emission line twice", "double-line"),
    Slip("total-not-sum-of-parts", "a printed total is not the sum of its printed stage figures", "printed"),
    Slip("shares-not-100", "the printed shares of the stages do not add up to 100 %", "printed"),
    Slip("share-not-part-over-total", "a printed share is not the printed stage figure divided by the printed "
         "total", "printed"),
    Slip("rows-paired-wrongly", "two rows' values paired with the wrong partner (a mass with another "
         "supplier's distance)", "rows"),
)

DETECTION = {
    "ratio": "the printed figure is the computed one times a fixed ratio, within the printed rounding",
    "quantity": "the printed figure is the computed one times the product's quantity",
    "per-quantity": "the printed figure is the computed one divided by the product's quantity",
    "omit-stage": "the printed total equals the computed total without some of its stages",
    "omit-line": "the printed figure equals the computed one without one of its lines",
    "double-line": "the printed figure equals the computed one with one of its lines added again",
    "printed": "printed figures compared with each other, each within its printed rounding",
    "rows": "each value of a printed table row is some inventory row's, within both roundings, but no row "
            "has them all (`[reported.<id>.rows]`)",
}


def by_name(name: str) -> Slip:
    return next(s for s in SLIPS if s.name == name)


def applicable(present: set[str], gwp: str | None) -> tuple[Slip, ...]:
    """The entries that can occur in a method involving the base dimensions `present`."""
    return tuple(s for s in SLIPS if s.needs <= present and (s.gwp is None or s.gwp == gwp))
