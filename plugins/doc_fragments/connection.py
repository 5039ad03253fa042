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
      - Through the action plugin, when not set in the task, the inventory host's C(ansible_host)
        is used, else its inventory name (except for C(localhost), the controller itself).
      - If not set otherwise, the value of the environment variable E(HYPERV_HOSTNAME) is used.
    type: str
    required: true
  port:
    description:
      - The WinRM port of the host.
      - Defaults to V(5986) when O(protocol=https) and V(5985) when O(protocol=http).
      - Inventory variables C(ansible_port) and C(ansible_psrp_port) apply when not set in the task.
      - If not set otherwise, the value of the environment variable E(HYPERV_PORT) is used.
    type: int
  username:
    description:
      - The account to authenticate as, for example C(HOST\\Administrator) or C(user@DOMAIN).
      - Inventory variables C(ansible_user) and C(ansible_psrp_user) apply when not set in the task.
      - If not set otherwise, the value of the environment variable E(HYPERV_USERNAME) is used.
    type: str
  password:
    description:
      - The password of O(username). It is never logged nor returned.
      - Inventory variables C(ansible_password) and C(ansible_psrp_password) apply when not set
        in the task.
      - If not set otherwise, the value of the environment variable E(HYPERV_PASSWORD) is used.
    type: str
  auth:
    description:
      - The authentication protocol.
      - V(basic) requires O(protocol=https) or O(message_encryption=never).
      - V(kerberos) and V(credssp) need the matching extras of the pypsrp Python package on the
        controller.
      - V(certificate) needs O(certificate_pem) and O(certificate_key_pem) and O(protocol=https).
      - Inventory variable C(ansible_psrp_auth) applies when not set in the task.
      - If not set otherwise, the value of the environment variable E(HYPERV_AUTH) is used.
    type: str
    choices: [negotiate, ntlm, kerberos, credssp, basic, certificate]
    default: negotiate
  protocol:
    description:
      - Whether to connect over HTTPS or HTTP.
      - Inventory variable C(ansible_psrp_protocol) applies when not set in the task.
      - If not set otherwise, the value of the environment variable E(HYPERV_PROTOCOL) is used.
    type: str
    choices: [https, http]
    default: https
  validate_certs:
    description:
      - Whether to verify the host's TLS certificate. Only set V(false) on networks you trust.
      - Inventory variable C(ansible_psrp_cert_validation=ignore) sets V(false) when not set in
        the task.
      - If not set otherwise, the value of the environment variable E(HYPERV_VALIDATE_CERTS) is used.
    type: bool
    default: true
  ca_cert:
    description:
      - A PEM file of the certificate authorities that may sign the host's certificate, instead of
        the controller's trust store.
      - Inventory variables C(ansible_psrp_ca_cert), C(ansible_psrp_cert_trust_path) and a path in
        C(ansible_psrp_cert_validation) apply when not set in the task.
      - If not set otherwise, the value of the environment variable E(HYPERV_CA_CERT) is used.
    type: path
  certificate_pem:
    description:
      - The client certificate (PEM) for O(auth=certificate).
      - Inventory variable C(ansible_psrp_certificate_pem) applies when not set in the task.
      - If not set otherwise, the value of the environment variable E(HYPERV_CERTIFICATE_PEM) is used.
    type: path
  certificate_key_pem:
    description:
      - The private key (PEM, unencrypted) of O(certificate_pem).
      - Inventory variable C(ansible_psrp_certificate_key_pem) applies when not set in the task.
      - If not set otherwise, the value of the environment variable E(HYPERV_CERTIFICATE_KEY_PEM)
        is used.
    type: path
  message_encryption:
    description:
      - Whether WinRM messages are encrypted by the authentication protocol.
      - V(auto) encrypts over HTTP and relies on TLS over HTTPS; V(always) encrypts even over
        HTTPS; V(never) sends clear text over HTTP and is only for test hosts.
      - Inventory variable C(ansible_psrp_message_encryption) applies when not set in the task.
      - If not set otherwise, the value of the environment variable E(HYPERV_MESSAGE_ENCRYPTION) is used.
    type: str
    choices: [auto, always, never]
    default: auto
  connection_timeout:
    description:
      - Seconds to wait for the TCP connection to the host.
      - Inventory variable C(ansible_psrp_connection_timeout) applies when not set in the task.
      - If not set otherwise, the value of the environment variable E(HYPERV_CONNECTION_TIMEOUT) is used.
    type: int
    default: 30
  operation_timeout:
    description:
      - Seconds the host may take to answer one WinRM operation before the request is retried or
        fails.
      - Inventory variable C(ansible_psrp_operation_timeout) applies when not set in the task.
      - If not set otherwise, the value of the environment variable E(HYPERV_OPERATION_TIMEOUT) is used.
    type: int
    default: 20
notes:
  - The module runs on the Ansible controller and reaches the Hyper-V host over PowerShell
    Remoting (WinRM), whatever C(ansible_connection) the inventory sets for the host; tasks need
    no C(delegate_to).
  - Connection options are taken from the task first, then from the inventory host's
    C(ansible_host), C(ansible_port), C(ansible_user), C(ansible_password) and C(ansible_psrp_*)
    variables, then from the C(HYPERV_*) environment variables.
  - To run a task with C(async), add C(delegate_to=localhost) so that Ansible polls for the job on
    the controller, where it runs; the connection still comes from the targeted inventory host.
requirements:
  - pypsrp >= 0.9 on the controller
"""
