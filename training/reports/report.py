"""Markdown report of an evaluation, written beside the metrics it describes."""

from __future__ import annotations

from pathlib import Path

from lesion_core.labels import CLASS_CODES, CLASSES

HEADLINE = (
    ("accuracy", "Accuracy"),
    ("balanced_accuracy", "Balanced accuracy (mean per-class recall)"),
    ("macro_f1", "Macro F1"),
    ("macro_auc", "Macro one-vs-rest AUC"),
    ("melanoma_recall", "Melanoma recall"),
    ("ece", "Expected calibration error (15 bins)"),
    ("loss", "Cross-entropy loss"),
)


def headline_table(metrics: dict, baseline: dict | None = None) -> str:
    """Return the headline figures as a markdown table, with the always-nv baseline if given."""
    header = "| metric | model |" + (" always `nv` |" if baseline else "")
    lines = [header, "|---|---|" + ("---|" if baseline else "")]
    for key, label in HEADLINE:
        row = f"| {label} | {metrics[key]:.4f} |"
        if baseline:
            row += f" {baseline[key]:.4f} |" if key in baseline else " – |"
        lines.append(row)
    return "\n".join(lines)


def per_class_table(metrics: dict) -> str:
    """Return precision, recall, F1 and support per class as a markdown table."""
    lines = ["| class | name | precision | recall | F1 | support |", "|---|---|---|---|---|---|"]
    for info in CLASSES:
        c = metrics["per_class"][info.code]
        lines.append(
            f"| {info.code} | {info.name} | {c['precision']:.3f} | {c['recall']:.3f} "
            f"| {c['f1']:.3f} | {c['support']} |"
        )
    return "\n".join(lines)


def confusion_table(metrics: dict) -> str:
    """Return the confusion matrix (rows true, columns predicted) as a markdown table."""
    lines = ["| true \\ predicted | " + " | ".join(CLASS_CODES) + " |"]
    lines.append("|---" * (len(CLASS_CODES) + 1) + "|")
    for code, row in zip(CLASS_CODES, metrics["confusion_matrix"], strict=True):
        lines.append(f"| **{code}** | " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines)


def write_report(path: Path, title: str, summary: dict, metrics: dict, baseline: dict) -> None:
    """Write a markdown report: what was evaluated, headline figures, per class, confusion."""
    facts = "\n".join(f"- **{key}**: {value}" for key, value in summary.items())
    plots = [
        p
        for p in ("accuracy.png", "loss.png", "confusion_matrix.png")
        if (path.parent / p).is_file()
    ]
    images = "\n".join(f"![{p[:-4]}]({p})" for p in plots)
    path.write_text(
        f"# {title}\n\n{facts}\n\n## Headline figures ({metrics['n']} images)\n\n"
        f"{headline_table(metrics, baseline)}\n\n## Per class\n\n{per_class_table(metrics)}\n\n"
        f"## Confusion matrix\n\n{confusion_table(metrics)}\n\n{images}\n"
    )
