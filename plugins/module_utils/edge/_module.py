# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The only layer that touches AnsibleModule: argument specs, one run of a module, one error edge.

Private to the collection. Each module's ``main()`` hands one ``Definition`` to ``run_module``
(a module process); the action plugin hands the same ``Definition`` to ``run_in_process``. Both
validate the args the same way and call ``outcome()``, the single place where an expected
failure (a typed exception from the layers below) becomes a failed result.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import traceback
import typing as t

from ansible.module_utils.basic import AnsibleModule, _load_params, missing_required_lib
from ansible.module_utils.common.arg_spec import ModuleArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError

from ansible_collections.sriov.hyperv.plugins.module_utils.edge import _argspec
from ansible_collections.sriov.hyperv.plugins.module_utils.host import _export
from ansible_collections.sriov.hyperv.plugins.module_utils.host import _facts
from ansible_collections.sriov.hyperv.plugins.module_utils.host import _host
from ansible_collections.sriov.hyperv.plugins.module_utils.spec import _pydantic_compat
from ansible_collections.sriov.hyperv.plugins.module_utils.spec import _spec
from ansible_collections.sriov.hyperv.plugins.module_utils.transport import _connection
from ansible_collections.sriov.hyperv.plugins.module_utils.transport import _errors
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._identity import AdapterIdentity, apart_remedy

# The option specs of one item of each config section, derived from the models (the one place an
# option is declared). The modules' DOCUMENTATION mirrors them (sanity validate-modules compares
# the two; a unit test compares the descriptions with the models'); host_config nests the same
# specs under ``config``.
SWITCH_OPTIONS = _argspec.argspec_of(_spec.SwitchConfig)
VM_ADAPTER_OPTIONS = _argspec.argspec_of(_spec.VmAdapterConfig)
PHYSICAL_ADAPTER_OPTIONS = _argspec.argspec_of(_spec.PhysicalAdapterConfig)

CREATION_ONLY_CHOICES = ["fail", "recreate"]
HOST_CONFIG_STATES = ["merged", "replaced", "overridden", "deleted", "gathered", "rendered", "parsed"]
# States that take no config: gathered reads the host, parsed reads running_config.
_NO_CONFIG_STATES = ("gathered", "parsed")

# The planner's states that the single-item modules map onto.
MERGED = "merged"
DELETED = "deleted"


def host_config_options() -> dict[str, dict[str, t.Any]]:
    # Which adapter (vm_name or management_os) is checked by the model, which names the item's
    # path and accepts an explicit management_os: false next to vm_name.
    return {
        "config": {"type": "dict", "options": _argspec.argspec_of(_spec.HostConfig)},
        "state": {"type": "str", "choices": list(HOST_CONFIG_STATES), "default": "merged"},
        "running_config": {"type": "str"},
        "creation_only_changes": {"type": "str", "choices": list(CREATION_ONLY_CHOICES), "default": "fail"},
        "restart": {"type": "bool", "default": False},
    }


@dataclasses.dataclass(frozen=True)
class Request:
    """What one run of a module asks of the core, built from validated params."""

    config: dict[str, t.Any]
    """The desired state in host_config's ``config`` shape (unset options are None)."""
    state: str
    creation_only_changes: str = "fail"
    restart: bool = False
    section: str | None = None
    """Single-item modules: the config section of the one item; before/after show only that item."""
    running_config: str | None = None
    """The text of an export of the host (``_export``): read instead of connecting."""


@dataclasses.dataclass(frozen=True)
class Definition:
    options: dict[str, dict[str, t.Any]]
    build: t.Callable[[dict[str, t.Any]], Request]
    rules: dict[str, t.Any] = dataclasses.field(default_factory=dict)
    info: bool = False

    def argument_spec(self) -> dict[str, dict[str, t.Any]]:
        spec = _connection.connection_argspec()
        if "running_config" in self.options:
            # An export is read without a host: the hostname is needed only without one
            # (rules: required_one_of).
            spec["hostname"] = dict(spec["hostname"], required=False)
        spec.update(copy.deepcopy(self.options))
        return spec


def _pick(params: t.Mapping[str, t.Any], options: t.Iterable[str]) -> dict[str, t.Any]:
    return {name: params.get(name) for name in options}


