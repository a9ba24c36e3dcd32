"""Observable extraction from STIX patterns, normalisation and lookup candidates (hub.stix.observables)."""

from __future__ import annotations

import ipaddress
import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from hub.stix.observables import (
    Kind,
    Observable,
    _parse_fast,
    _parse_full,
    candidates,
    clear_cache,
    extract_observables,
    normalise,
)

# Real public STIX files live next to the repository (../shared/data); never copied into it.
DATA = Path(os.environ.get("HUB_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))
needs_data = pytest.mark.skipif(
    not DATA.is_dir(), reason=f"shared STIX test data not found at {DATA} (set HUB_SHARED_DATA to its path)"
)

# Paths in the real files that have no kind of their own and are kept as "other" on purpose.
EXPECTED_OTHER_PATHS = {
    "process:name",
    "file:path",
    "configuration-profile:id",
    "android-property:name",
    "app:cert.sha256",
}


def Ob(kind: Kind, value: str) -> Observable:  # short constructor for the tables below
    return Observable(kind, value)


def stix_patterns(path: Path) -> list[str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    objects = data if isinstance(data, list) else data.get("objects", [])
    return [
        o["pattern"]
        for o in objects
        if isinstance(o, dict) and o.get("type") == "indicator" and o.get("pattern_type", "stix") == "stix"
    ]


# --- normalise ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        ("domain", "Example.COM.", "example.com"),
        ("domain", "  evil.example  ", "evil.example"),
        ("domain", "*.Evil.Example", "evil.example"),
        ("domain", "bücher.example", "xn--bcher-kva.example"),
        ("domain", "xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("domain", "مثال.إختبار", "xn--mgbh0fb.xn--kgbechtv"),
        ("domain", "例え。テスト", "xn--r8jz45g.xn--zckzah"),
        ("domain", "_dmarc.example.org", "_dmarc.example.org"),
        ("url", "HTTP://Evil.Example:80/Path?Q=A#Frag", "http://evil.example/Path?Q=A#Frag"),
        ("url", "https://evil.example.:443", "https://evil.example/"),
        ("url", "https://evil.example?x=1", "https://evil.example/?x=1"),
        ("url", "https://evil.example:8443/a", "https://evil.example:8443/a"),
        ("url", "http://user:pw@EVIL.example/x", "http://user:pw@evil.example/x"),
        ("url", "http://[2001:DB8:0::1]:80/", "http://[2001:db8::1]/"),
        ("url", "http://198.51.100.7/a=b", "http://198.51.100.7/a=b"),
        ("url", "ftp://files.example/pub/", "ftp://files.example/pub/"),
        ("url", "http://x.example/?", "http://x.example/?"),
        ("ipv4", " 198.51.100.7 ", "198.51.100.7"),
        ("ipv4", "198.51.100.0/24", "198.51.100.0/24"),
        ("ipv4", "198.51.100.7/24", "198.51.100.0/24"),
        ("ipv4", "198.51.100.7/32", "198.51.100.7"),
        ("ipv6", "2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("ipv6", "[2001:db8::1]", "2001:db8::1"),
        ("ipv6", "2001:db8::/32", "2001:db8::/32"),
        ("ipv6", "::ffff:192.168.0.1", "::ffff:192.168.0.1"),
        ("email", "John.Doe@Example.COM", "john.doe@example.com"),
        ("email", "mailto:a@b.example", "a@b.example"),
        ("email", "a@bücher.example", "a@xn--bcher-kva.example"),
        ("md5", "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e"),
        ("sha1", "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("account", "@SomeHandle", "somehandle"),
        ("account", "  user_1 ", "user_1"),
        ("phone", "+44 20 7946 0958", "+442079460958"),
        ("phone", "+1 (555) 010-0199", "+15550100199"),
        ("phone", "0044.20.7946.0958", "+442079460958"),
        ("phone", "tel:+20-100-123-4567", "+201001234567"),
        ("phone", "+٢٠١٠٠١٢٣٤٥٦٧", "+201001234567"),
        ("file-name", "Roleaccountd.plist", "Roleaccountd.plist"),
        ("app-id", " com.gu.activity ", "com.gu.activity"),
        ("other", "process:name=x", "process:name=x"),
    ],
)
def test_normalise(kind: Kind, raw: str, expected: str) -> None:
    assert normalise(kind, raw) == expected
    assert normalise(kind, expected) == expected


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("domain", ""),
        ("domain", "."),
        ("domain", "a..b"),
        ("domain", "evil example.com"),
        ("domain", "evil.example/path"),
        ("domain", "a" * 64 + ".example"),
        ("domain", ("a" * 60 + ".") * 5 + "example"),
        ("url", "evil.example/path"),
        ("url", "http:///path"),
        ("url", "http://evil.example:99999/"),
        ("url", "http://evil.example:abc/"),
        ("url", "http://[::1/"),
        ("url", "http://bad host/"),
        ("ipv4", "256.1.1.1"),
        ("ipv4", "2001:db8::1"),
        ("ipv4", "010.1.1.1"),
        ("ipv6", "198.51.100.7"),
        ("ipv6", "2001:db8::g"),
        ("email", "no-at-sign.example"),
        ("email", "@example.com"),
        ("email", "a@"),
        ("email", "a b@example.com"),
        ("md5", "d41d8cd98f00b204e9800998ecf8427"),
        ("sha256", "z" * 64),
        ("sha512", "a" * 64),
        ("account", "@"),
        ("account", "   "),
        ("phone", "+44"),
        ("phone", "call me"),
        ("phone", "+1234567890123456"),
        ("file-name", ""),
        ("app-id", "com.example app"),
        ("other", ""),
    ],
)
def test_normalise_rejects(kind: Kind, raw: str) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        normalise(kind, raw)


def test_normalise_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown observable kind"):
        normalise("colour", "red")  # type: ignore[arg-type]


# --- hypothesis properties --------------------------------------------------------------------------

ascii_labels = st.from_regex(r"[a-zA-Z0-9_](?:[a-zA-Z0-9_-]{0,20}[a-zA-Z0-9])?", fullmatch=True)
unicode_labels = st.text(st.characters(categories=["Ll", "Lu", "Lo", "Nd"]), min_size=1, max_size=12)
domains = st.lists(st.one_of(ascii_labels, unicode_labels), min_size=1, max_size=4).map(".".join)


@settings(max_examples=150, deadline=None)
@given(domains, st.booleans())
def test_domain_normalisation_is_idempotent(domain: str, trailing_dot: bool) -> None:
    try:
        once = normalise("domain", domain + ("." if trailing_dot else ""))
    except ValueError:
        assume(False)
        return
    assert once.isascii() and once == once.lower()
    assert normalise("domain", once) == once


def _domain_label_by_label(raw: str) -> str:
    """The domain rule stated label by label (what `_normalise_domain` did for every name before its ASCII
    shortcut): every label lower-cased, 1-63 of a-z 0-9 _ -, at most 253 characters in all."""
    name = raw.strip()
    name = name[2:] if name.startswith("*.") else name
    name = name[:-1] if name.endswith(".") else name
    labels = [label.lower() for label in name.split(".")]
    if not name or any(re.fullmatch(r"[a-z0-9_-]{1,63}", label) is None for label in labels):
        raise ValueError(raw)
    if len(".".join(labels)) > 253:
        raise ValueError(raw)
    return ".".join(labels)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.text(alphabet="aZ09_-. *\t", max_size=30),
        st.lists(st.text(alphabet="aB9-", min_size=0, max_size=70), min_size=1, max_size=6).map(".".join),
        st.lists(st.sampled_from(["a" * 63, "b" * 64, "c" * 50]), min_size=1, max_size=6).map(".".join),
    )
)
def test_ascii_domains_follow_the_label_rule(raw: str) -> None:
    try:
        expected: str | None = _domain_label_by_label(raw)
    except ValueError:
        expected = None
    try:
        found: str | None = normalise("domain", raw)
    except ValueError:
        found = None
    assert found == expected, raw


