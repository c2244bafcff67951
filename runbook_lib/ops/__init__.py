"""Domain operations the scenarios' steps are made of: reads, and writes wrapped for a plan row."""
