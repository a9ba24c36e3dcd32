"""Warning lists: values that are almost certainly not malicious (hub.stix.warninglists)."""

from __future__ import annotations

import ipaddress
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.stix.observables import Kind, Observable, candidates, normalise
from hub.stix.warninglists import popular_domains, warnings_for


def codes(kind: Kind, value: str, **kwargs: object) -> list[str]:
    obs = Observable(kind, normalise(kind, value))
    return [w.code for w in warnings_for(obs, **kwargs)]  # type: ignore[arg-type]


# --- the shipped list --------------------------------------------------------------------------------


def test_data_file_ships_in_the_package() -> None:
    text = resources.files("hub.stix").joinpath("data/popular_domains.txt").read_text(encoding="utf-8")
    assert "hand-curated" in text.lower()


def test_data_file_is_clean() -> None:
    text = resources.files("hub.stix").joinpath("data/popular_domains.txt").read_text(encoding="utf-8")
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        assert len(words) <= 2, f"line {number}: {line!r}"
        domain = words[0]
        assert normalise("domain", domain) == domain, f"line {number}: {domain!r} is not normalised"
        assert "." in domain, f"line {number}: {domain!r} is a bare TLD"
        assert domain not in seen, f"line {number}: duplicate {domain!r}"
        if len(words) == 2:
            assert words[1] in ("hosting", "shortener"), f"line {number}: unknown tag {words[1]!r}"
        seen.add(domain)
    assert len(seen) >= 500
    # Public suffixes must never be listed: they would flag every site registered under them.
    assert not seen & {"co.uk", "com.br", "gov.br", "co.jp", "com.au", "co.za", "gov.in", "com.eg", "gov.sa"}


def test_list_is_loaded_once() -> None:
    assert popular_domains() is popular_domains()
    lists = popular_domains()
    for domain in [
        "google.com",
        "youtube.com",
        "facebook.com",
        "wikipedia.org",
        "whatsapp.com",
        "telegram.org",
        "signal.org",
        "gmail.com",
        "outlook.com",
        "amazon.com",
        "apple.com",
        "microsoft.com",
        "twitter.com",
        "x.com",
        "instagram.com",
        "tiktok.com",
    ]:
        assert domain in lists.with_subdomains, domain
    assert {"bit.ly", "github.io", "blogspot.com"} <= lists.exact_only
    assert not lists.with_subdomains & lists.exact_only


# --- domains -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "domain",
    [
        "google.com",
        "Google.COM.",
        "mail.google.com",
        "www.youtube.com",
        "ar.wikipedia.org",
        "web.whatsapp.com",
        "signal.org",
        "x.com",
        "bit.ly",
        "github.io",
        "bbc.co.uk",
        "news.bbc.co.uk",
        "aljazeera.net",
        "youm7.com",
        "globo.com",
        "clarin.com",
        "naver.com",
        "nation.africa",
    ],
)
def test_popular_domains_are_flagged(domain: str) -> None:
    assert codes("domain", domain) == ["popular-domain"]


def test_popular_domain_message_is_plain_english() -> None:
    (warning,) = warnings_for(Observable("domain", "google.com"))
    assert (
        warning.message == "google.com is one of the most visited domains; blocking it would harm many people"
    )
    (warning,) = warnings_for(Observable("domain", "mail.google.com"))
    assert "mail.google.com" in warning.message and "google.com" in warning.message


@pytest.mark.parametrize(
    "domain",
    [
        "evil.example.net.ru",
        "google.com.evil-login.net",  # look-alike: the registrable domain is evil-login.net
        "googlecom.net",
        "evil.github.io",  # someone's GitHub Pages site
        "phish.blogspot.com",
        "x.netlify.app",
        "bucket.s3.amazonaws.com",
        "abc.ngrok-free.app",
        "home.duckdns.org",
        "weather4free.com",
    ],
)
def test_other_domains_are_not_flagged_as_popular(domain: str) -> None:
    assert "popular-domain" not in codes("domain", domain)


@pytest.mark.parametrize(
    ("domain", "code"),
    [
        ("evil.example", "reserved-tld"),
        ("a.b.test", "reserved-tld"),
        ("nothing.invalid", "reserved-tld"),
        ("localhost", "reserved-tld"),
        ("app.localhost", "reserved-tld"),
        ("printer.local", "reserved-tld"),
        ("router.home.arpa", "reserved-tld"),
        ("example.com", "reserved-tld"),
        ("www.example.org", "reserved-tld"),
        ("example.net", "reserved-tld"),
    ],
)
def test_reserved_names(domain: str, code: str) -> None:
    assert codes("domain", domain) == [code]


