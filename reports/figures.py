"""Figures as the dashboards print them, formatted in Python where a page prints hundreds."""

from decimal import ROUND_HALF_UP, Context, Decimal

from django.template.defaultfilters import floatformat

# Quantize exponents by number of decimals, and a context wide enough for any figure that
# takes the fast path (longer ones go to floatformat).
_STEPS = {places: Decimal(1).scaleb(-places) for places in range(7)}
_CONTEXT = Context(prec=80, rounding=ROUND_HALF_UP)
_MAX_DIGITS = 60


def figure(value, places=-1) -> str:
    """`floatformat` for the dashboards' hot loops, same output, a fraction of the work.

    `places` as floatformat's argument: n → exactly n decimals; -n → n decimals, none
    for a whole number. Rounds half up on the decimal figure (0.125 → 0.13), a negative
    figure rounded to zero shows no sign, the decimal mark is '.' in both languages and
    there is no grouping (as floatformat without "g", USE_THOUSAND_SEPARATOR being off). Anything not an int, float or finite Decimal,
    and suffixed arguments ("2g", "2u"), are left to floatformat itself."""
    if isinstance(places, str):
        try:
            places = int(places)
        except ValueError:
            return floatformat(value, places)
    kind = type(value)
    if kind is Decimal:
        number = value
    elif kind is int or kind is float:
        number = Decimal(str(value))
    else:
        return floatformat(value, places)
    width = abs(places)
    if not number.is_finite() or width not in _STEPS:
        return floatformat(value, places)
    _sign, digits, exponent = number.as_tuple()
    if len(digits) + abs(exponent) > _MAX_DIGITS:
        return floatformat(value, places)
    if places <= 0 and number == number.to_integral_value():
        return str(int(number))
    rounded = number.quantize(_STEPS[width], context=_CONTEXT)
    text = f"{rounded:f}"
    # floatformat drops the sign of a figure that rounds to zero: -0.001 → "0.00".
    return text[1:] if not rounded and text[0] == "-" else text
