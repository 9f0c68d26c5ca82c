"""Query-string filters of the REST API that refuse what the database cannot hold.

Every id in this project is a BigAutoField (1 … 2⁶³−1). A filter that parses its value
as a decimal lets a client send 1.5, -7.6e95 or a 30-digit number straight to the
database, where SQLite raises OverflowError and PostgreSQL an out-of-range error: a
server error for a typing mistake. `IdFilter` parses a whole number within the id range
and answers anything else with a 400 that names the parameter.
"""

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

MIN_ID = 1
# BigAutoField: a signed 64-bit integer on SQLite and PostgreSQL alike.
MAX_ID = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": MIN_ID, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """The id of a related object (plan, agency, task …), as a whole number in range."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", MIN_ID)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
