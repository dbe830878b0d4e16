"""Schemathesis hooks for Guichet's provisioning API: what the custom string
formats of its document mean, so that generated data has them right."""

import schemathesis
from hypothesis import strategies as st


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


@st.composite
def _siret(draw):
    """A SIRET with a valid Luhn key, sometimes typed with spaces, or nothing."""
    if draw(st.integers(0, 9)) == 0:
        return ""
    body = draw(st.text(alphabet="0123456789", min_size=13, max_size=13))
    key = next(k for k in "0123456789" if _luhn_ok(body + k))
    digits = body + key
    if draw(st.booleans()):
        return f"{digits[0:3]} {digits[3:6]} {digits[6:9]} {digits[9:14]}"
    return digits


schemathesis.openapi.format("siret", _siret())
