"""Clinical context: the patient's age and sex and the lesion's body site, as the API takes them.
The one place that lists the accepted values (lesion_runtime.context_head codes them for the
context model).

Sites use the ISIC vocabulary (`anatom_site_general`); HAM10000's `localization` names map onto
it. A torso site without a side (HAM10000's `trunk`) sets the torso feature alone. `unknown` (or
nothing) means not given; every field may be left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SEXES = ("male", "female")
MAX_AGE = 120
UNKNOWN = "unknown"
# The ISIC vocabulary, and each site's features: the torso feature is shared by its sides.
ISIC_SITES = {
    "head/neck": ("head/neck",),
    "upper extremity": ("upper extremity",),
    "lower extremity": ("lower extremity",),
    "anterior torso": ("torso", "anterior torso"),
    "posterior torso": ("torso", "posterior torso"),
    "lateral torso": ("torso", "lateral torso"),
    "palms/soles": ("palms/soles",),
    "oral/genital": ("oral/genital",),
}
# HAM10000's localization names, as the ISIC site they are ("torso": no side given).
HAM10000_SITES = {
    "scalp": "head/neck",
    "face": "head/neck",
    "ear": "head/neck",
    "neck": "head/neck",
    "back": "posterior torso",
    "chest": "anterior torso",
    "abdomen": "anterior torso",
    "trunk": "torso",
    "upper extremity": "upper extremity",
    "hand": "upper extremity",
    "lower extremity": "lower extremity",
    "foot": "lower extremity",
    "acral": "palms/soles",
    "genital": "oral/genital",
}
ACCEPTED_SITES = (*ISIC_SITES, "torso", *(s for s in HAM10000_SITES if s not in ISIC_SITES))
FIELDS = ("age", "sex", "site")


class ContextError(ValueError):
    """A context value outside what is accepted; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Context:
    """What is known about the patient and the lesion; None where it was not given."""

    age: float | None = None
    sex: str | None = None
    site: str | None = None  # an ISIC site, or "torso"

    @property
    def given(self) -> bool:
        """Whether any field was given."""
        return any(getattr(self, f) is not None for f in FIELDS)

    def site_parts(self) -> tuple[str, ...]:
        """Return the site's parts: the site, and for a torso side the torso too."""
        if self.site is None:
            return ()
        return ISIC_SITES.get(self.site, (self.site,))

    def as_dict(self) -> dict[str, float | str | None]:
        """Return the fields as given (None where not)."""
        return {"age": self.age, "sex": self.sex, "site": self.site}


def parse_age(raw: object) -> float | None:
    """Return an age in years (0-120), None for nothing or `unknown`, or raise ContextError."""
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in ("", UNKNOWN)):
        return None
    try:
        age = float(str(raw).strip())
    except ValueError:
        raise ContextError("age", f"age={raw!r} is not a number of years") from None
    if not math.isfinite(age) or not 0 <= age <= MAX_AGE:
        raise ContextError("age", f"age={raw!r}: give years between 0 and {MAX_AGE}")
    return age


def parse_sex(raw: object) -> str | None:
    """Return `male` or `female`, None for nothing or `unknown`, or raise ContextError."""
    value = "" if raw is None else str(raw).strip().lower()
    if value in ("", UNKNOWN):
        return None
    if value not in SEXES:
        raise ContextError("sex", f"sex={raw!r}: use male, female or unknown")
    return value


def parse_site(raw: object) -> str | None:
    """Return the ISIC site (or `torso`) of an ISIC or HAM10000 site name, None for nothing or
    `unknown`, or raise ContextError naming the accepted values."""
    value = "" if raw is None else str(raw).strip().lower()
    if value in ("", UNKNOWN):
        return None
    if value in ISIC_SITES or value == "torso":
        return value
    if value in HAM10000_SITES:
        return HAM10000_SITES[value]
    raise ContextError("site", f"site={raw!r}: use one of {', '.join(ACCEPTED_SITES)}, or unknown")


def parse_context(age: object = None, sex: object = None, site: object = None) -> Context:
    """Return the Context of raw field values, or raise ContextError for the first bad one."""
    return Context(parse_age(age), parse_sex(sex), parse_site(site))
