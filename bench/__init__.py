"""Benchmarks against a real Asterisk and real SIP phones (see bench/README.md)."""
