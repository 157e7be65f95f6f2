"""Organisations, units and users."""
