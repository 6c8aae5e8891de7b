"""The ISIC challenge's files: its class columns, in its order, and its submission's header."""

from __future__ import annotations

# Each column is a class code in capitals, so the class list itself stays in lesion_core.labels.
ISIC_COLUMNS = ("MEL", "NV", "BCC", "AKIEC", "BKL", "DF", "VASC")
ISIC_HEADER = ("image", *ISIC_COLUMNS)
