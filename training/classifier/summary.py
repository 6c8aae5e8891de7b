"""What the classifier CLIs print when a run ends: the headline figures, and how they compare
with always answering `nv`, with a warning when the model does not beat that."""

from __future__ import annotations

HEADLINE = ("accuracy", "balanced_accuracy", "macro_f1", "macro_auc", "melanoma_recall")
# The figures the always-`nv` answer is compared on: the one it is good at, and the fair one.
AGAINST_BASELINE = ("accuracy", "balanced_accuracy")
NAMES = {"accuracy": "accuracy", "balanced_accuracy": "balanced accuracy"}


def figure_lines(metrics: dict, keys: tuple[str, ...] = HEADLINE) -> list[str]:
    """Return one aligned `name: value` line per figure in `keys`."""
    return [f"{key:>18}: {metrics[key]:.4f}" for key in keys]


def not_beaten(metrics: dict, baseline: dict) -> list[str]:
    """Return the figures of AGAINST_BASELINE on which the model is not above the baseline."""
    return [key for key in AGAINST_BASELINE if not metrics[key] > baseline[key]]


def baseline_lines(metrics: dict, baseline: dict) -> list[str]:
    """Return the comparison with always answering `nv`, then a WARNING line when the model does
    not beat it on accuracy, on balanced accuracy, or on either."""
    answer = baseline.get("answer", "nv")
    lines = [f"against always answering `{answer}` (model vs always `{answer}`):"]
    for key in AGAINST_BASELINE:
        model, base = metrics[key], baseline[key]
        lines.append(f"{key:>18}: {model:.4f} vs {base:.4f} ({model - base:+.4f})")
    missed = not_beaten(metrics, baseline)
    if len(missed) == len(AGAINST_BASELINE):
        lines.append(
            f"WARNING: the model does NOT beat always answering `{answer}` on accuracy or on "
            "balanced accuracy: it has not learnt to tell the classes apart. Train for more "
            "epochs (--epochs), check --data, or start from a recipe in docs/experiments.md."
        )
    elif missed:
        (key,) = missed
        (other,) = (k for k in AGAINST_BASELINE if k != key)
        lines.append(
            f"WARNING: the model does NOT beat always answering `{answer}` on {NAMES[key]} "
            f"({metrics[key]:.4f} vs {baseline[key]:.4f}); it does on {NAMES[other]} "
            f"({metrics[other]:.4f} vs {baseline[other]:.4f}). Balanced accuracy weighs the "
            f"seven classes equally; accuracy rewards answering the common `{answer}`."
        )
    return lines


def official_line(official: dict) -> str:
    """Return one line with the ISIC scorer's figures, or why it did not score."""
    if "skipped" in official:
        return f"ISIC challenge scoring skipped: {official['skipped']}"
    return (
        f"ISIC challenge scoring ({official['scorer']}): balanced accuracy "
        f"{official['balanced_accuracy']:.4f}, macro AUC {official['macro_auc']:.4f}; "
        f"predictions in {official['submission']}"
    )


def robustness_lines(robustness: dict) -> list[str]:
    """Return the balanced accuracy each shifted view costs, and MILK10k's figures per part."""
    drops = {**robustness["drop"], **robustness["exposure_drop"], **robustness["device_drop"]}
    lines = [f"{view:>18}: balanced accuracy drop {drop:+.4f}" for view, drop in drops.items()]
    for part, figures in robustness.get("milk10k", {}).items():
        scores = figures["balanced_accuracy"]
        shifted = ", ".join(f"{k} {v:.4f}" for k, v in scores.items() if k != "original")
        lines.append(
            f"MILK10k {part} ({figures['n']} images): balanced accuracy "
            f"{scores['original']:.4f}; {shifted}"
        )
    return lines
