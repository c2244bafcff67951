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

GOOD = {
    "vault": f"{VAULTS}/rsv-new",
    "subnet": SPOKE_ENDPOINTS,
    "endpoint_name": "pe-bkp",
    "zones_resource_group": DNS_RG,
}


def test_a_good_file_loads(tmp_path):
    path = tmp_path / "backup.yaml"
    path.write_text("\n".join(f"{k}: {v}" for k, v in GOOD.items()) + "\nconfirm: [first-registration]\n")
    params = load_parameters(BackupParameters, path)
    assert params.confirm == ("first-registration",) and params.dns == "zone-group" and params.ttl == 10
    assert params.endpoint_id.endswith(
        "/resourceGroups/rg-network-spoke/providers/Microsoft.Network/privateEndpoints/pe-bkp"
    )


@pytest.mark.parametrize(
    "change, lines",
    [
        ({"vualt": "x"}, ["parameters: vualt: unknown parameter; known: confirm, location, subnet,"]),
        ({"ttl": "ten"}, ["parameters: ttl: Input should be a valid integer"]),
        ({"dns": "bind"}, ["parameters: dns: Input should be 'zone-group' or 'custom'"]),
        (
            {"subnet": DNS_RG},
            [
                "parameters: subnet: '" + DNS_RG + "' is a Microsoft.Resources/resourceGroups, not a "
                "Microsoft.Network/virtualNetworks/subnets"
            ],
        ),
        ({"location": "westus4"}, ["parameters: location: unknown Azure region 'westus4'; did you mean"]),
        (
            {"vault": "rsv-new", "endpoint_name": "pe bkp!"},
            [
                "parameters: vault: 'rsv-new' is not a resource id",
                "parameters: endpoint_name: 'pe bkp!' is not a valid private endpoint name",
            ],
        ),
    ],
)
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
ZERO_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
KINDS = ("sandbox", "azure")


@cache
def model_of(name: str):
    from runbook_lib.headless import parameter_model

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
    from runbook_lib.headless import notebook_names

    names = notebook_names()
    assert {"backup", "dns_entries", "troubleshoot_private_link"} <= set(names)
    missing = [
        f"{name}.{kind}.yaml" for name in names for kind in KINDS if not (PARAMETERS / f"{name}.{kind}.yaml").is_file()
    ]
    assert not missing, f"parameters/ lacks {', '.join(missing)}"
    strays = [p.name for p in shipped() if p.name.split(".")[0] not in names]
    assert not strays, f"named after no notebook ({', '.join(names)}): {', '.join(strays)}"


@pytest.mark.parametrize("path", shipped(), ids=lambda p: p.name)
def test_every_shipped_parameter_file_loads_with_its_scenario(path):
    """Each file against its notebook's model (a scenario's, or the DNS notebooks' parameters cell): unknown names,
    wrong types and secret-looking values are refused; a template loads once its placeholders are replaced."""
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict) and data
    assert not secrets_in(data)
    if path.name.endswith(".azure.yaml"):  # a template as shipped is refused: its placeholders are left in
        with pytest.raises(InputError, match="still holds the template's"):
            load_parameters(model_of(path.name.split(".")[0]), path)
        text = text.replace("CHANGE-ME", "contoso").replace(ZERO_SUBSCRIPTION, "1c2d3e4f-0000-4000-8000-123456789abc")
        load_parameters(model_of(path.name.split(".")[0]), yaml.safe_load(text))
    else:
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
        "ids: a SAS token",
        "nested.t: an access token (JWT)",
    ]
    with pytest.raises(InputError, match="vualt: unknown parameter"):
        load_parameters(model_of("troubleshoot_private_link"), {"vualt": "x"})
    with pytest.raises(InputError, match="nameserver: Input should be a valid string"):
        load_parameters(model_of("dns_entries"), {"nameserver": None})


# --- Azure's naming rules: the field named, the rule in words (runbook_lib/names.py) ----------------------------


def _refusal(model, data) -> str:
    with pytest.raises(InputError) as raised:
        load_parameters(model, data)
    return str(raised.value)


@pytest.mark.parametrize(
    "name, fault",
    [
        ("p", "it is 1 character long"),
        ("p" * 65, "it is 65 characters long"),
        ("pe-bkp-", "it ends with '-'"),
        ("-pe", "it starts with '-'"),
        ("pe/bkp", "it has '/'"),
    ],
)
def test_an_endpoint_name_azure_refuses_is_refused_with_the_rule_in_words(name, fault):
    assert _refusal(BackupParameters, {**GOOD, "endpoint_name": name}) == (
        f"parameters: endpoint_name: '{name}' is not a valid private endpoint name ({fault}): 2 to 64 characters, "
        "letters, digits, '_', '.' and '-', starting with a letter or digit and ending with a letter, digit or '_'"
    )


