"""The findings catalogue: every finding an evaluation can report, with its severity and meaning.

Errors (engine/core/errors.py `CATALOGUE`) stop a run; findings do not: they are what a verifier
reads next to the figures (a rule of the standard broken, a printed figure that does not
match, a fallback the engine took). Their codes are stable like error codes: adding one is
fine, renaming one is not. tests/test_findings.py checks that every code the engine emits is
here with the severity it is emitted with, and that every code here is emitted by some input;
the documentation site renders this table (docs: Findings).
"""
from __future__ import annotations

SEVERITIES = ("error", "warning", "info")

# code -> (severity, meaning)
FINDINGS: dict[str, tuple[str, str]] = {
    # The method's rules (engine/checks/rules.py)
    "boundary-incomplete": ("error", "the boundary the method declares needs a life-cycle stage the method "
                                     "neither has nor excludes with a reason"),
    "boundary-partial": ("info", "the method declares a partial boundary (`boundary partial(use)`): the "
                                 "finding names the stages it covers and the life-cycle stages it leaves out"),
    "cutoff-exceeded": ("error", "what the inventory leaves out is more than the cut-off or materiality rule "
                                 "allows, or the footprint covers too little of the anticipated emissions"),
    "gwp-set": ("warning", "the method characterises with a GWP set other than the one its standard asks for"),
    "allocation": ("info", "an input shared between products was allocated; the finding states the basis "
                           "and the shares"),
    "allocation-hierarchy": ("warning", "an allocation basis is used before the ones the standard's hierarchy "
                                        "prefers, or without the reason the standard asks for"),
    "factor-family": ("warning", "a product uses a factor of a family the standard asks not to use"),
    "data-quality": ("info", "the data-quality score and level of a product, weighted by emission share"),
    "data-quality-missing": ("warning", "a line of the footprint has no data-quality grades, or not the "
                                        "grades its scheme needs"),
    # The evaluation (engine/api.py, engine/evaluation/evaluate.py)
    "zero-total": ("warning", "a product's total is zero, so its stage shares are reported as 0"),
    "input-not-given": ("info", "an optional input is not in the inventory and counts as not given (0)"),
    "input-default": ("info", "an input is not in the inventory and takes the default the method declares"),
    "check-failed": ("error", "a product fails a `check ... error` the method declares (shares that do not add "
                              "to 100 %, a value out of bounds); the finding points at the check"),
    "check-warning": ("warning", "a product fails a `check ... warning` the method declares"),
    "outside-boundary": ("info", "a line the method computes lies in a stage its boundary leaves out (a standard's "
                                 "base over a product model, a variant excluding a stage): its value is "
                                 "named, and it is not counted"),
    "offset-excluded": ("info", "an emission tagged `offset` is reported but never counted in the footprint"),
    "unused-input": ("warning", "a required input or a table is declared but no formula uses it (an optional "
                                "input, or one with a default, may be declared for the record without it: the "
                                "parameters of the CFF in the cut-off module)"),
    "factor-year-fallback": ("warning", "a knowledge-base entry has no value for the data year; an earlier "
                                        "year's value was used"),
    "literal-factor": ("warning", "a greenhouse-gas factor is typed as a number in the method or the inventory "
                                  "with no source (a note beside it or case.toml [factor_notes] names one)"),
    "kb-override": ("info", "a knowledge-base entry the case uses comes from a layer (project, case or --kb) "
                            "that overrides the library's entry of the same id; the finding names both"),
    "unconfirmed-factor": ("warning", "a knowledge-base entry marked unconfirmed is used (pinned deliberately)"),
    "co2-counted-as-co2e": ("info", "CO2-only results are counted as CO2e because the method declares other "
                                    "greenhouse gases negligible"),
    # The audit of printed figures (engine/checks/audit.py)
    "reported-mismatch": ("error", "a figure the report printed differs from the computed one beyond its "
                                   "rounding"),
    "reported-inconsistent": ("error", "printed figures disagree with each other beyond their rounding: a total "
                                       "and its printed stages, shares and 100 %, a share and its printed stage "
                                       "over the printed total"),
    "reported-unit-mismatch": ("warning", "a factor the report printed is in a unit of another dimension than "
                                          "the one the calculation uses"),
}
