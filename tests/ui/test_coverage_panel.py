"""The RGESN coverage panel of a label criterion (labelnr.ui.coverage_panel), on the demo data:
Hexapost Colis runs the tracking website, whose RGESN declaration covers criterion AO-1.4."""

from __future__ import annotations

import re
from pathlib import Path

from .conftest import texts
from .test_context_selection import linked

COLIS = {"organisation": "hexapost", "entity": "hexapost-colis", "criterion": "AO-1.4"}


def test_a_mapped_criterion_shows_its_services_and_offers_the_proposal_as_a_draft(demo_dirs: Path) -> None:
    at = linked(COLIS)
    shown = texts(at)
    assert "Couverture par les services numériques de l'entité (RGESN)" in shown
    assert "Suivi de colis en ligne" in shown
    assert "Appli Hexapost Courrier" not in shown  # another entity's service
    campaign = at.query_params["campaign"]
    radio = at.radio(key=f"a{campaign}.AO-1.4.level")
    stored = radio.value
    take = [b for b in at.button if b.label.startswith("Reprendre la réponse proposée")]
    assert len(take) == 1
    take[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    proposed = at.radio(key=f"a{campaign}.AO-1.4.level").value
    assert (stored, proposed) == ("low", "partial")  # as the crosswalk rule proposes
    # Taken into the draft only: a new session still shows the stored answer.
    again = linked({**COLIS, "campaign": campaign})
    assert again.radio(key=f"a{campaign}.AO-1.4.level").value == stored


def test_an_entity_without_service_shows_no_panel(demo_dirs: Path) -> None:
    at = linked({"organisation": "hexapost", "entity": "hexapost-agences", "criterion": "AO-1.4"})
    assert "Couverture par les services numériques" not in texts(at)


def test_the_panel_writes_dates_scores_and_statuses_the_language_s_way(demo_dirs: Path) -> None:
    at = linked(COLIS)
    line = next(m for m in texts(at).splitlines() if "Suivi de colis en ligne" in m)
    assert "déclaration du " in line
    assert not re.search(r"\d{4}-\d{2}-\d{2}", line), line  # never an ISO date in a sentence
    assert re.search(r"déclaration du \d{1,2} \w+ \d{4}", line), line
    assert "Validé" in line or "En cours" in line, line  # the grid's statuses in words, not ids
    at.session_state["lang"] = "en"
    at.run()
    line = next(m for m in texts(at).splitlines() if "Suivi de colis en ligne" in m)
    assert re.search(r"declaration of [A-Z][a-z]+ \d{1,2}, \d{4}", line), line
