"""Inbound email read safely, and replies threaded right: pure functions, no I/O.

Everything here handles mail from strangers, so every header may be malformed,
every size may be hostile and every file name may try to climb out of a folder.
Errors a sender can cause are ``InvalidInput`` (the SMTP listener refuses the
message with its text); nothing else may escape ``parse``.
"""

from __future__ import annotations

import codecs
import contextlib
import email
import email.policy
import email.utils
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage, Message
from html.parser import HTMLParser

from vcc.errors import InvalidInput

MAX_MESSAGE = 10 * 1024 * 1024  # bytes, as received
MAX_ATTACHMENTS = 10
MAX_ATTACHMENT = 5 * 1024 * 1024  # bytes, decoded
MAX_TEXT = 200_000  # characters of body text kept
MAX_HTML = 512 * 1024  # characters of an HTML body read: parsing more costs seconds of CPU
MAX_PARTS = 64  # MIME parts, nested ones included: ten attachments need far fewer
MAX_HEADERS = 500  # header fields per part
MAX_HEADER = 16 * 1024  # characters of one header field
MAX_CONTENT_HEADER = 4 * 1024  # of a Content-* field: the parser is quadratic on their params
MAX_PARAMS = 32  # parameters of a Content-* field (long file names come in a few pieces)
MAX_SUBJECT = 300
MAX_NAME = 200  # a sender's display name
MAX_REFERENCES = 20  # message ids kept from a thread: enough to find it, bounded
MAX_DEPTH = 20  # multipart nesting

CASE_TAG = re.compile(r"\[case #(\d{1,9})\]")

