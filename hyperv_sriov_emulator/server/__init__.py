"""The emulator on the wire: WS-Management + PSRP over HTTP(S) for every host of a scenario.

``app.EmulatorServer`` starts one listener per host; ``http`` handles TLS, authentication and
message encryption; ``wsman`` the SOAP envelopes; ``psrp`` runspace pools and pipelines;
``clixml`` what goes back to the client; ``control`` the emulator-private state/fault endpoint.
"""

from .app import Engine, EmulatorServer, ServeOptions, write_private_json

__all__ = ["Engine", "EmulatorServer", "ServeOptions", "write_private_json"]
