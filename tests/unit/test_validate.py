"""The edge validators: what may reach a dial string, a config file or an AMI header."""

from __future__ import annotations

import pytest

from vcc import validate
from vcc.errors import InvalidInput


@pytest.mark.parametrize("value", ["12", "1001", "7000", "0031201234567", "9" * 15])
def test_extensions_of_2_to_15_digits_are_accepted(value: str) -> None:
    assert validate.extension(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "500&PJSIP/trunk/123",  # a second dial target
        "500,30,tT",  # Dial() options
        "1001\r\nAction: Originate",  # a second AMI action
        "1001\n",
        "1001\r",
        "1001\0",
        "١٢٣٤",  # Arabic-Indic digits are digits to str.isdigit, not to a dial plan
        "１２３４",  # fullwidth digits
        "+31201234567",
        " 1001",
        "1001 ",
        "10 01",
        "1",
        "9" * 16,
        "",
        "PJSIP/1001",
        "${SHELL(id)}",
        "_X.",  # a dialplan pattern
    ],
)
def test_anything_but_2_to_15_ascii_digits_is_not_an_extension(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate.extension(value, what="queue extension")

    assert caught.value.message.startswith("queue extension ")
    assert "digits" in caught.value.hint


@pytest.mark.parametrize("value", ["a", "support", "sales-nl", "q_2", "x" * 32])
def test_lowercase_slugs_are_accepted(value: str) -> None:
    assert validate.slug(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "",
        "Support",
        "1st-line",
        "-support",
        "_support",
        "sup port",
        "support\n",
        "support;",
        "../etc",
        "sup/port",
        "süpport",
        "x" * 33,
        "support,x",
    ],
)
def test_anything_but_a_short_lowercase_slug_is_refused(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate.slug(value, what="queue name")

    assert "queue name" in caught.value.message
    assert caught.value.hint


@pytest.mark.parametrize("value", ["s3cretvalue", "a" * 8, "A-z_0.9~+/x", "b" * 128])
def test_secrets_of_safe_characters_are_accepted(value: str) -> None:
    assert validate.secret(value) == value


@pytest.mark.parametrize(
    "value",
    ["short7!", "a" * 7, "b" * 129, "has space1", "semi;colon", 'quo"ted12', "new\nline12",
     "pässwort12", ""],
)  # fmt: skip
def test_unsafe_secrets_are_refused_without_echoing_them(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate.secret(value)

    if value:
        assert value not in str(caught.value)


@pytest.mark.parametrize("value", [1024, 5038, 65535])
def test_unprivileged_ports_are_accepted(value: int) -> None:
    assert validate.port(value) == value


@pytest.mark.parametrize("value", [-1, 0, 80, 1023, 65536, 70000])
def test_privileged_or_impossible_ports_are_refused(value: int) -> None:
    with pytest.raises(InvalidInput, match=str(value)):
        validate.port(value, what="sip port")


@pytest.mark.parametrize("value", ["", "PJSIP/1001-00000001", "VCC_QUEUE=support", "a: b"])
def test_single_line_header_values_pass(value: str) -> None:
    assert validate.header_value(value) == value


@pytest.mark.parametrize(
    "value",
    ["x\r\nAction: Hangup", "x\nAction: Hangup", "x\rAction: Hangup", "x\0", "\r\n\r\n"],
)
def test_header_values_with_a_line_break_or_nul_are_refused(value: str) -> None:
    with pytest.raises(InvalidInput):
        validate.header_value(value)