def _build_vm_switch(params: t.Mapping[str, t.Any]) -> Request:
    if params["state"] == "absent":
        # A removal is decided by the name alone; the other options do not matter to it.
        item = {"name": params["name"]}
        state = DELETED
    else:
        item = _pick(params, SWITCH_OPTIONS)
        state = MERGED
    return Request(
        config={"switches": [item]},
        state=state,
        creation_only_changes=params["creation_only_changes"],
        section="switches",
    )


def _build_vm_network_adapter(params: t.Mapping[str, t.Any]) -> Request:
    return Request(config={"vm_adapters": [_pick(params, VM_ADAPTER_OPTIONS)]}, state=MERGED, section="vm_adapters")


def _build_net_adapter_sriov(params: t.Mapping[str, t.Any]) -> Request:
    return Request(
        config={"physical_adapters": [_pick(params, PHYSICAL_ADAPTER_OPTIONS)]},
        state=MERGED,
        restart=params["restart"],
        section="physical_adapters",
    )


def _build_host_config(params: t.Mapping[str, t.Any]) -> Request:
    config = params.get("config")
    if config is None and params["state"] not in _NO_CONFIG_STATES:
        # required_if accepts an explicit null; an empty desired state is never assumed.
        raise _spec.SpecValidationError([
            "config: is required with state: %s, and null is not a configuration. Give the desired state "
            "(physical_adapters, switches, vm_adapters), or use state: gathered to read the host." % params["state"]])
    config = config or {}
    return Request(
        config={key: value for key, value in config.items() if value is not None},
        state=params["state"],
        creation_only_changes=params["creation_only_changes"],
        restart=params["restart"],
        running_config=params.get("running_config"),
    )


VM_SWITCH = Definition(
    options=dict(
        SWITCH_OPTIONS,
        state={"type": "str", "choices": ["present", "absent"], "default": "present"},
        creation_only_changes={"type": "str", "choices": list(CREATION_ONLY_CHOICES), "default": "fail"},
    ),
    build=_build_vm_switch,
)
VM_NETWORK_ADAPTER = Definition(options=VM_ADAPTER_OPTIONS, build=_build_vm_network_adapter)
NET_ADAPTER_SRIOV = Definition(
    options=dict(PHYSICAL_ADAPTER_OPTIONS, restart={"type": "bool", "default": False}),
    build=_build_net_adapter_sriov,
)
HOST_CONFIG = Definition(
    options=host_config_options(),
    build=_build_host_config,
    # Every state but gathered works on a given config; an empty one is never assumed, so that
    # "overridden" or "deleted" cannot wipe a host by accident.
    rules={
        "required_if": [["state", state, ["config"]] for state in HOST_CONFIG_STATES if state not in _NO_CONFIG_STATES]
        + [["state", "parsed", ["running_config"]]],
        "mutually_exclusive": [["config", "running_config"]],
        "required_one_of": [["hostname", "running_config"]],
    },
)
HOST_INFO = Definition(
    options={"running_config": {"type": "str"}},
    build=lambda params: Request(config={}, state="gathered", running_config=params.get("running_config")),
    rules={"required_one_of": [["hostname", "running_config"]]},
    info=True,
)


# --- one run ------------------------------------------------------------------------------------


def _config_dict(config: t.Any) -> dict[str, t.Any]:
    if isinstance(config, dict):
        return config
    return _spec.config_to_dict(config)