_ADDRESS = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+")
_MESSAGE_ID = re.compile(r"<[!-;=?-~]{1,250}>")  # printable ASCII: it goes into our headers
_REPLY_PREFIX = re.compile(r"^(?:\s*(?:re|aw|antw)\s*(?:\[\d+\])?\s*:)+\s*", re.IGNORECASE)
_UNSAFE_NAME_CHAR = re.compile(r"[^A-Za-z0-9._ -]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # keeps \t and \n
_BLOCK_TAGS = frozenset(
    {"br", "p", "div", "li", "tr", "table", "ul", "ol", "blockquote", "pre", "hr"}
    | {"h1", "h2", "h3", "h4", "h5", "h6"}
)
_HIDDEN_TAGS = frozenset({"script", "style", "title"})


@dataclass(frozen=True)
class Attachment:
    filename: str  # already through safe_filename: for display only
    content_type: str
    data: bytes


@dataclass(frozen=True)
class InboundEmail:
    sender: str  # bare address, lowercase
    sender_name: str
    to: tuple[str, ...]
    subject: str
    message_id: str  # with <>; "" when the message has none
    in_reply_to: str
    references: tuple[str, ...]
    text: str
    attachments: tuple[Attachment, ...]


def address(value: str) -> str:
    """One plain, conservative address, lowercase: what vcc matches customers by and
    writes into headers. Stricter than ``vcc.wfm.mail.email_address`` on purpose:
    the addresses come from strangers."""
    if len(value) > 254 or not _ADDRESS.fullmatch(value):
        raise InvalidInput(
            f"{_one_line(value, 60)!r} is not an email address", hint="like anna@example.org"
        )
    return value.lower()


def parse(raw: bytes) -> InboundEmail:
    """A received message, checked and reduced to what the desk shows."""
    if len(raw) > MAX_MESSAGE:
        raise InvalidInput(
            f"the email is larger than {MAX_MESSAGE // (1024 * 1024)} MB",
            hint="send large files another way",
        )
    _check_shape(raw)
    try:
        message = email.message_from_bytes(bytes(raw), policy=email.policy.default)
    except Exception as e:  # the parser is lenient; only pathological input gets here
        raise InvalidInput("the email cannot be read", hint="send it as standard MIME") from e
    sender, sender_name = _sender(message)
    text, attachments = _content(message)
    references = _message_ids(_header(message, "References"))
    return InboundEmail(
        sender=sender,
        sender_name=sender_name,
        to=_recipients(message),
        subject=_one_line(_header(message, "Subject"), MAX_SUBJECT),
        message_id=next(iter(_message_ids(_header(message, "Message-ID"))), ""),
        in_reply_to=next(iter(_message_ids(_header(message, "In-Reply-To"))), ""),
        references=_bounded(references),
        text=text,
        attachments=attachments,
    )


def _check_shape(raw: bytes) -> None:
    """Bounds on parts and headers before the structured parse: the email package's
    header parser is slow (quadratic on some long fields) and runs in the event loop,
    so a 10 MB message of pathological headers must be refused cheaply first."""
    if raw.count(b"\n--") > MAX_PARTS * 8:  # boundary lines, before any parsing
        raise InvalidInput("the email has too many MIME parts", hint="send fewer files")
    try:
        rough = email.message_from_bytes(bytes(raw), policy=email.policy.compat32)  # linear
        for parts, part in enumerate(rough.walk(), start=1):
            if parts > MAX_PARTS:
                raise InvalidInput("the email has too many MIME parts", hint="send fewer files")
            fields = list(part.raw_items())
            if len(fields) > MAX_HEADERS:
                raise InvalidInput("the email has too many header fields")
            for name, value in fields:
                text = str(value)
                content = name.lower().startswith("content-")
                if len(text) > (MAX_CONTENT_HEADER if content else MAX_HEADER) or (
                    content and text.count(";") > MAX_PARAMS
                ):
                    raise InvalidInput(f"the email's {_one_line(name, 40)} header is too long")
    except InvalidInput:
        raise
    except Exception as e:  # RecursionError on absurd nesting, and the like
        raise InvalidInput("the email cannot be read", hint="send it as standard MIME") from e


def safe_filename(name: str | None) -> str:
    """A sender's file name fit to show (never to store under: files get vcc's names)."""
    base = re.split(r"[/\\]", name or "")[-1]
    base = _CONTROL.sub("", _text(base))
    base = _UNSAFE_NAME_CHAR.sub("_", base).lstrip(". ")
    base = base[:100].rstrip(" ")
    return base or "attachment"


def case_number(subject: str) -> int | None:
    """The case a subject names by its tag, as replies from vcc carry it."""
    found = CASE_TAG.search(subject)
    return int(found.group(1)) if found else None


def reply(
    original: InboundEmail,
    *,
    case_id: int,
    from_address: str,
    text: str,
    domain: str,
    message_id: str | None = None,
) -> EmailMessage:
    """The answer to ``original``, threaded (In-Reply-To, References) and tagged with
    its case so the customer's next message finds the case even without headers."""
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"the reply is longer than {MAX_TEXT} characters", hint="shorten it")
    own_id = message_id or email.utils.make_msgid(domain=domain)
    if not _MESSAGE_ID.fullmatch(own_id):
        raise InvalidInput(f"{_one_line(own_id, 60)!r} is not a message id")
    to = address(original.sender)
    sender = address(from_address)
    subject = _REPLY_PREFIX.sub("", CASE_TAG.sub("", original.subject))
    subject = _one_line(f"Re: {_one_line(subject, MAX_SUBJECT)}", MAX_SUBJECT + 4)
    tagged = f"{subject} [case #{case_id}]"

    valid = [m for m in original.references if _MESSAGE_ID.fullmatch(m)]
    if not valid and _MESSAGE_ID.fullmatch(original.in_reply_to):
        valid = [original.in_reply_to]
    own = original.message_id if _MESSAGE_ID.fullmatch(original.message_id) else ""
    if own and own not in valid[-1:]:
        valid.append(own)

    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = tagged
    message["Date"] = email.utils.format_datetime(datetime.now(UTC))
    message["Message-ID"] = own_id
    if own:
        message["In-Reply-To"] = own
    if valid:
        message["References"] = " ".join(_bounded(valid))
    message.set_content(text)
    return message


# -- headers -------------------------------------------------------------------------------
def _header(message: Message, name: str) -> str:
    """A header's decoded value; "" when it is missing or the email package chokes on it."""
    try:
        value = message.get(name)
        return "" if value is None else _text(str(value))
    except Exception:  # malformed header: treat as missing
        return ""


def _addresses(message: Message, name: str) -> list[tuple[str, str]]:
    """(display name, address) of an address header; [] when missing or malformed."""
    try:
        value = message.get(name)
        found = getattr(value, "addresses", None)
        if found is None:
            return []
        return [(_text(str(a.display_name)), _text(str(a.addr_spec))) for a in found]
    except Exception:  # malformed header: treat as missing
        return []


def _sender(message: Message) -> tuple[str, str]:
    for name, value in _addresses(message, "From"):
        try:
            return address(value), _one_line(name, MAX_NAME)
        except InvalidInput:
            continue
    raise InvalidInput("the email has no valid From address", hint="like anna@example.org")


def _recipients(message: Message) -> tuple[str, ...]:
    found: list[str] = []
    for _, value in _addresses(message, "To")[:100]:
        try:
            found.append(address(value))
        except InvalidInput:
            continue
    return tuple(dict.fromkeys(found))


def _message_ids(value: str) -> list[str]:
    """The message ids in a header; a lone id without its <> gets them."""
    found = _MESSAGE_ID.findall(value)
    if not found and _MESSAGE_ID.fullmatch(f"<{value.strip()}>"):
        found = [f"<{value.strip()}>"]
    return found


