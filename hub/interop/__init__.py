"""Moving intelligence in and out of the hub: files (STIX, MISP, MVT, CSV) and TAXII federation."""
