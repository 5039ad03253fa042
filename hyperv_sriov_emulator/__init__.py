"""A Windows Server Hyper-V host emulator for SR-IOV and NIC offload management.

The model (``model``) holds host state, ``cmdlets`` implements the Hyper-V and NetAdapter cmdlets
on top of it, ``engine.invoke`` runs pipelines of cmdlets, ``inprocess.InProcessRunner`` serves
the collection's runner contract in process and ``server`` serves the same engine over WinRM/PSRP.
See docs/emulator.md.
"""

__version__ = "0.1.0"
