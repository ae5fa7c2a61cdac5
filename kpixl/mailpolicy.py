"""An e-mail policy that keeps Thai headers whole.

Python 3.11's header folder can put a space that belongs to the text between two encoded
words, outside both, where RFC 2047 decoders drop it (CPython gh-144156 and its
relatives): "ตัวชี้วัด ประจำปี" arrives as "ตัวชี้วัดประจำปี", and a display name such as
"กองยุทธศาสตร์และงบประมาณ" can gain a space. :data:`THAI_SMTP` encodes every non-ASCII
Subject and address header itself: whole characters per encoded word, spaces inside the
words, one word per folded line.
"""

from __future__ import annotations

import base64
import email.utils
from email.policy import EmailPolicy

_ADDRESS_HEADERS = ("from", "to", "cc", "bcc", "reply-to", "sender")


def encoded_words(text: str, charset: str = "utf-8", codec: str = "utf-8") -> str:
    """``text`` as RFC 2047 B words of whole characters, spaces inside the words, one per
    folded line (each word at most 64 characters long)."""
    words: list[str] = []
    chunk = ""
    for char in text:
        if len((chunk + char).encode(codec)) > 39:
            words.append(chunk)
            chunk = ""
        chunk += char
    words.append(chunk)
    return "\r\n ".join(encoded_word(word, charset, codec) for word in words if word)


def encoded_word(text: str, charset: str = "utf-8", codec: str = "utf-8") -> str:
    """One RFC 2047 B encoded word of ``text`` in ``charset``."""
    return f"=?{charset}?B?{base64.b64encode(text.encode(codec)).decode('ascii')}?="


class ThaiSafePolicy(EmailPolicy):
    """``email.policy.SMTP``, except that non-ASCII Subject and address headers are
    encoded by :func:`encoded_words` (see the module docstring)."""

    def fold_binary(self, name: str, value: str) -> bytes:
        """Fold one header (see the class docstring)."""
        text = str(value)
        key = name.lower()
        if text.isascii() or key not in ("subject", *_ADDRESS_HEADERS):
            return super().fold_binary(name, value)
        if key == "subject":
            folded = encoded_words(text)
        else:
            folded = ",\r\n ".join(
                f"{encoded_words(display)} <{address}>" if display else f"<{address}>"
                for display, address in email.utils.getaddresses([text])
            )
        return f"{name}: {folded}{self.linesep}".encode("ascii")


THAI_SMTP = ThaiSafePolicy(linesep="\r\n")
"""The policy every e-mail kpixl writes uses."""
