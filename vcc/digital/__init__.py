"""Chats, emails, voicemails and the CRM: the channels beside calls (issue 9)."""
