"""The REST + WebSocket API (aiohttp): vcc's services over HTTP, under ``/api/v1``."""
