"""Synthetic customer populations with ground truth for the demo, tests and benchmarks."""
