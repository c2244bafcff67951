"""The appliance installer check ("Using Azure Migrate with private endpoints", "Verify security"): a file's SHA256
against the published table."""

from __future__ import annotations

import hashlib
import re

import pytest

from runbook_lib.errors import InputError
from runbook_lib.ops.installer import CHUNK, SCENARIOS, file_sha256, published_installers, verify_installer


@pytest.fixture
def installer(tmp_path):
    """A stand-in installer zip, larger than one read, so the hash is computed over several chunks."""
    path = tmp_path / "AzureMigrateInstaller-VMware-public-PrivateLink.zip"
    path.write_bytes(bytes(range(256)) * (CHUNK // 256 * 2 + 3))
    return path


def table_with(tmp_path, rows: list[str]):
    path = tmp_path / "hashes.csv"
    path.write_text("scenario,cloud,file,sha256\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_the_shipped_table_parses_and_holds_the_articles_four_installers():
    rows = published_installers()
    assert {(r.scenario, r.cloud) for r in rows} == {(s, "public") for s in SCENARIOS}
    assert all(re.fullmatch(r"[0-9A-F]{64}", r.sha256) for r in rows)
    assert all(r.file.startswith("AzureMigrateInstaller-") and r.file.endswith("-PrivateLink.zip") for r in rows)


def test_a_file_not_in_the_table_is_a_mismatch_said_in_words(installer):
    check = verify_installer(installer, "vmware")
    assert not check.matches and check.match is None
    assert check.sha256 == hashlib.sha256(installer.read_bytes()).hexdigest().upper()
    assert "is not the published hash of the vmware installer (public cloud)" in check.message
    assert "66D3217AEC1DE51D84EC608B22BDDA605EC9C4FBAB06FC69FEC985886627C224" in check.message
    assert "Do not run it" in check.message


def test_a_file_in_a_given_table_matches_whatever_the_case_of_its_hash(tmp_path, installer):
    digest = hashlib.sha256(installer.read_bytes()).hexdigest()
    table = table_with(
        tmp_path,
        [
            f"hyperv,public,AzureMigrateInstaller-HyperV-Public-PrivateLink.zip,{'0' * 64}",
            f"vmware,public,AzureMigrateInstaller-VMware-public-PrivateLink.zip,{digest}",
        ],
    )
    check = verify_installer(installer, "vmware", table=table)
    assert check.matches and check.match.file == installer.name
    assert "is the published hash of the vmware installer" in check.message
    assert not verify_installer(installer, "hyperv", table=table).matches  # another scenario's hash


def test_a_renamed_download_still_matches_and_says_its_published_name(tmp_path, installer):
    digest = file_sha256(installer)
    renamed = installer.rename(tmp_path / "installer (1).zip")
    table = table_with(tmp_path, [f"physical,public,AzureMigrateInstaller-Physical-Public-PrivateLink.zip,{digest}"])
    check = verify_installer(renamed, "physical", table=table)
    assert check.matches and "(published as AzureMigrateInstaller-Physical-Public-PrivateLink.zip)" in check.message


def test_bad_input_is_an_input_error_that_says_what_to_do(tmp_path, installer):
    with pytest.raises(
        InputError,
        match="unknown appliance scenario 'vmware-agentless'; use one of hyperv, physical, vmware, vmware-scaleout",
    ):
        verify_installer(installer, "vmware-agentless")
    with pytest.raises(InputError, match="no published vmware installer hash for the usgov cloud"):
        verify_installer(installer, "vmware", "usgov")
    with pytest.raises(InputError, match="unknown cloud 'azure'"):
        verify_installer(installer, "vmware", "azure")
    with pytest.raises(InputError, match="cannot read"):
        verify_installer(tmp_path / "missing.zip", "vmware")
    with pytest.raises(InputError, match="is not a SHA256"):
        verify_installer(installer, "vmware", table=table_with(tmp_path, ["vmware,public,x.zip,ABC"]))
    columns = tmp_path / "columns.csv"
    columns.write_text("scenario,hash\nvmware,00\n", encoding="utf-8")
    with pytest.raises(InputError, match="expected the columns scenario,cloud,file,sha256"):
        verify_installer(installer, "vmware", table=columns)
