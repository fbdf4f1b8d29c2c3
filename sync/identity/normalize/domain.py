"""Normalisation of web domains from URLs, e-mail addresses or bare host names."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

import idna

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_ASCII_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_MAX_DOMAIN_LENGTH = 253

# Mailbox providers for private persons: a shared address domain says nothing about the
# employer. Families below cover each provider's country domains (yahoo.de, hotmail.co.uk …).
_FREEMAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "ymail.com",
        "rocketmail.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "web.de",
        "t-online.de",
        "freenet.de",
        "arcor.de",
        "posteo.de",
        "mailbox.org",
        "online.de",
        "email.de",
        "vodafone.de",
        "kabelmail.de",
        "protonmail.com",
        "protonmail.ch",
        "proton.me",
        "pm.me",
        "tutanota.com",
        "tutanota.de",
        "tuta.io",
        "fastmail.com",
        "zoho.com",
        "mail.com",
        "mail.ru",
        "inbox.ru",
        "list.ru",
        "bk.ru",
        "ya.ru",
        "mynet.com",
        "ttmail.com",
        "superonline.com",
        "btinternet.com",
        "sky.com",
        "virginmedia.com",
        "talktalk.net",
        "ntlworld.com",
        "blueyonder.co.uk",
        "comcast.net",
        "qq.com",
        "163.com",
    }
)
_FREEMAIL_FAMILIES = frozenset({"yahoo", "hotmail", "outlook", "live", "gmx", "aol", "yandex"})
# A family member is "<family>.<country suffix>", e.g. "yahoo.com.tr"; longer suffixes such as
# "live.example.org" are somebody else's.
_COUNTRY_SUFFIX = re.compile(r"^([a-z]{2,3})(\.[a-z]{2})?$")


def normalize_domain(raw: str | None) -> str | None:
    """Host name of a URL, e-mail address or bare domain, lower-case, without "www.".

    "https://www.Müller.de:8080/kontakt" and "info@müller.de" both give "xn--mller-kva.de":
    internationalised names are given in their ASCII (IDNA) form, as
    :func:`~sync.identity.normalize.email.normalize_email` does. ``None`` for anything that is
    not a domain name with at least two labels (IP addresses included). Never raises.
    """
    host = _host_of((raw or "").strip())
    if host is None:
        return None
    host = host.rstrip(".")
    if host.startswith("www.") and "." in host[len("www.") :]:  # but "www.com" is a domain
        host = host[len("www.") :]
    return _ascii_domain(host)


def is_freemail_domain(domain: str | None) -> bool:
    """True if ``domain`` (or the domain of a URL or address) belongs to a free-mail provider."""
    normalized = normalize_domain(domain)
    if normalized is None:
        return False
    if normalized in _FREEMAIL_DOMAINS:
        return True
    family, _, suffix = normalized.partition(".")
    return family in _FREEMAIL_FAMILIES and _COUNTRY_SUFFIX.match(suffix) is not None


def _host_of(text: str) -> str | None:
    if not text:
        return None
    if not _SCHEME.match(text):
        text = f"//{text.rpartition('@')[2]}"  # an e-mail address or a bare host
    try:
        return urlsplit(text).hostname
    except ValueError:  # e.g. an unbalanced "[" of an IPv6 literal, or a bad port
        return None


def _ascii_domain(host: str) -> str | None:
    if not host or _is_ip_address(host):
        return None
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError):
        return None
    labels = ascii_host.split(".")
    if len(labels) < 2 or len(ascii_host) > _MAX_DOMAIN_LENGTH:
        return None
    if labels[-1].isdigit() or not all(_ASCII_LABEL.match(label) for label in labels):
        return None
    return ascii_host


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
