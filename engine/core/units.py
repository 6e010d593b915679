"""Units: parsing unit strings with pint, and the dimension algebra of the static check.

Every quantity is carried in pint's base units (kg, m, s, kgCO2e, kgCO2, kgC, item ...).
A unit string becomes a `UnitSpec`: its scale to base units and its dimension (a `Dim` of
base-unit exponents, core/basedims.py). The static check multiplies and compares dimensions;
evaluation then runs on plain floats already scaled to base units, so no conversion
happens at evaluation time.

pint is imported and its registry loaded only when a unit string is met that the parsed-unit
cache (core/unitcache.py) does not hold: an everyday run needs neither.
"""
from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .basedims import Dim
from .paths import DEFAULT_UNITS_FILE
from .unitcache import UnitCache, pint_origin, unit_cache

if TYPE_CHECKING:     # imported when a unit string is first parsed with it
    import pint


DIMENSIONLESS: Dim = Dim()
# What a text input or column holds (a waste route, a transport mode): no quantity at all.
TEXT: Dim = Dim({"text": 1})

# Substance dimensions, by the base unit pint gives them (see kb/units.txt).
CO2E = Dim({"kgCO2e": 1})
CO2 = Dim({"kgCO2": 1})


class UnitError(ValueError):
    """A unit string that pint cannot read; carries a hint where one helps."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class UnitSpec:
    text: str       # as written
    scale: float    # value in this unit x scale = value in base units
    dim: Dim        # base-unit exponents

    def to_base(self, value: float) -> float:
        return value * self.scale

    def from_base(self, value: float) -> float:
        return value / self.scale


@dataclass(frozen=True, eq=False)
class Units:
    """Unit strings read with pint and a definitions file (kb/units.txt): parsed units kept in this
    instance and, with `disk`, between runs; the pint registry loaded on the first string neither
    holds (`registry`)."""
    path: Path | None                          # the definitions file, if any
    disk: UnitCache | None = field(default=None, repr=False)
    _loader: Callable | None = field(default=None, repr=False)    # () -> the pint registry
    _state: dict = field(default_factory=dict, repr=False)        # "registry", "stored": the disk's units
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def registry(self):
        reg = self._state.get("registry")
        if reg is None:
            reg = self._state["registry"] = self._loader()
        return reg

    def parse(self, text: str) -> UnitSpec:
        spec = self._cache.get(text)
        if spec is None:
            spec = self._cache[text] = self._parse_new(text)
        return spec

    def _parse_new(self, text: str) -> UnitSpec:
        if text == "text":   # what a text input or column holds, a dimension no quantity has
            return UnitSpec(text, 1.0, TEXT)
        stored = self._state.setdefault("stored", {})
        hit = stored.get(text)
        if hit is not None:
            return UnitSpec(text, hit[0], hit[1])
        spec = _parse(self.registry, text)      # a UnitError is not stored: it is raised again
        if self.disk is not None:
            stored[text] = (spec.scale, spec.dim)
            self.disk.write(stored)
        return spec


def load_units(path: Path = DEFAULT_UNITS_FILE, cache: bool = True) -> Units:
    """The units of pint's defaults plus `path`. With `cache`, parsed units are kept between runs
    (core/unitcache.py) and pint is loaded only for a string not kept yet; the first load of a
    definitions file (or of a changed one) loads pint at once, so a file pint refuses is an error
    here. pint's own definitions cache (keyed by the files' content, sealed and written
    atomically: pintcache.py) sits beside them and saves ~0.1 s when pint is loaded."""
    path = Path(path)
    disk = unit_cache(path) if cache and path.is_file() else None
    units = Units(path.resolve(), disk, lambda: _load_registry(path, _pint_disk_cache(path) if cache else None))
    stored = disk.read() if disk is not None else None
    if stored is None:
        units.registry      # the definitions are read now: an error in them is reported here
        stored = {}
    units._state["stored"] = stored
    return units


def _pint_disk_cache(path: Path):
    from ..files.cachefiles import cache_key, default_cache_dir, private_dir
    from .pintcache import SealedDiskCache
    base = default_cache_dir()
    key = cache_key(base)
    # pint's parsed files keep the paths they were read from (and resolve `@import`
    # against them): a cache shared by two installs (two venvs, two checkouts) would hand
    # one the other's paths. So one folder per (pint install, units file).
    origin = pint_origin()
    where = f"{origin.parent if origin else '?'}\0{Path(path).resolve()}"
    folder = base / "pint-sealed" / hashlib.sha256(where.encode()).hexdigest()[:16]
    if key is not None and private_dir(base / "pint-sealed") and private_dir(folder):
        return SealedDiskCache(folder, key)
    return None


def _load_registry(path: Path, disk_cache=None):
    import pint
    options = dict(autoconvert_offset_to_baseunit=True, on_redefinition="raise")
    if disk_cache is None:
        reg = pint.UnitRegistry(**options)
    else:
        from .pintcache import CachedRegistry
        reg = CachedRegistry(disk_cache, **options)
    try:
        reg.load_definitions(str(path))
    except Exception as exc:   # pint's own errors, and a TypeError for a line it cannot classify
        raise _definitions_error(reg, Path(path), exc) from None
    return reg


def _definitions_error(reg: pint.UnitRegistry, path: Path, exc: Exception):
    """A unit definitions file pint refused, as a positioned `kb-invalid` diagnostic."""
    from .errors import fail
    from .source import Span, display_path
    shown = display_path(path)
    if isinstance(exc, OSError):
        return fail("io", f"cannot read unit definitions ({exc.strerror or exc})", None,
                    path=shown)
    where = exc if isinstance(getattr(exc, "start_line", None), int) else None
    if isinstance(exc, UnicodeDecodeError):
        line, col = path.read_bytes()[:exc.start].count(b"\n") + 1, 0
    else:
        if where is None:
            where = _first_unreadable(reg, path)
        name = getattr(exc, "name", None)
        line, col = (where.start_line, where.start_col) if where is not None else (1, 0)
        if name and where is None:   # redefined: point at the second definition
            text = path.read_text(encoding="utf-8", errors="replace").split("\n")
            defs = [i for i, t in enumerate(text, 1) if re.match(rf"\s*{re.escape(name)}\s*=", t)]
            line = (defs[1:] or defs or [1])[0]
    message = re.sub(r"\s*\(<class '[^']*'>\)", "", getattr(exc, "msg", None) or str(exc).split("\n")[0])
    if isinstance(exc, UnicodeDecodeError):
        message = "not UTF-8 text"
    elif "UnexpectedEOS" in message:
        message = "an `@...` block is not closed with `@end`"
    elif isinstance(exc, TypeError):
        message = "a line pint cannot read"
    return fail("kb-invalid", f"unit definitions: {message}", Span(shown, max(line, 1), (col or 0) + 1),
                hint="pint's syntax: `name = factor * unit`, or `name = [dimension]` for a new base")


def _first_unreadable(reg: pint.UnitRegistry, path: Path):
    """The first statement pint's parser flagged, for errors raised without a position."""
    try:
        for stmt in reg._def_parser.parse_file(path).iter_statements():
            if isinstance(stmt, Exception) and isinstance(getattr(stmt, "start_line", None), int):
                return stmt
    except Exception:   # pint's parser is private API: without it, the error stays at line 1
        pass
    return None


