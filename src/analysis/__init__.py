"""breakerlab analysis: reads raw run folders only (tables, statistics, figures, report)."""
