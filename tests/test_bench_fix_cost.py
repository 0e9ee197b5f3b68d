"""The fix-cost run's choice of scenarios and its medians over repeated rounds."""

from __future__ import annotations

from typing import Any

from bench.fix_cost import chosen, median, scenarios


def test_only_picks_scenarios_by_their_number() -> None:
    found = scenarios(quick=True)
    assert list(chosen(found, "3")) == ["3 vote burst"]
    assert list(chosen(found, "2, 6")) == [
        "2 many groups",
        "2 many groups, polls together",
        "6 redis x2: one session",
        "6 redis x2: many groups",
    ]
    assert list(chosen(found, "")) == list(found)


def test_each_figure_is_the_median_of_the_rounds_that_measured_it_and_a_loss_counts() -> None:
    rounds: list[dict[str, Any]] = [
        {"p99_ms": 100.0, "cpu_us_per_message": 900.0, "lost": 0},
        {"p99_ms": 400.0, "cpu_us_per_message": None, "lost": 0},
        {"p99_ms": None, "error": "the load generator printed no result"},
        {"p99_ms": 120.0, "cpu_us_per_message": 1000.0, "lost": 1},
    ]
    figures = median(rounds)
    assert figures["p99_ms"] == 120.0
    assert figures["cpu_us_per_message"] == 950.0
    assert figures["lost"] == 1
    assert figures["rounds"] == rounds
    assert median(rounds[:1]) == rounds[0]
