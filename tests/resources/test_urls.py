"""URL cleaning and the "same resource" key, with generated addresses."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.resources.urls import BadURL, canonical, clean_url, url_key


@pytest.mark.parametrize(("a", "b"), [
    ("https://example.org/guide", "http://EXAMPLE.org/guide/"),
    ("https://example.org/guide", "https://www.example.org/guide"),
    ("https://example.org/guide", "https://example.org:443/guide#section-2"),
    ("http://example.org/guide", "http://example.org:80/guide"),
    ("https://example.org/g?a=1&b=2", "https://example.org/g?b=2&a=1"),
    ("https://example.org/g?a=1", "https://example.org/g?a=1&utm_source=x&utm_medium=y"),
    ("https://example.org/g", "https://example.org/g?fbclid=abc&gclid=def&mc_cid=1&mc_eid=2"),
    ("https://example.org/g", "https://example.org/g?_ga=1&msclkid=2&igshid=3"),
    ("https://example.org/", "https://example.org"),
    ("https://example.org/a%20b", "https://example.org/a b".replace(" ", "%20")),
])
def test_same_resource(a: str, b: str) -> None:
    assert url_key(a) == url_key(b)


@pytest.mark.parametrize(("a", "b"), [
    ("https://example.org/guide", "https://example.org/guides"),
    ("https://example.org/g?a=1", "https://example.org/g?a=2"),
    ("https://example.org/g", "https://example.org:8443/g"),
    ("https://example.org/G", "https://example.org/g"),  # paths are case-sensitive
    ("https://a.example.org/", "https://b.example.org/"),
])
def test_different_resources(a: str, b: str) -> None:
    assert url_key(a) != url_key(b)


def test_an_address_pasted_without_its_scheme_gets_https() -> None:
    assert clean_url("example.org") == "https://example.org/"
    assert clean_url("www.example.org/guide?utm_source=x") == "https://www.example.org/guide"
    assert clean_url("Example.org:8443/a") == "https://example.org:8443/a"
    assert url_key("example.org/guide") == url_key("https://example.org/guide")


def test_clean_keeps_meaningful_parts_and_drops_tracking() -> None:
    assert clean_url(" <HTTPS://Example.ORG:443/Path?b=2&utm_campaign=x&a=1#frag> ") == \
        "https://example.org/Path?b=2&a=1#frag"
    assert clean_url("https://bücher.example/") == "https://xn--bcher-kva.example/"


@pytest.mark.parametrize(("raw", "message"), [
    ("", "missing"),
    ("javascript:alert(1)", "javascript:"),
    ("JAVASCRIPT:alert(1)", "javascript:"),
    ("file:///etc/passwd", "file:"),
    ("data:text/html;base64,PHNjcmlwdD4=", "data:"),
    ("vbscript:msgbox", "vbscript:"),
    ("ftp://example.org/file", "ftp:"),
    ("notaurl", "http:// or https://"),
    ("example", "http:// or https://"),
    ("//example.org/x", "http:// or https://"),
    ("https://", "no valid host"),
    ("https://exa mple.org", "without spaces"),
    ("https://user:secret@example.org/", "password"),
    ("https://example.org:99999/", "not a valid web address"),
    ("https://-bad-.example/", "no valid host"),
    ("https://" + "a" * 2100 + ".org", "too long"),
])
def test_refused(raw: str, message: str) -> None:
    with pytest.raises(BadURL, match=message.replace("?", r"\?").replace("/", "/")):
        clean_url(raw)


_label = st.from_regex(r"[a-z][a-z0-9]{0,10}", fullmatch=True)
_host = st.builds(lambda parts, tld: ".".join([*parts, tld]),
                  st.lists(_label, min_size=1, max_size=3), st.sampled_from(["org", "uk", "io"]))
_segment = st.text(alphabet="abcXYZ019-_.~é ", min_size=1, max_size=8)
_param = st.tuples(st.from_regex(r"[a-z]{1,6}", fullmatch=True),
                   st.text(alphabet="abc123 &=é", max_size=6))
_tracking = st.tuples(st.sampled_from(["utm_source", "utm_medium", "fbclid", "gclid",
                                       "mc_cid", "UTM_Campaign"]),
                      st.text(alphabet="abc123", max_size=5))


def _url(scheme: str, host: str, segments: list[str], params: list[tuple[str, str]], *,
         slash: str = "", fragment: str = "") -> str:
    path = "/" + "/".join(quote(s) for s in segments) + slash
    query = urlencode(params)
    return f"{scheme}://{host}{path}" + (f"?{query}" if query else "") + fragment


@given(st.sampled_from(["http", "https", "HTTPS"]), _host, st.lists(_segment, max_size=4),
       st.lists(_param, max_size=4, unique_by=lambda p: p[0]), st.lists(_tracking, max_size=3),
       st.randoms())
def test_noise_never_changes_the_key(scheme: str, host: str, segments: list[str],
                                     params: list[tuple[str, str]],
                                     tracking: list[tuple[str, str]], rnd) -> None:
    plain = _url("https", host, segments, params)
    shuffled = params + tracking
    rnd.shuffle(shuffled)
    noisy = _url(scheme, ("www." + host).upper(), segments, shuffled, slash="/",
                 fragment="#somewhere")
    assert url_key(noisy) == url_key(plain)


def test_www_is_only_dropped_before_a_domain() -> None:
    """Found by hypothesis: "www.org" lost its "www." and became the host "org"."""
    assert canonical("http://www.example.org/a") == canonical("https://example.org/a")
    assert canonical("http://www.org/") == "https://www.org/"
    assert canonical(canonical("http://www.org/")) == canonical("http://www.org/")


@given(st.sampled_from(["http", "https"]), _host, st.lists(_segment, max_size=4),
       st.lists(_param, max_size=4))
def test_cleaning_and_canonical_are_idempotent(scheme: str, host: str, segments: list[str],
                                               params: list[tuple[str, str]]) -> None:
    url = _url(scheme, host, segments, params)
    once = clean_url(url)
    assert clean_url(once) == once
    assert canonical(canonical(url)) == canonical(url)
    assert url_key(once) == url_key(url)


@given(st.text(max_size=300))
def test_any_text_is_cleaned_or_refused_with_a_reason(text: str) -> None:
    try:
        cleaned = clean_url(text)
    except BadURL as exc:
        assert str(exc)
    else:
        assert cleaned.startswith(("http://", "https://"))
        assert len(url_key(cleaned)) == 64