def test_hub_domains() -> None:
    assert codes("domain", "hub.example.org", hub_domains=["Hub.Example.Org."]) == [
        "reserved-tld",
        "hub-domain",
    ]
    assert codes("domain", "intranet.defenders-hub.net", hub_domains=["defenders-hub.net"]) == ["hub-domain"]
    assert codes("domain", "defenders-hub.net.evil.ru", hub_domains=["defenders-hub.net"]) == []
    assert codes("url", "https://defenders-hub.net/taxii2/", hub_domains=["defenders-hub.net"]) == [
        "hub-domain"
    ]
    assert codes("email", "admin@defenders-hub.net", hub_domains=["defenders-hub.net"]) == ["hub-domain"]
    assert codes("domain", "defenders-hub.net", hub_domains=["not a domain", ""]) == []


@settings(max_examples=100, deadline=None)
@given(
    st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,15}[a-z0-9])?", fullmatch=True),
    st.sampled_from(["google.com", "facebook.com", "wikipedia.org", "telegram.org", "whatsapp.com"]),
)
def test_any_subdomain_of_a_popular_domain_is_flagged(label: str, popular: str) -> None:
    assert codes("domain", f"{label}.{popular}") == ["popular-domain"]
    assert codes("domain", f"{popular}.{label}-evil.net") == []


# --- URLs --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://docs.google.com/forms/d/xyz/viewform",
        "https://bit.ly/abc",
        "https://drive.google.com/file/d/1abc/view",
        "https://t.me/some_channel",
        "https://www.facebook.com/profile.php?id=1",
        "https://google.com/?q=x",
        "https://evil.github.io/",
        "https://sites.google.com/view/fake-ngo",
        "http://weather4free.com/",
    ],
)
def test_urls_with_a_path_on_popular_sites_are_not_flagged(url: str) -> None:
    assert codes("url", url) == []


@pytest.mark.parametrize("url", ["https://www.google.com", "https://google.com/", "http://facebook.com:80/"])
def test_bare_popular_site_roots_are_flagged(url: str) -> None:
    assert codes("url", url) == ["popular-domain"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://192.168.1.1/login", ["private-ip"]),
        ("http://[fd00::1]:8080/", ["private-ip"]),
        ("http://127.0.0.1/", ["loopback"]),
        ("https://evil.example/path", ["reserved-tld"]),
        ("https://www.example.com/phish", ["reserved-tld"]),
        ("http://8.8.8.8/", []),
    ],
)
def test_url_hosts_are_checked(url: str, expected: list[str]) -> None:
    assert codes("url", url) == expected


# --- IP addresses -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("ipv4", "10.1.2.3", ["private-ip"]),
        ("ipv4", "172.16.5.4", ["private-ip"]),
        ("ipv4", "192.168.0.0/24", ["private-ip"]),
        ("ipv4", "100.64.1.1", ["private-ip"]),
        ("ipv6", "fd12:3456::1", ["private-ip"]),
        ("ipv6", "::ffff:192.168.0.1", ["private-ip"]),
        ("ipv4", "127.0.0.1", ["loopback"]),
        ("ipv6", "::1", ["loopback"]),
        ("ipv4", "169.254.169.254", ["link-local"]),
        ("ipv6", "fe80::1", ["link-local"]),
        ("ipv4", "192.0.2.1", ["documentation-range"]),
        ("ipv4", "198.51.100.7", ["documentation-range"]),
        ("ipv4", "203.0.113.0/24", ["documentation-range"]),
        ("ipv6", "2001:db8::1", ["documentation-range"]),
        ("ipv4", "224.0.0.251", ["multicast"]),
        ("ipv6", "ff02::1", ["multicast"]),
        ("ipv4", "0.0.0.0", ["unspecified"]),
        ("ipv6", "::", ["unspecified"]),
        ("ipv4", "255.255.255.255", ["reserved-ip"]),
        ("ipv4", "0.0.0.0/0", ["broad-network"]),
        ("ipv4", "10.0.0.0/8", ["private-ip", "broad-network"]),
        ("ipv4", "8.8.8.8", []),
        ("ipv4", "176.223.111.131", []),
        ("ipv4", "198.51.99.0/24", []),
        ("ipv6", "2a00:1450:4001:80b::200e", []),
    ],
)
def test_ip_addresses(kind: Kind, value: str, expected: list[str]) -> None:
    assert codes(kind, value) == expected


def test_ip_message_names_the_address() -> None:
    (warning,) = warnings_for(Observable("ipv4", "192.168.1.1"))
    assert warning.message.startswith("192.168.1.1 is a private address")


