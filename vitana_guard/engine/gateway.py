"""What a reconstructed request is to the policy: which control-plane endpoint
(or step of the standard flow) it calls. Driven entirely by the `endpoints` and
`control_plane_prefixes` parameters. Run by the Rust core
(crates/vitana_core/src/gateway.rs); the Python original was deleted once the
differential test held."""
from __future__ import annotations

from vitana_guard import _core
from vitana_guard.model import Request

UNKNOWN_ENDPOINT = "unknown"


def path_of(url: str, prefixes: list[str]) -> str | None:
    """The control-plane path of `url` (query dropped), or None when it is not one.

    Works on URLs whose origin is a variable or placeholder (`$GATEWAY_URL/api/...`).
    """
    return _core.gateway_path_of(url, list(prefixes))


def endpoint_of(request: Request, params: dict) -> str | None:
    """The name of the endpoint `request` calls, UNKNOWN_ENDPOINT for another
    control-plane path, None outside the control plane."""
    endpoints = [(name, spec["path"]) for name, spec in params["endpoints"].items()]
    return _core.gateway_endpoint_of(request.url, list(params["control_plane_prefixes"]), endpoints)


def is_feature_check(request: Request, params: dict) -> bool:
    """A GET on the canonical gateway outside the control plane (§3 step 5).
    A URL Python's urllib would refuse (a stray "[") is not the gateway."""
    return _core.gateway_is_feature_check(request.method, request.url, params["gateway_url"])
