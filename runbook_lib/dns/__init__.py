"""DNS records for private endpoints: entries, plans, exports, zone lists and checks (seed 002, seed 004)."""
