"""Tests of the built Lille site in a real browser (pytest -m browser)."""
