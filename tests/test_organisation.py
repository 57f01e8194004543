"""The organisation dashboard's vectorised figures are those of each entity's own cycle."""

from __future__ import annotations

import datetime as dt
import math
import random
from pathlib import Path

import pytest

from labelnr.assessment import Answer, Commitment, CommitmentStatus
from labelnr.loader import load_catalog
from labelnr.organisation import burn_up_rows, late, mean_trajectory, peers_of, summarise
from labelnr.portfolio import CompiledReferential
from labelnr.storage import Store, open_store
from labelnr.trajectory import Progress, burn_up, progress
from labelnr.ui.steering import cycle, trajectory_frame
from tests.support.demo import copy_demo

ROOT = Path(__file__).parent.parent
TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """The demo organisations, with random targets and commitments on every campaign."""
    copy_demo(tmp_path)
    data = open_store(data_dir=tmp_path, catalog=load_catalog([ROOT / "criteria"]))
    rng = random.Random(5)
    for org in data.organisations():
        for info in data.organisation_campaigns(org.id):
            ref = data.referential_of(info.id)
            levels = [lv.id for lv in ref.scale.levels]
            criteria = ref.criteria_for(info.profile)
            if info.editable:
                for crit in rng.sample(criteria, 6):
                    data.set_target("t", info.id, crit.id, rng.randint(1, 3), rng.choice(levels))
                crit = rng.choice(criteria)
                data.save_answer("t", info.id, crit.id, Answer(level=rng.choice(levels)),
                                 data.campaign(info.id).answer_revision(crit.id))
            for i in range(4):
                scope = ({"criterion": rng.choice(criteria).id} if i % 2
                         else {"theme": rng.choice(ref.themes).id})
                data.add_commitment("t", info.id, Commitment(
                    title=f"c{i}", target_year=rng.randint(1, 3), **scope,
                    target_level=rng.choice([*levels, None]), expected_points=rng.choice([None, 40.0]),
                    status=rng.choice(list(CommitmentStatus)),
                    due=rng.choice([None, dt.date(2025, 1, 1), dt.date(2099, 1, 1)])))
    return data


def _same(got: float, want: float) -> bool:
    return (math.isnan(got) and math.isnan(want)) or got == pytest.approx(want, abs=1e-9)


def test_every_peer_has_the_numbers_of_its_own_cycle(store: Store) -> None:
    checked = 0
    for org in store.organisations():
        plans = store.portfolio_plans(org.id)
        for info in store.organisation_campaigns(org.id):
            comp = CompiledReferential.of(store.referential_of(info.id))
            summary = summarise(comp, plans, info)
            cycles = [cycle(store, r.campaign.id) for r in peers_of(plans.rows, info)]
            assert [p.row.campaign.id for p in summary.peers] == [c.view.id for c in cycles]
            lost: dict[str, tuple[float, int]] = {}
            for peer, c in zip(summary.peers, cycles, strict=True):
                mine = c.scores.self_assessed
                assert peer.row.points == pytest.approx(mine.points)
                want_gap = next((g for g in mine.gaps if not g.reached), None)
                assert (peer.gap is None) == (want_gap is None)
                if peer.gap is not None and want_gap is not None:
                    assert peer.gap.level == want_gap.level
                    assert peer.gap.points_short == pytest.approx(want_gap.points_short)
                    assert peer.gap.missing_mandatory == want_gap.missing_mandatory
                    assert [(s.theme, pytest.approx(s.points_short)) for s in peer.gap.themes_below_minimum] \
                        == [(s.theme, s.points_short) for s in want_gap.themes_below_minimum]
                frame = trajectory_frame(c)
                for column, got in (("planned", peer.planned), ("projected", peer.projected),
                                    ("actual", peer.actual)):
                    assert all(_same(round(g, 1), w) for g, w in zip(got, frame[column], strict=True)), \
                        (info.id, column, got, list(frame[column]))
                for theme, pct in c.planned[-1].themes.items():
                    got_pct = peer.target_themes[theme]
                    assert (got_pct is None) == (pct is None)
                    assert got_pct is None or got_pct == pytest.approx(pct)
                assert peer.cycle_start == c.cycle_start
                for cid, cs in mine.criteria.items():
                    if cs.max_points - cs.points > 1e-9:
                        total, count = lost.get(cid, (0.0, 0))
                        lost[cid] = (total + cs.max_points - cs.points, count + 1)
                checked += 1
            assert summary.lost.keys() == lost.keys()
            for cid, (total, count) in lost.items():
                assert summary.lost[cid] == (pytest.approx(total), count)
            assert len(late(summary, TODAY)) == sum(
                1 for c in cycles for i in c.view.commitments
                if progress(i.commitment, TODAY, c.cycle_start) is Progress.LATE)
            want = [burn_up([i.commitment for i in c.view.commitments], TODAY, c.cycle_start) for c in cycles]
            for index, row in enumerate(burn_up_rows(summary, TODAY)):
                for field in ("scope", "done", "on_track", "late"):
                    assert row[field] == sum(getattr(lines[index], field) for lines in want)
            assert list(mean_trajectory(summary)["year"]) == [0, 1, 2, 3]
    assert checked > 10
