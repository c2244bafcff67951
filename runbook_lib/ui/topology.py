"""The topology of a run as a picture: VNets holding the endpoints (with their NICs' IPs and FQDNs), the private DNS
zones they need, and the zones' links to the VNets; red where a check failed.

Drawn as SVG from what the checks read (dns.checks.Inspection): no extra request, no plotting library, and an
executed notebook's HTML embeds it as it is (it works offline).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from ..azure.ids import name_of
from ..dns.checks import Inspection
from ..journal import CheckStatus

RED, GREEN, GREY, INK = "#c0392b", "#2e7d32", "#9e9e9e", "#212529"
WIDTH, LEFT_W, RIGHT_X, RIGHT_W = 1000, 540, 650, 330
LINE, PAD = 18, 10  # a text line's height, a box's padding


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int

    @property
    def left(self) -> tuple[int, int]:
        return self.x, self.y + self.h // 2

    @property
    def right(self) -> tuple[int, int]:
        return self.x + self.w, self.y + self.h // 2


def draw_topology(inspection: Inspection) -> str:
    """An SVG document of the inspection's endpoints, zones and links."""
    failed = _failed(inspection)
    svg: list[str] = []
    vnet_boxes = _draw_vnets(inspection, failed, svg)
    zone_boxes = _draw_zones(inspection, failed, svg)
    for zone_id, vnet_id in _expected_links(inspection):
        linked = vnet_id.lower() in inspection.links.get(zone_id, set())
        (x1, y1), (x2, y2) = zone_boxes[zone_id].left, vnet_boxes[vnet_id.lower()].right
        style = f'stroke="{GREEN}"' if linked else f'stroke="{RED}" stroke-dasharray="6 4"'
        svg.append(
            f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" {style} stroke-width="2">'
            f"<title>{'linked' if linked else 'NOT linked'}: {escape(name_of(zone_id))} to "
            f"{escape(name_of(vnet_id))}</title></line>"
        )
    height = max([b.y + b.h for b in [*vnet_boxes.values(), *zone_boxes.values()]] or [40]) + 40
    svg.append(
        _text(
            20,
            height - 14,
            "green line: zone linked to the VNet; red dashed: not linked; red: a check failed (see the checks table)",
            GREY,
            12,
        )
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="13">' + "".join(svg) + "</svg>"
    )


def _draw_vnets(inspection: Inspection, failed: set[tuple[str, str]], svg: list[str]) -> dict[str, Box]:
    """A box per VNet (the endpoints' first, then the consuming ones), each endpoint a box inside its VNet."""
    vnets = list(dict.fromkeys([e.vnet_id for e in inspection.endpoints] + inspection.vnets))
    boxes, y = {}, 20
    for vnet_id in vnets:
        if vnet_id.lower() in boxes:
            continue
        top, inner = y, [e for e in inspection.endpoints if e.vnet_id.lower() == vnet_id.lower()]
        y += LINE + PAD * 2
        for endpoint in inner:
            bad = ("connection", endpoint.name) in failed
            h = PAD * 2 + LINE * (1 + len(endpoint.addresses))
            svg.append(_rect(Box(30, y, LEFT_W - 20, h), RED if bad else INK, "#ffffff"))
            svg.append(
                _text(
                    40,
                    y + PAD + 13,
                    f"{endpoint.name} ({endpoint.group_id}, {endpoint.connection_state})",
                    RED if bad else INK,
                    weight="bold",
                )
            )
            for i, address in enumerate(endpoint.addresses, start=1):
                wrong = {("record", address.fqdn), ("resolution", address.fqdn)} & failed
                for x, text in ((50, address.ip), (140, address.fqdn)):
                    svg.append(_text(x, y + PAD + 13 + LINE * i, text, RED if wrong else INK, 12))
            y += h + PAD
        box = Box(20, top, LEFT_W, y - top + PAD)
        svg.insert(0, _rect(box, INK, "#eef3fb"))  # under the endpoints drawn on it
        svg.append(
            _text(30, top + PAD + 13, f"VNet {name_of(vnet_id)}" + ("" if inner else " (clients)"), INK, weight="bold")
        )
        boxes[vnet_id.lower()] = box
        y += PAD * 3
    return boxes


def _draw_zones(inspection: Inspection, failed: set[tuple[str, str]], svg: list[str]) -> dict[str, Box]:
    """A box per zone found (its resource group under the name); a zone not found is a red box, and has no id."""
    boxes, y = {}, 20
    seen: set[str] = set()
    for zone in (z for zones in inspection.zones.values() for z in zones):
        key = (zone.id or zone.name).lower()
        if key in seen:
            continue
        seen.add(key)
        bad = ("zone", zone.name) in failed
        box = Box(RIGHT_X, y, RIGHT_W, LINE * 2 + PAD * 2)
        svg.append(_rect(box, RED if bad else INK, "#fdf6e3"))
        svg.append(_text(RIGHT_X + PAD, y + PAD + 13, zone.name, RED if bad else INK, weight="bold"))
        where = (
            f"resource group {zone.id.split('/')[4]}, subscription {zone.id.split('/')[2][:8]}…"
            if zone.id
            else "NOT FOUND"
        )
        svg.append(_text(RIGHT_X + PAD, y + PAD + 13 + LINE, where, RED if bad else GREY, 12))
        if zone.id:
            boxes[zone.id] = box
        y += box.h + PAD * 2
    return boxes


def _expected_links(inspection: Inspection) -> list[tuple[str, str]]:
    """(zone id, VNet id) for every link a zone needs: to each VNet of an endpoint needing it, and to every
    consuming VNet."""
    pairs: dict[tuple[str, str], tuple[str, str]] = {}
    for endpoint in inspection.endpoints:
        for zone_id in (z.id for z in inspection.zones[endpoint.id] if z.id):
            for vnet_id in [endpoint.vnet_id, *inspection.vnets]:
                pairs.setdefault((zone_id.lower(), vnet_id.lower()), (zone_id, vnet_id))
    return list(pairs.values())


def _failed(inspection: Inspection) -> set[tuple[str, str]]:
    rows = inspection.results[inspection.results["Status"] == CheckStatus.FAIL]
    return set(zip(rows["Check"], rows["Resource"]))


def _rect(box: Box, stroke: str, fill: str) -> str:
    return (
        f'<rect x="{box.x}" y="{box.y}" width="{box.w}" height="{box.h}" rx="6" fill="{fill}" '
        f'stroke="{stroke}" stroke-width="{2 if stroke == RED else 1}"/>'
    )


def _text(x: int, y: int, text: str, colour: str, size: int = 13, weight: str = "normal") -> str:
    return f'<text x="{x}" y="{y}" fill="{colour}" font-size="{size}" font-weight="{weight}">{escape(text)}</text>'
