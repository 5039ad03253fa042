"""Client-side helpers shared by the CLI, the tests and the benchmarks: connect pypsrp to a host
of a ready file, turn what pypsrp returns into the collection's plain data, and call the control
endpoint."""

from __future__ import annotations

import json
import ssl
import typing as t
import urllib.error
import urllib.request
import uuid
from xml.etree import ElementTree

from . import control


def wsman_kwargs(host: t.Mapping[str, t.Any], **overrides: t.Any) -> dict[str, t.Any]:
    """pypsrp ``WSMan(**kwargs)`` for a host entry of the ready file."""
    tls = host["protocol"] == "https"
    kwargs: dict[str, t.Any] = {
        "server": host["hostname"],
        "port": int(host["port"]),
        "ssl": tls,
        "auth": host["auth"],
        "cert_validation": host.get("ca_cert") or False if tls else False,
        "connection_timeout": 10,
        "read_timeout": 30,
    }
    if host["auth"] == "certificate":
        kwargs["certificate_pem"] = host["client_cert"]
        kwargs["certificate_key_pem"] = host["client_key"]
    else:
        kwargs["username"] = host["username"]
        kwargs["password"] = host["password"]
    if host["auth"] == "basic" and not tls:
        kwargs["encryption"] = "never"
    kwargs.update(overrides)
    return kwargs


def to_plain(value: t.Any) -> t.Any:
    """A value as pypsrp deserialised it, as the collection's runner contract describes."""
    from pypsrp.complex_objects import GenericComplexObject

    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, uuid.UUID):
        return str(value).lower()
    if isinstance(value, (list, tuple)):
        return [to_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_plain(item) for key, item in value.items()}
    if isinstance(value, GenericComplexObject):
        if "System.Enum" in value.types:
            return value.to_string
        sets = value.property_sets
        if value.to_string is None and len(sets) == 1 and isinstance(sets[0], str) and sets[0].startswith("<LST"):
            # A List<T> of a type pypsrp does not know keeps its <LST> as XML text; its items here
            # are past the serialization depth, so each is a primitive or a ToString text.
            return [item.text or "" for item in ElementTree.fromstring(sets[0])]
        return value.to_string if value.to_string is not None else str(value)
    return str(value)


def object_to_plain(obj: t.Any) -> dict[str, t.Any]:
    from pypsrp.complex_objects import GenericComplexObject

    if not isinstance(obj, GenericComplexObject):
        return {"type_names": [], "properties": {}, "to_string": None if obj is None else str(to_plain(obj))}
    properties = {name: to_plain(value) for name, value in obj.adapted_properties.items()}
    properties.update({name: to_plain(value) for name, value in obj.extended_properties.items()})
    types = [name[len("Deserialized."):] if name.startswith("Deserialized.") else name for name in obj.types]
    return {"type_names": types, "properties": properties, "to_string": obj.to_string}


def error_to_plain(record: t.Any) -> dict[str, t.Any]:
    from psrpcore.types import ErrorCategory

    try:
        category = ErrorCategory(int(record.category)).name
    except (TypeError, ValueError):
        category = "NotSpecified"
    exception = getattr(record, "exception", None)
    exception_types = getattr(exception, "types", None) or []
    return {
        "message": str(record),
        "category": category,
        "fqid": record.fq_error,
        "target": to_plain(getattr(record, "target_object", None)),
        "command": record.command_name or record.invocation_name,
        "exception_type": exception_types[0] if exception_types else None,
    }


class ControlError(Exception):
    """A control request that did not succeed. ``status`` is the HTTP status of a refusal (the
    host understood and said no: a bad request or signature), or None when it was not reached."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def call_control(ready: t.Mapping[str, t.Any], host: t.Mapping[str, t.Any], action: str,
                 request: t.Any, timeout: float = 30.0) -> t.Any:
    """POST a signed control request to one host's listener; returns the decoded answer."""
    path = "/emulator/" + action
    body = json.dumps(request).encode("utf-8")
    url = "%s://%s:%s%s" % (host["protocol"], _url_host(host["hostname"]), host["port"], path)
    headers = {
        "Content-Type": "application/json",
        control.SIGNATURE_HEADER: control.sign(ready["control_key"], path, body),
    }
    context = None
    if host["protocol"] == "https":
        context = ssl.create_default_context(cafile=host["ca_cert"])
        if host.get("client_cert"):
            context.load_cert_chain(host["client_cert"], host["client_key"])
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=context) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as err:
        try:
            detail = json.loads(err.read() or b"{}").get("error") or err.reason
        except ValueError:
            detail = err.reason
        raise ControlError("host %s refused the control request: %s" % (host["name"], detail),
                           status=err.code) from None
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise ControlError(
            "cannot reach host %s at %s:%s: %s" % (host["name"], host["hostname"], host["port"], reason)
        ) from None


def _url_host(hostname: str) -> str:
    return "[%s]" % hostname if ":" in hostname else hostname