# The rule as `ipaddress` states it (`subnet_of` each range, in order), which `_ip_warnings` computes on
# integer spans: both must give the same warnings, messages included, for every address and network.
_REFERENCE_CLASSES = (
    ("unspecified", ("0.0.0.0/32", "::/128")),
    ("loopback", ("127.0.0.0/8", "::1/128")),
    ("link-local", ("169.254.0.0/16", "fe80::/10")),
    ("documentation-range", ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")),
    ("multicast", ("224.0.0.0/4", "ff00::/8")),
    ("private-ip", ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")),
    ("reserved-ip", ("0.0.0.0/8", "192.0.0.0/24", "198.18.0.0/15", "240.0.0.0/4", "100::/64")),
)


def _reference_ip_codes(value: str) -> list[str] | None:
    try:
        net = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None
    if isinstance(net, ipaddress.IPv6Network) and net.prefixlen == 128:
        mapped = net.network_address.ipv4_mapped
        if mapped is not None:
            net = ipaddress.ip_network(mapped)
    found = [
        code
        for code, cidrs in _REFERENCE_CLASSES
        if any(
            net.version == r.version and net.subnet_of(r)  # type: ignore[arg-type]
            for r in map(ipaddress.ip_network, cidrs)
        )
    ][:1]
    return found + (["broad-network"] if net.prefixlen < {4: 16, 6: 32}[net.version] else [])


_EDGES = [
    "0.0.0.0", "127.255.255.255", "128.0.0.0", "169.254.0.0", "169.253.255.255", "192.0.2.255", "192.0.3.0",
    "100.63.255.255", "100.64.0.0", "100.127.255.255", "100.128.0.0", "239.255.255.255", "255.255.255.255",
    "172.15.255.255", "172.32.0.0", "198.17.255.255", "198.20.0.0", "::", "::2", "fe80::", "febf:ffff::",
    "fec0::", "2001:db8:ffff::", "2001:db9::", "fbff::", "fdff:ffff::", "100::", "100:0:0:1::",
    "::ffff:10.0.0.1", "::ffff:8.8.8.8", "fe80::1%eth0", "::ffff:127.0.0.1%x", "10.0.0.1 ", "01.2.3.4", "",
]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.ip_addresses().map(str),
        st.sampled_from(_EDGES),
        st.builds(lambda a, p: f"{a}/{p % (a.max_prefixlen + 2)}", st.ip_addresses(), st.integers(0, 129)),
        st.builds(lambda e, p: f"{e}/{p}", st.sampled_from(_EDGES), st.integers(0, 129)),
        st.text(alphabet="0123456789abcdef.:/%", max_size=20),
    )
)
def test_ip_warnings_agree_with_ipaddress_subnet_of(value: str) -> None:
    from hub.stix.warninglists import _ip_warnings

    expected = _reference_ip_codes(value)
    warnings = _ip_warnings(value)
    assert [w.code for w in warnings] == (expected or []), value
    for warning in warnings:
        if warning.code == "broad-network":
            size = ipaddress.ip_network(value, strict=False).num_addresses
            assert f"covers {size:,} addresses" in warning.message


# --- other kinds ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email", ["someone@gmail.com", "a@outlook.com", "x@proton.me", "y@yahoo.com", "z@mail.ru", "b@qq.com"]
)
def test_webmail_addresses_are_not_flagged(email: str) -> None:
    assert codes("email", email) == []


def test_email_at_reserved_domain() -> None:
    assert codes("email", "someone@example.com") == ["reserved-tld"]


def test_empty_file_hashes() -> None:
    assert codes("md5", "d41d8cd98f00b204e9800998ecf8427e") == ["empty-file"]
    assert codes("sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709") == ["empty-file"]
    assert codes("sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == [
        "empty-file"
    ]
    assert codes("sha256", "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f") == []


def test_fictional_phone_numbers() -> None:
    assert codes("phone", "+44 20 7946 0958") == ["fictional-number"]
    assert codes("phone", "+1 202 555 0142") == ["fictional-number"]
    assert codes("phone", "+20 100 123 4567") == []


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("account", "someone"),
        ("app-id", "com.google.android.gms"),
        ("file-name", "a.apk"),
        ("other", "x:y=z"),
    ],
)
def test_kinds_without_lists(kind: Kind, value: str) -> None:
    assert warnings_for(Observable(kind, value)) == []


def test_lookup_and_warning_work_together() -> None:
    found = {
        o.kind: [w.code for w in warnings_for(o)] for o in candidates("https://docs.google.com/forms/d/x")
    }
    assert found == {"url": [], "domain": ["popular-domain"]}
