"""Printable documents (PDF via WeasyPrint) and spreadsheet exports."""
