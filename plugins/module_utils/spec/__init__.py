# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Spec: the model of a host, both what a task asks for and what a host shows.

The pydantic models of the desired state (``_spec``: HostConfig, its sections and their
options; None means "not managed"), the import guard that lets them load without pydantic
(``_pydantic_compat``), and the observed side (``_host_parse``: a host's plain PSObjectData parsed
into the same models plus fact records). Pure: no I/O. It may use the transport's plain data
types and error classes, never a runner.

May import: transport.
"""
