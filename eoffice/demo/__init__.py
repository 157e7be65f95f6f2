"""Demo data for a first look at eoffice (`flask seed-demo`); never loaded in production."""

DEFAULT_PASSWORD = "eoffice-demo-2026"
DEFAULT_DOCUMENTS = 300
