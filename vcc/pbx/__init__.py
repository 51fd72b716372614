"""PBX adapters behind one protocol (:class:`vcc.pbx.driver.PbxDriver`)."""

from vcc.pbx.driver import PbxDriver
from vcc.pbx.events import OriginateRequest, PbxEvent

__all__ = ["OriginateRequest", "PbxDriver", "PbxEvent"]
