"""Ask a real DNS server for a name's A addresses (dnspython), as nslookup on a client would."""

from __future__ import annotations

from collections.abc import Callable

from .errors import InputError

Lookup = Callable[[str], tuple[str, ...]]


def parse_server(text: str, field: str) -> tuple[str, int]:
    """'HOST' or 'HOST:PORT' (port 53 by default); an InputError naming ``field`` otherwise."""
    host, _, port = text.rpartition(":") if ":" in text else (text, "", "53")
    if not host or not port.isdigit() or int(port) > 65535:
        raise InputError(f"{field}: '{text}' is not HOST or HOST:PORT (for example 10.0.0.4 or 127.0.0.1:5353)")
    return host, int(port)


def nameserver_lookup(server: str, field: str = "--nameserver", timeout: float = 2.0) -> Lookup:
    """A lookup through ``server`` ('host[:port]'): the A addresses at the end of any CNAME chain; () for
    NXDOMAIN or no answer. A server that does not answer is an InputError (is it running? reachable?)."""
    import dns.exception
    import dns.resolver

    host, port = parse_server(server, field)
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers, resolver.port, resolver.lifetime = [host], port, timeout

    def lookup(name: str) -> tuple[str, ...]:
        try:
            return tuple(r.address for r in resolver.resolve(name, "A", search=False))
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return ()
        except dns.exception.DNSException as error:
            raise InputError(f"{field}: {server} did not answer for {name} ({error}); is it running?") from None

    return lookup
