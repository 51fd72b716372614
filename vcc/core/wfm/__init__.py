"""Workforce management, pure: schedules and their activities, change and time-off
requests with balances, shift swaps, absence requests, adherence and Erlang C
staffing. No I/O; vcc.wfm stores and serves it."""
