# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed exceptions of the collection, and the mapping from PowerShell error records to them.

Private to the collection. Every message follows "Failed to <verb> <object> '<name>': <reason>.
<how to fix>" where the record allows it, and carries the host's own text. Only the edge that
talks to AnsibleModule turns these into ``fail_json``.
"""

from __future__ import annotations

import re
import typing as t

from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import ErrorRecordData, RunResult


class HyperVError(Exception):
    """Base of every error the collection raises on purpose."""

    def __init__(self, message: str, details: dict[str, t.Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = dict(details or {})

    def __str__(self) -> str:
        return self.message


class NotFoundError(HyperVError):
    """The object named does not exist on the host."""


class InvalidArgumentError(HyperVError):
    """The host rejected a parameter value."""


class ParameterNotSupportedError(HyperVError):
    """The host's cmdlet has no such parameter (older Windows Server)."""


class AccessDeniedError(HyperVError):
    """The account may connect but not manage Hyper-V."""


class HostUnreachableError(HyperVError):
    """No connection could be made (refused, DNS, routing)."""


class HostTimeoutError(HyperVError):
    """The host did not answer within the configured timeouts."""


class AuthenticationError(HyperVError):
    """The host rejected the credentials."""


class TLSError(HyperVError):
    """The TLS handshake or certificate verification failed."""


class TransportError(HyperVError):
    """A WinRM/PSRP protocol fault that is none of the above."""


class CommandFailedError(HyperVError):
    """A cmdlet failed for a reason without a more specific class."""


class CommandNotFoundError(CommandFailedError):
    """The host has no such cmdlet (module not installed, or a Windows version without it)."""


