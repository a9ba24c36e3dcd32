"""STIX 2.1 objects: validation, storage of versions, ingest and queries."""
