"""The one mapping from what head office answered (or failed to) to the project's errors.

    not reached, timed out, TLS refused     TransportError   retry later
    3xx (never followed)                    TransportError   the URL moved: the message says where
    401, 403                                DeniedError      token or enrollment code refused
    404                                     NotFoundError    no such thing at head office
    408, 425, 429                           TransportError   retry later
    other 4xx                               ValidationError  with its reason; not retried as is
    5xx and anything else                   TransportError   retry later

A 2xx whose body is not the expected document is a ``TransportError`` too (a proxy's page, a
head office of another version): the request may well succeed later.
"""

from __future__ import annotations

import json
import ssl

import requests

from kiosk.core.config.errors import (
    DeniedError,
    KioskError,
    NotFoundError,
    TransportError,
    ValidationError,
)

RETRY_LATER = {408, 425, 429}


def reason(text: str) -> str:
    """Head office's ``{"detail": …}`` (FastAPI's errors), else the start of the body."""
    try:
        detail = json.loads(text).get("detail")
    except (ValueError, AttributeError):
        return text.strip()[:200]
    if isinstance(detail, list):  # FastAPI's 422: one entry per field
        return "; ".join(
            f"{'.'.join(str(p) for p in d.get('loc', ()))}: {d.get('msg', '')}"
            if isinstance(d, dict)
            else str(d)
            for d in detail
        )[:300]
    return str(detail)[:300] if detail is not None else text.strip()[:200]


def error_for(status: int, text: str, *, location: str = "", denied_key: str) -> KioskError:
    """The error for a non-2xx answer (``denied_key`` names the refusal's message)."""
    why = reason(text)
    if 300 <= status < 400:
        return TransportError(
            f"head office answered {status}, moved to {location or 'an unnamed address'}: "
            "set [head_office] url to where it is now"
        )
    if status in (401, 403):
        return DeniedError(f"head office refused this kiosk ({status}): {why}", key=denied_key)
    if status == 404:
        return NotFoundError(f"head office has no such thing (404): {why}")
    if status in RETRY_LATER or not 400 <= status < 500:
        return TransportError(f"head office answered {status}: {why}")
    return ValidationError(f"head office refused the request ({status}): {why}")


def network_error(url: str, error: requests.RequestException) -> TransportError:
    """A request that got no answer, with the cause in words an operator can act on."""
    if isinstance(error, requests.exceptions.SSLError):
        return TransportError(f"head office at {url} failed the TLS check: {_tls_cause(error)}")
    if isinstance(error, requests.Timeout):
        return TransportError(f"head office at {url} did not answer in time ({error})")
    return TransportError(f"cannot reach head office at {url}: {type(error).__name__}: {error}")


def unreadable(what: str, error: Exception) -> TransportError:
    return TransportError(f"head office's {what} answer is not readable: {str(error)[:200]}")


def _tls_cause(error: requests.exceptions.SSLError) -> str:
    cause: BaseException | None = error
    while cause is not None and not isinstance(cause, ssl.SSLCertVerificationError):
        cause = (
            cause.__context__
            or cause.__cause__
            or (cause.args[0] if cause.args and isinstance(cause.args[0], BaseException) else None)
        )
    if isinstance(cause, ssl.SSLCertVerificationError):
        text = cause.verify_message or str(cause)
        if "hostname" in text.lower() or "ip address mismatch" in text.lower():
            return f"its certificate is for another host ({text})"
        return (
            f"its certificate is not trusted ({text}): "
            "give its CA with [head_office] ca_bundle (or kiosk enroll --ca-bundle)"
        )
    return str(error)