@settings(max_examples=100, deadline=None)
@given(st.lists(ascii_labels, min_size=2, max_size=4).map(".".join))
def test_candidates_for_a_normalised_domain_contain_it(domain: str) -> None:
    normalised = normalise("domain", domain)
    assume(any(c.isalpha() for c in normalised))  # all-numeric names are read as IPs or phone numbers
    assert Observable("domain", normalised) in candidates(normalised)
    assert Observable("domain", normalised) in candidates(domain.upper() + ".")


@settings(max_examples=100, deadline=None)
@given(st.ip_addresses())
def test_ip_normalisation_is_idempotent(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    kind: Kind = "ipv4" if addr.version == 4 else "ipv6"
    once = normalise(kind, addr.exploded.upper())
    assert ipaddress.ip_address(once) == addr
    assert normalise(kind, once) == once
    assert Observable(kind, once) in candidates(str(addr))


@settings(max_examples=50, deadline=None)
@given(st.ip_addresses(v=4), st.integers(min_value=8, max_value=32))
def test_ipv4_network_normalisation_is_idempotent(addr: ipaddress.IPv4Address, prefix: int) -> None:
    once = normalise("ipv4", f"{addr}/{prefix}")
    assert normalise("ipv4", once) == once


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([("md5", 16), ("sha1", 20), ("sha256", 32), ("sha512", 64)]), st.data())
def test_hash_normalisation_is_idempotent(kind_size: tuple[Kind, int], data: st.DataObject) -> None:
    kind, size = kind_size
    digest = data.draw(st.binary(min_size=size, max_size=size)).hex().upper()
    once = normalise(kind, digest)
    assert once == digest.lower()
    assert normalise(kind, once) == once
    assert candidates(digest) == [Observable(kind, once)]


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.ip_addresses().map(str),
        st.ip_addresses(v=6).map(lambda a: a.exploded.upper() + "%eth0"),
        st.text(alphabet="0123456789abcdefABCDEF.:%٣" + "\uff10", max_size=24),
        st.text(max_size=12),
    )
)
def test_ip_pre_check_never_turns_away_an_address(text: str) -> None:
    """`may_be_ip_address` skips only parses that would fail; the URL host parse agrees with IPv4Address."""
    from hub.stix.observables.normalisation import _ipv4_text, may_be_ip_address

    try:
        ipaddress.ip_address(text)
    except ValueError:
        parsed = False
    else:
        parsed = True
    assert may_be_ip_address(text) or not parsed, text
    try:
        expected = str(ipaddress.IPv4Address(text))
    except ValueError:
        expected = None
    assert _ipv4_text(text) == expected, text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_candidates_never_raise(text: str) -> None:
    for obs in candidates(text):
        assert normalise(obs.kind, obs.value) == obs.value


