"""The grown library (issue 19): size, licences, spot checks of imported DESNZ/BEIS values
against the values printed in the source files (rows cited), and search in both languages."""
from __future__ import annotations

import pytest

from pcf.knowledge.kb import DEFAULT_KB_DIR, load_kb
from pcf.core.units import load_units

DIESEL = "uk.desnz.fuels.liquid_fuels.diesel_average_biofuel_blend.per_l"


@pytest.fixture(scope="module")
def kb():
    return load_kb(DEFAULT_KB_DIR, load_units(), cache=False)


def test_at_least_ten_thousand_sourced_entries_with_licences(kb):
    assert len(kb.entries) >= 10_000
    for e in kb.entries:
        assert kb.sources[e.source].licence, e.id


@pytest.mark.parametrize("year, total, co2, ch4, n2o, row", [
    # DESNZ 2023 flat file (xlsx, sheet Factors by Category), IDs 1_101_1011_8_1 to _4, printed
    # to 5 decimals in the published tables: 2.47887 + 0.00029 + 0.0329 = 2.51206
    (2023, 2.51206, 2.47887, 0.00029, 0.0329, "(ID 1_101_1011_8_1)"),
    # BEIS 2022 via cfkg's CSV, lines 182-185: 2.52058 + 0.00026 + 0.037 = 2.55784
    (2022, 2.55784, 2.52058, 0.00026, 0.037, "conversion_factors_2022_modified_v2.csv:182"),
    # BEIS 2020 flat file (xlsx), rows 142-145: 2.51072 + 0.00025 + 0.03506 = 2.54603
    (2020, 2.54603, 2.51072, 0.00025, 0.03506, "Factors by Category:142"),
])
def test_diesel_and_its_gas_parts_as_printed(kb, year, total, co2, ch4, n2o, row):
    e = kb.lookup(DIESEL, year, pinned=True).entry
    assert (round(e.value, 5), e.unit, e.boundary, e.region) == (total, "kgCO2e/L", "scope 1", "GB")
    assert {g: round(v, 5) for g, v, _ in e.parts} == {"co2": co2, "ch4": ch4, "n2o": n2o}
    assert row in e.table


def test_confidence_follows_what_was_read(kb):
    assert kb.lookup(DIESEL, 2023).entry.confidence == "confirmed-A"        # DESNZ's own workbook
    assert kb.lookup(DIESEL, 2023).entry.gwp == "AR5"                       # stated on its front page
    e2022 = kb.lookup(DIESEL, 2022, pinned=True).entry
    assert (e2022.confidence, e2022.default) == ("unconfirmed", False)      # one transcribed copy


def test_scope_and_well_to_tank_kept_apart(kb):
    wtt = kb.lookup("uk.desnz.wtt_fuels.liquid_fuels.diesel_average_biofuel_blend.per_l", 2023).entry
    assert wtt.boundary == "well-to-tank" and round(wtt.value, 5) == 0.61101   # ID 11_101_1011_8_1


@pytest.mark.parametrize("text, wanted", [
    ("塑料", "uk.desnz.material_use.plastic.plastics_pet_incl_forming.primary_material_production.per_t"),
    ("PET", "uk.desnz.material_use.plastic.plastics_pet_incl_forming.primary_material_production.per_t"),
    ("landfill", "uk.desnz.waste_disposal.plastic.plastics_pet_incl_forming.landfill.per_t"),
    ("填埋", "uk.desnz.waste_disposal.plastic.plastics_pet_incl_forming.landfill.per_t"),
    ("纸", "uk.desnz.material_use.paper.paper_and_board_mixed.primary_material_production.per_t"),
])
def test_search_in_both_languages(kb, text, wanted):
    assert wanted in {e.id for e in kb.search(text)}


def test_whole_word_matches_come_first(kb):
    found = kb.search("PET")
    assert "pet" in found[0].id and not any("pet" in e.id and "petrol" not in e.id for e in found[-5:])
