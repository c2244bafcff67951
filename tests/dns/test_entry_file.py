"""Entries files: PrivateIP.ps1's lines written and read back; every bad line named by its number."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from runbook_lib.dns.entry_file import format_entries, parse_entries
from runbook_lib.errors import InputError

BACKUP = "privatelink.wus3.backup.windowsazure.com"
BLOB = "privatelink.blob.core.windows.net"
ASR = "privatelink.siterecovery.windowsazure.com"


def entries() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "ResourceName": "123-ab-pod01-fc1",
                "DNS": BACKUP,
                "PrivateIP": "10.1.1.4",
                "FQDN": "123-ab-pod01-fc1.wus3.backup.windowsazure.com",
            },
            {
                "ResourceName": "123-asr-pod01-rcm1.wus3",
                "DNS": ASR,
                "PrivateIP": "10.1.1.5",
                "FQDN": "123-asr-pod01-rcm1.wus3.siterecovery.windowsazure.com",
            },
            {
                "ResourceName": "abcpod01prot120",
                "DNS": BLOB,
                "PrivateIP": "10.1.1.6",
                "FQDN": "abcpod01prot120.z05.blob.storage.azure.net",
            },
            {"ResourceName": "", "DNS": "", "PrivateIP": "10.1.1.7", "FQDN": "app.contoso.com"},  # no private-link name
        ]
    )


def test_privateip_lines_read_back_as_written():
    text = format_entries(entries(), header=True)
    lines = text.splitlines()
    assert lines[0].split() == ["ResourceName", "DNS", "PrivateIP"] and len(lines) == 4
    assert lines[2].split() == ["123-asr-pod01-rcm1.wus3", ASR, "10.1.1.5"]
    back = parse_entries(text, "dnsentries.txt")
    assert list(back["ResourceName"]) == ["123-ab-pod01-fc1", "123-asr-pod01-rcm1.wus3", "abcpod01prot120"]
    # the line format has no FQDN: it comes back from the zone, except a storage record's (zNN or not: unknown)
    assert list(back["FQDN"]) == [
        "123-ab-pod01-fc1.wus3.backup.windowsazure.com",
        "123-asr-pod01-rcm1.wus3.siterecovery.windowsazure.com",
        "",
    ]
    assert list(back["Line"]) == [2, 3, 4]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_csv_and_json_keep_the_fqdn(fmt):
    back = parse_entries(format_entries(entries(), fmt), f"entries.{fmt}")
    assert back["FQDN"].iloc[2] == "abcpod01prot120.z05.blob.storage.azure.net"
    assert len(back) == 3  # the row without a zone is no record


def test_a_rerun_appended_to_the_file_gives_each_entry_once():
    """PrivateIP.ps1 appended to its list file on every run."""
    text = format_entries(entries(), header=True)
    assert parse_entries(text + text, "dnsentries.txt").equals(parse_entries(text, "dnsentries.txt"))


def test_windows_powershell_utf16_output_is_read():
    text = format_entries(entries(), header=True)
    data = "\ufeff".encode("utf-16-le") + text.replace("\n", "\r\n").encode("utf-16-le")
    assert parse_entries(data, "dnsentries.txt").equals(parse_entries(text, "dnsentries.txt"))


@pytest.mark.parametrize(
    "line, message",
    [
        ("123-ab-pod01-id1 privatelink.wus3.backup.windowsazure.com", "line 3: expected 'ResourceName DNS PrivateIP'"),
        ("x privatelink.blob.core.windows.net 10.1.1.300", "line 3: PrivateIP '10.1.1.300' is not an IPv4 address"),
        ("x privatelink.blob.core.windows.net 20.60.1.4", "line 3: PrivateIP 20.60.1.4 is not a private address"),
        ("x;rm privatelink.blob.core.windows.net 10.1.1.9", "line 3: ResourceName 'x;rm' is not a DNS record name"),
        ("x blob 10.1.1.9", "line 3: DNS 'blob' is not a zone name"),
        (
            f"123-ab-pod01-fc1 {BACKUP} 10.1.1.99",
            "line 3: 123-ab-pod01-fc1.privatelink.wus3.backup.windowsazure.com -> 10.1.1.99, but line 2 gives 10.1.1.4",
        ),
    ],
)
def test_a_bad_line_is_named_by_its_number(line, message):
    text = f"ResourceName DNS PrivateIP\n123-ab-pod01-fc1 {BACKUP} 10.1.1.4\n{line}\n"
    with pytest.raises(InputError, match=f"^dnsentries.txt {message}".replace(".", r"\.").replace("(", r"\(")):
        parse_entries(text, "dnsentries.txt")


def test_bad_json_names_its_line():
    with pytest.raises(InputError, match=r"entries.json line 2: not valid JSON"):
        parse_entries('[\n{"ResourceName": }]', "entries.json")


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "",
            "dnsentries.txt: the file is empty: no entries to read; make it with `runbook dns entries ID... --out FILE`",
        ),
        ("ResourceName DNS PrivateIP\n", "dnsentries.txt line 1: no entries after it"),
        ("\n# PrivateIP.ps1 output\nResourceName DNS PrivateIP\n", "dnsentries.txt line 2: no entries after it"),
        (
            "ResourceName,DNS,PrivateIP,FQDN,GroupId,PrivateEndpoint,ConnectionState,Note\n",
            "dnsentries.txt line 1: no entries after it",
        ),
        (
            "ResourceName,DNS,PrivateIP\n,,10.1.1.7\n",
            "dnsentries.txt line 1: no entries after it",
        ),  # no zone: no record
        (
            "DNS,PrivateIP\nprivatelink.blob.core.windows.net,10.1.1.4\n",
            "dnsentries.txt line 1: no column ResourceName; the header must name ResourceName, DNS, PrivateIP",
        ),
        (
            f"ResourceName,DNS,PrivateIP\nx,{BLOB},10.1.1.4\ny,{BLOB}\n",
            "dnsentries.txt line 3: 2 fields, but the header (line 1) names 3: ResourceName, DNS, PrivateIP",
        ),
        (
            '[{"ResourceName": "x", "PrivateIP": "10.1.1.4"}]',
            "dnsentries.txt entry 1: no DNS; each entry needs ResourceName, DNS, PrivateIP",
        ),
        ('{"ResourceName": "x"}', "dnsentries.txt: expected a JSON array of objects"),
    ],
)
def test_a_file_without_entries_or_columns_is_named(text, message):
    with pytest.raises(InputError) as error:
        parse_entries(text, "dnsentries.txt")
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


def test_an_empty_table_from_the_library_is_no_error():
    """A runbook's endpoint with nothing ready yet (all Pending) plans nothing: only a file must hold entries."""
    from runbook_lib.dns.entry_file import check_entries

    assert check_entries(entries().iloc[0:0]).empty