def _one_item(config: t.Any, section: str, wanted: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """The item of ``config`` that ``wanted`` names, or {} when the host has none (or cannot tell which).

    How Hyper-V tells items apart: by name (without regard to case), never by position; VM
    adapters by VM + name, narrowed by MAC address (``_identity``)."""
    items = _config_dict(config).get(section) or []
    if section == "vm_adapters":
        identity = AdapterIdentity.of(wanted)
        found = [item for item in items if identity.matches(item)]
    else:
        found = [item for item in items if _spec.name_key(item.get("name") or "") == _spec.name_key(wanted.get("name") or "")]
    return found[0] if len(found) == 1 else {}


def _view(config: t.Any, request: Request) -> dict[str, t.Any]:
    if request.section is None:
        return _config_dict(config)
    return _one_item(config, request.section, request.config[request.section][0])


def _parse(request: Request) -> t.Any:
    """The desired state as the core's model, validated before anything reaches the host."""
    return _spec.parse_config(request.config, path="config")


def _in_option_terms(request: Request, exc: BaseException) -> BaseException:
    """A validation error of a single-item module, naming the module's options (it has no ``config``)."""
    if request.section is None or not isinstance(exc, _spec.SpecValidationError):
        return exc
    prefix = "config.%s[0]" % request.section
    problems = []
    for problem in exc.problems:
        if problem.startswith(prefix + "."):
            problem = problem[len(prefix) + 1:]
        elif problem.startswith(prefix + ":"):
            problem = problem[len(prefix) + 2:]
        problems.append(problem)
    return _spec.SpecValidationError(problems)


def _failure(exc: BaseException, partial: dict[str, t.Any], request: Request) -> dict[str, t.Any]:
    """The one edge where an expected failure becomes a failed result (no traceback)."""
    result = dict(partial)
    details = dict(getattr(exc, "details", None) or {})
    if details:
        # A failed apply reports changed and after as the host showed them when read back.
        if "changed" in details:
            result["changed"] = bool(details.pop("changed"))
        elif details.get("applied"):
            result["changed"] = True
        if "after" in details:
            result["after"] = _view(details.pop("after"), request)
        result["error"] = details
    return dict(result, failed=True, msg=str(exc))


class _Stop(Exception):
    """The run ends with ``result`` (a failure that is not the host's: a missing library)."""

    def __init__(self, result: dict[str, t.Any]) -> None:
        super().__init__(result.get("msg"))
        self.result = result


@dataclasses.dataclass
class Invocation:
    """One run of a module: its validated params, the task's check and diff modes, and the
    warnings the run gives (in the order given)."""

    params: dict[str, t.Any]
    check_mode: bool = False
    diff: bool = False
    warnings: list[str] = dataclasses.field(default_factory=list)

    def warn(self, message: str) -> None:
        self.warnings.append(message)


def _pypsrp_status() -> tuple[bool, str | None]:
    # Imported here: only runs that reach a host need the transport.
    from ansible_collections.sriov.hyperv.plugins.module_utils.transport import _psrp_runner

    return getattr(_psrp_runner, "HAS_PYPSRP", True), getattr(_psrp_runner, "PYPSRP_IMPORT_ERROR", None)


def _require(has: bool, library: str, error: str | None) -> None:
    if not has:
        stop = {"failed": True, "msg": missing_required_lib(library)}
        if error:
            stop["exception"] = error
        raise _Stop(stop)


def _require_kerberos(invocation: Invocation) -> None:
    """Kerberos needs pypsrp's kerberos extra (gssapi, krb5); without it pyspnego would fall back
    to NTLM or fail deep inside the handshake."""
    options = _connection.ConnectionOptions.from_params(invocation.params)
    if not options.uses_kerberos:
        return
    try:
        import gssapi  # noqa: F401  pylint: disable=unused-import,import-outside-toplevel
        import krb5  # noqa: F401  pylint: disable=unused-import,import-outside-toplevel
    except ImportError:
        raise _Stop(dict(
            failed=True,
            msg=missing_required_lib(
                "pypsrp[kerberos]",
                reason="auth %s%s: pip install 'pypsrp[kerberos]' (it builds gssapi and krb5 against the "
                "system's Kerberos: apt-get install libkrb5-dev gcc, or dnf install krb5-devel gcc)"
                % (options.auth, " without a password" if options.auth == "negotiate" else ""),
            ),
            exception=traceback.format_exc(),
        )) from None


def planner() -> t.Any:
    """The reconcile package's entry module (``reconcile/_reconcile``), imported on first use.

    Only the modules that plan use it; host_info reads and reports. Each planning module's action
    plugin imports it at its top, so Ansible's main process has it before it forks the workers
    (the linear and free strategies load the action there), and a play of host_info alone does not
    pay for compiling and loading the planner.
    """
    from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile import _reconcile  # pylint: disable=import-outside-toplevel

    return _reconcile


def _indistinguishable_warning(group: t.Sequence[t.Any]) -> str:
    """What to say of adapters that share VM, name and MAC address (``Observed.indistinguishable_adapters``)."""
    identity = group[0].full_identity()
    owner = "The management OS" if identity.management_os else "VM '%s'" % identity.vm_name
    mac = identity.mac_address or "none"
    return ("%s has %d network adapters named '%s' that share MAC address %s: the config lists each, but no "
            "entry can mean just one of them, so it cannot be given back as it is. To manage them, %s."
            % (owner, len(group), identity.name, mac, apart_remedy(identity.mac_address)))


def _execute(invocation: Invocation, request: Request, definition: Definition, partial: dict[str, t.Any]) -> dict[str, t.Any]:
    if request.running_config is not None and not definition.info and request.state != "parsed":
        raise _errors.InvalidArgumentError(
            "running_config is read only with state: parsed (host_config) or by host_info; "
            "state %s works on the host itself. Remove running_config or set state: parsed." % request.state)
    want = None if definition.info else _parse(request)
    _reconcile = None if definition.info else planner()
    if request.state == "rendered":
        # Rendering never connects: the commands are those of creating the config from scratch.
        return {"changed": False, "rendered": list(_reconcile.render(want))}

    has_pypsrp, pypsrp_error = _pypsrp_status()
    _require(has_pypsrp, "pypsrp", pypsrp_error)
    # merged/replaced of named adapters read those VMs' adapters only (see _host.targeted_scope);
    # an export holds the whole-host read and is read whole.
    scope = None
    if request.running_config is not None:
        # An export is read like a live host, without a connection (state parsed, host_info's audit).
        runner = _export.ExportRunner(request.running_config)
    else:
        _require_kerberos(invocation)
        for warning in _connection.ConnectionOptions.from_params(invocation.params).transport_warnings():
            invocation.warn(warning)
        runner = _connection.connect(invocation.params)
        if not definition.info:
            scope = _host.targeted_scope(request.state, request.config)
    try:
        observed = _host.read_host(runner, scope)
        if definition.info or request.state in ("gathered", "parsed"):
            for group in observed.indistinguishable_adapters():
                invocation.warn(_indistinguishable_warning(group))
        if definition.info:
            return dict(_facts.host_facts(observed), changed=False)
        if request.state == "gathered":
            return {"changed": False, "gathered": _config_dict(observed.config)}
        if request.state == "parsed":
            return {"changed": False, "parsed": _config_dict(observed.config)}

        policy = _reconcile.Policy(creation_only_changes=request.creation_only_changes, restart=request.restart,
                                   check_mode=invocation.check_mode)
        plan = _reconcile.plan(want, observed, request.state, policy)
        # Decided from the plan before anything runs, so check mode and a real run agree.
        changed = bool(plan.changed)
        before = _view(observed.config, request)
        partial.update(before=before, commands=list(plan.commands()))
        for warning in plan.warnings:
            invocation.warn(str(warning))
        if changed and not invocation.check_mode:
            try:
                applied = _host.apply_plan(runner, plan, observed, scope)
            except _errors.HyperVError as exc:
                # What the host shows after the failure, not what the failed command suggests.
                raise _host.explain_failure(
                    exc, runner, plan, observed,
                    lambda now: _reconcile.plan(want, now, request.state, policy), scope) from None
            after = _view(applied.config, request)
        else:
            after = _view(plan.after, request)
    finally:
        runner.close()

    result = {
        "changed": changed,
        "before": before,
        "after": after,
        "commands": partial["commands"],
        "restart_required": bool(plan.restart_required),
        "restart_required_adapters": list(plan.restart_required),
    }
    if request.section in (None, "switches"):
        result["recreated_switches"] = list(plan.recreated_switches)
    if invocation.diff:
        result["diff"] = {"before": before, "after": after}
    return result


# Ansible's argspec converts what it can: a mapping given for a name becomes its repr, a boolean
# given for a number becomes 0 or 1. Both are mistakes in a task, never a way to say a value.
_SCALAR_TYPES = {"str": "a string", "int": "a whole number"}


def _describe(value: t.Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "a mapping"
    return "a list"


def strict_type_problems(raw: t.Any, spec: t.Mapping[str, t.Mapping[str, t.Any]], path: str = "") -> list[str]:
    """The options in ``raw`` (module args as the task gave them) whose value Ansible would only
    convert into the documented type by changing its meaning; one line each, naming the option."""
    problems: list[str] = []
    if not isinstance(raw, dict):
        return problems
    for name, option in spec.items():
        value = raw.get(name)
        if value is None:
            continue
        where = "%s.%s" % (path, name) if path else name
        kind = option.get("type", "str")
        if kind in _SCALAR_TYPES and (isinstance(value, (dict, list)) or (kind == "int" and isinstance(value, bool))):
            problems.append("%s: %s was given, not %s. Write the value as %s." % (
                where, _describe(value), _SCALAR_TYPES[kind], _SCALAR_TYPES[kind]))
        elif kind == "str" and option.get("no_log") and isinstance(value, bool):
            # YAML reads an unquoted true/yes/on as a boolean; Ansible would send the secret "True".
            problems.append("%s: a boolean was given, not a string (YAML reads an unquoted true, yes or on as "
                            "a boolean). Quote the value, in the task or the inventory (ansible_password)." % where)
        elif kind == "list" and isinstance(value, list):
            elements = option.get("elements")
            for index, element in enumerate(value):
                item_where = "%s[%d]" % (where, index)
                if elements == "dict" and option.get("options"):
                    problems += strict_type_problems(element, option["options"], item_where)
                elif elements in _SCALAR_TYPES and isinstance(element, (dict, list, bool)) and not (
                        elements == "str" and isinstance(element, bool)):
                    problems.append("%s: %s was given, not %s." % (item_where, _describe(element),
                                                                   _SCALAR_TYPES[elements]))
        elif kind == "dict" and option.get("options"):
            problems += strict_type_problems(value, option["options"], where)
    return problems


def outcome(definition: Definition, invocation: Invocation) -> dict[str, t.Any]:
    """The result of one run of a module on validated params.

    A failure is a result too: ``failed: true`` with ``msg`` (and ``exception``, a traceback, for
    a defect or a missing library). Warnings are left in ``invocation.warnings``. Secrets are not
    removed here: the caller does that (AnsibleModule, or ``run_in_process``).
    """
    partial: dict[str, t.Any] = {"changed": False}
    request = Request(config={}, state="gathered")
    # Every failure the collection raises on purpose (validation, refusal, host, transport) is a
    # HyperVError; anything else is a defect: it still ends as a sentence that says what happened,
    # with the traceback kept in 'exception', never as a bare exception text such as "'name'".
    # ansible-core 2.19 and later show a result's traceback only with DISPLAY_TRACEBACK (error or
    # always), at any verbosity; -vvv alone no longer does.
    try:
        _require(_pydantic_compat.HAS_PYDANTIC, "pydantic", _pydantic_compat.PYDANTIC_IMPORT_ERROR)
        request = definition.build(invocation.params)
        return _execute(invocation, request, definition, partial)
    except _Stop as stop:
        return stop.result
    except _errors.HyperVError as exc:
        return _failure(_in_option_terms(request, exc), partial, request)
    except Exception as exc:  # pylint: disable=broad-exception-caught
        return dict(
            partial, failed=True,
            msg="The module stopped at an unexpected %s (%s), a defect of the collection. Run the task again "
            "with ANSIBLE_DISPLAY_TRACEBACK=error set for the traceback and report it; 'before' and 'commands' "
            "show how far the run got."
            % (type(exc).__name__, _errors.redact(str(exc), [invocation.params.get("password")]) or "no message"),
            exception=traceback.format_exc())


def run_module(definition: Definition) -> None:
    """A module process's run: AnsibleModule reads and validates the args, and writes the result."""
    spec = definition.argument_spec()
    # Checked on the values as given, before Ansible converts them, and before anything connects.
    problems = strict_type_problems(_load_params(), spec)
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **definition.rules)
    if problems:
        module.fail_json(msg=str(_spec.SpecValidationError(problems)), error={"problems": problems})
    invocation = Invocation(params=module.params, check_mode=module.check_mode, diff=module._diff)
    result = outcome(definition, invocation)
    for warning in invocation.warnings:
        module.warn(warning)
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**result)


