"""`[study]` in case.toml: what a report for a client states about the study itself.

Every key is optional: a case computes without them, and `pcf report` names the ones a report
following ISO 14067:2018 clause 7 (as pcf reads it) still lacks (render/reportcontent.py).

    [study]
    report_number = "T410267-4"
    client = "杭州聚昕科技有限公司"
    practitioner = "..."                 # who did the study
    verifier = "..."                     # the verification body, if any
    issue_date = 2025-03-01              # a TOML date
    company_description = "..."
    product_description = "..."
    goal = "..."                         # why the study was made
    intended_use = "..."                 # and for whom (internal, a customer, public)
    period = "2023-01-01 to 2023-12-31"  # the time period the data cover (default: the data year)
    electricity = "..."                  # how electricity was treated (grid mix, contracts, T&D losses)
    data_treatment = "..."               # how missing or averaged data were handled
    assumptions = ["...", "..."]
    limitations = ["...", "..."]
    interpretation = ["..."]             # what the results mean (the report lists the hotspots beside it)
    improvements = ["..."]               # suggestions to reduce the footprint
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from ..core.errors import Diagnostic, did_you_mean
from ..files.tomlfile import TomlDoc

TEXT_KEYS = ("report_number", "client", "practitioner", "verifier", "company_description", "product_description",
             "goal", "intended_use", "period", "electricity", "data_treatment")
LIST_KEYS = ("assumptions", "limitations", "interpretation", "improvements")
STUDY_KEYS = TEXT_KEYS + LIST_KEYS + ("issue_date",)


@dataclass(frozen=True)
class Study:
    report_number: str | None = None
    client: str | None = None
    practitioner: str | None = None
    verifier: str | None = None
    company_description: str | None = None
    product_description: str | None = None
    goal: str | None = None
    intended_use: str | None = None
    period: str | None = None
    electricity: str | None = None
    data_treatment: str | None = None
    assumptions: tuple[str, ...] = ()
    limitations: tuple[str, ...] = ()
    interpretation: tuple[str, ...] = ()   # what the results mean: the hotspots, their robustness
    improvements: tuple[str, ...] = ()     # suggestions to reduce the footprint
    issue_date: str | None = None      # ISO date


def read_study(doc: TomlDoc, problems: list[Diagnostic]) -> Study:
    raw = doc.data.get("study")
    if raw is None:
        return Study()
    if not isinstance(raw, dict):
        problems.append(doc.error("case", "study", "`study` is a table: [study] with client, goal, ..."))
        return Study()
    out: dict = {}
    for k, v in raw.items():
        key = f"study.{k}"
        if k not in STUDY_KEYS:
            problems.append(doc.error("case", key, "unknown key", did_you_mean(k, STUDY_KEYS)
                                      or "see docs: guide-methodologists, the report"))
        elif k in TEXT_KEYS:
            if isinstance(v, str) and v.strip():
                out[k] = v.strip()
            else:
                problems.append(doc.error("case", key, f"expected a text, found {v!r}"))
        elif k in LIST_KEYS:
            items = [v] if isinstance(v, str) else v
            if isinstance(items, list) and items and all(isinstance(x, str) and x.strip() for x in items):
                out[k] = tuple(x.strip() for x in items)
            else:
                problems.append(doc.error("case", key, "expected a text or a list of texts"))
        elif isinstance(v, datetime.date) and not isinstance(v, datetime.datetime):
            out[k] = v.isoformat()
        else:
            problems.append(doc.error("case", key, f"expected a date such as 2025-03-01 (unquoted), found {v!r}"))
    return Study(**out)
