"""A search too long for the server's URL limit, sent as several searches whose answers together are the same.

The ``observations`` search names every code the pathway reads (about 3 KB of query string). Inside a
batch Bundle that costs nothing: the searches travel in the body. Sent as a GET — a server without batch,
which is every Epic call (Epic never reads discovery, so every call is the fallback) — it meets the front
end's limit first: IIS, which Epic's FHIR endpoints run on, refuses a query string over 2,048 bytes by
default (HTTP 404.15), and so do ASP.NET and many proxies. A refused search is a key the evaluation
"could not check" on every call. So the longest comma list (the ``code`` parameter: ``a,b`` means a OR b)
is cut into parts, each search under ``fhir_max_query_chars``; the parts' answers are merged into the key
(``app.fhir.progress`` keeps one copy of a resource two parts both return).
"""

from __future__ import annotations


def split_search(query: str, max_query_chars: int) -> tuple[str, ...]:
    """``query`` itself when its query string fits; else one search per part of its longest OR list, each
    with every other parameter unchanged. A list that cannot be cut to fit (one value longer than the
    room) is cut as far as it goes: the server then answers for the part it refuses, as it would have."""
    path, question, params = query.partition("?")
    if not question or len(params) <= max_query_chars:
        return (query,)
    pairs = params.split("&")
    longest = max(range(len(pairs)), key=lambda i: len(pairs[i]))
    name, equals, value = pairs[longest].partition("=")
    values = value.split(",")
    if not equals or len(values) < 2:
        return (query,)
    room = max_query_chars - (len(params) - len(value))
    return tuple(f"{path}?" + "&".join([*pairs[:longest], f"{name}={part}", *pairs[longest + 1:]])
                 for part in _parts(values, room))


def _parts(values: list[str], room: int) -> list[str]:
    """The values joined by commas in order, each part at most ``room`` characters (but never empty)."""
    parts: list[str] = []
    current = ""
    for value in values:
        joined = f"{current},{value}" if current else value
        if current and len(joined) > room:
            parts.append(current)
            joined = value
        current = joined
    parts.append(current)
    return parts
