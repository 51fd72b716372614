"""Inbound email parsing and threaded replies: hostile input in, safe values out."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from vcc.digital import email as mail
from vcc.errors import InvalidInput


def _message(
    body: str = "Hallo, mijn pakket is niet aangekomen.",
    *,
    sender: str = "Anna de Vries <Anna@Example.ORG>",
    subject: str = "Pakket kwijt",
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@vcc.example, Other <other@vcc.example>"
    message["Subject"] = subject
    message["Message-ID"] = "<m1@example.org>"
    message.set_content(body)
    return message


def _original(**changes: object) -> mail.InboundEmail:
    fields: dict[str, object] = {
        "sender": "anna@example.org",
        "sender_name": "Anna",
        "to": ("support@vcc.example",),
        "subject": "Pakket kwijt",
        "message_id": "<m2@example.org>",
        "in_reply_to": "<m1@vcc.example>",
        "references": ("<m0@example.org>", "<m1@vcc.example>"),
        "text": "",
        "attachments": (),
    }
    fields.update(changes)
    return mail.InboundEmail(**fields)  # type: ignore[arg-type]


# -- parse ---------------------------------------------------------------------------------
def test_plain_message() -> None:
    message = _message()
    message["In-Reply-To"] = "<m0@vcc.example>"
    message["References"] = "<root@vcc.example> <m0@vcc.example>"
    parsed = mail.parse(message.as_bytes())
    assert parsed.sender == "anna@example.org"
    assert parsed.sender_name == "Anna de Vries"
    assert parsed.to == ("support@vcc.example", "other@vcc.example")
    assert parsed.subject == "Pakket kwijt"
    assert parsed.message_id == "<m1@example.org>"
    assert parsed.in_reply_to == "<m0@vcc.example>"
    assert parsed.references == ("<root@vcc.example>", "<m0@vcc.example>")
    assert parsed.text == "Hallo, mijn pakket is niet aangekomen."
    assert parsed.attachments == ()


def test_missing_ids_are_empty() -> None:
    message = _message()
    del message["Message-ID"]
    parsed = mail.parse(message.as_bytes())
    assert (parsed.message_id, parsed.in_reply_to, parsed.references) == ("", "", ())


def test_alternative_prefers_plain_text() -> None:
    message = _message("platte tekst")
    message.add_alternative("<p>html <b>tekst</b></p>", subtype="html")
    parsed = mail.parse(message.as_bytes())
    assert parsed.text == "platte tekst"
    assert parsed.attachments == ()


def test_html_only_becomes_text_without_scripts() -> None:
    message = _message()
    message.set_content(
        "<html><head><style>p { color: red }</style><title>t</title></head><body>"
        "<p>Beste &amp; lieve <b>klant</b>,</p><script>alert('stolen')</script>"
        "<div>Tot&nbsp;ziens &lt;3</div></body></html>",
        subtype="html",
    )
    parsed = mail.parse(message.as_bytes())
    assert "Beste & lieve klant," in parsed.text
    assert "Tot ziens <3" in parsed.text  # &nbsp; is a space in plain text
    for hidden in ("alert", "stolen", "color", "<", "p {"):
        assert hidden not in parsed.text.replace("<3", "")


def test_unclosed_script_hides_everything_after_it() -> None:
    assert mail.html_to_text("<p>zichtbaar</p><script>var secret = 1; <p>nee") == "zichtbaar"


def test_body_is_truncated_and_cleaned() -> None:
    message = _message("a\x00b\x1bc\r\n" + "x" * (mail.MAX_TEXT + 50))
    text = mail.parse(message.as_bytes()).text
    assert text.startswith("abc\nxxx")
    assert len(text) == mail.MAX_TEXT


def test_attachments_keep_data_and_get_safe_names() -> None:
    message = _message()
    names = ["../../etc/passwd", "..\\..\\win.ini", "\x00evil.sh", "résumé 😀.pdf", ".htaccess"]
    for n, name in enumerate(names):
        message.add_attachment(
            bytes([n]) * 10, maintype="application", subtype="octet-stream", filename=name
        )
    message.add_attachment(b"\x89PNG", maintype="image", subtype="png")  # no name at all
    parsed = mail.parse(message.as_bytes())
    assert [a.filename for a in parsed.attachments] == [
        "passwd",
        "win.ini",
        "evil.sh",
        "r_sum_ _.pdf",
        "htaccess",
        "attachment",
    ]
    assert parsed.attachments[0].data == b"\x00" * 10
    assert parsed.attachments[-1] == mail.Attachment("attachment", "image/png", b"\x89PNG")
    assert parsed.text == "Hallo, mijn pakket is niet aangekomen."


def test_text_with_a_file_name_is_an_attachment() -> None:
    message = _message("de tekst")
    message.add_attachment("regel 1\nregel 2\n", filename="notes.txt")
    parsed = mail.parse(message.as_bytes())
    assert parsed.text == "de tekst"
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        ("notes.txt", "text/plain")
    ]


def test_forwarded_message_is_one_attachment() -> None:
    inner = _message("binnenste", subject="Doorgestuurd")
    inner.add_attachment(b"x", maintype="application", subtype="pdf", filename="a.pdf")
    message = _message("zie bijlage")
    message.add_attachment(inner)
    parsed = mail.parse(message.as_bytes())
    assert parsed.text == "zie bijlage"
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        ("message.eml", "message/rfc822")
    ]
    assert b"Subject: Doorgestuurd" in parsed.attachments[0].data


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "..\\..\\win.ini",
        "\x00evil.sh",
        "/abs/path/",
        "..",
        "...",
        None,
        "",
        "a" * 500 + ".exe",
        "rm -rf *; echo `id`",
        "con\r\nX-Header: 1",
        "日本語.txt",
    ],
)
def test_safe_filename(name: str | None) -> None:
    safe = mail.safe_filename(name)
    assert 0 < len(safe) <= 100
    assert all(c.isascii() and (c.isalnum() or c in "._ -") for c in safe)
    assert not safe.startswith(".")
    assert mail.safe_filename(safe) == safe


def test_safe_filename_examples() -> None:
    assert mail.safe_filename("../../etc/passwd") == "passwd"
    assert mail.safe_filename("..\\..\\win.ini") == "win.ini"
    assert mail.safe_filename("\x00evil.sh") == "evil.sh"
    assert mail.safe_filename("a/b/..") == "attachment"
    assert mail.safe_filename(None) == "attachment"
    assert mail.safe_filename("rapport (1).pdf") == "rapport _1_.pdf"


def test_message_over_the_limit_is_refused() -> None:
    raw = b"From: anna@example.org\r\nSubject: groot\r\n\r\n" + b"x" * mail.MAX_MESSAGE
    with pytest.raises(InvalidInput, match="larger than 10 MB"):
        mail.parse(raw)


def test_too_many_attachments_are_refused() -> None:
    message = _message()
    for n in range(mail.MAX_ATTACHMENTS + 1):
        message.add_attachment(b"x", maintype="application", subtype="pdf", filename=f"{n}.pdf")
    with pytest.raises(InvalidInput, match="more than 10 attachments"):
        mail.parse(message.as_bytes())


def test_as_many_attachments_as_allowed_are_taken() -> None:
    message = _message()
    for n in range(mail.MAX_ATTACHMENTS):
        message.add_attachment(b"x", maintype="application", subtype="pdf", filename=f"{n}.pdf")
    assert len(mail.parse(message.as_bytes()).attachments) == mail.MAX_ATTACHMENTS


def test_too_big_attachment_is_refused() -> None:
    message = _message()
    big = b"\x00" * (mail.MAX_ATTACHMENT + 1)
    message.add_attachment(big, maintype="application", subtype="zip", filename="../big.zip")
    with pytest.raises(InvalidInput, match=r"'big\.zip' is larger than 5 MB"):
        mail.parse(message.as_bytes())


@pytest.mark.parametrize(
    "sender",
    [
        None,
        "",
        "Anna",
        "not an address",
        "<>",
        "anna@localhost",
        "anna@@example.org",
        "undisclosed-recipients:;",
        "=?utf-8?q?=00=00?= <\x00@example.org>",
        "a" * 70 + "@example.org",
    ],
)
def test_missing_or_garbage_from_is_refused(sender: str | None) -> None:
    from_line = b"" if sender is None else b"From: " + sender.encode() + b"\r\n"
    raw = from_line + b"To: support@vcc.example\r\nSubject: hoi\r\n\r\nbody\r\n"
    with pytest.raises(InvalidInput, match="no valid From address"):
        mail.parse(raw)


def test_first_valid_from_address_is_the_sender() -> None:
    raw = b"From: nonsense, Bob <BOB@example.org>\r\n\r\nhoi\r\n"
    assert mail.parse(raw).sender == "bob@example.org"


@pytest.mark.parametrize(
    "headers",
    [
        b"Subject: =?utf-8?b?not base64?=\r\nTo: <<<@>>>, ,;;\r\n",
        b"Subject: a\r\n\tb\r\n \r\nMessage-ID: <<<>>>\r\nReferences: <\r\n",
        b"Content-Type: multipart/mixed\r\n",  # no boundary
        b'Content-Type: multipart/mixed; boundary="b"\r\n',  # boundary never found
        b"Content-Type: text/plain; charset=nonexistent-charset\r\n",
        b"Content-Type: text/plain; charset=base64\r\n",
        b"Content-Type: ;;;\r\nContent-Transfer-Encoding: base64\r\n",
        b"Subject: \xff\xfe raw 8-bit \xc3\xa9\r\nIn-Reply-To: bare-id@example.org\r\n",
        b"Content-Disposition: attachment; filename*=utf-8''%ff%fe\r\n",
        b"To: =?x-unknown?q?abc?= <a@b.c>\r\nMessage-ID: \x00\r\n",
    ],
)
def test_malformed_headers_do_not_crash(headers: bytes) -> None:
    raw = b"From: Anna <anna@example.org>\r\n" + headers + b"\r\nde tekst \xe9\r\n"
    parsed = mail.parse(raw)
    assert parsed.sender == "anna@example.org"
    assert "\n" not in parsed.subject
    assert "\r" not in parsed.subject
    assert len(parsed.subject) <= 300
    parsed.text.encode("utf-8")  # valid Unicode, whatever came in
    parsed.subject.encode("utf-8")


def test_bare_message_id_gets_brackets() -> None:
    raw = b"From: anna@example.org\r\nIn-Reply-To: bare-id@example.org\r\n\r\nx\r\n"
    assert mail.parse(raw).in_reply_to == "<bare-id@example.org>"


def test_subject_is_one_bounded_line() -> None:
    message = _message(subject="Help " * 200)
    parsed = mail.parse(message.as_bytes())
    assert len(parsed.subject) == 300
    assert "\n" not in parsed.subject
    raw = b"From: anna@example.org\r\nSubject: een\r\n twee\r\n\tdrie\r\n\r\nx\r\n"
    assert mail.parse(raw).subject == "een twee drie"


def test_unparseable_input_is_refused_or_read_as_text() -> None:
    """Binary junk either reads as a message without a sender or is refused."""
    with pytest.raises(InvalidInput):
        mail.parse(bytes(range(256)) * 100)
    nested = b"From: anna@example.org\r\n" + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
    nested += b"--b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" * 200
    with pytest.raises(InvalidInput):
        mail.parse(nested)


# -- address -------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["Anna@Example.ORG", "a.b+c%d_e-f@sub-1.example.co.uk", "x@y.nl"])
def test_address_accepts(value: str) -> None:
    assert mail.address(value) == value.lower()


@pytest.mark.parametrize(
    "value",
    [
        "",
        "anna",
        "anna@localhost",
        "anna@@example.org",
        "an na@example.org",
        "anna@exa_mple.org",
        "anna@example..org",
        "anna@.example.org",
        "anna@example.org\n",
        " anna@example.org",
        "anna@example.org\r\nBcc: x@y.z",
        "Anna <anna@example.org>",
        "ànna@example.org",
        "a" * 65 + "@example.org",
        "a@" + "b" * 64 + ".org",
        "a@" + ".".join(["b" * 63] * 4) + ".org",
    ],
)
def test_address_refuses(value: str) -> None:
    with pytest.raises(InvalidInput, match="is not an email address"):
        mail.address(value)


# -- case tags and replies -----------------------------------------------------------------
def test_case_number() -> None:
    assert mail.case_number("Re: Pakket kwijt [case #42]") == 42
    assert mail.case_number("[case #7] and [case #8]") == 7
    assert mail.case_number("Pakket kwijt") is None
    assert mail.case_number("[case #]") is None
    assert mail.case_number("[case #1234567890]") is None
    assert mail.case_number("[case 42]") is None


def test_reply_is_threaded() -> None:
    original = _original()
    sent = mail.reply(
        original,
        case_id=42,
        from_address="Support@VCC.example",
        text="Uw pakket is onderweg.",
        domain="vcc.example",
    )
    assert sent["To"] == "anna@example.org"
    assert sent["From"] == "support@vcc.example"
    assert sent["Subject"] == "Re: Pakket kwijt [case #42]"
    assert sent["In-Reply-To"] == "<m2@example.org>"
    assert sent["References"] == "<m0@example.org> <m1@vcc.example> <m2@example.org>"
    assert str(sent["Message-ID"]).endswith("@vcc.example>")
    assert sent["Date"] is not None
    assert sent.get_content().strip() == "Uw pakket is onderweg."
    assert mail.case_number(str(sent["Subject"])) == 42


def test_reply_builds_on_in_reply_to_without_references() -> None:
    original = _original(references=(), in_reply_to="<m1@vcc.example>")
    sent = mail.reply(original, case_id=1, from_address="s@vcc.example", text="x", domain="d.nl")
    assert sent["References"] == "<m1@vcc.example> <m2@example.org>"


def test_reply_to_a_message_without_id() -> None:
    original = _original(message_id="", in_reply_to="", references=())
    sent = mail.reply(
        original,
        case_id=1,
        from_address="s@vcc.example",
        text="x",
        domain="vcc.example",
        message_id="<fixed@vcc.example>",
    )
    assert sent["In-Reply-To"] is None
    assert sent["References"] is None
    assert sent["Message-ID"] == "<fixed@vcc.example>"


def test_long_reference_chains_stay_bounded() -> None:
    chain = tuple(f"<m{n}@example.org>" for n in range(100))
    sent = mail.reply(
        _original(references=chain), case_id=1, from_address="s@vcc.example", text="x", domain="d"
    )
    references = str(sent["References"]).split()
    assert len(references) == 20
    assert references[0] == "<m0@example.org>"
    assert references[-2:] == ["<m99@example.org>", "<m2@example.org>"]


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Pakket kwijt", "Re: Pakket kwijt [case #42]"),
        ("Re: Pakket kwijt", "Re: Pakket kwijt [case #42]"),
        ("RE: re:Pakket kwijt", "Re: Pakket kwijt [case #42]"),
        ("AW: Antw: Re[2]: Pakket kwijt", "Re: Pakket kwijt [case #42]"),
        ("Re: Pakket kwijt [case #42]", "Re: Pakket kwijt [case #42]"),
        ("[case #42] Re: Pakket kwijt", "Re: Pakket kwijt [case #42]"),
        ("Re: oud [case #7]", "Re: oud [case #42]"),
        ("Fwd: Pakket", "Re: Fwd: Pakket [case #42]"),
        ("Reactie: Pakket", "Re: Reactie: Pakket [case #42]"),
        ("", "Re: [case #42]"),
    ],
)
def test_reply_subject(subject: str, expected: str) -> None:
    sent = mail.reply(
        _original(subject=subject), case_id=42, from_address="s@vcc.example", text="x", domain="d"
    )
    assert sent["Subject"] == expected


def test_replying_twice_neither_doubles_re_nor_tag() -> None:
    first = mail.reply(
        _original(), case_id=5, from_address="s@vcc.example", text="x", domain="vcc.example"
    )
    again = mail.reply(
        _original(subject=str(first["Subject"])),
        case_id=5,
        from_address="s@vcc.example",
        text="y",
        domain="vcc.example",
    )
    assert again["Subject"] == "Re: Pakket kwijt [case #5]"


@pytest.mark.parametrize(
    "changes",
    [
        {"sender": "not an address"},
        {"sender": "anna@example.org\r\nBcc: all@example.org"},
    ],
)
def test_reply_refuses_bad_recipient(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidInput, match="is not an email address"):
        mail.reply(
            _original(**changes), case_id=1, from_address="s@vcc.example", text="x", domain="d"
        )


def test_reply_refuses_bad_sender_and_long_text() -> None:
    with pytest.raises(InvalidInput, match="is not an email address"):
        mail.reply(_original(), case_id=1, from_address="support", text="x", domain="d")
    with pytest.raises(InvalidInput, match="longer than"):
        mail.reply(
            _original(),
            case_id=1,
            from_address="s@vcc.example",
            text="x" * (mail.MAX_TEXT + 1),
            domain="d",
        )
    with pytest.raises(InvalidInput, match="not a message id"):
        mail.reply(
            _original(),
            case_id=1,
            from_address="s@vcc.example",
            text="x",
            domain="d",
            message_id="<a@b>\r\nBcc: x@y.z",
        )


def test_reply_parses_back() -> None:
    """vcc's own reply, received back (a customer answering it), keeps the thread."""
    sent = mail.reply(
        _original(), case_id=9, from_address="s@vcc.example", text="tekst", domain="vcc.example"
    )
    parsed = mail.parse(sent.as_bytes())
    assert parsed.sender == "s@vcc.example"
    assert parsed.to == ("anna@example.org",)
    assert mail.case_number(parsed.subject) == 9
    assert parsed.in_reply_to == "<m2@example.org>"
    assert parsed.references[-1] == "<m2@example.org>"
    assert parsed.message_id == sent["Message-ID"]
    assert parsed.text == "tekst"