# Superscript powers first (`hm⁻²` before `²`): `kg·hm⁻²` is `kg*hm**-2`.
_NORMALISE = [("⁻¹", "**-1"), ("⁻²", "**-2"), ("⁻³", "**-3"), ("¹", "**1"),
              ("·", "*"), ("⋅", "*"), ("×", "*"), ("^", "**"), ("²", "**2"), ("³", "**3"),
              ("％", "%")]


def normalise(text: str) -> str:
    for a, b in _NORMALISE:
        text = text.replace(a, b)
    text = re.sub(r"\bNm\*\*3\b", "Nm3", text)   # Nm^3, Nm³: the normal cubic metre, not N·m³
    # m2, m3 with or without a prefix: `hm2` is a square hectometre (10^4 m²), never pint's
    # hecto-`m2` (100 m²), and `cm3` is 10^-6 m³, not centi-`m3`
    text = _AREA_VOLUME.sub(r"\1m**\2", text)
    return text.strip()


_AREA_VOLUME = re.compile(r"(?<![\w.])([kKhdcmµu]?)m([23])(?![\w.*])")


# Names pint reads differently from what a footprint report means by them.
AMBIGUOUS = {
    "ton": "pint reads `ton` as the US short ton (907 kg): write `t` for the metric tonne",
    "tons": "pint reads `tons` as US short tons (907 kg): write `t` for the metric tonne",
    "tonne": None, "mt": "`mt` would be a millitonne (1 kg): write `t` (tonne) or `Mt` (megatonne)",
    "MT": "`MT` is ambiguous (metric ton? megatonne?): write `t` or `Mt`",
}
# Units people write, for "did you mean" (pint's own list is thousands of names long).
COMMON = ["kWh", "MWh", "GWh", "万kWh", "kW", "J", "kJ", "MJ", "GJ", "TJ", "t", "kg", "g", "Mt", "万t",
          "m", "km", "m3", "Nm3", "万Nm3", "万m3", "L", "ha", "t·km", "tkm", "kgCO2e", "tCO2e", "gCO2e",
          "kgCO2", "tCO2", "kgC", "tC", "kgCH4", "kgN2O", "kgN2O_N", "kgSF6", "台", "套", "个", "件", "pcs", "%",
          "hm2", "hm²", "m2", "m²", "mu", "亩", "kgN", "kgP2O5", "kgK2O", "kgP", "kgK", "瓶", "袋", "箱", "天", "年", "月", "d", "a"]


# pint's preprocessing of a unit string is quadratic in its length (40 000 characters take
# seconds, a megabyte never ends): longer unit text is refused before pint sees it.
MAX_UNIT_CHARS = 200


