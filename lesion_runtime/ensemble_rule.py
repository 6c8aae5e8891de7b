"""An ensemble's rule as its config.json records it: member weights, class offsets, temperature.

    p = softmax((sum_i w_i log p_i + b) / T)

How the rule is chosen on validation lives in training.ensemble.rule.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Rule:
    """The weights (one per member, summing to 1), per-class offsets and temperature."""

    weights: tuple[float, ...]
    offsets: tuple[float, ...]
    temperature: float

    def as_dict(self) -> dict:
        """Return the rule as JSON-ready lists."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, record: dict) -> Rule:
        """Return the rule `as_dict` wrote."""
        return cls(tuple(record["weights"]), tuple(record["offsets"]), record["temperature"])
