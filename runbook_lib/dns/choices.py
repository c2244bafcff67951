"""The DNS tools' vocabularies, importable without pandas or the SDK (the command line offers them as choices)."""

ENTRY_FORMATS = ("privateip", "csv", "json")
EXPORT_FORMATS = ("hosts", "bind", "dnsmasq", "windows-dns")
SCENARIOS = ("backup", "site_recovery", "migrate_project", "migrate_agent_based", "migrate_hyperv")
# Azure writes zone-group records with a 10 s TTL; the same here, so a record fixed later is picked up at once
DEFAULT_TTL = 10