# --- extract_observables -----------------------------------------------------------------------------

SHA256 = "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("[domain-name:value = 'Evil.Example.']", [Ob("domain", "evil.example")]),
        (
            "[domain-name:value IN ('a.com', 'B.com', 'a.com')]",
            [Ob("domain", "a.com"), Ob("domain", "b.com")],
        ),
        (
            "[domain-name:value='a.example' OR domain-name:value='b.example']",
            [Ob("domain", "a.example"), Ob("domain", "b.example")],
        ),
        (
            "[url:value = 'http://x.example/?a=b&c=d'] AND [ipv4-addr:value = '198.51.100.7']",
            [Ob("url", "http://x.example/?a=b&c=d"), Ob("ipv4", "198.51.100.7")],
        ),
        (
            "([domain-name:value = 'c.example'] OR [email-addr:value = 'X@Mail.Example']) FOLLOWEDBY "
            "[file:hashes.MD5 = 'D41D8CD98F00B204E9800998ECF8427E'] WITHIN 300 SECONDS",
            [
                Ob("domain", "c.example"),
                Ob("email", "x@mail.example"),
                Ob("md5", "d41d8cd98f00b204e9800998ecf8427e"),
            ],
        ),
        ("[url:value = 'https://x.example/a=b?c=d=e']", [Ob("url", "https://x.example/a=b?c=d=e")]),
        ("[file:name = 'it\\'s.apk']", [Ob("file-name", "it's.apk")]),
        ("[file:name = 'back\\\\slash\\'s.apk']", [Ob("file-name", "back\\slash's.apk")]),
        (f"[file:hashes.'SHA-256' = '{SHA256.upper()}']", [Ob("sha256", SHA256)]),
        (f"[file:hashes.SHA256 = '{SHA256}']", [Ob("sha256", SHA256)]),
        (f"[file:hashes.sha256 = '{SHA256}']", [Ob("sha256", SHA256)]),
        (
            "[file:hashes.'SHA-1' = 'DA39A3EE5E6B4B0D3255BFEF95601890AFD80709']",
            [Ob("sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709")],
        ),
        ("[file:hashes.'SHA-512' = '" + "Ab" * 64 + "']", [Ob("sha512", "ab" * 64)]),
        ("[email-message:from_ref.value = 'Boss@Evil.Example']", [Ob("email", "boss@evil.example")]),
        ("[email-message:sender_ref.value = 'a@evil.example']", [Ob("email", "a@evil.example")]),
        ("[user-account:account_login = '@Troll']", [Ob("account", "troll")]),
        (
            "[user-account:account_type = 'phone' AND user-account:account_login = '+44 20 7946 0958']",
            [Ob("other", "user-account:account_type=phone"), Ob("phone", "+442079460958")],
        ),
        ("[x-phone-number:value = '+1 (555) 010-0100']", [Ob("phone", "+15550100100")]),
        ("[phone-number:value = '+1 555 010 0100']", [Ob("phone", "+15550100100")]),
        ("[app:id = 'com.gu.activity']", [Ob("app-id", "com.gu.activity")]),
        ("[ipv6-addr:value = '2001:DB8::0:1']", [Ob("ipv6", "2001:db8::1")]),
        ("[ipv4-addr:value = '198.51.100.7/24']", [Ob("ipv4", "198.51.100.0/24")]),
        ("[domain-name:value = '176.223.111.131']", [Ob("ipv4", "176.223.111.131")]),
        ("[process:name = 'fservernetd']", [Ob("other", "process:name=fservernetd")]),
        ("[file:path = '/tmp/l/']", [Ob("other", "file:path=/tmp/l/")]),
        (
            "[network-traffic:dst_ref.value = '198.51.100.7' AND network-traffic:dst_port = 443]",
            [
                Ob("other", "network-traffic:dst_ref.value=198.51.100.7"),
                Ob("other", "network-traffic:dst_port=443"),
            ],
        ),
        ("[x-custom:values[*].name = 'v']", [Ob("other", "x-custom:values[*].name=v")]),
        ("[domain-name:value = 'not a domain']", [Ob("other", "domain-name:value=not a domain")]),
        ("[file:hashes.MD5 = 'short']", [Ob("other", "file:hashes.MD5=short")]),
        # Comparisons that are not equality are skipped.
        (
            "[domain-name:value LIKE '%.evil.example' AND domain-name:value = 'x.example']",
            [Ob("domain", "x.example")],
        ),
        ("[url:value MATCHES '^https?://evil' OR url:value != 'http://a.example/']", []),
        ("[file:size > 1000 AND file:size < 5000]", []),
        ("[domain-name:value NOT = 'a.example']", []),
        ("[domain-name:value NOT IN ('a.example')]", []),
        ("[ipv4-addr:value ISSUBSET '198.51.100.0/24']", []),
    ],
)
def test_extract(pattern: str, expected: list[Observable]) -> None:
    assert extract_observables(pattern) == expected
    clear_cache()
    assert extract_observables(pattern) == expected


