"""Analyses over many runs: comparisons with a baseline, PSA, sweeps, calibration, the published-figures
check, and the statistics they share."""
