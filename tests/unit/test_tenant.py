"""The admin's tenant file: what it may say, and the clear errors for what it may not."""

from __future__ import annotations

from pathlib import Path

import pytest

from vcc.core.agents import Status
from vcc.core.ivr import PlayAndHangUp, ToMenu, ToQueue
from vcc.core.queues import OverflowToMessage, OverflowToQueue, Strategy
from vcc.errors import ConfigError
from vcc.localpbx.ivr import render_menu
from vcc.tenant import DEMO_TENANT, load_tenant

FULL = """
[outbound]
dial = "PJSIP/{number}@trunk"
allowed = ["0[1-7][0-9]{8}"]
ring_timeout = 30
wrap_up = 15

[moh]
calm = "/srv/vcc/moh/calm"

[status_codes]
break = ["lunch"]
[status_rules]
reason_required = ["break"]
max_missed_offers = 2

[[queues]]
id = "support"
extension = "7000"
strategy = "best_skill"
ring_timeout = 12
wrap_up = 5
max_wait = 60
overflow_queue = "sales"
skills = { dutch = 3 }
announce_position_every = 30
periodic_message = "custom/promo"
periodic_message_every = 45
dispositions = ["solved", "callback"]
disposition_required = true
exit_key = "0"
exit_queue = "sales"

[[queues]]
id = "sales"
extension = "7001"
overflow_message = "tt-allbusy"
moh_class = "calm"

[[agents]]
id = "1001"
queues = { support = 0, sales = 2 }
skills = { dutch = 4 }
status = "available"

[[phones]]
extension = "2001"

[[menus]]
id = "main"
extension = "7100"
prompt = "custom/welcome"
options."1" = { queue = "support" }
options."2" = { queue = "sales", priority = 5 }
options."*" = { menu = "more" }
options."#" = { message = "vm-goodbye" }
hours = { ranges = [["08:00-17:30", "mon-fri"]], closed_sound = "custom/closed" }

[[menus]]
id = "more"
prompt = "custom/more"
options."0" = { hangup = true }
on_failure = { queue = "support" }
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tenant.toml"
    path.write_text(text)
    return path


def test_the_demo_tenant_loads() -> None:
    tenant = load_tenant(DEMO_TENANT)
    assert [q.id for q in tenant.queues] == ["support", "sales"]
    assert {a.id for a in tenant.agents} == {"1001", "1002"}
    assert "7100" in [m.extension for m in tenant.spec.menus]


def test_every_setting_is_read(tmp_path: Path) -> None:
    tenant = load_tenant(write(tmp_path, FULL))
    support, sales = tenant.queues
    assert support.strategy is Strategy.BEST_SKILL
    assert (support.ring_timeout, support.wrap_up, support.max_wait) == (12.0, 5.0, 60.0)
    assert support.overflow == OverflowToQueue("sales")
    assert dict(support.required_skills) == {"dutch": 3}
    assert support.periodic_message == "custom/promo"
    assert sales.overflow == OverflowToMessage("tt-allbusy")
    (agent,) = tenant.agents
    assert agent.endpoint == "PJSIP/1001"
    assert dict(agent.queues) == {"support": 0, "sales": 2}
    assert agent.status is Status.AVAILABLE
    assert tenant.rules.reason_required == {Status.BREAK}
    assert tenant.rules.max_missed_offers == 2
    main, more = tenant.spec.menus
    assert main.options["2"] == ToQueue("sales", priority=5)
    assert main.options["*"] == ToMenu("more")
    assert main.options["#"] == PlayAndHangUp("vm-goodbye")
    assert more.on_failure == ToQueue("support")
    assert (support.dispositions, support.disposition_required) == (("solved", "callback"), True)
    assert (support.exit_key, support.exit_to) == ("0", OverflowToQueue("sales"))
    assert (support.moh_class, sales.moh_class) == ("default", "calm")
    assert [(m.name, str(m.directory)) for m in tenant.spec.moh_classes] == [
        ("calm", "/srv/vcc/moh/calm")
    ]
    assert [q.moh_class for q in tenant.spec.queues] == ["default", "calm"]
    assert tenant.outbound is not None
    assert tenant.outbound.check("020 123 4567") == "0201234567"
    assert (tenant.outbound.ring_timeout, tenant.outbound.wrap_up) == (30.0, 15.0)
    assert tenant.outbound.dial_string("0201234567") == "PJSIP/0201234567@trunk"
    assert [e.extension for e in tenant.spec.endpoints] == ["1001", "2001"]


def test_menus_render_to_dialplan_with_hours_keys_and_retries(tmp_path: Path) -> None:
    main = load_tenant(write(tmp_path, FULL)).spec.menus[0]
    text = render_menu(main)
    assert "[vcc-ivr-main]" in text
    assert "GotoIfTime(08:00-17:30,mon-fri,*,*?open)" in text
    assert "Playback(custom/closed)" in text
    assert "exten => 2,1,Set(VCC_QUEUE=sales)" in text
    assert " same => n,Set(VCC_PRIORITY=5)" in text
    assert "exten => *,1,Goto(vcc-ivr-more,s,1)" in text
    assert "exten => #,1,Playback(vm-goodbye)" in text
    assert "exten => i,1,Background(pbx-invalid)" in text
    assert "GotoIf($[${VCC_TRIES} >= 3]?failed)" in text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('extension = "7000"', 'extension = "70&0"'), "queue extension '70&0' is not valid"),
        (('extension = "7001"', 'extension = "7000"'), "extension(s) 7000 are used twice"),
        (('extension = "2001"', 'extension = "7100"'), "extension(s) 7100 are used twice"),
        (
            ("queues = { support = 0, sales = 2 }", "queues = { billing = 0 }"),
            "agent 1001: unknown queue 'billing'",
        ),
        (
            ('options."1" = { queue = "support" }', 'options."1" = { queue = "billing" }'),
            "unknown queue 'billing'",
        ),
        (
            ('options."*" = { menu = "more" }', 'options."A" = { menu = "more" }'),
            "key 'A' is not valid",
        ),
        (
            ('options."*" = { menu = "more" }', 'options."*" = { menu = "nope" }'),
            "unknown menu 'nope'",
        ),
        (('prompt = "custom/welcome"', 'prompt = "../../etc/passwd"'), "not a valid sound name"),
        (('prompt = "custom/welcome"', 'prompt = "a&b"'), "not a valid sound name"),
        (('strategy = "best_skill"', 'strategy = "random"'), "unknown strategy 'random'"),
        (("ring_timeout = 12", "rign_timeout = 12"), "unknown key(s) rign_timeout"),
        (("ring_timeout = 12", 'ring_timeout = "soon"'), "expected float"),
        (('overflow_queue = "sales"', 'overflow_queue = "support"'), "overflow into itself"),
        (('status = "available"', 'status = "sleeping"'), "unknown status 'sleeping'"),
        (('break = ["lunch"]', 'break = ["Lunch Break"]'), "code 'Lunch Break' is not valid"),
        (('"08:00-17:30", "mon-fri"', '"8-17", "mon-fri"'), "hours '8-17' are not valid"),
        (('id = "1001"', 'id = "1001;x"'), "is not valid"),
        (('"solved", "callback"', '"Solved!"'), "disposition code 'Solved!' is not valid"),
        (("disposition_required = true", "disposition_required = 1"), "expected bool"),
        (('dial = "PJSIP/{number}@trunk"', 'dial = "PJSIP/{number}&PJSIP/9"'), "outbound"),
        (('dial = "PJSIP/{number}@trunk"', 'dial = "PJSIP/0900"'), "'{number}' once"),
        (('allowed = ["0[1-7][0-9]{8}"]', 'allowed = ["(0"]'), "not a valid regular"),
        (("wrap_up = 15", "wrap_upp = 15"), "outbound: unknown key(s) wrap_upp"),
        (('exit_key = "0"', 'exit_key = "X"'), "exit key 'X' is not valid"),
        (('moh_class = "calm"', 'moh_class = "loud"'), "unknown music on hold class 'loud'"),
        (('calm = "/srv/vcc/moh/calm"', 'calm = "moh/calm"'), "as an absolute path"),
        (('calm = "/srv/vcc/moh/calm"', 'default = "/srv/x"'), "'default' is vcc's own"),
        (('calm = "/srv/vcc/moh/calm"', 'general = "/srv/x"'), "musiconhold.conf's own"),
        (('calm = "/srv/vcc/moh/calm"', 'calm = "/srv/my music"'), "is not a plain path"),
        (('calm = "/srv/vcc/moh/calm"', 'calm = "/srv/../etc"'), "is not a plain path"),
        (('calm = "/srv/vcc/moh/calm"', 'calm = "/srv/moh\\nx"'), "is not a plain path"),
        (('calm = "/srv/vcc/moh/calm"', 'Calm = "/srv/x"'), "class 'Calm' is not valid"),
        (('calm = "/srv/vcc/moh/calm"', "calm = 7"), "[moh] must be a table"),
        (('exit_queue = "sales"', 'exit_queue = "billing"'), "exit_queue 'billing' is unknown"),
        (('exit_queue = "sales"', 'exit_message = "a&b"'), "not a valid sound name"),
    ],
)
def test_a_mistake_is_a_clear_error_naming_where(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    old, new = change
    assert old in FULL
    with pytest.raises(ConfigError) as caught:
        load_tenant(write(tmp_path, FULL.replace(old, new, 1)))
    assert message in str(caught.value)
    assert str(tmp_path / "tenant.toml") in str(caught.value)


def test_a_missing_or_broken_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_tenant(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_tenant(write(tmp_path, "[[queues]\n"))