@pytest.mark.parametrize("name", ["pe", "p" * 64, "PE_backup.01_", "9pe"])
def test_an_endpoint_name_azure_takes_loads(name):
    assert load_parameters(BackupParameters, {**GOOD, "endpoint_name": name}).endpoint_name == name


@pytest.mark.parametrize(
    "field, value, says",
    [
        (
            "vault",
            f"{VAULTS}/1rsv",
            "vault: '1rsv' is not a valid Recovery Services vault name (it starts with '1'): "
            "2 to 50 characters, letters, digits and '-', starting with a letter",
        ),
        ("vault", f"{VAULTS}/rsv_new", "vault: 'rsv_new' is not a valid Recovery Services vault name (it has '_')"),
        (
            "zones_resource_group",
            f"{DNS_RG}.",
            "zones_resource_group: 'rg-dns.' is not a valid resource group name (it ends with '.')",
        ),
        (
            "subnet",
            SPOKE_ENDPOINTS.replace("vnet-spoke", "vnet spoke"),
            "subnet: 'vnet spoke' is not a valid virtual network name (it has ' ')",
        ),
    ],
)
def test_the_name_inside_an_id_keeps_azure_rule(field, value, says):
    assert _refusal(BackupParameters, {**GOOD, field: value}).startswith(f"parameters: {says}")


def test_a_storage_account_name_azure_refuses_is_named_in_every_model():
    from runbook_lib.scenarios.migrate_hyperv import HyperVParameters
    from runbook_lib.scenarios.site_recovery import SiteRecoveryParameters
    from tests.contoso import STORAGE

    rule = "3 to 24 characters, lower-case letters and digits only"
    hyperv = _refusal(
        HyperVParameters, {**GOOD, "replication_storage": f"{STORAGE}/replsa", "cache_storage": f"{STORAGE}/Cache_SA"}
    )
    assert (
        hyperv == f"parameters: cache_storage: 'Cache_SA' is not a valid storage account name (it has 'C', '_', "
        f"'S', 'A'): {rule}"
    )
    classic = f"{STORAGE.replace('Microsoft.Storage', 'Microsoft.ClassicStorage')}/ab"
    assert _refusal(SiteRecoveryParameters, {**GOOD, "cache_storage": classic}) == (
        f"parameters: cache_storage: 'ab' is not a valid storage account name (it is 2 characters long): {rule}"
    )


def test_a_derived_name_azure_would_refuse_names_the_parameter_it_comes_from():
    """Site Recovery's cache endpoint is '{endpoint_name}-cache-blob': 11 characters more, within the endpoint's 64."""
    from runbook_lib.scenarios.site_recovery import SiteRecoveryParameters
    from tests.contoso import STORAGE

    cache = {**GOOD, "cache_storage": f"{STORAGE}/cachesa", "cache_endpoint": True}
    assert load_parameters(SiteRecoveryParameters, {**cache, "endpoint_name": "p" * 53}).cache_endpoint_id.endswith(
        "/" + "p" * 53 + "-cache-blob"
    )
    long = "p" * 54
    assert _refusal(SiteRecoveryParameters, {**cache, "endpoint_name": long}) == (
        f"parameters: endpoint_name: gives the cache account's endpoint the name '{long}-cache-blob', which Azure "
        "refuses (it is 65 characters long): 2 to 64 characters, letters, digits, '_', '.' and '-', starting with a "
        "letter or digit and ending with a letter, digit or '_'; choose another endpoint_name"
    )
    assert load_parameters(SiteRecoveryParameters, {**GOOD, "endpoint_name": long}).endpoint_name == long


# --- refused, never guessed: keys given twice, placeholders, another runbook's parameters, shapes and bounds ---------


def test_a_key_given_twice_is_refused_but_a_yaml_merge_may_be_overridden(tmp_path):
    from runbook_lib.engine.parameters import read_parameters

    twice = tmp_path / "twice.yaml"
    twice.write_text("vault: a\nttl: 10\nvault: b\n")
    with pytest.raises(InputError, match=r"line 3: 'vault' is given twice \(first on line 1\)"):
        read_parameters(twice)
    merged = tmp_path / "merged.yaml"
    merged.write_text("base: &b {ttl: 10, dns: custom}\nover:\n  <<: *b\n  ttl: 30\n")
    assert read_parameters(merged)["over"] == {"ttl": 30, "dns": "custom"}