def _bounded(ids: list[str]) -> tuple[str, ...]:
    """A thread's root and its latest messages: enough to find it, never unbounded."""
    if len(ids) <= MAX_REFERENCES:
        return tuple(ids)
    return (ids[0], *ids[-(MAX_REFERENCES - 1) :])


# -- body and attachments ------------------------------------------------------------------
def _content(message: Message) -> tuple[str, tuple[Attachment, ...]]:
    plain: str | None = None
    html: str | None = None
    attachments: list[Attachment] = []
    for part in _leaves(message, 0):
        content_type = _content_type(part)
        filename = _filename(part)
        disposition = _disposition(part)
        if (
            content_type in ("text/plain", "text/html")
            and not filename
            and disposition != "attachment"
        ):
            if content_type == "text/plain" and plain is None:
                plain = _decoded_text(part)
            elif content_type == "text/html" and html is None:
                html = _decoded_text(part)
            continue
        if len(attachments) == MAX_ATTACHMENTS:
            raise InvalidInput(
                f"the email has more than {MAX_ATTACHMENTS} attachments",
                hint="send fewer files per message",
            )
        data = _payload(part)
        if len(data) > MAX_ATTACHMENT:
            raise InvalidInput(
                f"attachment {safe_filename(filename)!r} is larger than "
                f"{MAX_ATTACHMENT // (1024 * 1024)} MB",
                hint="send large files another way",
            )
        if not filename and content_type == "message/rfc822":
            filename = "message.eml"
        attachments.append(Attachment(safe_filename(filename), content_type, data))
    text = plain if plain is not None else html_to_text(html or "")
    return _body(text), tuple(attachments)


def _leaves(part: Message, depth: int) -> Iterator[Message]:
    """The parts that hold content; a forwarded message is one leaf, not opened."""
    if depth > MAX_DEPTH:
        raise InvalidInput("the email is nested too deeply", hint="send it as standard MIME")
    if part.is_multipart() and _content_type(part).startswith("multipart/"):
        payload = part.get_payload()
        for sub in payload if isinstance(payload, list) else []:
            if isinstance(sub, Message):
                yield from _leaves(sub, depth + 1)
    else:
        yield part


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()[:100]
    except Exception:  # malformed Content-Type: what RFC 2045 says to assume
        return "text/plain"


def _disposition(part: Message) -> str | None:
    try:
        return part.get_content_disposition()
    except Exception:  # malformed header: treat as missing
        return None


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # malformed header: treat as missing
        return None
    return _text(name) if name else None


def _payload(part: Message) -> bytes:
    """The decoded bytes of a leaf; a forwarded message as it was sent."""
    try:
        if part.is_multipart():
            inner = part.get_payload(0)
            return (
                inner.as_bytes(policy=email.policy.compat32) if isinstance(inner, Message) else b""
            )
        data = part.get_payload(decode=True)
        return data if isinstance(data, bytes) else b""
    except Exception:  # undecodable: kept empty rather than refusing the whole email
        return b""


def _decoded_text(part: Message) -> str:
    data = _payload(part)
    charset = "utf-8"
    try:
        declared = part.get_content_charset()
        if declared:
            codecs.lookup(declared)
            charset = declared
    except Exception:  # unknown or malformed charset: assume UTF-8
        charset = "utf-8"
    try:
        return data.decode(charset, errors="replace")
    except Exception:  # codecs that are not text (e.g. "base64"): read as UTF-8
        return data.decode("utf-8", errors="replace")


class _TextOfHtml(HTMLParser):
    """What a reader of an HTML email sees, without scripts or styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.size = 0  # characters in out
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self.hidden += 1
        elif tag in _BLOCK_TAGS:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCK_TAGS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.out.append(re.sub(r"\s+", " ", data))
            self.size += len(self.out[-1])


def html_to_text(html: str) -> str:
    """Plain text of an HTML body: tags gone, entities resolved, scripts dropped."""
    parser = _TextOfHtml()
    html = html[:MAX_HTML]
    with contextlib.suppress(Exception):  # the parser gave up midway: keep what it read
        for start in range(0, len(html), 65536):  # in pieces: stop once there is enough
            parser.feed(html[start : start + 65536])
            if parser.size > MAX_TEXT:
                break
        else:
            parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.out).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# -- text ----------------------------------------------------------------------------------
def _text(value: str) -> str:
    """Valid Unicode: raw 8-bit header bytes (kept by the parser as surrogates) read as UTF-8."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _one_line(value: str, limit: int) -> str:
    """No CR/LF (no header injection), no control characters, bounded."""
    return " ".join(_CONTROL.sub("", _text(value)).split())[:limit]


def _body(text: str) -> str:
    text = _text(text).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()[:MAX_TEXT]
