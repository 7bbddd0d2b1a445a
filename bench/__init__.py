"""The speed benchmark (issue #8): ``make bench`` writes bench/RESULTS.md and bench/latency.png."""