def test_placeholders_and_credentials_in_a_dict_are_named_by_key_or_position():
    zero = "00000000-0000-0000-0000-000000000000"
    with pytest.raises(InputError, match="parameters: zones_resource_group: still holds the template's all-zero"):
        load_parameters(BackupParameters, {**GOOD, "zones_resource_group": f"/subscriptions/{zero}/resourceGroups/r"})
    with pytest.raises(InputError, match="endpoint_name: still holds the template's placeholder CHANGE-ME"):
        load_parameters(BackupParameters, {**GOOD, "endpoint_name": "pe-change-me"})  # any case
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"
    with pytest.raises(InputError) as raised:
        load_parameters(BackupParameters, {**GOOD, token: "x"})
    assert token not in str(raised.value) and "parameter 5: a parameter whose name or value looks like" in str(
        raised.value
    )


def test_another_scenarios_parameters_name_that_scenario_only_when_they_fit_it():
    from runbook_lib.scenarios import all_scenarios

    others = {s.name: s.parameters for s in all_scenarios() if s.name != "backup"}
    site_recovery = {**GOOD, "storage_accounts": [], "modernized": True}
    with pytest.raises(
        InputError,
        match=r"these are the parameters of site_recovery \(storage_accounts, modernized "
        r"are not this runbook's\): run `runbook apply site_recovery",
    ):
        load_parameters(BackupParameters, site_recovery, others=others, command="apply")
    with pytest.raises(InputError, match="vualt: unknown parameter"):  # a typo fits no runbook: named as unknown
        load_parameters(BackupParameters, {**GOOD, "vualt": "x"}, others=others)


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("ttl", 0, "ttl: 0 seconds is outside what Azure DNS accepts for a record set (1 to 2,147,483,647)"),
        ("ttl", 2**31, "seconds is outside"),
        ("ttl", "10", "ttl: Input should be a valid integer"),
        ("ttl", True, "ttl: Input should be a valid integer"),
        ("nameserver", "10.0.0.4:0", "the port must be 1-65535"),
        ("nameserver", "10.0.0.4:dns", "the port must be 1-65535"),
        ("nameserver", "1.2.3", "is not HOST or HOST:PORT"),
        ("nameserver", "-dns.contoso.local", "is not HOST or HOST:PORT"),
        (
            "vault",
            "/subscriptions/contoso/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/rsv-new",
            "vault: 'contoso' is not a subscription id (a GUID",
        ),
    ],
)
def test_shapes_and_bounds_are_refused_naming_the_field(field, value, words):
    with pytest.raises(InputError) as raised:
        load_parameters(BackupParameters, {**GOOD, field: value})
    assert words in str(raised.value)


@pytest.mark.parametrize(
    "nameserver", ["10.0.0.4", "10.0.0.4:53", "127.0.0.1:5353", "dns.contoso.local", "dns.contoso.local.:53", "fd00::4"]
)
def test_a_name_server_is_a_host_and_an_optional_port(nameserver):
    assert load_parameters(BackupParameters, {**GOOD, "nameserver": nameserver}).nameserver == nameserver


def test_confirm_must_name_a_manual_step_of_the_runbook():
    from runbook_lib.scenarios.backup import runbook

    params = load_parameters(BackupParameters, {**GOOD, "confirm": ["first-backup", "first-registraton", "vault"]})
    with pytest.raises(InputError) as raised:
        runbook(params).check_confirmations(params.confirm)
    assert str(raised.value) == (
        "confirm: 'first-registraton', 'vault' are not a manual step of backup; its manual "
        "steps are first-registration, first-backup"
    )
    runbook(params).check_confirmations(("first-registration", "first-backup"))


def test_the_input_reader_refuses_binary_and_large_files_and_reads_utf16(tmp_path):
    from runbook_lib.textfile import MAX_INPUT_BYTES, read_text

    (tmp_path / "u16.txt").write_bytes("vault: x\n".encode("utf-16"))
    assert read_text(tmp_path / "u16.txt", "--from") == "vault: x\n"
    (tmp_path / "bin").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(InputError, match=r"--from: '.*bin': not a text file"):
        read_text(tmp_path / "bin", "--from")
    (tmp_path / "big.txt").write_bytes(b"#" * (MAX_INPUT_BYTES + 1))
    with pytest.raises(InputError, match="over the 1 MB an input file may be"):
        read_text(tmp_path / "big.txt", "--from")