def redact(text: str, secrets: t.Iterable[str | None]) -> str:
    """``text`` with every non-empty secret replaced; for messages built from library errors."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "********")
    return text


# Cmdlet verbs and nouns as a reader of the message would say them.
_VERBS = {
    "get": "read",
    "set": "change",
    "new": "create",
    "remove": "remove",
    "add": "add",
    "connect": "connect",
    "disconnect": "disconnect",
    "enable": "enable",
    "disable": "disable",
    "rename": "rename",
    "start": "start",
    "stop": "stop",
    "restart": "restart",
}
_NOUNS = {
    "vmhost": "Hyper-V host",
    "vmswitch": "virtual switch",
    "vmnetworkadapter": "VM network adapter",
    "vm": "VM",
    "netadaptersriov": "SR-IOV settings of network adapter",
    "netadapteradvancedproperty": "advanced property of network adapter",
    "netadapter": "network adapter",
    "vmswitchteam": "switch team",
}
# Error records name the cmdlet class ("...Commands.SetVMSwitchCommand"); turn it back into a
# cmdlet name when InvocationInfo did not travel with the record.
_FQID_CLASS = re.compile(r"\.Commands\.([A-Z][a-z]+)([A-Za-z]+?)(?:Command)?$")
_PARAMETER_NAME = re.compile(r"parameter name '([^']+)'")
_NOT_FOUND_TEXT = re.compile(
    r"unable to find|could not be found|cannot find|was not found|not found with|"
    r"no [^.]{0,80}? (?:was|were|could be) found|no [^.]{0,80}? objects found",
    re.IGNORECASE,
)


def _command_of(record: ErrorRecordData) -> str | None:
    if record.command:
        return record.command
    fqid_class = record.fqid.split(",", 1)[1] if "," in record.fqid else ""
    match = _FQID_CLASS.search(fqid_class)
    if match:
        return "%s-%s" % (match.group(1), match.group(2))
    return None


def _subject(command: str | None) -> tuple[str, str]:
    """(verb, object) for a message about ``command``."""
    if not command or "-" not in command:
        return "run", command or "a command"
    verb, noun = command.split("-", 1)
    return _VERBS.get(verb.lower(), verb.lower()), _NOUNS.get(noun.lower(), noun)


def _target_name(target: t.Any) -> str | None:
    if isinstance(target, (str, int)) and not isinstance(target, bool) and str(target):
        return str(target)
    if isinstance(target, (list, tuple)) and len(target) == 1:
        return _target_name(target[0])
    return None


def _sentence(text: str) -> str:
    text = " ".join(str(text).split())
    return text[:-1] if text.endswith(".") else text


def _classify(record: ErrorRecordData) -> tuple[type[HyperVError], str]:
    """The exception class for a record and the remedy its message ends with."""
    fqid = record.fqid or ""
    fqid_head = fqid.split(",", 1)[0]
    category = record.category or ""
    exception_type = record.exception_type or ""
    message = record.message or ""
    if fqid_head == "NamedParameterNotFound":
        return ParameterNotSupportedError, "Remove the option or upgrade the host's Windows version"
    if fqid_head == "CommandNotFoundException" or exception_type.endswith("CommandNotFoundException"):
        return (
            CommandNotFoundError,
            "Install the Hyper-V PowerShell module on the host (Windows feature "
            "Hyper-V-PowerShell) or use a Windows Server version that has this cmdlet",
        )
    if (
        category in ("PermissionDenied", "SecurityError")
        or exception_type.endswith("UnauthorizedAccessException")
        or fqid_head in ("UnauthorizedAccess", "AccessDenied")
    ):
        return (
            AccessDeniedError,
            "Connect as a member of the host's Hyper-V Administrators or Administrators group",
        )
    if category == "ObjectNotFound" or _NOT_FOUND_TEXT.search(message):
        return NotFoundError, "Check the name, or create the object first"
    if category in ("InvalidArgument", "InvalidData", "InvalidType") or fqid_head in (
        "ParameterArgumentValidationError",
        "ParameterArgumentTransformationError",
        "InvalidParameter",
    ):
        return InvalidArgumentError, "Correct the option's value"
    return CommandFailedError, "See the host's message; nothing was changed by the failing command"


_TARGET_IS_THE_OBJECT = (NotFoundError, AccessDeniedError, CommandFailedError)


def error_from_record(record: ErrorRecordData, target: str | None = None) -> HyperVError:
    """The typed exception for one error record.

    ``target`` names the object when the caller knows it better than the record does.
    """
    cls, remedy = _classify(record)
    command = _command_of(record)
    if cls is CommandNotFoundError and not command:
        command = _target_name(record.target)  # the unknown command's name is the record's target
    verb, noun = _subject(command)
    name = target
    if name is None and cls in _TARGET_IS_THE_OBJECT:
        # Other records carry the offending value or parameter as their target, not the object.
        name = _target_name(record.target)
    if cls is CommandNotFoundError:
        where = "run %s" % (command or "a command")
    else:
        where = "%s %s '%s'" % (verb, noun, name) if name else "%s %s" % (verb, noun)
    host_text = _sentence(record.message) or "the host gave no message"
    if cls is ParameterNotSupportedError:
        parameter_match = _PARAMETER_NAME.search(record.message or "")
        parameter = parameter_match.group(1) if parameter_match else "(unnamed)"
        reason = "the host's Windows version does not support parameter %s of %s (host said: %s)" % (
            parameter,
            command or "the cmdlet",
            host_text,
        )
    elif cls is CommandNotFoundError:
        reason = "the host has no cmdlet %s (host said: %s)" % (command or "", host_text)
    else:
        reason = host_text
    details = {
        "category": record.category,
        "fqid": record.fqid,
        "command": command,
        "target": None if record.target is None else str(record.target),
        "exception_type": record.exception_type,
        "host_message": record.message,
    }
    return cls("Failed to %s: %s. %s." % (where, reason, remedy), details)


def raise_for_result(result: RunResult, target: str | None = None) -> RunResult:
    """Raise for the terminating error of ``result``, else for its first non-terminating one.

    Non-terminating errors are never ignored here: a read that lost an object is not a read. The
    other records travel in ``details['other_errors']``. Returns ``result`` when it is clean.
    """
    records = result.all_errors()
    if not records:
        return result
    first = result.terminating_error or records[0]
    error = error_from_record(first, target=target)
    others = [record for record in records if record is not first]
    if others:
        error.details["other_errors"] = [error_from_record(record).message for record in others]
    raise error
