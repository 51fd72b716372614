"""The rules omnichannel adds outside vcc.core.channels (tests/unit/test_channels.py):
a queue's overflow into voicemail, an agent's own limits, how a tenant file and the
settings say so."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_routing import SUPPORT, agent, arrived, channel, router, step, waiting
from vcc.config import load_settings
from vcc.core.agents import Status
from vcc.core.channels import Channel
from vcc.core.queues import OverflowToVoicemail, QueueConfig
from vcc.core.routing import InteractionEnded, SendToVoicemail, Tick, handle
from vcc.digital.service import capacity_of
from vcc.errors import ConfigError, InvalidInput
from vcc.tenant import DEMO_TENANT, load_tenant


def test_a_caller_who_waited_max_wait_is_sent_to_leave_a_message_in_the_same_queue() -> None:
    state = router(
        agent("a", status=Status.BREAK),
        queues=[QueueConfig(SUPPORT, max_wait=60.0, overflow=OverflowToVoicemail())],
    )
    state, _ = step(state, arrived("c1", at=100.0))
    state, commands = handle(state, Tick(160.0))
    assert SendToVoicemail("c1", channel("c1"), SUPPORT, "max-wait") in commands
    assert InteractionEnded("c1", "overflowed", 160.0) in commands
    assert waiting(state) == []


def _tenant(tmp_path: Path, queue_lines: str) -> Path:
    path = tmp_path / "tenant.toml"
    path.write_text(
        f'[[queues]]\nid = "support"\nextension = "7000"\n{queue_lines}\n'
        '[[agents]]\nid = "1001"\nqueues = { support = 0 }\n'
    )
    return path


def test_a_tenant_names_voicemail_as_a_queues_overflow_or_exit(tmp_path: Path) -> None:
    tenant = load_tenant(_tenant(tmp_path, "max_wait = 60\noverflow_voicemail = true\n"
                                           'exit_key = "0"\nexit_voicemail = true'))  # fmt: skip
    (queue,) = tenant.queues
    assert queue.overflow == OverflowToVoicemail()
    assert queue.exit_to == OverflowToVoicemail()
    assert load_tenant(DEMO_TENANT).queues[1].overflow == OverflowToVoicemail()


@pytest.mark.parametrize(
    "lines",
    ['overflow_voicemail = true\noverflow_message = "bye"', 'overflow_voicemail = "yes"'],
)
def test_a_tenant_with_two_overflows_or_a_non_boolean_is_refused(
    tmp_path: Path, lines: str
) -> None:
    with pytest.raises((ConfigError, InvalidInput)):
        load_tenant(_tenant(tmp_path, lines))


def test_the_desk_settings_come_from_the_config_and_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "vcc.toml"
    config.write_text('chat_capacity = 5\nchannel_order = ["chat", "email", "voicemail"]\n')
    settings = load_settings(config, {"VCC_CALLS_WITH_OTHER_WORK": "yes",
                                      "VCC_EMAIL_PORT": "2525"})  # fmt: skip
    capacity = capacity_of(settings)
    assert capacity.limits[Channel.CHAT] == 5
    assert capacity.order == (Channel.CHAT, Channel.EMAIL, Channel.VOICEMAIL)
    assert capacity.calls_with_other_work
    assert settings.email_port == 2525
    assert not load_settings(None, {"VCC_CALLS_WITH_OTHER_WORK": "false"}).calls_with_other_work


@pytest.mark.parametrize(
    "env",
    [
        {"VCC_CALLS_WITH_OTHER_WORK": "maybe"},
        {"VCC_CHANNEL_ORDER": "chat,chat,email"},
        {"VCC_CHAT_CAPACITY": "51"},
        {"VCC_EMAIL_PORT": "70000"},
    ],
)
def test_bad_desk_settings_say_what_is_wrong(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        load_settings(None, env)


def _agent_lines(tmp_path: Path, agent_lines: str) -> Path:
    path = tmp_path / "tenant.toml"
    path.write_text('[[queues]]\nid = "support"\nextension = "7000"\n[[agents]]\n'
                    f'id = "1001"\nqueues = {{ support = 0 }}\n{agent_lines}\n')  # fmt: skip
    return path


def test_an_agent_has_their_own_limits_and_the_others_the_settings(tmp_path: Path) -> None:
    tenant = load_tenant(_agent_lines(tmp_path, "capacity = { chat = 5, voicemail = 0 }"))
    assert tenant.capacities == {"1001": {Channel.CHAT: 5, Channel.VOICEMAIL: 0}}
    capacity = capacity_of(load_settings(None, {}), tenant.capacities)
    assert capacity.limit("1001", Channel.CHAT) == 5
    assert capacity.limit("1001", Channel.VOICEMAIL) == 0
    assert capacity.limit("1001", Channel.EMAIL) == 2  # the setting's default
    assert capacity.limit("1002", Channel.CHAT) == 3
    assert load_tenant(DEMO_TENANT).capacities == {"1002": {Channel.CHAT: 1}}


@pytest.mark.parametrize(
    ("lines", "said"),
    [
        ("capacity = { chat = 51 }", "agents[0].capacity.chat: give 0 to 50"),
        ("capacity = { chat = -1 }", "agents[0].capacity.chat: give 0 to 50"),
        ("capacity = { sms = 1 }", "agents[0].capacity: unknown key(s) sms"),
        ('capacity = { chat = "5" }', "agents[0].capacity.chat: expected int"),
        ("capacity = { chat = true }", "agents[0].capacity.chat: expected int"),
        ("capacity = 3", "agents[0].capacity: expected dict"),
    ],
)
def test_bad_limits_for_an_agent_are_refused_saying_where(
    tmp_path: Path, lines: str, said: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        load_tenant(_agent_lines(tmp_path, lines))
    assert said in str(refused.value)
