"""Known syntax mistakes and the message each deserves.

One table drives both lark's `match_examples` (friendlier messages) and a parametrized
test (tests/test_parser.py) that keeps every message true, in lark's manner.
"""

MISTAKES: dict[str, list[str]] = {
    "an emission names its line and its stage: `emission NAME \"label\" in STAGE = formula`": [
        'method m { emission production += x }',
        'method m { emission production = x }',
        'method m { emission x "label" = y }',
        'method m { emission x "label" production = y }',
    ],
    "an input needs a unit after `:`, e.g. `input electricity : kWh \"用电\"`": [
        'method m { input x }',
        'method m { input x : }',
        'method m { input x : "label" }',
    ],
    "`optional` comes last: `input name : unit \"label\" per_unit optional`": [
        'method m { input x : kWh optional "label" }',
        'method m { input x : kWh optional per_unit }',
    ],
    "a table column is `name : unit \"label\"`, e.g. `mass : t \"质量\"`": [
        'method m { table t { mass t } }',
        'method m { table t { mass } }',
        'method m { table t { mass : } }',
    ],
    "a `let` needs `=` and a formula: `let name \"label\" = formula`": [
        'method m { let x }',
        'method m { let x 2 }',
    ],
    "the method's `{` is never closed: add `}` at the end": [
        'method m {',
        'method m { stage a "A"',
    ],
    "a formula is incomplete: an operator needs a value on both sides": [
        'method m { let x = 2 * }',
        'method m { let x = 2 + }',
        'method m { let x = }',
    ],
}