# --- one run in the calling process (the action plugin) -----------------------------------------

# The collection's modules by name, for the action plugin that runs them without a module process.
DEFINITIONS: dict[str, Definition] = {
    "host_config": HOST_CONFIG,
    "host_info": HOST_INFO,
    "net_adapter_sriov": NET_ADAPTER_SRIOV,
    "vm_network_adapter": VM_NETWORK_ADAPTER,
    "vm_switch": VM_SWITCH,
}

# What AnsibleModule writes in place of a no_log option's value (ansible.module_utils.common.parameters).
_NO_LOG_PLACEHOLDER = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def no_log_values(spec: t.Mapping[str, t.Mapping[str, t.Any]], params: t.Mapping[str, t.Any] | None) -> set[str]:
    """The values of every ``no_log`` option in ``params``, suboptions included, as text: what
    AnsibleModule removes from a result (Ansible's own collector of them is private)."""
    found: set[str] = set()
    for name, option in spec.items():
        value = (params or {}).get(name)
        if value is None:
            continue
        if option.get("no_log"):
            found.add(str(value))
        elif option.get("options"):
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, t.Mapping):
                    found |= no_log_values(option["options"], item)
    return found


def _json_form(text: str) -> str:
    # JSON escapes a string character by character, so a secret inside any string of the result
    # shows in the result's JSON text as the secret's own escaped form. casefold, not lower: lower
    # maps a capital sigma by its context (final or not), so a secret ending in one would not be
    # found inside a longer name; casefold maps each character alone.
    return json.dumps(text, ensure_ascii=False)[1:-1].casefold()


