"""Users, passwords, one-time codes and sessions (the rules are vcc.core.access)."""
