from __future__ import annotations

import pytest

from service.validators import VALIDATORS
from service.validators.code_values import (
    character_classes,
    code_value_reason,
    is_code_expression,
    is_code_literal,
    is_decimal_sample_ipv6,
    is_placeholder_email,
    is_special_ipv6,
    is_trivial_url_password,
    looks_like_identifier,
    looks_like_path,
    looks_like_sample_mac,
    looks_like_slice,
    looks_like_version_number,
    looks_random,
    shannon_entropy,
    strip_roff,
)


@pytest.mark.parametrize(
    "value",
    ["getpass_bytes", "ApiGatewayV2WSAuthorizer", "CertificateIssuerPrivateKeyTypes", "AccountAssignmentsForPrincipal",
     "SSL_OP_NO_TLSv1", "pw_uid:pw_gid:pw_gecos", "cfg.get", "--symmetric", "test_must_fail", "Likewise."],
)  # fmt: skip
def test_identifiers(value: str) -> None:
    assert looks_like_identifier(value)


@pytest.mark.parametrize(
    "value", ["Vq7pLm2x9w", "Hw3Kq9ZtP2vLx7RmB4nC", "8fK2pQ9vX3mL7nR1tY6wZ0aB", "S3cr3t-Pw", "Tr0ub4dor&3", "Zk81-xQm4"]
)
def test_random_values_are_not_identifiers(value: str) -> None:
    assert not looks_like_identifier(value)


def test_code_literals_and_expressions() -> None:
    assert all(is_code_literal(v) for v in ["None", "NULL", "nil", "undefined", '""', "null;"])
    assert not is_code_literal("Hunter2!x")
    assert all(is_code_expression(v) for v in ["getpass.getpass(", "config[", "%s", "{password}", "${DB}", "%(pw)s"])
    assert not is_code_expression("R3p0rt%21Now")
    assert not is_code_expression("Sommer$2026")


def test_paths() -> None:
    assert looks_like_path("/Users/alice") and looks_like_path("gdb.cp/inherit.exp:") and looks_like_path("src/a/b.c")
    assert not looks_like_path("Kx7!vQ2mZr")


def test_code_value_reason_treats_quoted_words_as_literals() -> None:
    assert code_value_reason("lexer") == "an identifier"
    assert code_value_reason('"correcthorsebattery"') is None
    assert code_value_reason("'--password'") == "an identifier"
    assert code_value_reason("getpass_unicode") == "an identifier"
    assert code_value_reason("Winter#2026") is None
    assert code_value_reason("!$pass") == "a call, an index or a format placeholder"
    assert code_value_reason("\\fIuser-id\\fR") == "an identifier"
    assert strip_roff("\\fBsecr3t\\fR\\&") == "secr3t"


def test_entropy_and_classes() -> None:
    assert shannon_entropy("") == 0.0
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("abcd") == 2.0
    assert character_classes("aB3!") == 4
    assert looks_random("Zq81xLmN04pRtW92sVb7KdJ3")
    assert not looks_random("CertificateIssuerPrivateKeyTypes")
    assert not looks_random("aaaaaaaaaaaaaaaa1")


def test_trivial_url_passwords() -> None:
    for pair in ["evil:thing", "a:b", "abc:xyz", "user:pass", "abc:123", "u:password", "ci:xxxxxxxx"]:
        assert is_trivial_url_password(pair), pair
    assert not is_trivial_url_password("deploy:Vq7pLm2x9w")
    assert not is_trivial_url_password(":f7Gh2kLm9Qw")


def test_network_values() -> None:
    assert looks_like_version_number("1.15.7.1") and looks_like_version_number("4.6.1.0")
    assert not looks_like_version_number("8.8.8.8") and not looks_like_version_number("84.20.30.40")
    assert is_special_ipv6("0::0") and is_special_ipv6("0:0::0:01") and is_special_ipv6("ff02::1")
    assert is_special_ipv6("2001:db8::1") and not is_special_ipv6("2606:4700:4700::1111")
    assert looks_like_slice("3::2") and looks_like_slice("800::800") and not looks_like_slice("fe80::1")
    assert is_decimal_sample_ipv6("0:1:2:3:4:5:6:7") and not is_decimal_sample_ipv6("2a02:1210:4c1f:5100::1")


@pytest.mark.parametrize(
    "mac", ["01:02:03:0a:0b:0c", "13:10:de:ad:be:ef", "11:22:aa:bb:cc:33", "02:15:15:15:15:15", "12:34:56:78:90:ab",
            "cb:a9:87:65:43:21", "02:22:23:24:25:26", "00:1A:2B:3C:4D:5E"],
)  # fmt: skip
def test_sample_macs(mac: str) -> None:
    assert looks_like_sample_mac(mac)


@pytest.mark.parametrize("mac", ["3c:22:fb:7a:91:0e", "00:a0:de:63:7a:e6", "08:00:20:00:61:CA", "52:54:00:e9:64:41"])
def test_real_looking_macs(mac: str) -> None:
    assert not looks_like_sample_mac(mac)


def test_placeholder_emails() -> None:
    reserved = ["a@example.com", "b@lists.example.org", "c@mail.example", "d@ci.test", "e@x.invalid", "xxxxx@dot.gov"]
    for address in reserved:
        assert is_placeholder_email(address), address
    assert not is_placeholder_email("jane.roe@debian.org")


def test_validators_are_registered_with_reasons() -> None:
    bound = {name: VALIDATORS.get(name) for name in ["not_code_value", "looks_random", "not_version_number",
             "routable_ipv6", "not_sample_mac", "not_placeholder_email", "not_trivial_url_password"]}  # fmt: skip
    assert all(bound.values())
    code_value = bound["not_code_value"]
    assert code_value is not None
    check = code_value.bind(code_value.load_params({}))
    assert check("sim_auth") == "an identifier"
    assert check("Kx7!vQ2mZr") is None
    random_check = bound["looks_random"]
    assert random_check is not None
    assert random_check.bind(random_check.load_params({"min_entropy": 3.5}))("Ab1Ab1Ab1Ab1") is not None


def test_ipv6_prefixes_written_in_full() -> None:
    from service.validators.code_values import is_network_prefix_ipv6

    assert is_network_prefix_ipv6("2600:1901:0:0:0:0:0:0")
    assert not is_network_prefix_ipv6("2600:1901::1")
