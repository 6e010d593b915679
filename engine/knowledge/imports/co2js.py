"""Grid carbon intensities as the npm package @tgwf/co2 (CO2.js) ships them -> kb/ entries.

CO2.js (Apache-2.0 code) carries two data sets as JavaScript modules, `const data = {...}`:

- `data/electricity-maps/yearly_<YEAR>.js`: Electricity Maps' yearly average carbon intensity per
  zone (a country or a grid region: `US-CAL-CISO`), `carbonIntensity.value` in gCO2eq/kWh, republished
  under the ODbL (attribute Electricity Maps, share alike). Id `intl.electricity.emaps.<zone>`, one
  period per file's year. Electricity Maps publishes direct and life-cycle intensities; which one
  the package holds is not stated in it, so `boundary` says that and the entries are imported as
  `unconfirmed` (never defaults) unless the curator raises them.
- `data/marginal-intensities-2021.min.js`: the IFI harmonised grid emission factors (UNFCCC, 2021)
  as the Green Web Foundation republished them (CC BY-SA 4.0), gCO2/kWh per country. Id
  `intl.electricity.ifi_marginal.<iso3>`, period 2021 (the file's `year`).

The average intensities (`average-intensities.min.js`, Ember) are refused: the file states no year,
and a value without its year cannot be a period of a series.

The object literal is read as JSON after its `\\xHH` escapes (JavaScript's, not JSON's) are
rewritten; nothing of the file is executed. Positions are line:column in the module text.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from ...core.errors import Diagnostic, PcfError
from ...core.source import Span, display_path
from .rows import slug
from .tomlout import Imported

_DATA = re.compile(r"\bconst\s+data\s*=\s*")
_YEAR_CONST = re.compile(r'\bconst\s+year\s*=\s*"(\d{4})"')
_HEX = re.compile(r"(?<!\\)((?:\\\\)*)\\x([0-9A-Fa-f]{2})")
MAX_BYTES = 16 * 1024 * 1024


def convert(path: Path, options: dict) -> Imported:
    shown = display_path(path)
    raw = path.read_bytes()
    if len(raw) > MAX_BYTES:
        raise _fail(shown, 1, 1, f"larger than {MAX_BYTES // 2**20} MiB: not a CO2.js data module")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _fail(shown, 1, 1, "not UTF-8 text") from None
    name = path.name
    if name.startswith("average-intensities"):
        raise _fail(shown, 1, 1, "CO2.js's average intensities (Ember) state no year: not imported",
                    "import Ember's yearly data with its year (owid-grid), or Electricity Maps' yearly_<YEAR>.js")
    data, at = _object(text, shown)
    confidence = options.get("confidence", "unconfirmed")
    default = False if confidence == "unconfirmed" else None
    problems: list[Diagnostic] = []
    entries = []
    m = re.fullmatch(r"yearly_(\d{4})\.(?:js|mjs|cjs)", name)
    if m:
        when = int(m.group(1))
        for zone, rec in data.items():
            where = _where(text, shown, at, zone)
            try:
                value, unit = rec["carbonIntensity"]["value"], rec["carbonIntensity"]["unit"]
                zone_name = rec["zone"]["zoneName"]
            except (KeyError, TypeError):
                problems.append(Diagnostic("kb-import", f"zone `{zone}`: expected zone.zoneName and "
                                           "carbonIntensity {value, unit}", where))
                continue
            if value is None:
                continue   # a zone without a figure that year
            if unit != "gCO2eq/kWh" or not _number(value) or value < 0:
                problems.append(Diagnostic("kb-import", f"zone `{zone}`: expected a non-negative gCO2eq/kWh figure, "
                                           f"found {value!r} {unit!r}", where))
                continue
            entries.append({
                "id": f"intl.electricity.emaps.{slug(zone)}", "value": float(value),
                "name_zh": f"{zone_name} 电网平均碳强度（Electricity Maps）",
                "name_en": f"{zone_name}: yearly average grid carbon intensity (Electricity Maps)",
                "unit": "gCO2e/kWh", "basis": "CO2e", "region": zone, "valid_from": when, "valid_to": when,
                "boundary": "grid average as Electricity Maps publishes it (direct or life-cycle not stated in CO2.js)",
                "quality": "national" if "-" not in zone else "regional", "confidence": confidence,
                "default": default, "source": options.get("source") or "electricity_maps_co2js",
                "table": f"{path.name}:{where.line}:{where.column} ({zone})"})
        family = f"Electricity Maps yearly grid carbon intensity {when}, as CO2.js {name} holds it (ODbL)."
    elif name.startswith("marginal-intensities"):
        y = _YEAR_CONST.search(text)
        if y is None:
            raise _fail(shown, 1, 1, "the module gives no `const year = \"YYYY\"`: the period is unknown")
        when = int(y.group(1))
        for code, value in data.items():
            where = _where(text, shown, at, code)
            key = slug(code)
            if not re.fullmatch(r"[A-Z]{3}", code):
                continue   # aggregates and notes ("MEMO:  EU 27", "AZORES (PORTUGAL)"): not a country code
            try:
                figure = float(value)
            except (TypeError, ValueError):
                problems.append(Diagnostic("kb-import", f"`{code}`: expected a number, found {value!r}", where))
                continue
            if not figure >= 0 or figure == float("inf"):
                problems.append(Diagnostic("kb-import", f"`{code}`: expected a non-negative figure, found {value!r}",
                                           where))
                continue
            entries.append({
                "id": f"intl.electricity.ifi_marginal.{key}", "value": figure,
                "name_zh": f"{code} 电网边际排放因子（IFI 协调值）",
                "name_en": f"{code}: IFI harmonised grid emission factor (marginal)",
                "unit": "gCO2/kWh", "basis": "CO2", "region": code, "valid_from": when, "valid_to": when,
                "boundary": "marginal (IFI harmonised grid factors, for emission reductions; not an average)",
                "quality": "national", "confidence": confidence, "default": default,
                "source": options.get("source") or "ifi_marginal_co2js", "table": f"{path.name}:{where.line}:{where.column} ({code})"})
        family = f"IFI harmonised marginal grid emission factors {when}, as CO2.js {name} holds them (CC BY-SA 4.0)."
    else:
        raise _fail(shown, 1, 1, f"`{name}` is not a CO2.js data module pcf reads",
                    "electricity-maps/yearly_<YEAR>.js or marginal-intensities-<YEAR>.min.js")
    ids: dict[str, str] = {}
    for e in entries:   # two labels that make one id (`US-CAL` and `US_CAL`) would merge two series
        if e["id"] in ids:
            problems.append(Diagnostic("kb-import", f"`{e['region']}` and `{ids[e['id']]}` both make the id "
                                       f"`{e['id']}`", Span(shown, 1, 1)))
        ids[e["id"]] = e["region"]
    if problems:
        raise PcfError(problems)
    entries.sort(key=lambda e: e["id"])
    return Imported(command=f"pcf kb import co2js {name} -o <file>", source_file=path,
                    comment=(family, "name_zh is pcf's translation of the measure; zone names stay as the source writes them."),
                    entries=tuple(entries))


def _object(text: str, shown: str) -> tuple[dict, int]:
    """The `const data = {...}` literal as a dict, and its offset in the text."""
    m = _DATA.search(text)
    if m is None:
        raise _fail(shown, 1, 1, "no `const data = {...}` in the module: not a CO2.js data module")
    start = m.end()
    try:
        obj, end = json.JSONDecoder().raw_decode(_HEX.sub(r"\1\\u00\2", text[start:]))
    except json.JSONDecodeError as exc:
        line, col = _line_col(text, start + exc.pos)
        raise _fail(shown, line, col, f"the data object is not a JSON-like literal ({exc.msg})") from None
    if not isinstance(obj, dict):
        line, col = _line_col(text, start)
        raise _fail(shown, line, col, "`data` is not an object")
    return obj, start


def _where(text: str, shown: str, at: int, key: str) -> Span:
    i = text.find(json.dumps(key), at)
    line, col = _line_col(text, i if i >= 0 else at)
    return Span(shown, line, col)


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v == v and v not in (float("inf"), float("-inf"))


def _fail(shown: str, line: int, col: int, message: str, hint: str | None = None) -> PcfError:
    return PcfError([Diagnostic("kb-import", message, Span(shown, line, col), hint=hint)])
