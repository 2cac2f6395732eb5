"""Authelia's configuration.yml against the keys Authelia 4.39 documents, and its access control as data.

The key schema is written from Authelia's published JSON schema for v4.39
(https://www.authelia.com/schemas/v4.39/json-schema/configuration.json) and its configuration docs
(`definitions`, https://www.authelia.com/configuration/definitions/network/). Sections Orion does not use
(OpenID Connect, LDAP) are accepted without being descended. Keys that 4.38+ replaced are known but flagged,
with their replacement, so that "uses the 4.38+ keys" is checkable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatch
from functools import cache
from pathlib import Path
from typing import Any

from orion import yamlsrc
from orion.probes import located
from orion.probes.compose import Stack

ANY = None  # a leaf (or a section accepted without being descended)
Schema = dict[str, Any] | list[Any] | None

_TLS: Schema = dict.fromkeys(
    ["minimum_version", "maximum_version", "skip_verify", "server_name", "private_key", "certificate_chain"]
)
_SERVER_BUFFERS: Schema = dict.fromkeys(["read", "write"])
_SERVER_TIMEOUTS: Schema = dict.fromkeys(["read", "write", "idle"])


def _keys(*names: str, **nested: Schema) -> dict[str, Any]:
    return {**dict.fromkeys(names), **nested}


SCHEMA: Schema = _keys(
    "theme", "certificates_directory", "default_2fa_method", "default_redirection_url", "jwt_secret",
    identity_providers=_keys(oidc=ANY),
    log=_keys("level", "format", "file_path", "keep_stdout"),
    authentication_backend=_keys(
        "refresh_interval",
        password_reset=_keys("disable", "custom_url"),
        file=_keys(
            "path", "watch",
            password=_keys(
                "algorithm", "iterations", "memory", "parallelism", "key_length", "salt_length",
                argon2=_keys("variant", "iterations", "memory", "parallelism", "key_length", "salt_length"),
                sha2crypt=_keys("variant", "iterations", "salt_length"),
                pbkdf2=_keys("variant", "iterations", "salt_length"),
                bcrypt=_keys("variant", "cost"),
                scrypt=_keys("iterations", "block_size", "parallelism", "key_length", "salt_length"),
            ),
            search=_keys("email", "case_insensitive"),
        ),
        ldap=ANY,
    ),
    session=_keys(
        "name", "same_site", "expiration", "inactivity", "remember_me", "secret", "domain",
        cookies=[_keys("name", "same_site", "expiration", "inactivity", "remember_me", "domain", "authelia_url",
                       "default_redirection_url")],
        redis=_keys(
            "host", "port", "username", "password", "database_index", "maximum_active_connections",
            "minimum_idle_connections", tls=_TLS,
            high_availability=_keys("sentinel_name", "sentinel_username", "sentinel_password", "route_by_latency",
                                    "route_randomly", nodes=[_keys("host", "port")]),
        ),
    ),
    totp=_keys("disable", "issuer", "algorithm", "digits", "period", "skew", "secret_size", "allowed_algorithms",
               "allowed_digits", "allowed_periods", "disable_reuse_security_policy"),
    duo_api=_keys("disable", "hostname", "integration_key", "secret_key", "enable_self_enrollment"),
    access_control=_keys(
        "default_policy", "networks",
        rules=[_keys("domain", "domain_regex", "policy", "subject", "networks", "resources", "methods", "query")],
    ),
    definitions=_keys(network={"*": ANY}, user_attributes={"*": ANY}),
    ntp=_keys("address", "version", "max_desync", "disable_startup_check", "disable_failure"),
    regulation=_keys("max_retries", "find_time", "ban_time"),
    storage=_keys(
        "encryption_key",
        local=_keys("path"),
        mysql=_keys("address", "database", "username", "password", "timeout", "host", "port", tls=_TLS),
        postgres=_keys("address", "database", "username", "password", "timeout", "schema", "host", "port",
                       tls=_TLS, ssl=ANY),
    ),
    notifier=_keys(
        "disable_startup_check", "template_path",
        filesystem=_keys("filename"),
        smtp=_keys("address", "timeout", "username", "password", "identifier", "sender", "subject",
                   "startup_check_address", "disable_require_tls", "disable_html_emails", "disable_starttls",
                   "host", "port", tls=_TLS),
    ),
    server=_keys(
        "address", "asset_path", "disable_healthcheck", "host", "port", "path",
        tls=_keys("certificate", "key", "client_certificates"),
        headers=_keys("csp_template"),
        endpoints=_keys("enable_pprof", "enable_expvars",
                        authz={"*": _keys("implementation", authn_strategies=[_keys("name", "schemes")])}),
        buffers=_SERVER_BUFFERS,
        timeouts=_SERVER_TIMEOUTS,
    ),
    telemetry=_keys(metrics=_keys("enabled", "address", buffers=_SERVER_BUFFERS, timeouts=_SERVER_TIMEOUTS)),
    webauthn=_keys(
        "disable", "enable_passkey_login", "experimental_enable_passkey_uv_two_factors", "display_name",
        "attestation_conveyance_preference", "timeout", "user_verification",
        filtering=_keys("prohibit_backup_eligibility", "permitted_aaguids", "prohibited_aaguids"),
        selection_criteria=_keys("attachment", "discoverability", "user_verification"),
        metadata=_keys("enabled", "validate_trust_anchor", "validate_entry", "validate_entry_permit_zero_aaguid",
                       "validate_status", "validate_status_permitted", "validate_status_prohibited"),
    ),
    password_policy=_keys(
        standard=_keys("enabled", "min_length", "max_length", "require_uppercase", "require_lowercase",
                       "require_number", "require_special"),
        zxcvbn=_keys("enabled", "min_score"),
    ),
    privacy_policy=_keys("enabled", "require_user_acceptance", "policy_url"),
    identity_validation=_keys(
        reset_password=_keys("jwt_lifespan", "jwt_algorithm", "jwt_secret"),
        elevated_session=_keys("code_lifespan", "elevation_lifespan", "otp_characters", "characters",
                               "require_second_factor", "skip_second_factor"),
    ),
)  # fmt: skip

#: Keys Authelia still reads but that 4.38 (or 4.39) replaced: key → its replacement.
DEPRECATED = {
    "jwt_secret": "identity_validation.reset_password.jwt_secret",
    "default_redirection_url": "session.cookies[].default_redirection_url",
    "session.domain": "session.cookies[].domain",
    "server.host": "server.address",
    "server.port": "server.address",
    "server.path": "server.address",
    "access_control.networks": "definitions.network",
    "notifier.smtp.host": "notifier.smtp.address",
    "notifier.smtp.port": "notifier.smtp.address",
    "storage.mysql.host": "storage.mysql.address",
    "storage.mysql.port": "storage.mysql.address",
    "storage.postgres.host": "storage.postgres.address",
    "storage.postgres.port": "storage.postgres.address",
    "storage.postgres.ssl": "storage.postgres.tls",
    "webauthn.user_verification": "webauthn.selection_criteria.user_verification",
    **{f"authentication_backend.file.password.{k}": f"authentication_backend.file.password.argon2.{k}"
       for k in ("iterations", "memory", "parallelism", "key_length", "salt_length")},
}  # fmt: skip

#: Keys whose value is a secret: never inline in a file kept in git (use *_FILE variables or {{ secret }}).
SECRET_KEYS = frozenset({
    "jwt_secret", "identity_validation.reset_password.jwt_secret", "session.secret", "session.redis.password",
    "session.redis.high_availability.sentinel_password", "storage.encryption_key", "storage.mysql.password",
    "storage.postgres.password", "notifier.smtp.password", "authentication_backend.ldap.password",
    "duo_api.secret_key", "identity_providers.oidc.hmac_secret", "identity_providers.oidc.issuer_private_key",
    "identity_providers.oidc.jwks[].key", "identity_providers.oidc.clients[].client_secret",
})  # fmt: skip
_SECRET_FILTER = re.compile(r"^\s*\{\{\s*secret\s")
#: Authelia's authz endpoints when `server.endpoints.authz` is not set: name → implementation.
DEFAULT_AUTHZ = {"forward-auth": "ForwardAuth", "ext-authz": "ExtAuthz", "auth-request": "AuthRequest"}
#: Policies that require a second factor or refuse outright.
STRICT = frozenset({"two_factor", "deny"})


@dataclass(frozen=True)
class Key:
    """A key of the file: its dotted path (`session.cookies[0].domain`) and file:line."""

    path: str
    where: str

    @property
    def generic(self) -> str:
        """The path with list indexes dropped, as the schema and DEPRECATED spell it."""
        return re.sub(r"\[\d+\]", "[]", self.path)


@dataclass(frozen=True)
class Policy:
    policy: str
    conditional: bool  # the rule also needs a network, subject, method or resource to match
    where: str


class AutheliaConfig:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.doc = yamlsrc.load(path)
        self.data: dict[str, Any] = self.doc.data if isinstance(self.doc.data, dict) else {}

    @staticmethod
    def of(stack: Stack) -> AutheliaConfig:
        """The stack's authelia/configuration.yml, read once per process."""
        return _load(located.read(stack.dir / "authelia" / "configuration.yml"))

    def where(self, *loc: str | int) -> str:
        return located.at(self.path, self.doc.line(tuple(loc)))

    def keys(self) -> list[tuple[Key, bool]]:
        """Every key in the file, with whether the 4.39 schema knows it."""
        return list(self._walk(self.data, SCHEMA, ()))

    def _walk(self, data: Any, schema: Schema, loc: tuple[str | int, ...]) -> Iterator[tuple[Key, bool]]:
        if isinstance(schema, list) and isinstance(data, list):
            for index, item in enumerate(data):
                yield from self._walk(item, schema[0], (*loc, index))
        elif isinstance(schema, dict) and isinstance(data, dict):
            for key, value in data.items():
                inner = schema.get(key, schema.get("*", KeyError))
                yield self._key((*loc, key)), inner is not KeyError
                if inner is not KeyError:
                    yield from self._walk(value, inner, (*loc, key))

    def _key(self, loc: tuple[str | int, ...]) -> Key:
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
        return Key(path, self.where(*loc))

    def unknown_keys(self) -> list[Key]:
        return [key for key, known in self.keys() if not known]

    def deprecated_keys(self) -> list[tuple[Key, str]]:
        return [(key, DEPRECATED[key.generic]) for key, known in self.keys() if known and key.generic in DEPRECATED]

    def inline_secrets(self) -> list[Key]:
        """Secret keys whose value is written in the file (an empty value or a {{ secret }} filter is fine)."""
        return [key for key, value in self._every_key(self.data, ()) if key.generic in SECRET_KEYS
                and value not in (None, "") and not _SECRET_FILTER.match(str(value))]  # fmt: skip

    def _every_key(self, data: Any, loc: tuple[str | int, ...]) -> Iterator[tuple[Key, Any]]:
        """Every key of the file (schema or not) with its value."""
        if isinstance(data, dict):
            for key, value in data.items():
                yield self._key((*loc, key)), value
                yield from self._every_key(value, (*loc, key))
        elif isinstance(data, list):
            for index, item in enumerate(data):
                yield from self._every_key(item, (*loc, index))

    def forward_auth_paths(self) -> set[str]:
        """The paths of the authz endpoints a forward_auth proxy (Caddy, Traefik) may call: /api/authz/<name>."""
        configured = ((self.data.get("server") or {}).get("endpoints") or {}).get("authz")
        endpoints = {n: (e or {}).get("implementation") for n, e in configured.items()} if configured else DEFAULT_AUTHZ
        return {f"/api/authz/{name}" for name, implementation in endpoints.items() if implementation == "ForwardAuth"}

    @property
    def default_policy(self) -> str:
        return str((self.data.get("access_control") or {}).get("default_policy", "deny"))

    def policies_for(self, host: str) -> list[Policy]:
        """The policies a request for `host` can end with, in rule order (first match wins, as in Authelia):
        each matching rule up to the first unconditional one, then the default policy if none was."""
        acl = self.data.get("access_control") or {}
        found = []
        for index, rule in enumerate(acl.get("rules") or []):
            if not _matches(rule, host):
                continue
            conditional = any(rule.get(k) for k in ("networks", "subject", "methods", "resources", "query"))
            found.append(Policy(str(rule.get("policy")), conditional, self.where("access_control", "rules", index)))
            if not conditional:
                return found
        return [*found, Policy(self.default_policy, False, self.where("access_control", "default_policy"))]


_load = cache(AutheliaConfig)


def _matches(rule: dict[str, Any], host: str) -> bool:
    domains = rule.get("domain") or []
    regexes = rule.get("domain_regex") or []
    domains = [domains] if isinstance(domains, str) else domains
    regexes = [regexes] if isinstance(regexes, str) else regexes
    return any(fnmatch(host, d) for d in domains) or any(re.search(r, host) for r in regexes)
