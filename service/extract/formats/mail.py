"""Mail: RFC 5322 messages (.eml, MIME) and Outlook .msg files, attachments recursed into."""

from __future__ import annotations

import email
import email.policy
import io
from email.message import EmailMessage

from service.extract.detect import Kind
from service.extract.extractor import Extraction, handles
from service.extract.html import html_to_text
from service.extract.names import safe_member_name

# Headers worth scanning: who and about what. Routing headers hold no user content.
SCANNED_HEADERS = ("Subject", "From", "To", "Cc", "Bcc", "Reply-To")
MSG_FIELDS = (("Subject", "subject"), ("From", "sender"), ("To", "to"), ("Cc", "cc"), ("Body", "body"))


@handles(Kind.EMAIL)
def read_email(extraction: Extraction, data: bytes, path: str, depth: int) -> None:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    _read_message(extraction, message, path, depth)


def _read_message(extraction: Extraction, message: EmailMessage, path: str, depth: int) -> None:
    headers = [f"{name}: {value}" for name in SCANNED_HEADERS for value in message.get_all(name, [])]
    if headers:
        extraction.add_text(f"{path}/headers", "\n".join(str(h) for h in headers), "text/plain")
    bodies = 0
    attachments = 0
    for part in message.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        filename = part.get_filename()
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        if filename or part.get_content_disposition() == "attachment" or content_type == "message/rfc822":
            attachments += 1
            extraction.budget.take_entry()
            name = safe_member_name(filename or f"attachment-{attachments}")
            extraction.extract(payload, f"{path}/attachments/{name}", depth + 1, content_type)
        elif content_type in ("text/plain", "text/html"):
            bodies += 1
            charset = part.get_content_charset() or "utf-8"
            try:
                text = payload.decode(charset, errors="replace")
            except LookupError:
                text = payload.decode("utf-8", errors="replace")
            suffix = "" if bodies == 1 else str(bodies)
            if content_type == "text/html":
                extraction.add_text(f"{path}/body{suffix}.html", html_to_text(text), "text/html", len(payload))
            else:
                extraction.add_text(f"{path}/body{suffix}", text, "text/plain", len(payload))


@handles(Kind.MSG)
def read_outlook_message(extraction: Extraction, data: bytes, path: str, depth: int) -> None:
    import extract_msg  # imported here: it is large and only .msg files need it

    message = extract_msg.openMsg(io.BytesIO(data))
    try:
        # Not every .msg is a mail (appointments, tasks…): read the fields it has.
        fields = {label: getattr(message, attribute, None) for label, attribute in MSG_FIELDS}
        headers = [f"{label}: {value}" for label, value in fields.items() if label != "Body" and value]
        if headers:
            extraction.add_text(f"{path}/headers", "\n".join(headers), "text/plain")
        if fields["Body"]:
            extraction.add_text(f"{path}/body", str(fields["Body"]), "text/plain")
        for index, attachment in enumerate(getattr(message, "attachments", []), start=1):
            content = getattr(attachment, "data", None)
            if isinstance(content, bytes):
                name = safe_member_name(getattr(attachment, "longFilename", None) or f"attachment-{index}")
                extraction.extract(content, f"{path}/attachments/{name}", depth + 1)
    finally:
        message.close()
