"""IPv6 addresses that carry an IPv4 address are judged by the IPv4 address they reach (second look at
`hub.netguard`, issue 11 finding 8 and the webhook SSRF checks).

Python's `is_global` calls the NAT64 prefixes, 6to4 and IPv4-compatible addresses global whatever they embed.
On an IPv6-only host behind NAT64 (common in cheap hosting), a webhook or feed URL whose name resolves to
`64:ff9b::a9fe:a9fe` reaches 169.254.169.254, the cloud metadata service; `64:ff9b:1::/48` is a local-use
NAT64 prefix (RFC 8215) and reaches whatever the local translator maps it to.
"""

from __future__ import annotations

import pytest

from hub.netguard import is_public_address


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::7f00:1",  # NAT64 (RFC 6052) of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b:1::a00:1",  # local-use NAT64 prefix (RFC 8215)
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
        "::7f00:1",  # IPv4-compatible 127.0.0.1
    ],
)
def test_ipv6_carrying_an_internal_ipv4_is_not_public(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["64:ff9b::808:808", "2002:808:808::1"])
def test_ipv6_carrying_a_public_ipv4_stays_public(address: str) -> None:
    assert is_public_address(address)