def check_unit_length(text: str) -> None:
    if len(text) > MAX_UNIT_CHARS:
        raise UnitError(f"a unit of {len(text)} characters: pcf reads units of at most {MAX_UNIT_CHARS}",
                        "write units like `kWh`, `kgCO2e/kWh`, `t·km`, `GJ/万Nm3`")


def _parse(reg, text: str) -> UnitSpec:
    check_unit_length(text)
    src = normalise(text)
    if not src:
        raise UnitError("empty unit")
    for word in re.findall(r"[A-Za-z_]+", src):
        if AMBIGUOUS.get(word):
            raise UnitError(f"ambiguous unit `{word}` in `{text}`", AMBIGUOUS[word])
    if src in ("1", "-"):
        return UnitSpec(text, 1.0, DIMENSIONLESS)
    if src == "%":
        return UnitSpec(text, 0.01, DIMENSIONLESS)
    _check_powers(src, text)
    import pint
    try:
        q = reg.parse_expression(src)
        if not isinstance(q, pint.Quantity):
            q = reg.Quantity(float(q), "dimensionless")
        base = q.to_base_units()
        scale = float(base.magnitude)
    except pint.errors.UndefinedUnitError as exc:
        name = getattr(exc, "unit_names", None) or str(exc)
        name = name[0] if isinstance(name, (tuple, list)) else name
        raise UnitError(f"unknown unit `{name}` in `{text}`", _unit_hint(reg, str(name))) from None
    except Exception as exc:  # pint raises several types for malformed expressions
        raise UnitError(f"cannot read unit `{text}` ({type(exc).__name__})",
                        "write units like `kWh`, `kgCO2e/kWh`, `t·km`, `GJ/万Nm3`") from None
    if not math.isfinite(scale) or scale == 0:
        raise UnitError(f"unit `{text}` has no finite scale")
    return UnitSpec(text, scale, Dim(dict(base._units)))


# A power is a small number (`m**3`, `m^-2`, `s**0.5`), never a chain: pint evaluates
# `10**10**10` with Python integers, which would not finish.
_POWER = re.compile(r"\*\*")
_EXPONENT = re.compile(r"\s*(?:\(\s*[-+]?\d{1,2}(?:\.\d{1,3})?\s*\)|[-+]?\d{1,2}(?:\.\d{1,3})?)(?![\d.eE])")


def _check_powers(src: str, text: str) -> None:
    for m in _POWER.finditer(src):
        exp = _EXPONENT.match(src, m.end())
        if exp is None or src[exp.end():].lstrip().startswith("**"):
            raise UnitError(f"cannot read unit `{text}`: a power is a small number, e.g. `m^3` or `m**-2`",
                            "write units like `kWh`, `kgCO2e/kWh`, `t·km`, `GJ/万Nm3`")


def _unit_hint(reg: pint.UnitRegistry, name: str) -> str | None:
    import difflib
    for c in COMMON:
        if c.lower() == name.lower():
            return f"did you mean `{c}`? (units are case-sensitive)"
    if name == "万":
        return "万 is 10^4 and is written joined to its unit: `43.28 万kWh` is 432800 kWh"
    if name.startswith("万") and len(name) > 1:
        return "万 is 10^4 and works with kWh, Nm3, m3 and t: `43.28 万kWh`"
    close = difflib.get_close_matches(name, COMMON, n=1, cutoff=0.7)
    if close and not close[0].startswith("万"):
        return f"did you mean `{close[0]}`?"
    return None


# --- display --------------------------------------------------------------------------

_BASE_SHORT = {"kilogram": "kg", "meter": "m", "second": "s", "ampere": "A", "kelvin": "K",
               "mole": "mol", "candela": "cd", "radian": "rad", "bit": "bit"}


def format_dim(dim: Dim) -> str:
    """A readable unit for a base dimension: energy shown as J, e.g. `kgCO2e/J`."""
    d = dict(dim)
    if not d:
        return "1"
    if dim == TEXT:
        return "text"
    s = d.get("second", 0)
    # Seconds only enter through energy (kg·m²/s²): show them as J, e.g. GJ/t -> J/kg.
    energy = -s // 2 if s and s % 2 == 0 else 0
    if energy:
        d["second"] = 0
        d["meter"] = d.get("meter", 0) - 2 * energy
        d["kilogram"] = d.get("kilogram", 0) - energy
    parts = [(("J" if energy else None), energy)] if energy else []
    parts += [(_BASE_SHORT.get(k, k), v) for k, v in sorted(d.items()) if v]
    num = [_pow(n, v) for n, v in parts if v > 0]
    den = [_pow(n, -v) for n, v in parts if v < 0]
    text = "·".join(num) or "1"
    if den:
        text += "/" + (den[0] if len(den) == 1 else "(" + "·".join(den) + ")")
    return text


def _pow(name: str, exp: int | float) -> str:
    return name if exp == 1 else f"{name}^{exp:g}"
