"""freeswitch-conf/ checked without a FreeSWITCH: every file parses as XML and says
what the modules it configures read (mod_event_socket, mod_conference,
mod_local_stream, the XML dialplan, the directory), and the dialplan has every
context vcc sends channels to, uses only applications FreeSWITCH's modules provide,
and transfers only to contexts it has."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "freeswitch-conf"
ASTERISK = Path(__file__).resolve().parents[2] / "dialplan" / "extensions.conf"
# Applications of mod_dptools, mod_conference, mod_sndfile/mod_local_stream (playback
# sources) and mod_say that the dialplan may use.
APPLICATIONS = {
    "answer", "set", "export", "event", "transfer", "playback", "endless_playback", "say",
    "hangup", "intercept", "park", "bridge", "conference", "bind_digit_action",
    "digit_action_set_realm", "sleep", "respond", "record", "record_session",
    "pre_answer", "ring_ready", "play_and_get_digits",
}  # fmt: skip
ASTERISK_ONLY = {"vcc-record-start", "vcc-nowhere"}  # a Gosub target; a PJSIP guard


def parsed(name: str) -> ET.Element:
    return ET.parse(CONF / name).getroot()  # noqa: S314 - the repository's own files


@pytest.mark.parametrize("path", sorted(p.relative_to(CONF) for p in CONF.rglob("*.xml")),
                         ids=str)  # fmt: skip
def test_every_file_is_well_formed_xml(path: Path) -> None:
    assert parsed(str(path)).tag in ("configuration", "include")


def test_the_event_socket_listens_on_loopback_with_a_password_of_its_own() -> None:
    root = parsed("autoload_configs/event_socket.conf.xml")
    assert root.tag == "configuration"
    assert root.get("name") == "event_socket.conf"
    params = {p.get("name"): p.get("value") for p in root.iter("param")}
    assert params["listen-ip"] == "127.0.0.1"
    assert params["listen-port"] == "8021"
    assert params["password"] == "$${vcc_esl_password}"  # not FreeSWITCH's "ClueCon"
    assert params["apply-inbound-acl"] == "loopback.auto"
    sets = [e.get("data", "") for e in parsed("vars_vcc.xml").iter("X-PRE-PROCESS")]
    assert any(s.startswith("vcc_esl_password=") for s in sets)


def test_conference_and_music_profiles_the_dialplan_uses_exist() -> None:
    conference = parsed("autoload_configs/conference.conf.xml")
    profiles = {p.get("name") for p in conference.iter("profile")}
    streams = {
        d.get("name") for d in parsed("autoload_configs/local_stream.conf.xml").iter("directory")
    }
    actions = list(parsed("dialplan/vcc.xml").iter("action"))
    for action in actions:
        if action.get("application") == "conference":
            assert action.get("data", "").split("@")[1] in profiles
    assert "default" in streams
    assert "vcc-bridge" in profiles


def test_the_dialplan_has_every_context_vcc_sends_channels_to() -> None:
    wanted = set(re.findall(r"^\[(vcc-[a-z-]+)\]", ASTERISK.read_text(), re.MULTILINE))
    contexts = {c.get("name") for c in parsed("dialplan/vcc.xml").iter("context")}
    assert wanted - ASTERISK_ONLY <= contexts, wanted - ASTERISK_ONLY - contexts


def test_the_dialplan_uses_known_applications_and_transfers_to_its_own_contexts() -> None:
    root = parsed("dialplan/vcc.xml")
    contexts = {c.get("name") for c in root.iter("context")}
    for tag in ("action", "anti-action"):
        for action in root.iter(tag):
            app = action.get("application")
            assert app in APPLICATIONS, app
            if app == "transfer":
                _, dialplan, context = action.get("data", "").split(" ")
                assert dialplan == "XML"
                assert context in contexts, context
    for condition in root.iter("condition"):
        re.compile(condition.get("expression", ""))  # each one a valid regular expression


def test_values_from_vcc_are_checked_before_a_dial_string_uses_them() -> None:
    root = parsed("dialplan/vcc.xml")
    for extension in root.iter("extension"):
        for condition in extension.iter("condition"):
            used = {a.get("data", "") for a in condition.iter("action")}
            if any("${vcc_dial}" in d for d in used):
                assert condition.get("field") == "${vcc_dial}"
                assert condition.get("expression", "").startswith("^")


def test_the_ivr_sends_each_key_to_its_queue_and_anything_else_to_support() -> None:
    ivr = next(c for c in parsed("dialplan/vcc.xml").iter("context") if c.get("name") == "vcc-ivr")
    routes = {
        e.get("name"): next(
            a.get("data") for a in e.iter("action") if a.get("application") == "transfer"
        )
        for e in ivr.iter("extension")
    }
    assert routes["support"] == "7000 XML vcc-queues"
    assert routes["sales"] == "7001 XML vcc-queues"
    assert routes["otherwise"] == "7000 XML vcc-queues"
    menu = next(a for a in ivr.iter("action") if a.get("application") == "play_and_get_digits")
    assert menu.get("data", "").endswith("vcc_choice ^[12]$")  # only these keys pass


def test_the_directory_gives_each_agent_a_password_and_vccs_context() -> None:
    users = list(parsed("directory/vcc_agents.xml").iter("user"))
    assert users
    for user in users:
        params = {p.get("name"): p.get("value") for p in user.iter("param")}
        variables = {v.get("name"): v.get("value") for v in user.iter("variable")}
        assert params["password"]
        assert variables["user_context"] == "vcc-agents"
