"""The Azure Migrate appliance installer: is the downloaded zip the one Microsoft published?

"Using Azure Migrate with private endpoints", section "Verify security"
(https://learn.microsoft.com/azure/migrate/how-to-use-azure-migrate-with-private-endpoints#verify-security),
publishes one SHA256 per appliance scenario for the private-link installers; the table is package data
(data/migrate_installer_hashes.csv: scenario, cloud as runbook_lib.clouds names it, file, sha256). The article gives
the public cloud's installers only, so another cloud has nothing to compare with. A file whose hash is not in the
table is a result that says so (a command prints it and exits 1), not an exception; bad input (an unknown scenario,
a file that cannot be read, a table without the cloud) is an InputError.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..clouds import find_cloud
from ..errors import InputError

SCENARIOS = ("hyperv", "physical", "vmware", "vmware-scaleout")
COLUMNS = ("scenario", "cloud", "file", "sha256")
SHIPPED = "data/migrate_installer_hashes.csv"  # the article's table (package data)
CHUNK = 1 << 20  # read the zip a megabyte at a time: installers are hundreds of megabytes


@dataclass(frozen=True)
class PublishedInstaller:
    """One row of the table: the installer Microsoft publishes for a scenario in a cloud, and its hash."""

    scenario: str
    cloud: str
    file: str
    sha256: str  # 64 hex digits, upper case as published


@dataclass(frozen=True)
class InstallerCheck:
    """What comparing a downloaded installer with the published hashes found."""

    path: str
    scenario: str
    cloud: str
    sha256: str  # the file's, upper case (CertUtil's spelling)
    published: tuple[PublishedInstaller, ...]  # the table's rows for the scenario and cloud
    match: PublishedInstaller | None  # the row whose hash the file has; None: a mismatch

    @property
    def matches(self) -> bool:
        return self.match is not None

    @property
    def message(self) -> str:
        """One or two lines a person reads: verified, or why not and what to do."""
        name = Path(self.path).name
        if self.match is not None:
            renamed = "" if name.lower() == self.match.file.lower() else f" (published as {self.match.file})"
            return (
                f"{name}{renamed}: SHA256 {self.sha256} is the published hash of the {self.scenario} "
                f"installer ({self.cloud} cloud): safe to run AzureMigrateInstaller.ps1"
            )
        expected = ", ".join(f"{p.sha256} ({p.file})" for p in self.published)
        return (
            f"{name}: SHA256 {self.sha256} is not the published hash of the {self.scenario} installer "
            f"({self.cloud} cloud): {expected}. Do not run it: download the installer again from the portal, "
            "or check that --scenario names the appliance you downloaded"
        )


def published_installers(table: str | Path | None = None) -> list[PublishedInstaller]:
    """The table's rows: the shipped one (the article's), or ``table`` (a CSV with the same columns)."""
    name = str(table) if table is not None else SHIPPED
    try:
        source = Path(table) if table is not None else resources.files("runbook_lib").joinpath(SHIPPED)
        text = source.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(f"{name}: cannot read the installer hashes ({error.strerror})") from None
    reader = csv.DictReader(text.splitlines())
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise InputError(f"{name}: expected the columns {','.join(COLUMNS)}, not {','.join(reader.fieldnames or [])}")
    rows = []
    for line, row in enumerate(reader, start=2):
        digest = row["sha256"].strip().upper()
        if len(digest) != 64 or any(ch not in "0123456789ABCDEF" for ch in digest):
            raise InputError(f"{name}: line {line}: '{row['sha256']}' is not a SHA256 (64 hex digits)")
        rows.append(PublishedInstaller(row["scenario"].strip(), row["cloud"].strip(), row["file"].strip(), digest))
    return rows


def file_sha256(path: str | Path) -> str:
    """The file's SHA256 in upper-case hex (as CertUtil -HashFile prints it), read in chunks."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as stream:
            for chunk in iter(lambda: stream.read(CHUNK), b""):
                digest.update(chunk)
    except OSError as error:
        raise InputError(f"FILE: cannot read {path} ({error.strerror})") from None
    return digest.hexdigest().upper()


def verify_installer(
    path: str | Path, scenario: str, cloud: str = "public", table: str | Path | None = None
) -> InstallerCheck:
    """Compare the installer zip at ``path`` with the published hashes of ``scenario`` in ``cloud``.

    ``table``: another CSV of hashes (tests, or a newer list than the article's); the shipped table by default.
    """
    if scenario not in SCENARIOS:
        raise InputError(f"--scenario: unknown appliance scenario '{scenario}'; use one of {', '.join(SCENARIOS)}")
    cloud = find_cloud(cloud).name  # the table's key: runbook_lib.clouds' name
    rows = published_installers(table)
    published = tuple(r for r in rows if r.scenario == scenario and r.cloud == cloud)
    if not published:
        clouds = sorted({r.cloud for r in rows if r.scenario == scenario})
        raise InputError(
            f"--cloud: no published {scenario} installer hash for the {cloud} cloud (the table has "
            f"{', '.join(clouds) or 'none'}); compare with the hash on the portal's download page"
        )
    digest = file_sha256(path)
    match = next((r for r in published if r.sha256 == digest), None)
    return InstallerCheck(str(path), scenario, cloud, digest, published, match)
