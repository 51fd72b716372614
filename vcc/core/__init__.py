"""The pure core: events in, commands out. No I/O, no asyncio, no clock of its own."""
