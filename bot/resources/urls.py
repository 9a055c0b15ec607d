"""Web addresses: which ones may be pinned, and when two of them are the same resource.

`clean_url` refuses what must never be pinned (script and local-file schemes, addresses
without a host, embedded passwords) and tidies what is kept: tracking parameters go, the
scheme and host are lower-cased, default ports dropped. `url_key` goes further, to decide
"same resource": http and https, `www.`, a trailing slash, the fragment and the order of
query parameters make no difference.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from storage.models.resources import PIN_URL_MAX

TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
    "ttclid", "li_fat_id", "igshid", "igsh", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc",
    "_hsmi", "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id", "wickedid", "rb_clickid",
    "s_cid", "ref_src", "ref_url", "spm", "si", "cmpid", "trk", "trkcampaign",
})
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "matomo_")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_REFUSED_SCHEMES = {"javascript", "file", "data", "vbscript", "about", "blob", "ftp",
                    "mailto", "tel", "chrome", "view-source", "ws", "wss"}
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9\-_]{0,61}[a-z0-9])?\.)+[a-z0-9\-]{2,63}$|"
                   r"^\d{1,3}(?:\.\d{1,3}){3}$|^\[[0-9a-f:.]+\]$|^localhost$")


_BARE = re.compile(r"(?:www\.)?(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
                   r"(?::\d{1,5})?(?:[/?#]\S*)?", re.IGNORECASE)


class BadURL(ValueError):
    """The text cannot be pinned; the message says why, for the member."""


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def clean_url(raw: str) -> str:
    """The URL as it will be stored and shown, or BadURL saying what is wrong with it."""
    value = raw.strip().strip("<>")
    shown = value[:60] + ("…" if len(value) > 60 else "")
    if not value:
        raise BadURL("is missing: give the web address, starting with https://")
    if len(value) > PIN_URL_MAX:
        raise BadURL(f"is too long (at most {PIN_URL_MAX} characters)")
    if any(ch.isspace() for ch in value):
        raise BadURL(f"must be one web address without spaces (got {shown!r})")
    if "://" not in value and _BARE.fullmatch(value):  # "example.org/guide", as pasted
        value = f"https://{value}"
    scheme = _SCHEME.match(value)
    if scheme is None:
        raise BadURL(f"must be a web address starting with http:// or https:// (got {shown!r})")
    name = scheme.group(1).lower()
    if name in _REFUSED_SCHEMES:
        raise BadURL(f"uses {name}:, which is never pinned: only http:// and https:// web "
                     "addresses are allowed")
    if name not in _DEFAULT_PORTS:
        raise BadURL(f"must be a web address starting with http:// or https:// (got {shown!r})")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise BadURL(f"is not a valid web address (got {shown!r})") from None
    if parts.username is not None or parts.password is not None:
        raise BadURL("must not contain a user name or password")
    host = (parts.hostname or "").rstrip(".")
    try:
        host = host.encode("idna").decode("ascii").lower() if host else ""
    except UnicodeError:
        raise BadURL(f"has a host name that is not valid (got {shown!r})") from None
    if not host or not _HOST.match(host if ":" not in host else f"[{host}]"):
        raise BadURL(f"has no valid host name (got {shown!r}); write it like "
                     "https://example.org/page")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[name]:
        netloc = f"{netloc}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not _is_tracking(k)]
    return urlunsplit((name, netloc, parts.path or "/", urlencode(query, doseq=True),
                       parts.fragment))


def canonical(url: str) -> str:
    """The comparison form of a clean URL: what two addresses of one resource share."""
    parts = urlsplit(clean_url(url))
    host = parts.netloc
    if host.startswith("www.") and "." in host[4:]:  # www.example.org, not www.org itself
        host = host[4:]
    path = quote(unquote(parts.path), safe="/:@!$&'()*+,;=~-._%")
    path = re.sub(r"/{2,}", "/", path).rstrip("/") or "/"
    query = sorted(parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit(("https", host, path, urlencode(query), ""))


def url_key(url: str) -> str:
    """A fixed-size key for the unique index: a hash of the comparison form."""
    return hashlib.sha256(canonical(url).encode()).hexdigest()
