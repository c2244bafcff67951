"""nbval runs every notebook here on the demo estate, as a consultant opening it would.

add_endpoint adds an endpoint to a vault already in use: on a new demo estate it stops, rightly, at its first
guard ("this runbook adds to a vault in use; make it with `backup`"). tests/scenarios/test_endpoint_add.py runs it
after the backup runbook's apply instead.
"""

collect_ignore = ["add_endpoint.ipynb"]
