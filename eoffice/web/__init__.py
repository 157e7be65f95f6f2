"""Cross-cutting web code: the home blueprint, error pages, access and template helpers."""