def test_extract_returns_a_fresh_list_from_the_cache() -> None:
    first = extract_observables("[domain-name:value = 'cache.example']")
    first.append(Ob("domain", "mutated.example"))
    assert extract_observables("[domain-name:value = 'cache.example']") == [Ob("domain", "cache.example")]


@pytest.mark.parametrize(
    "pattern", ["", "domain-name:value = 'x'", "[domain-name:value = 'x'", "rule x { condition: true }"]
)
def test_extract_rejects_invalid_patterns(pattern: str) -> None:
    with pytest.raises(ValueError, match="not a valid STIX 2.1 pattern"):
        extract_observables(pattern)


@pytest.mark.parametrize(
    "pattern",
    [
        "[domain-name:value = 'a.example']",
        " [ domain-name:value='a.example' ] ",
        "[file:hashes.'SHA-256' = 'ab']",
        "[file:name = 'it\\'s\\\\.apk']",
        "[url:value = 'http://x/?a=b']",
    ],
)
def test_fast_path_agrees_with_the_parser(pattern: str) -> None:
    assert _parse_fast(pattern) is not None
    assert _parse_fast(pattern) == _parse_full(pattern)


@pytest.mark.parametrize(
    "pattern",
    [
        "[domain-name:value = 'a' OR domain-name:value = 'b']",
        "[x-thing:AND = 'a']",  # keyword as a path: left to the parser
        "[domain-name:value == 'a']",
        "[domain-name:value = 'a'] /* comment */",
    ],
)
def test_fast_path_declines_other_shapes(pattern: str) -> None:
    assert _parse_fast(pattern) is None