# FQDNs: kept, derived only where the zone tells them, and never one another record answers


def test_a_storage_line_without_fqdn_is_left_without_one_and_named_by_its_line():
    from runbook_lib.dns.entry_file import lines_of, missing_fqdns

    text = (
        "ResourceName DNS PrivateIP\n"
        f"123-ab-pod01-fc1 {BACKUP} 10.1.1.4\n"
        "\n"
        "abcpod01ecs114 privatelink.queue.core.windows.net 10.1.1.5\n"
        f"abcpod01prot120 {BLOB} 10.1.1.6\n"
        "kv-migrate privatelink.vaultcore.azure.net 10.1.1.7\n"
        "gov01 privatelink.blob.core.usgovcloudapi.net 10.1.1.8\n"
    )  # no Azure DNS zone endpoints in US Gov
    back = parse_entries(text, "dnsentries.txt")
    unnamed = missing_fqdns(back)
    assert list(unnamed["ResourceName"]) == ["abcpod01ecs114", "abcpod01prot120"]
    assert lines_of(back, unnamed["Line"]) == "dnsentries.txt lines 4, 5"
    assert lines_of(back, [4]) == "dnsentries.txt line 4"
    assert lines_of(back, range(1, 14)) == "dnsentries.txt lines 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 3 more"
    assert dict(zip(back["ResourceName"], back["FQDN"]))["kv-migrate"] == "kv-migrate.vault.azure.net"
    assert dict(zip(back["ResourceName"], back["FQDN"]))["gov01"] == "gov01.blob.core.usgovcloudapi.net"


def test_the_same_entry_again_with_its_fqdn_completes_the_first():
    csv = (
        "ResourceName,DNS,PrivateIP,FQDN\n"
        f"abcpod01prot120,{BLOB},10.1.1.6,\n"
        f"abcpod01prot120,{BLOB},10.1.1.6,abcpod01prot120.z05.blob.storage.azure.net\n"
    )
    back = parse_entries(csv, "entries.csv")
    assert list(zip(back["FQDN"], back["Line"])) == [("abcpod01prot120.z05.blob.storage.azure.net", 2)]


@pytest.mark.parametrize(
    "fqdn",
    [
        "abcpod01prot121.z05.blob.storage.azure.net",  # another account
        "abcpod01prot120.z05.queue.storage.azure.net",  # another service's zone
        "abcpod01prot120.blob.core.usgovcloudapi.net",
    ],
)  # another cloud's zone
def test_an_fqdn_another_record_answers_is_named_by_its_line(fqdn):
    csv = f"ResourceName,DNS,PrivateIP,FQDN\nabcpod01prot120,{BLOB},10.1.1.6,{fqdn}\n"
    with pytest.raises(InputError, match=rf"^entries\.csv line 2: FQDN {re.escape(fqdn)} is answered by "):
        parse_entries(csv, "entries.csv")
