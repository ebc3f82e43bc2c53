"""Output: results folders written whole or not at all, plots, the report and the published-figures page."""
