"""One local Asterisk instance: its files, its secrets, starting and stopping it.

An instance lives in one directory (inside the Debian root when Asterisk runs
chrooted): ``etc/`` rendered config, ``run/`` pid and control socket, ``log/``,
``spool/``, ``lib/`` (astdb), ``moh/`` and ``secrets/`` (root-only). Call recordings
go to ``<data dir>/recordings/<instance>/`` (root-only), bind-mounted at the
instance's ``recordings/`` when Asterisk runs chrooted.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from vcc import validate
from vcc.config import AmiSettings, Settings
from vcc.errors import (
    InvalidInput,
    PbxAlreadyRunning,
    PbxNotRunning,
    PortInUse,
    ProvisioningError,
)
from vcc.localpbx import ivr
from vcc.localpbx.audio import write_tone
from vcc.localpbx.runtime import Runtime
from vcc.localpbx.spec import PbxSpec

AMI_USERNAME = "vcc"
MOH_FREQUENCY = 330.0  # the hold "music" is a soft tone: tests can tell it from voices
BOOT_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
# An extra config file's name: a plain file in etc/, never a path.
_EXTRA_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\.conf")


@dataclass(frozen=True)
class InstanceStatus:
    running: bool
    pid: int | None


class LocalAsterisk:
    """The Asterisk that ``vcc pbx start`` runs (or the test harness, with its own ports)."""

    def __init__(
        self,
        settings: Settings,
        runtime: Runtime,
        spec: PbxSpec,
        *,
        extra_config: Mapping[str, str] | None = None,
        passwords: Mapping[str, str] | None = None,
    ) -> None:
        """``extra_config`` (file name → text) adds config files beside the rendered
        templates, written as they are: e.g. a benchmark's ``queues.conf``, or an
        ``extensions_extra.conf``, which ``extensions.conf`` includes if it exists.
        Names are plain ``*.conf`` file names; one that a template uses is refused
        when rendering.

        ``passwords`` (extension → SIP password) are the ones the database keeps for
        agents' desk phones; endpoints without one get a generated password, kept in
        ``secrets/sip-passwords.json``."""
        self.settings = settings
        self.runtime = runtime
        self.spec = spec
        for extension, password in (passwords or {}).items():
            validate.extension(extension, what="endpoint extension")
            validate.secret(password, what=f"SIP password of {extension}")
        self.passwords = dict(passwords or {})
        for name in extra_config or {}:
            if not _EXTRA_NAME.fullmatch(name):
                raise InvalidInput(
                    f"extra config file name {name!r} is not a plain *.conf file name",
                    hint="use letters, digits, '-' and '_', ending in .conf (no slashes)",
                )
        self.extra_config = dict(extra_config or {})
        if runtime.chrooted:
            self.base = PurePosixPath("/var/lib/vcc") / settings.instance
        else:
            self.base = PurePosixPath(settings.data_dir) / "pbx" / settings.instance
        self.dir = runtime.host_path(self.base)
        # Call recordings belong with the data, not in the cached root: a chrooted
        # Asterisk sees this directory at ``recordings/`` in its instance (a bind mount).
        self.recordings_dir = Path(settings.data_dir) / "recordings" / settings.instance
        # Custom recordings (vcc.prompts) likewise, seen by Asterisk as a folder of its
        # sounds, so a queue or menu plays one as "<prompts_folder>/<id>".
        self.prompts_dir = Path(settings.data_dir) / "prompts" / settings.instance
        self.prompts_folder = f"vcc-custom-{settings.instance}"
        # Kept so the process can be reaped when a long-lived caller (the tests) stops it.
        self._process: subprocess.Popen[bytes] | None = None

    # -- paths -----------------------------------------------------------------
    @property
    def prompts_pbx_dir(self) -> PurePosixPath:
        """The custom recordings as Asterisk sees them: a folder of its sounds."""
        return PurePosixPath("/usr/share/asterisk/sounds") / self.prompts_folder

    @property
    def recordings_pbx_dir(self) -> PurePosixPath:
        """The recordings directory as Asterisk sees it."""
        if self.runtime.chrooted:
            return self.base / "recordings"
        return PurePosixPath(self.recordings_dir)

    @property
    def conf(self) -> PurePosixPath:
        return self.base / "etc" / "asterisk.conf"

    @property
    def secret_file(self) -> Path:
        return self.dir / "secrets" / "ami-secret"

    @property
    def log_file(self) -> Path:
        return self.dir / "log" / "asterisk.out"

    def ami_settings(self) -> AmiSettings:
        return AmiSettings(
            host="127.0.0.1",
            port=self.settings.ports.ami,
            username=AMI_USERNAME,
            secret_file=self.secret_file,
        )

    def sip_password(self, extension: str) -> str:
        return self._sip_passwords()[extension]

    # -- render ----------------------------------------------------------------
    def render(self) -> None:
        """Write the instance's config from ``dialplan/`` and the spec (root-only files)."""
        for sub in ("etc", "run", "log", "spool", "lib", "moh/default", "secrets"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        for private in ("etc", "secrets"):
            (self.dir / private).chmod(0o700)
        self.recordings_dir.mkdir(parents=True, exist_ok=True)
        self.recordings_dir.chmod(0o700)  # callers' voices
        self.prompts_dir.mkdir(parents=True, exist_ok=True)
        self.prompts_dir.chmod(0o700)
        if self.runtime.chrooted:  # where the bind mounts go
            (self.dir / "recordings").mkdir(exist_ok=True)
            self.runtime.host_path(self.prompts_pbx_dir).mkdir(exist_ok=True)
        else:  # a system Asterisk: a link in its sounds folder to the data directory
            link = self.runtime.host_path(self.prompts_pbx_dir)
            if link.parent.is_dir() and not link.is_symlink():
                link.symlink_to(self.prompts_dir)
        if self.runtime.chrooted:
            _ensure_hosts_file(self.runtime.root)
        moh = self.dir / "moh" / "default" / "vcc-hold.wav"
        if not moh.exists():
            write_tone(moh, MOH_FREQUENCY, 10.0, amplitude=0.3)
        values = {
            "base": str(self.base),
            "module_dir": str(self.runtime.module_dir),
            "ami_port": str(self.settings.ports.ami),
            "ami_username": AMI_USERNAME,
            "ami_secret": self._ami_secret(),
            "sip_port": str(self.settings.ports.sip),
            "rtp_start": str(self.settings.ports.rtp_start),
            "rtp_end": str(self.settings.ports.rtp_end),
            "endpoints": self._render_endpoints(),
            "queue_extensions": "\n".join(
                filter(None, [self._render_queues(), ivr.render_entries(self.spec.menus)])
            ),
            "ivr_menus": ivr.render_menus(self.spec.menus),
            "moh_classes": self._render_moh_classes(),
            "moh_globals": "\n".join(
                f"VCC_MOH_{q.queue.replace('-', '_')} = {q.moh_class}" for q in self.spec.queues
            ),
        }
        templates = sorted(self.settings.dialplan_dir.glob("*.conf"))
        if not templates:
            raise ProvisioningError(
                f"no Asterisk templates in {self.settings.dialplan_dir}",
                hint="set VCC_DIALPLAN_DIR to the dialplan/ folder of a vcc checkout",
            )
        clashes = sorted(self.extra_config.keys() & {t.name for t in templates})
        if clashes:
            raise ProvisioningError(
                f"extra config file(s) {', '.join(clashes)} would replace vcc's own template",
                hint="give the extra file another name and include it from the template",
            )
        for template in templates:
            text = template.read_text()
            unknown = set(_PLACEHOLDER.findall(text)) - values.keys()
            if unknown:
                raise ProvisioningError(
                    f"{template} uses unknown placeholder(s): {', '.join(sorted(unknown))}",
                    hint=f"known ones are: {', '.join(sorted(values))}",
                )
            text = _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)
            _write_private(self.dir / "etc" / template.name, text)
        for name, text in self.extra_config.items():
            _write_private(self.dir / "etc" / name, text)
        # etc/ holds this render's files only: an extra file of an earlier run
        # (one extensions.conf includes, say) must not linger into this one.
        written = {t.name for t in templates} | self.extra_config.keys()
        for stale in (self.dir / "etc").glob("*.conf"):
            if stale.name not in written:
                stale.unlink()

    def _render_endpoints(self) -> str:
        blocks = []
        passwords = self._sip_passwords()
        for endpoint in self.spec.endpoints:
            ext = endpoint.extension
            blocks.append(
                f"[{ext}]\ntype = endpoint\ncontext = {endpoint.role.context}\n"
                f"disallow = all\nallow = ulaw\ndirect_media = no\n"
                # RTP on loopback, bound there: Asterisk then never looks up its own
                # host name per call (a DNS query that can stall a call for 5 s here).
                f"media_address = 127.0.0.1\nbind_rtp_to_media_address = yes\n"
                f"auth = {ext}\naors = {ext}\ncallerid = {endpoint.role.value} <{ext}>\n\n"
                f"[{ext}]\ntype = auth\nauth_type = userpass\n"
                f"username = {ext}\npassword = {passwords[ext]}\n\n"
                f"[{ext}]\ntype = aor\nmax_contacts = 1\nremove_existing = yes\n"
            )
        return "\n".join(blocks)

    def _render_moh_classes(self) -> str:
        """Copy each class's files in (the chrooted Asterisk sees only its own tree)."""
        sections = []
        for moh in self.spec.moh_classes:
            target = self.dir / "moh" / moh.name
            target.mkdir(parents=True, exist_ok=True)
            files = moh.files()
            for stale in target.iterdir():
                if stale.name not in {f.name for f in files}:
                    stale.unlink()
            for source in files:
                shutil.copyfile(source, target / source.name)
            directory = f"{self.base}/moh/{moh.name}"
            sections.append(f"[{moh.name}]\nmode = files\ndirectory = {directory}\nsort = alpha\n")
        return "\n".join(sections)

    def _render_queues(self) -> str:
        return "\n".join(
            f"exten => {q.extension},1,Set(VCC_QUEUE={q.queue})\n same => n,Goto(vcc-enqueue,s,1)"
            for q in self.spec.queues
        )

    def _ami_secret(self) -> str:
        if not self.secret_file.exists():
            _write_private(self.secret_file, secrets.token_hex(24))
        return self.secret_file.read_text().strip()

    def _sip_passwords(self) -> dict[str, str]:
        path = self.dir / "secrets" / "sip-passwords.json"
        known: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        missing = [
            e.extension
            for e in self.spec.endpoints
            if e.extension not in known and e.extension not in self.passwords
        ]
        if missing:
            known.update({ext: secrets.token_hex(12) for ext in missing})
            _write_private(path, json.dumps(known, indent=1, sort_keys=True))
        return {**known, **self.passwords}

    # -- lifecycle ---------------------------------------------------------------
    def status(self) -> InstanceStatus:
        pid = self._pid()
        return InstanceStatus(running=pid is not None, pid=pid)

    def start(self, progress: Callable[[str], None] = lambda _: None) -> int:
        """Render config, start Asterisk, wait until fully booted. Returns its pid."""
        running = self._pid()
        if running is not None:
            raise PbxAlreadyRunning(
                f"Asterisk instance '{self.settings.instance}' is already running (pid {running})",
                hint="'vcc pbx status' shows it; 'vcc pbx stop' stops it",
            )
        self._check_ports_free()
        self.render()
        argv = self.runtime.command(
            ["asterisk", "-C", str(self.conf), "-f", "-n", "-q"],
            mount_proc=True,
            binds=[
                (self.recordings_dir, self.dir / "recordings"),
                (self.prompts_dir, self.runtime.host_path(self.prompts_pbx_dir)),
            ],
        )
        progress(
            f"starting Asterisk {self.runtime.asterisk_version} (SIP 127.0.0.1:"
            f"{self.settings.ports.sip}, AMI 127.0.0.1:{self.settings.ports.ami})"
        )
        with self.log_file.open("ab") as log:
            proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
            )
        self._process = proc
        self._wait_fully_booted(proc)
        progress(f"Asterisk is fully booted (pid {proc.pid})")
        return proc.pid

    def stop(self, progress: Callable[[str], None] = lambda _: None) -> bool:
        """Stop Asterisk; False if it was not running. Leaves no process or mount behind."""
        pid = self._pid()
        if pid is None:
            return False
        progress(f"stopping Asterisk (pid {pid})")
        self.cli("core stop now", timeout=STOP_TIMEOUT)
        deadline = time.monotonic() + STOP_TIMEOUT
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)  # polling a pid with a deadline; there is no event to wait on
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if not _alive(pid):
                break
            os.kill(pid, sig)
            deadline = time.monotonic() + 5
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
        if self._process is not None:
            self._process.wait(timeout=5)
            self._process = None
        return True

    def kill(self) -> bool:
        """Kill Asterisk at once, as a crash would (no hangups, no goodbye on AMI).

        For fault tests, and for an instance that no longer answers ``stop``."""
        pid = self._pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if self._process is not None:
            self._process.wait(timeout=5)
            self._process = None
        return True

    def cli(self, command: str, *, timeout: float = 10.0) -> str:
        """Run one Asterisk CLI command over the control socket (root on this machine only)."""
        argv = self.runtime.command(["asterisk", "-C", str(self.conf), "-rx", command])
        try:
            done = subprocess.run(
                argv, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            return ""
        return done.stdout

    def _wait_fully_booted(self, proc: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + BOOT_TIMEOUT
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise ProvisioningError(
                    f"Asterisk exited with status {proc.returncode} while starting:\n"
                    + _tail(self.log_file),
                    hint=f"see {self.log_file} and {self.dir / 'log' / 'messages.log'}",
                )
            if "fully booted" in self.cli("core waitfullybooted", timeout=5).lower():
                return
            time.sleep(0.1)  # the control socket is not there yet; try again shortly
        proc.kill()
        raise ProvisioningError(
            f"Asterisk did not finish booting within {BOOT_TIMEOUT:.0f} s:\n"
            + _tail(self.log_file),
            hint=f"see {self.dir / 'log' / 'messages.log'}",
        )

    def _pid(self) -> int | None:
        try:
            pid = int((self.dir / "run" / "asterisk.pid").read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return None
        return pid if str(self.conf).encode() in cmdline else None

    def _check_ports_free(self) -> None:
        ports = self.settings.ports
        for kind, port in ((socket.SOCK_STREAM, ports.ami), (socket.SOCK_DGRAM, ports.sip)):
            with socket.socket(socket.AF_INET, kind) as probe:
                # as Asterisk binds: closed connections in TIME_WAIT don't count
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    proto = "TCP" if kind == socket.SOCK_STREAM else "UDP"
                    raise PortInUse(
                        f"{proto} port {port} on 127.0.0.1 is already in use",
                        hint="stop what uses it (another Asterisk?) or choose other ports "
                        "in the [ports] section of the config",
                    ) from None


def require_running(instance: LocalAsterisk) -> int:
    state = instance.status()
    if state.pid is None:
        raise PbxNotRunning(
            f"Asterisk instance '{instance.settings.instance}' is not running",
            hint="start it with 'vcc pbx start'",
        )
    return state.pid


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text if text.endswith("\n") else text + "\n")
    path.chmod(0o600)


def _ensure_hosts_file(root: Path) -> None:
    """debootstrap leaves no /etc/hosts: without one, every look-up of 'localhost' or
    of this machine's name goes to DNS, which may be slow or absent."""
    hosts = root / "etc" / "hosts"
    if not hosts.exists():
        name = socket.gethostname()
        hosts.write_text(f"127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.1.1\t{name}\n")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join("    " + line for line in path.read_text().splitlines()[-lines:])
    except OSError:
        return "    (no log)"
