"""A PDF wrapped in a PostScript program that has Ghostscript run it, unchanged.

What for: a CUPS queue whose filters turn a PDF into PostScript first (CUPS-PDF does) loses a
CJK font's text mapping on the way: the page looks right but no name can be found or copied in
the PDF it keeps. Sent as this program (``cups:QUEUE+ps``), Ghostscript reads the original PDF
(hex-encoded inline, kept in a seekable in-memory stream) and renders it as made, text and
font included. Only for queues whose filters run Ghostscript (CUPS-PDF, and any driver queue
rendered by Ghostscript): a printer with its own PostScript interpreter has no ``runpdf``.
Pure.
"""

from __future__ import annotations

import binascii


def pdf_in_postscript(pdf: bytes) -> bytes:
    if not pdf.startswith(b"%PDF-"):
        raise ValueError("not a PDF")
    text = binascii.hexlify(pdf)
    body = b"\n".join(text[i : i + 128] for i in range(0, len(text), 128))
    return (
        b"%!PS-Adobe-3.0\n"
        b"%%Title: roll call\n"
        b"currentfile /ASCIIHexDecode filter /ReusableStreamDecode filter\n"
        + body
        + b">\nrunpdf\n%%EOF\n"
    )