_FAST_TYPES = st.sampled_from(
    ["domain-name", "url", "file", "app", "configuration-profile", "x-custom-1", "user-account", "true",
     "Domain-Name", "Domain-name", "a--b", "-x", "x-", "ipv4-addr", "t", "ab", "IN", "LIKE", "email-message",
     "a1"]
)  # fmt: skip
_FAST_PATHS = st.sampled_from(
    ["value", "name", "id", "hashes.'SHA-256'", "hashes.MD5", "hashes.'it\\'s'", "hashes.''", "cert.sha256",
     "from_ref.value", "Value", "_x", "true", "AND", "values[0]", "values[*].x", "1abc", "a-b", "x.'a b'.y",
     "value . name", "value.", ".value", "a.'b'", "account_login"]
)  # fmt: skip
_FAST_VALUES = st.lists(
    st.sampled_from(
        list("ab=' \\\"]:[.0f9é\n\t") + ["\\'", "\\\\", "c2.example", "10.0.0.1", "Evil.Example."]
    ),
    max_size=8,
).map("".join)
_SPACE = st.sampled_from(["", " ", "  ", "\t", "\n", "\r\n", " \t"])


@settings(max_examples=600, deadline=None)
@given(
    _FAST_TYPES,
    _FAST_PATHS,
    _FAST_VALUES,
    st.tuples(_SPACE, _SPACE, _SPACE, _SPACE, _SPACE, _SPACE, _SPACE),
    st.sampled_from(["="] * 6 + ["==", "!=", "= ="]),
    st.sampled_from(["[{}]"] * 6 + ["[{}] AND [file:name = 'x']", "({})", "[{} OR url:value = 'y']", "{}"]),
)
def test_fast_path_is_the_parser_on_its_shape(
    otype: str, path: str, value: str, spaces: tuple[str, ...], op: str, frame: str
) -> None:
    """Whatever the extraction's fast path accepts, the full grammar accepts too, with the same comparisons:
    non-standard types, quoted and escaped steps and values, whitespace around every token, near-misses."""
    s0, s1, s2, s3, s4, s5, s6 = spaces
    inner = f"{otype}:{path}{s2}{op}{s3}'{value}'"
    pattern = s0 + frame.replace("[", "[" + s1, 1).replace("]", s4 + "]" + s5, 1).format(inner) + s6
    fast = _parse_fast(pattern)
    if fast is None:
        return
    assert fast == _parse_full(pattern), pattern
    assert extract_observables(pattern) == list(_observables_of_full(pattern)), pattern


def _observables_of_full(pattern: str) -> tuple[Observable, ...]:
    from hub.stix.observables.extraction import _observables

    return _observables(_parse_full(pattern))


# --- real data -----------------------------------------------------------------------------------------


def _real_files() -> list[Path]:
    return sorted((DATA / "amnesty").glob("*.stix2")) + sorted((DATA / "mvt-indicators").glob("*.stix2"))


