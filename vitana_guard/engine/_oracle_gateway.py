"""The Python original of endpoint recognition, kept ONLY as the oracle of
tests/test_parity_http.py (gateway.py runs the Rust core).

What a reconstructed request is to the policy: which control-plane endpoint
(or step of the standard flow) it calls. Driven entirely by the `endpoints` and
`control_plane_prefixes` parameters."""
from __future__ import annotations

from urllib.parse import urlsplit

from vitana_guard.model import Request

UNKNOWN_ENDPOINT = "unknown"


def path_of(url: str, prefixes: list[str]) -> str | None:
    """The control-plane path of `url` (query dropped), or None when it is not one.

    Works on URLs whose origin is a variable or placeholder (`$GATEWAY_URL/api/...`).
    """
    for prefix in prefixes:
        i = url.find(prefix)
        if i >= 0:
            path = url[i:].split("?", 1)[0].split("#", 1)[0]
            return path.rstrip("/") or "/"
    return None


def endpoint_of(request: Request, params: dict) -> str | None:
    path = path_of(request.url, params["control_plane_prefixes"])
    if path is None:
        return None
    for name, spec in params["endpoints"].items():
        if path == spec["path"]:
            return name
    return UNKNOWN_ENDPOINT


def is_feature_check(request: Request, params: dict) -> bool:
    """A GET on the canonical gateway outside the control plane (§3 step 5)."""
    if request.method != "GET":
        return False
    gateway = urlsplit(params["gateway_url"])
    try:
        url = urlsplit(request.url if "://" in request.url else "https://" + request.url)
        return url.hostname == gateway.hostname and url.path.startswith("/api/")
    except ValueError:  # not a URL urllib can read (a stray "["): not the gateway
        return False
