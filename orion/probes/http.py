"""HTTP clients for the homelab's services: one per host and service for the whole run."""

from __future__ import annotations

from typing import Any

import httpx

from orion import evidence
from orion.inventory import Host, Service
from orion.outcomes import CannotObserve, SubjectDown


class ServiceClient:
    """An httpx client for one service of the inventory, with its timeout and credentials.

    Raises SubjectDown (the check is `failed`) when the service itself is down: the connection refused, or closed
    without an answer, or an HTTP 5xx. Raises CannotObserve (`error`) when Orion cannot tell: a timeout, no route
    to the host, a name that does not resolve, a TLS failure, its credentials refused. Any other answer is returned
    for the check to judge.
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
        where = f"{method} {url}"
        evidence.source(where)
        name = self.service.name
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.TimeoutException:
            raise CannotObserve(f"{name}: {where} timed out") from None
        except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError) as exc:
            if (down := _down(exc)) is not None:
                raise SubjectDown(name, down, where) from None
            raise CannotObserve(f"{name}: {where} failed ({_reason(exc)})") from None
        except httpx.HTTPError as exc:
            raise CannotObserve(f"{name}: {where} failed ({_reason(exc)})") from None
        if response.status_code >= 500:
            raise SubjectDown(name, f"HTTP {response.status_code}", where)
        if auth_expected and response.status_code in (401, 403):
            raise CannotObserve(f"{name}: {where} refused the credentials ({response.status_code})")
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def json(self, path: str, **kwargs: Any) -> Any:
        """GET a JSON document; another error status, or a body that is not JSON, cannot be observed."""
        response = self.get(path, **kwargs)
        if response.is_error:
            raise CannotObserve(f"{self.service.name}: GET {path} answered {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise CannotObserve(f"{self.service.name}: GET {path} did not answer JSON") from None

    def close(self) -> None:
        self.client.close()


def _down(exc: httpx.HTTPError) -> str | None:
    """What a transport error says about the service when it says it is down: the host answered, the service
    did not (refused, or accepted and closed at once, as a port proxy does for a stopped container)."""
    if isinstance(exc, httpx.ConnectError):
        return "connection refused" if _refused(exc) else None
    if isinstance(exc, httpx.RemoteProtocolError) and "without sending" in str(exc):
        return "connection closed without an answer"
    if isinstance(exc, httpx.ReadError) and _reset(exc):
        return "connection reset"
    return None


def _refused(exc: BaseException) -> bool:
    return any(isinstance(e, ConnectionRefusedError) for e in _chain(exc)) or "Connection refused" in str(exc)


def _reset(exc: BaseException) -> bool:
    return any(isinstance(e, ConnectionResetError) for e in _chain(exc)) or "Connection reset" in str(exc)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _reason(exc: httpx.HTTPError) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0]
