"""Fast, complete validation of STIX 2.1 objects as they are ingested.

Every object that enters the hub (TAXII POST, web upload, CLI import, federation) goes through
:func:`validate_object`. It works on the decoded JSON with tables of required properties and value
forms per STIX type, instead of building ``stix2`` objects, which is about twenty times slower.
Pattern syntax is checked with the real STIX pattern grammar (``stix2patterns``), cached by pattern
text, with a strict fast path for the single comparison ``[type:path = 'value']``.

Choices worth knowing (see also the docstring of :func:`validate_object`):

* Properties whose value is JSON ``null`` or an empty list are treated as absent and dropped from
  the returned object, as the ``stix2`` library does (the specification forbids both and says an empty list
  must not stand in for an omitted property). A *required* property that is ``null`` or empty is an error.
* STIX 2.0 objects are upgraded to 2.1 where the mapping is well defined; a 2.0 ``malware`` gets
  ``"is_family": false`` (2.0 has no way to say whether it describes a family or an instance; an
  instance is the weaker claim and keeps ``name`` optional, as in 2.0).
* Marking definitions that claim to be TLP (``definition_type: "tlp"`` or the TLP 2.0 extension)
  must be the canonical ones (id, colour): a look-alike "TLP:CLEAR" with another id would otherwise
  slip past per-object TLP enforcement.
"""

from __future__ import annotations

from hub.stix.validation.core import validate_object
from hub.stix.validation.errors import InvalidStix
from hub.stix.validation.patterns import _pattern_error as _pattern_error
from hub.stix.validation.patterns import check_pattern
from hub.stix.validation.properties import META_TYPES as META_TYPES
from hub.stix.validation.properties import SCO_TYPES as SCO_TYPES
from hub.stix.validation.properties import SDO_TYPES as SDO_TYPES
from hub.stix.validation.properties import SRO_TYPES as SRO_TYPES
from hub.stix.validation.rules import TLP1_IDS as TLP1_IDS
from hub.stix.validation.rules import TLP2_EXTENSION_ID as TLP2_EXTENSION_ID
from hub.stix.validation.rules import TLP2_IDS as TLP2_IDS
from hub.stix.validation.timestamps import format_timestamp, parse_timestamp, version_of

__all__ = [
    "InvalidStix",
    "check_pattern",
    "format_timestamp",
    "parse_timestamp",
    "validate_object",
    "version_of",
]
