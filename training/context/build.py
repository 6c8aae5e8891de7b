"""Fit, score and save the context model of one classifier: context.json beside it where it
helps on validation (lesion_runtime.context_head reads it), and its card section, context.md.

    python -m training.context.build --model models/ensemble/model.onnx
"""

from __future__ import annotations

import json
import logging
import sys

from lesion_runtime.context_head import CONTEXT_FILE, ContextHead
from lesion_runtime.model_file import model_name, model_version
from training.context.card import CASES, REPORT_FILE, report
from training.context.fit import contexts_of
from training.context.predictions import data_arguments, held_out
from training.context.scoring import evaluate, kept


def main(argv: list[str] | None = None) -> int:
    """Fit and score the context model of one classifier; serve it (context.json) only where
    it helps on validation; write its card section (context.md); return 0."""
    args = data_arguments(__doc__.split("\n\n")[0]).parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    data = held_out(args.model, args.ham10000, args.milk10k, args.cache_dir)
    table, head, recipe = evaluate(data, contexts_of(data))
    name = model_name(args.model)
    served, why = kept(table)
    out = args.model.parent / CONTEXT_FILE
    if served:
        fitted_head = ContextHead(head.weights, head.centres, model_version(args.model, name))
        record = {
            **fitted_head.as_dict(),
            "model_file": args.model.name,
            "recipe": vars(recipe),
            "scores": table,
        }
        out.write_text(json.dumps(record, indent=2) + "\n")
    else:
        out.unlink(missing_ok=True)
    (args.model.parent / REPORT_FILE).write_text(report(name, table, recipe, served, why))
    for source, cases in table.items():
        for case in ("image model", *CASES):
            print(f"{source:14} {case:12} {cases[case]}")
    print(f"{name}: {'served' if served else 'not served'} ({why})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