def as_module_result(result: dict[str, t.Any], secrets: t.Iterable[str]) -> dict[str, t.Any]:
    """``result`` as a module process would return it: JSON types only (a tuple becomes a list),
    and every no_log value removed exactly as AnsibleModule removes it.

    Ansible's ``remove_values`` visits every node of a result (about half a second for the
    1,000-adapter host's host_info). Here the result's JSON text, which the JSON round trip makes
    anyway, is searched for each secret first, without regard to case (so a boolean or number
    that equals a secret is found too); only when one may be in it does ``remove_values`` run, on
    the whole result, as AnsibleModule's ``_return_formatted`` runs it (booleans and nulls at the
    top level are kept).
    """
    text = json.dumps(result, ensure_ascii=False)
    result = json.loads(text)
    secrets = [str(secret) for secret in secrets if secret not in (None, "")]
    if secrets:
        folded = text.casefold()
        if any(_json_form(secret) in folded for secret in secrets):
            preserved = {key: value for key, value in result.items() if value is None or isinstance(value, bool)}
            result = remove_values(result, set(secrets))
            result.update(preserved)
    return result


def run_in_process(definition: Definition, module_name: str, args: t.Mapping[str, t.Any], check_mode: bool = False,
                   diff: bool = False, inject_invocation: bool = False) -> dict[str, t.Any]:
    """One run of a module in the calling process; its result, as the module process would give it.

    The action plugin calls this instead of starting a module process: no interpreter start, no
    AnsiballZ payload, no second import of pydantic and pypsrp, and the result does not cross a
    pipe (``as_module_result`` still sends it through ``json`` in memory, about 0.04 s for a
    1,000-adapter host_info, so that it holds JSON types only, as a module's would). The args are
    validated against the same spec with the same rules (Ansible's ``ModuleArgumentSpecValidator``,
    which AnsibleModule uses, env fallbacks included; in a worker its alias and deprecation warnings
    go straight to Ansible's display), the run is ``outcome()``, and no_log values are removed from
    everything returned.

    ``args``: the task's module args (no ``_ansible_*`` keys). Returns the result dict (``failed``
    and ``msg`` on failure; ``warnings`` when there are any; ``invocation`` when
    ``inject_invocation``, Ansible's INJECT_INVOCATION setting).
    """
    spec = definition.argument_spec()
    problems = strict_type_problems(dict(args), spec)
    validated = ModuleArgumentSpecValidator(spec, **definition.rules).validate(dict(args))
    params = validated.validated_parameters
    secrets = no_log_values(spec, params)
    if validated.error_messages:
        message = validated.errors.msg
        if isinstance(validated.errors[0], UnsupportedError):
            message = "Unsupported parameters for (%s) module: %s" % (module_name, message)
        result: dict[str, t.Any] = {"failed": True, "msg": message}
    elif problems:
        result = {"failed": True, "msg": str(_spec.SpecValidationError(problems)), "error": {"problems": problems}}
    else:
        invocation = Invocation(params=params, check_mode=check_mode, diff=diff)
        result = outcome(definition, invocation)
        if invocation.warnings:
            result["warnings"] = list(invocation.warnings)
    if inject_invocation:
        shown = {name: _NO_LOG_PLACEHOLDER if spec.get(name, {}).get("no_log") and value is not None else value
                 for name, value in params.items()}
        result["invocation"] = {"module_args": shown}
    return as_module_result(result, secrets)
