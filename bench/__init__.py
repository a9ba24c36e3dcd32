"""Benchmarks of the hub beside its peers (medallion, OpenTAXII) and beside the database's own floor.

Not part of the `hub` package: run with the project's virtualenv, e.g. `.venv/bin/python -m bench.run`.
Everything here talks only to 127.0.0.1 and bounds every request with a timeout.
"""
