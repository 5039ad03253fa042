# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Kept in step with plugins/module_utils/transport/_connection.py CONNECTION_ARGSPEC by a unit test.
    DOCUMENTATION = r"""
options:
  hostname:
    description:
      - The Hyper-V host to connect to, a DNS name or an IP address.
      - Through the action plugin, when not set in the task, the inventory host's address as the
        psrp or winrm connection plugin resolves it (C(ansible_psrp_host) or C(ansible_winrm_host),
        then C(ansible_host), then the inventory name; with a C(local) connection C(ansible_host)
        or the inventory name, except for C(localhost), the controller itself).
      - If not set otherwise, the value of the environment variable E(HYPERV_HOSTNAME) is used.
    type: str
    required: true
  port:
    description:
      - The WinRM port of the host.
      - Defaults to V(5986) when O(protocol=https) and V(5985) when O(protocol=http).
      - Inventory variables C(ansible_psrp_port) or C(ansible_winrm_port), then C(ansible_port),
        apply when not set in the task. A port of V(5985) without a protocol means V(http), any
        other V(https), as in Ansible's psrp and winrm connection plugins.
      - If not set otherwise, the value of the environment variable E(HYPERV_PORT) is used.
    type: int
  username:
    description:
      - The account to authenticate as, for example C(HOST\\Administrator) or C(user@DOMAIN).
      - Inventory variables C(ansible_psrp_user) or C(ansible_winrm_user), then C(ansible_user),
        apply when not set in the task.
      - If not set otherwise, the value of the environment variable E(HYPERV_USERNAME) is used.
    type: str
  password:
    description:
      - The password of O(username). It is never logged nor returned.
      - Inventory variables C(ansible_winrm_password), C(ansible_winrm_pass) and
        C(ansible_password) apply when not set in the task (the names both connection plugins read).
      - If not set otherwise, the value of the environment variable E(HYPERV_PASSWORD) is used.
    type: str
  auth:
    description:
      - The authentication protocol.
      - V(basic) requires O(protocol=https) or O(message_encryption=never).
      - V(kerberos) and V(credssp) need the matching extras of the pypsrp Python package on the
        controller (C(pip install 'pypsrp[kerberos]')).
      - V(kerberos) (and V(negotiate) without a O(password)) authenticates with a ticket, got from
        O(username) and O(password) (C(user@REALM)), or, with no password, from the controller's
        credential cache filled by C(kinit) (E(KRB5CCNAME)).
      - V(certificate) needs O(certificate_pem) and O(certificate_key_pem) and O(protocol=https).
      - Inventory variable C(ansible_psrp_auth) applies when not set in the task; with a winrm
        connection the first of C(ansible_winrm_transport) (V(ssl) and V(plaintext) mean V(basic)),
        and without it V(kerberos) for a C(user@REALM) account, else V(basic), as the winrm
        plugin picks.
      - If not set otherwise, the value of the environment variable E(HYPERV_AUTH) is used.
    type: str
    choices: [negotiate, ntlm, kerberos, credssp, basic, certificate]
    default: negotiate
  protocol:
    description:
      - Whether to connect over HTTPS or HTTP.
      - Inventory variables C(ansible_psrp_protocol) and C(ansible_winrm_scheme) apply when not set
        in the task; without them the port decides (V(5985) is V(http)).
      - If not set otherwise, the value of the environment variable E(HYPERV_PROTOCOL) is used.
    type: str
    choices: [https, http]
    default: https
  validate_certs:
    description:
      - Whether to verify the host's TLS certificate. Only set V(false) on networks you trust.
      - Inventory variables C(ansible_psrp_cert_validation=ignore) and
        C(ansible_winrm_server_cert_validation=ignore) set V(false) when not set in the task.
      - If not set otherwise, the value of the environment variable E(HYPERV_VALIDATE_CERTS) is used.
    type: bool
    default: true
  ca_cert:
    description:
      - A PEM file of the certificate authorities that may sign the host's certificate, instead of
        the controller's trust store.
      - Inventory variables C(ansible_psrp_ca_cert), C(ansible_psrp_cert_trust_path) and
        C(ansible_winrm_ca_trust_path) apply when not set in the task.
        C(ansible_psrp_cert_validation) takes only V(validate) or V(ignore), as in Ansible's psrp
        plugin.
      - If not set otherwise, the value of the environment variable E(HYPERV_CA_CERT) is used.
    type: path
  certificate_pem:
    description:
      - The client certificate (PEM) for O(auth=certificate).
      - Inventory variables C(ansible_psrp_certificate_pem) and C(ansible_winrm_cert_pem) apply
        when not set in the task.
      - If not set otherwise, the value of the environment variable E(HYPERV_CERTIFICATE_PEM) is used.
    type: path
  certificate_key_pem:
    description:
      - The private key (PEM, unencrypted) of O(certificate_pem).
      - Inventory variables C(ansible_psrp_certificate_key_pem) and C(ansible_winrm_cert_key_pem)
        apply when not set in the task.
      - If not set otherwise, the value of the environment variable E(HYPERV_CERTIFICATE_KEY_PEM)
        is used.
    type: path
  negotiate_service:
    description:
      - The service part of the service principal name (SPN) Kerberos asks a ticket for, with
        O(auth=kerberos) or O(auth=negotiate). The domain must hold that SPN for the host's
        account.
      - Defaults to V(host), as pypsrp and C(ansible.builtin.psrp) do; a domain member's computer
        account holds C(HOST/<name>), which also covers C(HTTP/<name>).
      - Inventory variable C(ansible_psrp_negotiate_service) applies when not set in the task.
      - If not set otherwise, the value of the environment variable E(HYPERV_NEGOTIATE_SERVICE) is used.
    type: str
  negotiate_hostname_override:
    description:
      - The host name in the Kerberos service principal name, when O(hostname) is an IP address or
        an alias the domain has no SPN for.
      - Inventory variable C(ansible_psrp_negotiate_hostname_override) applies when not set in the
        task.
      - If not set otherwise, the value of the environment variable
        E(HYPERV_NEGOTIATE_HOSTNAME_OVERRIDE) is used.
    type: str
  negotiate_delegate:
    description:
      - Whether to delegate the Kerberos credentials to the host (a forwardable ticket), so that
        the host can reach other machines as the user.
      - Inventory variable C(ansible_psrp_negotiate_delegate) applies when not set in the task.
      - If not set otherwise, the value of the environment variable E(HYPERV_NEGOTIATE_DELEGATE) is used.
    type: bool
  message_encryption:
    description:
      - Whether WinRM messages are encrypted by the authentication protocol.
      - V(auto) encrypts over HTTP and relies on TLS over HTTPS; V(always) encrypts even over
        HTTPS; V(never) sends clear text over HTTP and is only for test hosts.
      - Inventory variables C(ansible_psrp_message_encryption) and
        C(ansible_winrm_message_encryption) apply when not set in the task.
      - If not set otherwise, the value of the environment variable E(HYPERV_MESSAGE_ENCRYPTION) is used.
    type: str
    choices: [auto, always, never]
    default: auto
  connection_timeout:
    description:
      - Seconds to wait for the TCP connection to the host.
      - Inventory variable C(ansible_psrp_connection_timeout) applies when not set in the task;
        C(ansible_winrm_connection_timeout) sets O(operation_timeout) and O(read_timeout) as the
        winrm plugin does.
      - If not set otherwise, the value of the environment variable E(HYPERV_CONNECTION_TIMEOUT) is used.
    type: int
    default: 30
  read_timeout:
    description:
      - Seconds to wait for the host's answer to one HTTP request. Keep it above
        O(operation_timeout), or every long WinRM poll fails.
      - Inventory variables C(ansible_psrp_read_timeout) and C(ansible_winrm_read_timeout_sec)
        apply when not set in the task.
      - If not set otherwise, the value of the environment variable E(HYPERV_READ_TIMEOUT) is used.
    type: int
    default: 30
  operation_timeout:
    description:
      - Seconds the host may take to answer one WinRM operation before the request is retried or
        fails.
      - Inventory variables C(ansible_psrp_operation_timeout) and
        C(ansible_winrm_operation_timeout_sec) apply when not set in the task.
      - If not set otherwise, the value of the environment variable E(HYPERV_OPERATION_TIMEOUT) is used.
    type: int
    default: 20
  path:
    description:
      - The URI path of the WinRM endpoint.
      - Inventory variables C(ansible_psrp_path) and C(ansible_winrm_path) apply when not set in the
        task.
      - If not set otherwise, the value of the environment variable E(HYPERV_PATH) is used.
    type: str
    default: wsman
  proxy:
    description:
      - The HTTP proxy to reach the host through, for example V(http://proxy:3128). Without it the
        controller's C(https_proxy)/C(http_proxy) environment applies.
      - Inventory variables C(ansible_psrp_proxy) and C(ansible_winrm_proxy) apply when not set in
        the task.
      - If not set otherwise, the value of the environment variable E(HYPERV_PROXY) is used.
    type: str
  ignore_proxy:
    description:
      - Ignore the controller's proxy environment variables for this host.
      - Inventory variable C(ansible_psrp_ignore_proxy) applies when not set in the task.
      - If not set otherwise, the value of the environment variable E(HYPERV_IGNORE_PROXY) is used.
    type: bool
    default: false
  configuration_name:
    description:
      - The PowerShell session configuration (endpoint) to open on the host.
      - Inventory variable C(ansible_psrp_configuration_name) applies when not set in the task.
      - If not set otherwise, the value of the environment variable E(HYPERV_CONFIGURATION_NAME) is used.
    type: str
    default: Microsoft.PowerShell
  max_envelope_size:
    description:
      - The largest WinRM message, in bytes, the host accepts (its C(MaxEnvelopeSizekb) times 1024).
      - Inventory variable C(ansible_psrp_max_envelope_size) applies when not set in the task.
      - If not set otherwise, the value of the environment variable E(HYPERV_MAX_ENVELOPE_SIZE) is used.
    type: int
    default: 153600
  reconnection_retries:
    description:
      - How many times to retry a request whose connection failed.
      - Inventory variable C(ansible_psrp_reconnection_retries) applies when not set in the task.
      - If not set otherwise, the value of the environment variable E(HYPERV_RECONNECTION_RETRIES) is used.
    type: int
    default: 0
  reconnection_backoff:
    description:
      - Seconds before the first retry of O(reconnection_retries); doubled for each further one.
      - Inventory variables C(ansible_psrp_reconnection_backoff) and
        C(ansible_psrp_connection_backoff) apply when not set in the task.
      - If not set otherwise, the value of the environment variable E(HYPERV_RECONNECTION_BACKOFF) is used.
    type: float
    default: 2.0
notes:
  - The module runs on the Ansible controller and reaches the Hyper-V host over PowerShell
    Remoting (WinRM), whatever C(ansible_connection) the inventory sets for the host; tasks need
    no C(delegate_to).
  - Connection options are taken from the task first, then from the inventory host's variables
    as Ansible's own C(ansible.builtin.psrp) or C(ansible.builtin.winrm) connection plugin (the
    host's C(ansible_connection)) resolves them, then from the C(HYPERV_*) environment variables.
    A host with any other connection (such as C(ssh)) fails before connecting, unless the task
    names O(hostname).
  - To run a task with C(async), add C(delegate_to=localhost) so that Ansible polls for the job on
    the controller, where it runs; the connection still comes from the targeted inventory host.
requirements:
  # The lines of requirements.txt, the one list of the collection's controller libraries.
  - pydantic>=2.7,<3 on the controller
  - pypsrp==0.9.1 on the controller
  - pypsrp[kerberos] on the controller for Kerberos
"""
