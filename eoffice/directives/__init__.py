"""District directives: recipient groups, report requests, the tracking board (issue 6)."""
