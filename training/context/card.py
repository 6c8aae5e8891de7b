"""The card section of a context model (context.md beside its classifier): each held-out set's
figures without context and with each field, and per-class recall without and with all."""

from __future__ import annotations

from lesion_core.context import FIELDS
from lesion_core.labels import CLASS_CODES

REPORT_FILE = "context.md"
# The fields each scored case gives the head.
CASES = {"no context": (), "age": ("age",), "sex": ("sex",), "site": ("site",), "all": FIELDS}


def report(name: str, table: dict, recipe: object, served: bool, why: str) -> str:
    """Return the card section of a context model: each held-out set's figures with and without
    each field, and per-class recall without and with all of them."""
    lines = [
        f"# Clinical context for `{name}`",
        "",
        f"**{'Served' if served else 'Not served'}**: {why}. Fitted by `make context` "
        f"(`python -m training.context.build`), recipe {recipe}: per-feature shifts of the "
        "classifier's log-probabilities by age, sex and site (lesion_runtime/context_head.py), "
        "fitted on HAM10000's validation part and MILK10k's dermoscopic validation third; those "
        "rows are cross-fitted by lesion (5 folds), HAM10000's test part is scored once.",
        "",
        "| held-out set | images | given | balanced accuracy | macro AUC | melanoma recall | ECE |",
        "|---|---|---|---|---|---|---|",
    ]
    for source, cases in table.items():
        for case in ("image model", *CASES):
            f = cases[case]
            lines.append(
                f"| {source} | {cases['images']} | {case} | {f['balanced_accuracy']:.4f} | "
                f"{f['macro_auc']:.4f} | {f['melanoma_recall']:.4f} | {f['ece']:.4f} |"
            )
    lines += ["", "Recall per class, without context → with age, sex and site:", ""]
    lines += ["| held-out set | " + " | ".join(CLASS_CODES) + " |", "|---" * 8 + "|"]
    for source, cases in table.items():
        recall = cases["recall"]
        cells = [
            f"{recall[c][0]:.3f} → {recall[c][1]:.3f}" if c in recall else "-" for c in CLASS_CODES
        ]
        lines.append(f"| {source} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
