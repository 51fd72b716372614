"""Workforce management as a service: the rules of vcc.core.wfm on vcc's database,
users and notifications (with an email copy). The API is vcc.api.wfm."""
