"""`make bench`: measured numbers, written to bench/results/latest.json."""
