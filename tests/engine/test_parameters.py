"""Parameters: a typo or a wrong type is refused before anything runs, one line per bad field, naming it."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
import yaml

from runbook_lib.engine import load_parameters
from runbook_lib.engine.parameters import secret_kind
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


# --- the shipped parameter files: parameters/{notebook}.sandbox.yaml and parameters/{notebook}.azure.yaml ---------

PARAMETERS = Path(__file__).resolve().parents[2] / "parameters"
KINDS = ("sandbox", "azure")


@cache
def model_of(name: str):
    from runbook_lib.ui.headless import parameter_model

    return parameter_model(name)


def shipped(kind: str | None = None) -> list[Path]:
    return sorted(PARAMETERS.glob(f"*.{kind}.yaml" if kind else "*.yaml"))


def uncommented_keys(text: str) -> list[str]:
    """The top-level keys of a YAML text with no comment on their line nor on the comment lines just above them."""
    lines = text.splitlines()
    found = []
    for n, line in enumerate(lines):
        key = re.match(r"([A-Za-z_][\w-]*):(\s|$)", line)
        if not key:
            continue
        inline = re.search(r"\s#\s", line)
        above = n > 0 and lines[n - 1].lstrip().startswith("#")
        if not (inline or above):
            found.append(key.group(1))
    return found


def secrets_in(data: object, where: str = "") -> list[str]:
    """'key: kind' for every value (nested too) that secret_kind flags."""
    if isinstance(data, dict):
        return [hit for k, v in data.items() for hit in secrets_in(v, f"{where}.{k}" if where else str(k))]
    if isinstance(data, list):
        return [hit for item in data for hit in secrets_in(item, where)]
    kind = secret_kind(data)
    return [f"{where}: {kind}"] if kind else []


def test_every_notebook_has_a_sandbox_file_and_an_azure_template():
    from runbook_lib.ui.headless import notebook_names

    names = notebook_names()
    assert {"backup", "dns_entries", "troubleshoot_private_link"} <= set(names)
    missing = [f"{name}.{kind}.yaml" for name in names for kind in KINDS
               if not (PARAMETERS / f"{name}.{kind}.yaml").is_file()]
    assert not missing, f"parameters/ lacks {', '.join(missing)}"
    strays = [p.name for p in shipped() if p.name.split(".")[0] not in names]
    assert not strays, f"named after no notebook ({', '.join(names)}): {', '.join(strays)}"


@pytest.mark.parametrize("path", shipped(), ids=lambda p: p.name)
def test_every_shipped_parameter_file_loads_with_its_scenario(path):
    """Each file against its notebook's model (a scenario's, or the DNS notebooks' parameters cell): unknown names,
    wrong types and secret-looking values are refused."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and data
    assert not secrets_in(data)
    load_parameters(model_of(path.name.split(".")[0]), path)


@pytest.mark.parametrize("path", shipped("azure"), ids=lambda p: p.name)
def test_an_azure_template_names_every_parameter_with_a_comment_and_no_sandbox_id(path):
    from tests.contoso import HUB, WORKLOAD

    text = path.read_text(encoding="utf-8")
    name = path.name.split(".")[0]
    assert text.startswith("# ") and f"runbook run {name} -f parameters/{path.name} --target azure" in text
    assert "--mode plan" in text and "--mode apply" in text and "azure-identity" in text
    data = yaml.safe_load(text)
    missing = set(model_of(name).model_fields) - set(data)
    assert not missing, f"{path.name} leaves out {', '.join(sorted(missing))}"  # a DNS default is a sandbox id
    assert not uncommented_keys(text), f"{path.name}: no comment for {', '.join(uncommented_keys(text))}"
    assert HUB not in text and WORKLOAD not in text, "a template holds the sandbox's subscription ids"
    assert "CHANGE-ME" in text and "00000000-0000-0000-0000-000000000000" in text


def test_the_file_checks_catch_what_they_look_for():
    text = "# header\n\nvault: x\n# what goes here\nsubnet: y\nttl: 10  # seconds\nname: pe#1\nitems: [a]\n"
    assert uncommented_keys(text) == ["vault", "name", "items"]
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"
    assert secrets_in({"vault": "x", "ids": ["y", f"?sig={'A' * 20}"], "nested": {"t": token}}) == [
        "ids: a SAS token", "nested.t: an access token (JWT)"]
    with pytest.raises(InputError, match="vualt: unknown parameter"):
        load_parameters(model_of("troubleshoot_private_link"), {"vualt": "x"})
    with pytest.raises(InputError, match="nameserver: Input should be a valid string"):
        load_parameters(model_of("dns_entries"), {"nameserver": None})
