"""Văn bản đi: drafting, approval, issue, the legal PDF, signatures, delivery and recall."""