@needs_data
def test_real_indicator_files() -> None:
    files = _real_files()
    assert files, f"no .stix2 files under {DATA}"
    other_paths: set[str] = set()
    total = 0
    for path in files:
        for pattern in stix_patterns(path):
            total += 1
            found = extract_observables(pattern)
            assert found, f"{path.name}: nothing extracted from {pattern!r}"
            fast = _parse_fast(pattern)
            if fast is not None:
                assert fast == _parse_full(pattern), pattern
            other_paths |= {o.value.split("=", 1)[0] for o in found if o.kind == "other"}
    assert total > 6000
    assert other_paths <= EXPECTED_OTHER_PATHS, other_paths - EXPECTED_OTHER_PATHS


@needs_data
def test_real_pegasus_file() -> None:
    found = [o for p in stix_patterns(DATA / "amnesty" / "pegasus.stix2") for o in extract_observables(p)]
    kinds = {o.kind for o in found}
    assert {"domain", "email", "file-name"} <= kinds
    assert Ob("domain", "weather4free.com") in found
    assert Ob("email", "bogaardlisa803@gmail.com") in found
    assert Ob("file-name", "roleaccountd.plist") in found


@needs_data
def test_real_novispy_ip_in_domain_name() -> None:
    found = [o for p in stix_patterns(DATA / "amnesty" / "novispy.stix2") for o in extract_observables(p)]
    assert Ob("ipv4", "176.223.111.131") in found
    assert any(o.kind == "app-id" for o in found) and any(o.kind == "sha256" for o in found)


MVT_EDGE_EXPECTED: dict[str, list[Observable]] = {
    "compound_or.stix2": [Ob("domain", "a.example"), Ob("domain", "b.example")],
    "envelope.stix2": [Ob("domain", "evil.example")],
    "list_not_dict.stix2": [Ob("domain", "x.example")],
    "malware_no_name.stix2": [Ob("domain", "c.example")],
    "no_objects_key.stix2": [],
    "quote_escape.stix2": [Ob("file-name", "it's.apk")],
    "revoked.stix2": [Ob("domain", "revoked.example"), Ob("domain", "expired.example")],
    "sha256_quoted_and_ipv4_and_ipv6.stix2": [
        Ob("sha256", SHA256),
        Ob("ipv4", "198.51.100.7"),
        Ob("ipv6", "2001:db8::1"),
        Ob("ipv4", "198.51.100.0/24"),
    ],
    "spaces_and_case.stix2": [Ob("domain", "mixed.example"), Ob("domain", "spaced.example")],
    "tlp_marked.stix2": [Ob("domain", "amber.example")],
    "two_versions.stix2": [Ob("domain", "v1.example"), Ob("domain", "v2.example")],
    "url_with_equals.stix2": [Ob("url", "http://x.example/?a=b")],
    "yara.stix2": [],  # pattern_type yara: not a STIX pattern, not handed to extract_observables
}


@needs_data
@pytest.mark.parametrize("name", sorted(MVT_EDGE_EXPECTED))
def test_mvt_edge_files(name: str) -> None:
    path = DATA / "mvt-edge" / name
    if not path.exists():
        pytest.skip(f"{path} not present")
    found = [o for p in stix_patterns(path) for o in extract_observables(p)]
    assert found == MVT_EDGE_EXPECTED[name]


@needs_data
def test_yara_pattern_is_not_a_stix_pattern() -> None:
    data = json.loads((DATA / "mvt-edge" / "yara.stix2").read_text(encoding="utf-8"))
    (indicator,) = [o for o in data["objects"] if o["type"] == "indicator"]
    with pytest.raises(ValueError, match="not a valid STIX 2.1 pattern"):
        extract_observables(indicator["pattern"])


