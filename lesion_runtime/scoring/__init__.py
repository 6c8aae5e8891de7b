"""Scoring answers against the truth, as the CLI's `lesion score` and training both do: the
headline figures (`metrics`), the ISIC challenge's own scorer (`isic_challenge`) and the plots
(`plots`, which loads matplotlib)."""
