"""HTTP clients for the homelab's services: one per host and service for the whole run."""

from __future__ import annotations

from typing import Any

import httpx

from orion import evidence
from orion.inventory import Host, Service
from orion.outcomes import ObservationError


class ServiceClient:
    """An httpx client for one service of the inventory, with its timeout and credentials.

    Transport failures, timeouts and refused credentials raise ObservationError (outcome `error`);
    any other answer is returned for the check to judge.
    """

    def __init__(self, host: Host, service: Service) -> None:
        self.host = host
        self.service = service
        headers = {}
        if service.api_key is not None:
            headers["X-Api-Key"] = service.api_key.reveal()
        if service.token is not None:
            headers["Authorization"] = f"Bearer {service.token.reveal()}"
        auth = None
        if service.username and service.password is not None:
            auth = httpx.BasicAuth(service.username, service.password.reveal())
        self.client = httpx.Client(
            base_url=service.url,
            timeout=service.timeout,
            verify=service.verify_tls,
            headers=headers,
            auth=auth,
            follow_redirects=False,
        )

    def request(self, method: str, path: str, *, auth_expected: bool = True, **kwargs: Any) -> httpx.Response:
        url = f"{self.service.url}{path}"
        evidence.source(f"{method} {url}")
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.TimeoutException:
            raise ObservationError(f"{self.service.name}: {method} {url} timed out") from None
        except httpx.HTTPError as exc:
            raise ObservationError(f"{self.service.name}: {method} {url} failed ({_reason(exc)})") from None
        if auth_expected and response.status_code in (401, 403):
            raise ObservationError(
                f"{self.service.name}: {method} {url} refused the credentials ({response.status_code})"
            )
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def json(self, path: str, **kwargs: Any) -> Any:
        """GET a JSON document; an error status or a body that is not JSON cannot be observed."""
        response = self.get(path, **kwargs)
        if response.is_error:
            raise ObservationError(f"{self.service.name}: GET {path} answered {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise ObservationError(f"{self.service.name}: GET {path} did not answer JSON") from None

    def close(self) -> None:
        self.client.close()


def _reason(exc: httpx.HTTPError) -> str:
    text = str(exc) or type(exc).__name__
    if "Connection refused" in text:
        return "connection refused"
    return text.splitlines()[0]
