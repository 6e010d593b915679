"""The docs page of the slips catalogue (engine/checks/slips.py): what the audit can name, and how."""
from __future__ import annotations

from ..checks.slips import DETECTION, SLIPS
from .locale import EN, Locale


def slips_page(t: Locale = EN) -> str:
    out = [f"# {t('Slips catalogue')}", "",
           t("The audit (`[reported]` in case.toml, see the [language reference](language.md#printed-figures-reported-and-audit)) "
           "names one of these slips only when it gives the printed figure within the figure's own rounding, with "
           "the inputs as declared (`[audit] inputs`), and no other entry, nor the computation without a slip, "
           "does as well. Otherwise the finding says the figure is wrong and gives the value it implies. "
           "Entries with the same ratio (×1000: a decimal shift, t/kg, MWh/kWh, GJ/MJ) are named together. "
           "Generated from `engine/checks/slips.py`."), "",
           f"| {t('slip')} | {t('what the verifier reads')} | {t('how it is detected')} "
           f"| {t('applies when the method involves')} |",
           "|---|---|---|---|"]
    for s in SLIPS:
        how = t(DETECTION[s.kind]) + (f" (×{s.ratio:.6g})" if s.ratio is not None else "")
        needs = ", ".join(sorted(s.needs)) + ("; " + t("GWP set {gwp}", gwp=s.gwp) if s.gwp else "")
        out.append(f"| `{s.name}` | {t(s.description)} | {how} | {needs or t('any method')} |")
    return "\n".join(out) + "\n"
