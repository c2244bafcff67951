"""The run's topology picture: what the checks found, drawn, with red exactly where a check fails."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import yaml

from runbook_lib import ui
from runbook_lib.azure.ids import parse_id
from runbook_lib.ui.topology import GREEN, INK, RED, draw_topology
from tests.contoso import DNS_RG, SPOKE_VNET

PARAMETERS = Path(__file__).resolve().parents[2] / "parameters"
SVG = "{http://www.w3.org/2000/svg}"
BLOB, QUEUE = "privatelink.blob.core.windows.net", "privatelink.queue.core.windows.net"


def applied_backup(contoso):
    values = {
        **yaml.safe_load((PARAMETERS / "backup.sandbox.yaml").read_text()),
        "state": str(contoso.path),
        "mode": "apply",
        "confirm": ["first-registration", "first-backup"],
    }
    session = ui.start("backup", values, panel=False)
    for step in session.execution.runbook.steps:
        assert session.execution.step(step.id).status not in ("failed", "blocked")
    return session


def picture(session) -> ET.Element:
    return ET.fromstring(draw_topology(session.inspect()))


def texts(svg: ET.Element) -> dict[str, str]:
    """Each text drawn -> its colour."""
    return {t.text: t.get("fill") for t in svg.iter(f"{SVG}text")}


def links(svg: ET.Element) -> dict[str, str]:
    """Each link line's title -> its colour."""
    return {line.find(f"{SVG}title").text: line.get("stroke") for line in svg.iter(f"{SVG}line")}


def test_a_working_backup_endpoint_is_drawn_in_its_vnet_with_its_ips_and_three_linked_zones(contoso, hub):
    svg = picture(applied_backup(contoso))
    drawn = texts(svg)
    assert drawn["VNet vnet-spoke"] == INK and drawn["pe-backup-wus3 (AzureBackup, Approved)"] == INK
    assert {"10.1.1.4", "10.1.1.11"} <= set(drawn) and RED not in drawn.values()
    assert set(links(svg).values()) == {GREEN} and len(links(svg)) == 3
    assert f"linked: {BLOB} to vnet-spoke" in links(svg)


def test_a_missing_link_a_stale_record_and_a_missing_zone_are_red(contoso, hub):
    session = applied_backup(contoso)
    rg = parse_id(DNS_RG).resource_group
    link = next(
        link
        for link in hub.privatedns.virtual_network_links.list(rg, BLOB)
        if link.virtual_network.id.lower() == SPOKE_VNET.lower()
    )
    hub.privatedns.virtual_network_links.begin_delete(rg, BLOB, link.name).result()
    hub.privatedns.private_zones.begin_delete(rg, QUEUE).result()
    zone = next(z for z in hub.privatedns.private_zones.list_by_resource_group(rg) if ".backup." in z.name)
    record = next(r for r in hub.privatedns.record_sets.list_by_type(rg, zone.name, "A") if "-fab1" in r.name)
    hub.privatedns.record_sets.update(
        rg, zone.name, "A", record.name, {"properties": {"aRecords": [{"ipv4Address": "10.9.9.9"}]}}
    )

    svg = picture(session)
    drawn = texts(svg)
    assert links(svg)[f"NOT linked: {BLOB} to vnet-spoke"] == RED
    assert drawn[QUEUE] == RED and drawn["NOT FOUND"] == RED
    stale = next(text for text in drawn if text.endswith(f"{record.name}.{zone.name.removeprefix('privatelink.')}"))
    assert drawn[stale] == RED
    assert [text for text, colour in drawn.items() if colour == RED and "-ab-" in text] == [stale]


def test_before_anything_exists_the_notebook_says_there_is_nothing_to_draw(contoso):
    session = ui.start(
        "backup",
        {**yaml.safe_load((PARAMETERS / "backup.sandbox.yaml").read_text()), "state": str(contoso.path)},
        panel=False,
    )
    assert session.inspect() is None
