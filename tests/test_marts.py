"""The business marts on the demo warehouse: completeness, shares, levels and KPIs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.dbt_runner import MARTS, DbtRun, run_dbt

NAMED = ("premium_investors", "lifestyle_spenders", "credit_dependent", "growth_segment")


def _profiles(demo_build: DbtRun) -> dict[str, dict]:
    with demo_build.connect() as con:
        result = con.execute("select * from segment_profiles")
        columns = [column[0] for column in result.description]
        return {row[0]: dict(zip(columns, row, strict=True)) for row in result.fetchall()}


def test_every_valid_customer_is_in_exactly_one_segment(demo_build: DbtRun) -> None:
    with demo_build.connect() as con:
        valid = con.execute("select count(*) from stg_customers").fetchone()[0]
        rows, distinct = con.execute(
            "select count(*), count(distinct customer_id) from customer_segments"
        ).fetchone()
        missing = con.execute(
            "select count(*) from stg_customers anti join customer_segments using (customer_id)"
        ).fetchone()[0]
    assert rows == distinct == valid == 1500
    assert missing == 0


def test_demo_kpi_table_holds(demo_build: DbtRun) -> None:
    """The original KPI table: CLV, risk and digital orderings of the four personas."""
    p = _profiles(demo_build)
    assert set(p) == set(NAMED)
    clv = {pid: p[pid]["avg_clv"] for pid in NAMED}
    assert (
        clv["premium_investors"]
        > clv["lifestyle_spenders"]
        > clv["growth_segment"]
        > clv["credit_dependent"]
    )
    risk = {pid: p[pid]["risk_index"] for pid in NAMED}
    assert max(risk, key=risk.get) == "credit_dependent"
    assert min(risk, key=risk.get) == "premium_investors"
    assert risk["growth_segment"] < risk["lifestyle_spenders"]
    digital = sorted(NAMED, key=lambda pid: -p[pid]["mean_app_usage_score"])
    assert digital[0] == "growth_segment"
    assert digital[1] == "lifestyle_spenders"
    assert digital[-1] == "credit_dependent"
    # the labels follow the ranks: K = 4 gives Highest / High / Low / Lowest
    assert p["premium_investors"]["clv_level"] == "Highest"
    assert p["credit_dependent"]["clv_level"] == "Lowest"
    assert p["credit_dependent"]["risk_level"] == "Highest"
    assert p["premium_investors"]["risk_level"] == "Lowest"
    assert p["growth_segment"]["digital_adoption_level"] == "Highest"
    assert p["lifestyle_spenders"]["digital_adoption_level"] == "High"
    assert p["credit_dependent"]["digital_adoption_level"] == "Lowest"


def test_profiles_describe_segments_in_words(demo_build: DbtRun) -> None:
    p = _profiles(demo_build)
    assert abs(sum(row["share_of_customers"] for row in p.values()) - 1) < 1e-9
    assert sum(row["customers"] for row in p.values()) == 1500
    # the planted signatures show up among the top three z-scores
    assert "avg_account_balance +" in p["premium_investors"]["distinguishing_features"]
    assert "support_calls +" in p["credit_dependent"]["distinguishing_features"]
    assert "age -" in p["growth_segment"]["distinguishing_features"]
    for row in p.values():
        assert row["top_feature_1"].endswith("\N{GREEK SMALL LETTER SIGMA}")


def test_risk_distribution_has_every_band_and_shares_sum_to_one(demo_build: DbtRun) -> None:
    with demo_build.connect() as con:
        per_persona = con.execute(
            "select persona_id, count(*), sum(share_within_persona), sum(customers) "
            "from segment_risk_distribution group by 1"
        ).fetchall()
        sizes = dict(con.execute("select persona_id, customers from segment_profiles").fetchall())
        zero_rows = con.execute(
            "select count(*) from segment_risk_distribution where customers = 0"
        ).fetchone()[0]
    assert len(per_persona) == 4
    for persona_id, bands, share, customers in per_persona:
        assert bands == 5
        assert abs(share - 1) < 1e-9
        assert customers == sizes[persona_id]
    # the demo's Premium Investors have no Poor credit: zero rows are kept, not dropped
    assert zero_rows > 0


def test_strategies_cover_every_persona_and_area(demo_build: DbtRun) -> None:
    with demo_build.connect() as con:
        rows = con.execute(
            "select persona_id, business_area, recommended_action, recommended_products, "
            "is_default_playbook from segment_strategies"
        ).fetchall()
    assert len(rows) == 4 * 3
    assert not any(row[4] for row in rows)
    by_key = {(row[0], row[1]): row for row in rows}
    assert "investment" in by_key[("premium_investors", "Revenue Growth")][3].lower()
    assert "credit card" in by_key[("lifestyle_spenders", "Revenue Growth")][3].lower()
    assert "student loan" in by_key[("growth_segment", "Revenue Growth")][3].lower()
    assert "self-service" in by_key[("credit_dependent", "Cost Optimization")][2].lower()
    assert "early-warning" in by_key[("credit_dependent", "Risk Management")][2].lower()


def test_low_confidence_flag_follows_the_margin_cutoff(demo_build: DbtRun) -> None:
    with demo_build.connect() as con:
        wrong = con.execute(
            "select count(*) from customer_segments "
            "where is_low_confidence != (segment_margin < 0.5)"
        ).fetchone()[0]
    assert wrong == 0


def test_demo_build_publishes_every_mart(demo_build: DbtRun) -> None:
    exports = demo_build.database.parent / "exports"
    with demo_build.connect() as con:
        for mart in MARTS:
            path = exports / f"{mart}.parquet"
            assert path.exists(), path
            in_file = con.execute(f"select count(*) from read_parquet('{path}')").fetchone()[0]
            in_table = con.execute(f"select count(*) from {mart}").fetchone()[0]
            assert in_file == in_table
            # the demo input is clean: no quarantine reason to list
            assert in_table > 0 or mart == "input_rejection_reasons", mart


@pytest.fixture(scope="module")
def level_labels(tmp_path_factory: pytest.TempPathFactory) -> dict[int, list[str]]:
    """marts_rank_level() for K = 1..7, through `dbt show` on an empty warehouse."""
    workdir = tmp_path_factory.mktemp("levels")
    query = (
        "select k, list({{ marts_rank_level('r', 'k') }} order by r) as labels "
        "from range(1, 8) as ks(k), range(1, 8) as rs(r) where r <= k group by k"
    )
    run = run_dbt(workdir, "show", "--inline", query, "--limit", "10", "--output", "json")
    assert run.returncode == 0, run.output[-4000:]
    start = run.output.index("{")
    shown = json.JSONDecoder().raw_decode(run.output[start:])[0]["show"]
    return {int(row["k"]): json.loads(row["labels"]) for row in shown}


def test_level_labels_for_any_k(level_labels: dict[int, list[str]]) -> None:
    assert level_labels[1] == ["Medium"]
    assert level_labels[2] == ["Highest", "Lowest"]
    assert level_labels[3] == ["Highest", "Medium", "Lowest"]
    assert level_labels[4] == ["Highest", "High", "Low", "Lowest"]
    assert level_labels[5] == ["Highest", "High", "Medium", "Low", "Lowest"]
    assert level_labels[6] == ["Highest", "High", "Medium", "Medium", "Low", "Lowest"]
    assert level_labels[7] == [
        "Highest",
        "High",
        "Medium",
        "Medium",
        "Low",
        "Low",
        "Lowest",
    ]


def test_marts_folder_holds_only_contracted_sql(repo_root: Path) -> None:
    for path in (repo_root / "dbt_project" / "models" / "marts").glob("*.sql"):
        assert path.stem in MARTS, path.name


def test_more_segments_than_personas(tmp_path_factory: pytest.TempPathFactory) -> None:
    """K = 5 on four personas: the extra segment is unnamed, gets review rows and levels."""
    workdir = tmp_path_factory.mktemp("k5")
    run = run_dbt(workdir, "build", dbt_vars={"segment_count": 5})
    assert run.returncode == 0, run.output[-4000:]
    with run.connect() as con:
        profiles = con.execute(
            "select persona_id, is_named_persona, clv_level, risk_level, "
            "digital_adoption_level from segment_profiles"
        ).fetchall()
        strategies = con.execute(
            "select persona_id, bool_and(is_default_playbook), count(*) "
            "from segment_strategies group by 1"
        ).fetchall()
        customers = con.execute("select count(*) from customer_segments").fetchone()[0]
    assert customers == 1500
    assert len(profiles) == 5
    unnamed = [row[0] for row in profiles if not row[1]]
    assert len(unnamed) == 1 and unnamed[0].startswith("unnamed_")
    levels = {"Highest", "High", "Medium", "Low", "Lowest"}
    for column in (2, 3, 4):
        assert {row[column] for row in profiles} == levels
    by_persona = {row[0]: row for row in strategies}
    assert by_persona[unnamed[0]][1:] == (True, 3)
    assert not any(row[1] for pid, row in by_persona.items() if pid != unnamed[0])
