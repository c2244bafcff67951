"""Parameters: a typo or a wrong type is refused before anything runs, one line per bad field, naming it."""

from __future__ import annotations

import pytest

from runbook_lib.engine import load_parameters
from runbook_lib.errors import InputError
from runbook_lib.scenarios.backup import BackupParameters
from tests.contoso import DNS_RG, SPOKE_ENDPOINTS, VAULTS

GOOD = {"vault": f"{VAULTS}/rsv-new", "subnet": SPOKE_ENDPOINTS, "endpoint_name": "pe-bkp", "zones_resource_group": DNS_RG}


def test_a_good_file_loads(tmp_path):
    path = tmp_path / "backup.yaml"
    path.write_text("\n".join(f"{k}: {v}" for k, v in GOOD.items()) + "\nconfirm: [first-registration]\n")
    params = load_parameters(BackupParameters, path)
    assert params.confirm == ("first-registration",) and params.dns == "zone-group" and params.ttl == 10
    assert params.endpoint_id.endswith("/resourceGroups/rg-network-spoke/providers/Microsoft.Network/privateEndpoints/pe-bkp")


@pytest.mark.parametrize("change, lines", [
    ({"vualt": "x"}, ["parameters: vualt: unknown parameter; known: confirm, location, subnet,"]),
    ({"ttl": "ten"}, ["parameters: ttl: Input should be a valid integer"]),
    ({"dns": "bind"}, ["parameters: dns: Input should be 'zone-group' or 'custom'"]),
    ({"subnet": DNS_RG}, ["parameters: subnet: '" + DNS_RG + "' is a Microsoft.Resources/resourceGroups, not a "
                          "Microsoft.Network/virtualNetworks/subnets"]),
    ({"location": "westus4"}, ["parameters: location: unknown Azure region 'westus4'; did you mean"]),
    ({"vault": "rsv-new", "endpoint_name": "pe bkp!"}, ["parameters: vault: 'rsv-new' is not a resource id",
                                                        "parameters: endpoint_name: String should match pattern"]),
])
def test_each_bad_field_is_named(change, lines):
    with pytest.raises(InputError) as raised:
        load_parameters(BackupParameters, {**GOOD, **change})
    got = sorted(str(raised.value).splitlines())
    assert len(got) == len(lines) and all(g.startswith(want) for g, want in zip(got, sorted(lines))), got


def test_a_missing_field_and_bad_yaml(tmp_path):
    with pytest.raises(InputError, match="parameters: subnet: Field required"):
        load_parameters(BackupParameters, {k: v for k, v in GOOD.items() if k != "subnet"})
    path = tmp_path / "bad.yaml"
    path.write_text("vault: [unclosed\n")
    with pytest.raises(InputError, match=f"{path}: not valid YAML"):
        load_parameters(BackupParameters, path)
    with pytest.raises(InputError, match="cannot read it"):
        load_parameters(BackupParameters, tmp_path / "none.yaml")


def test_every_shipped_parameter_file_loads_with_its_scenario():
    from pathlib import Path

    from runbook_lib.scenarios import SCENARIOS

    files = sorted((Path(__file__).resolve().parents[2] / "parameters").glob("*.yaml"))
    assert files
    for path in files:
        model, _ = SCENARIOS[path.name.split(".")[0]]
        load_parameters(model, path)
