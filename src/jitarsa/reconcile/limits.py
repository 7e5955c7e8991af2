"""What one request to the reconciliation service may ask (SECURITY.md), and its refusal."""

from __future__ import annotations

#: Limits of one request (SECURITY.md): queries in a batch, characters of a query, candidates
#: per query, conditions per query, ids in an extension, characters of a suggest prefix.
MAX_QUERIES = 100
MAX_QUERY_LENGTH = 500
MAX_LIMIT = 100
DEFAULT_LIMIT = 10
MAX_CONDITIONS = 20
MAX_IDS = 500
MAX_PREFIX = 200


class BadQuery(Exception):
    """A request the service refuses: answered 400 with its message as one line of JSON."""
