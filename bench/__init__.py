"""The speed benchmark: ``make bench`` writes bench/RESULTS.md and bench/latency.png."""
