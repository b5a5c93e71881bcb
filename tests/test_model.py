"""Which threshold is in force, and how model names resolve."""

from __future__ import annotations

from bot.model import UNCALIBRATED_THRESHOLD, refusal_threshold


def test_a_set_threshold_wins_even_when_it_is_zero() -> None:
    assert refusal_threshold(0.0, "multilingual-e5-small") == 0.0
    assert refusal_threshold(0.5, "all-MiniLM-L6-v2") == 0.5


def test_without_a_setting_the_models_calibrated_value_is_used() -> None:
    assert refusal_threshold(None, "multilingual-e5-small") == 0.774
    assert refusal_threshold(None, "sentence-transformers/all-MiniLM-L6-v2") == 0.173
    assert refusal_threshold(None, "/some/other/model") == UNCALIBRATED_THRESHOLD
