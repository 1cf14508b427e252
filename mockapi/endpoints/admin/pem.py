"""The validity period of a PEM certificate, read from its DER without a crypto library.

An uploaded certificate (``POST /v1/organization/certificates``) answers with its
``certificate_details``: ``valid_at`` and ``expires_at``, the certificate's
``notBefore`` and ``notAfter``. Those sit at a fixed place of every X.509 certificate
(RFC 5280)::

    Certificate ::= SEQUENCE { tbsCertificate SEQUENCE {
        [0] version OPTIONAL, serialNumber INTEGER, signature AlgorithmIdentifier,
        issuer Name, validity SEQUENCE { notBefore Time, notAfter Time }, ... }, ... }

so a few lines of DER reading find them (``UTCTime`` ``YYMMDDHHMMSSZ``, years 50-99
in the 1900s, or ``GeneralizedTime`` ``YYYYMMDDHHMMSSZ``). Nothing is verified: the
mock only shows what the certificate says. Anything that is not a PEM certificate
this reading can follow is :class:`CertificateError`.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import re

from mockapi.errors import MockapiError

_PEM = re.compile(
    r"-----BEGIN CERTIFICATE-----\s*(?P<body>[A-Za-z0-9+/=\s]+?)\s*-----END CERTIFICATE-----"
)
_SEQUENCE = 0x30
_VERSION = 0xA0
_UTC_TIME = 0x17
_GENERALIZED_TIME = 0x18


class CertificateError(MockapiError, ValueError):
    """Text that is not a PEM X.509 certificate (the reason is the message)."""


def validity(pem: str) -> tuple[int, int]:
    """``(valid_at, expires_at)``: the first certificate of ``pem``'s ``notBefore`` and
    ``notAfter`` in Unix seconds."""
    match = _PEM.search(pem)
    if match is None:
        raise CertificateError("no '-----BEGIN CERTIFICATE-----' block")
    try:
        der = base64.b64decode("".join(match["body"].split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CertificateError(f"the certificate block is not base64 ({exc})") from None
    try:
        return _validity(der)
    except IndexError:
        raise CertificateError("the certificate's DER ends early") from None


def _validity(der: bytes) -> tuple[int, int]:
    certificate, _ = _element(der, 0, _SEQUENCE)
    tbs, _ = _element(der, certificate, _SEQUENCE)
    at = tbs
    if der[at] == _VERSION:
        at = _skip(der, at)
    for _ in range(3):  # serialNumber, signature, issuer
        at = _skip(der, at)
    validity_at, _ = _element(der, at, _SEQUENCE)
    not_before, after_start = _time(der, validity_at)
    not_after, _ = _time(der, after_start)
    return not_before, not_after


def _header(der: bytes, at: int) -> tuple[int, int, int]:
    """The tag at ``at``, where its content starts and how long it is."""
    tag, first = der[at], der[at + 1]
    if first < 0x80:
        return tag, at + 2, first
    count = first & 0x7F
    if not 1 <= count <= 4:
        raise CertificateError(f"a DER length of {count} bytes at offset {at}")
    length = int.from_bytes(der[at + 2 : at + 2 + count], "big")
    return tag, at + 2 + count, length


def _element(der: bytes, at: int, tag: int) -> tuple[int, int]:
    """Where the content of the element at ``at`` starts, and where the next begins;
    the element must have ``tag``."""
    found, start, length = _header(der, at)
    if found != tag:
        raise CertificateError(f"expected DER tag 0x{tag:02x} at offset {at}, got 0x{found:02x}")
    return start, start + length


def _skip(der: bytes, at: int) -> int:
    """Where the element after the one at ``at`` begins."""
    _, start, length = _header(der, at)
    return start + length


def _time(der: bytes, at: int) -> tuple[int, int]:
    """The Time at ``at`` in Unix seconds, and where the next element begins."""
    tag, start, length = _header(der, at)
    text = der[start : start + length].decode("ascii", "replace")
    if tag == _UTC_TIME and re.fullmatch(r"\d{12}Z", text):
        year = int(text[:2])
        text = ("19" if year >= 50 else "20") + text
    elif tag != _GENERALIZED_TIME or not re.fullmatch(r"\d{14}Z", text):
        raise CertificateError(f"the certificate's validity time {text!r} cannot be read")
    fields = [int(text[i : i + 2]) for i in range(4, 14, 2)]
    stamp = (int(text[:4]), *fields, 0, 0, 0)
    return calendar.timegm(stamp), start + length