# --- candidates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Example.COM.", [Ob("domain", "example.com")]),
        ("mail.google.com", [Ob("domain", "mail.google.com")]),
        (
            "https://Evil.Example/Login?next=/a",
            [Ob("url", "https://evil.example/Login?next=/a"), Ob("domain", "evil.example")],
        ),
        (
            "evil.example/login",
            [
                Ob("url", "http://evil.example/login"),
                Ob("url", "https://evil.example/login"),
                Ob("domain", "evil.example"),
            ],
        ),
        (
            "hxxps://evil[.]example/a",
            [Ob("url", "https://evil.example/a"), Ob("domain", "evil.example")],
        ),
        (
            "<http://198.51.100.7:8080/x>",
            [Ob("url", "http://198.51.100.7:8080/x"), Ob("ipv4", "198.51.100.7")],
        ),
        ("198.51.100.7", [Ob("ipv4", "198.51.100.7")]),
        ("2001:DB8::1", [Ob("ipv6", "2001:db8::1")]),
        ("[2001:db8::1]", [Ob("ipv6", "2001:db8::1")]),
        ("+44 20 7946 0958", [Ob("phone", "+442079460958"), Ob("account", "+442079460958")]),
        ("@Some_Handle", [Ob("account", "some_handle")]),
        ("Someone@Mail.Example", [Ob("email", "someone@mail.example")]),
        ("someone[@]mail[.]example", [Ob("email", "someone@mail.example")]),
        ("mailto:a@b.example", [Ob("email", "a@b.example")]),
        ("D41D8CD98F00B204E9800998ECF8427E", [Ob("md5", "d41d8cd98f00b204e9800998ecf8427e")]),
        (SHA256.upper(), [Ob("sha256", SHA256)]),
        ("com.gu.activity", [Ob("domain", "com.gu.activity"), Ob("app-id", "com.gu.activity")]),
        ("roleaccountd.plist", [Ob("domain", "roleaccountd.plist"), Ob("file-name", "roleaccountd.plist")]),
        ("my photo.apk", [Ob("file-name", "my photo.apk")]),
        ("fservernetd", [Ob("account", "fservernetd"), Ob("other", "process:name=fservernetd")]),
        ("/data/local/tmp/wd/fs.db", [Ob("other", "file:path=/data/local/tmp/wd/fs.db")]),
        ("", []),
        ("   ", []),
        ("hello world", []),
        ("!!!", []),
        ("http://", []),
        ("a" * 5000, []),
        ("\x00\x01", []),
    ],
)
def test_candidates(typed: str, expected: list[Observable]) -> None:
    assert candidates(typed) == expected


@needs_data
def test_candidates_find_what_extraction_stored() -> None:
    """A user typing a real indicator value (in another case, with a trailing dot) finds it."""
    stored = {
        o for p in stix_patterns(DATA / "amnesty" / "pegasus.stix2")[:300] for o in extract_observables(p)
    }
    for obs in stored:
        if obs.kind == "domain":
            assert obs in candidates(obs.value.upper() + "."), obs
        elif obs.kind == "email":
            assert obs in candidates(obs.value.upper()), obs


# The string literal of both fast paths as first written: one alternative per character.
_LITERAL_AS_ALTERNATIVES = r"'(?:[^'\\]|\\['\\])*'"


@settings(max_examples=600, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "'", "\\", "\\'", "\\\\", "\\a", " ", "]", "é"]), max_size=10).map("".join)
)
def test_unrolled_string_literal_is_the_same_language(value: str) -> None:
    """The fast paths' unrolled string literal (`hub.stix.observables.extraction._FAST`,
    `hub.stix.validation.patterns._FAST_PATTERN_RE`) accepts exactly the texts the literal written as
    alternatives accepted, with the same value."""
    from hub.stix.observables.extraction import _FAST
    from hub.stix.validation.patterns import _FAST_PATTERN_RE

    pattern = f"[url:value = '{value}']"
    before = re.fullmatch(r"\[url:value = " + _LITERAL_AS_ALTERNATIVES + r"\]", pattern)
    fast = _FAST.fullmatch(pattern)
    assert (fast is None) == (before is None), pattern
    assert (_FAST_PATTERN_RE.fullmatch(pattern) is None) == (before is None), pattern
    if fast is not None:
        assert fast.group("value") == value
