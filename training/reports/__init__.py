"""What a run reports: metrics tables, plots, model cards and side-by-side comparisons."""
