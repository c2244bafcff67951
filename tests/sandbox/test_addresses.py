"""Azure keeps five addresses of every subnet."""

from __future__ import annotations

import ipaddress

import pytest

from runbook_lib.sandbox.addresses import usable


@pytest.mark.parametrize(
    "prefix, count, first, last",
    [
        ("10.0.0.0/29", 3, "10.0.0.4", "10.0.0.6"),
        ("10.0.0.0/27", 27, "10.0.0.4", "10.0.0.30"),
        ("10.3.0.32/29", 3, "10.3.0.36", "10.3.0.38"),
    ],
)
def test_usable_addresses_skip_the_first_four_and_the_last(prefix, count, first, last):
    found = [str(ipaddress.ip_address(n)) for n in usable(prefix)]
    assert (len(found), found[0], found[-1]) == (count, first, last)
