"""Deployment material: sample systemd units and nginx site, and the production-shape smoke run.

See docs/deploy.md. Only `production_shape` is Python; the rest are configuration files.
"""