# -- cheap bounds before the slow structured parse -----------------------------------------
def _multipart(parts: bytes) -> bytes:
    head = b"From: anna@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
    return head + parts + b"--b--\r\n"


def test_too_many_parts_are_refused() -> None:
    with pytest.raises(InvalidInput, match="too many MIME parts"):
        mail.parse(_multipart(b"--b\r\n\r\nx\r\n" * (mail.MAX_PARTS + 1)))
    with pytest.raises(InvalidInput, match="too many MIME parts"):
        mail.parse(_multipart(b"--b\r\n\r\nx\r\n" * 100_000))


def test_long_or_many_headers_are_refused() -> None:
    params = b"; ".join(b"p%d=v" % n for n in range(mail.MAX_PARAMS + 1))
    with pytest.raises(InvalidInput, match="Content-Type header is too long"):
        mail.parse(_multipart(b"--b\r\nContent-Type: text/plain; " + params + b"\r\n\r\nx\r\n"))
    long_name = b"x" * mail.MAX_CONTENT_HEADER
    with pytest.raises(InvalidInput, match="Content-Disposition header is too long"):
        mail.parse(
            _multipart(b"--b\r\nContent-Disposition: inline; name=" + long_name + b"\r\n\r\nx\r\n")
        )
    with pytest.raises(InvalidInput, match="To header is too long"):
        mail.parse(b"From: anna@example.org\r\nTo: " + b"a@b.cd, " * 10_000 + b"\r\n\r\nx")
    with pytest.raises(InvalidInput, match="too many header fields"):
        mail.parse(b"From: anna@example.org\r\n" + b"X-A: b\r\n" * mail.MAX_HEADERS + b"\r\nx")


def test_html_is_read_only_up_to_its_limit() -> None:
    html = "<p>" + "woord " * (mail.MAX_HTML // 6) + "</p><p>VERBORGEN</p>"
    text = mail.html_to_text(html)
    assert "VERBORGEN" not in text
    assert text.startswith("woord woord")
