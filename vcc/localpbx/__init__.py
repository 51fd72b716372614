"""Provision and run vcc's own local Asterisk (``vcc pbx install|start|stop|status``)."""
