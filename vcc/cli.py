"""The ``vcc`` command."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import signal
import sys
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from vcc import __version__, logs
from vcc.api.app import ApiContext, build_app
from vcc.api.hub import EventHub
from vcc.auth.service import AuthService
from vcc.calls import CallControl
from vcc.config import PBX_KINDS, AmiSettings, Settings, load_settings
from vcc.core.access import Role
from vcc.core.agents import Status
from vcc.core.queues import RecordingPolicy
from vcc.core.routing import Agent, RouterState
from vcc.digital.service import DigitalService, capacity_of
from vcc.engine import Engine
from vcc.errors import (
    ConfigError,
    DatabaseUnavailable,
    InvalidInput,
    PortInUse,
    ProvisioningError,
    VccError,
)
from vcc.localpbx import install as installer
from vcc.localpbx.instance import LocalAsterisk, require_running
from vcc.localpbx.runtime import Runtime
from vcc.localpbx.spec import EndpointRole
from vcc.notifications import NotificationService
from vcc.pbx.asterisk import AsteriskDriver
from vcc.pbx.driver import PbxDriver
from vcc.pbx.events import PbxStatus
from vcc.pbx.freeswitch import FreeSwitchDriver
from vcc.profile import ProfileService, stored_in, with_saved_phones
from vcc.prompts import PromptService
from vcc.recording import RecordingStore
from vcc.store import create_engine, database_url, session_factory, upgrade
from vcc.store import create_engine as create_db_engine
from vcc.store.journal import StoreJournal, last_statuses
from vcc.store.models import Agent as StoredAgent
from vcc.store.tenant_sync import ApplyReport, PbxProvisioning, apply_tenant, spec_from_db
from vcc.tenant import Tenant, load_tenant
from vcc.wfm.context import WfmContext, WfmPolicy
from vcc.wfm.mail import SmtpMailer
from vcc.wfm.service import WfmService

DESCRIPTION = """\
vcc: an open contact center on the PBX you already run.

Callers wait in queues held by Asterisk; vcc picks an agent, rings the agent's
desk phone first, and connects the caller once the agent answers.
"""

EPILOG = """\
first steps (as root on Debian 12):
  vcc pbx install    get Asterisk (system one, or a cached Debian root)
  vcc demo           start Asterisk with a demo tenant and run the controller

configuration: a TOML file (--config or VCC_CONFIG) and VCC_* variables;
see README.md.
"""


_APPLY_FIRST = "run 'vcc tenant apply' first: it writes the tenant file into the database"


def _progress(message: str) -> None:
    print(f"vcc: {message}", file=sys.stderr, flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vcc",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"vcc {__version__}")
    parser.add_argument("--config", type=Path, help="TOML settings file (default: VCC_CONFIG)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        help="json: one JSON object per line, for a log collector (VCC_LOG_FORMAT)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    pbx = commands.add_parser(
        "pbx",
        help="provision and run the local Asterisk",
        description="Provision, start, stop and inspect vcc's local Asterisk instance.",
    )
    pbx_commands = pbx.add_subparsers(dest="pbx_command", metavar="ACTION", required=True)
    pbx_commands.add_parser(
        "install",
        help="install Asterisk ≥ 20 (system one, or a cached Debian root)",
        description="Use a system Asterisk ≥ 20 if one is on PATH; otherwise build a "
        "Debian unstable root with Asterisk and baresip in the cache directory "
        "(about a minute, ~500 MB). A second run takes seconds.",
    )
    pbx_commands.add_parser(
        "start",
        help="render dialplan/ and start Asterisk on loopback",
        description="Render dialplan/ into the instance's config directory, with the "
        "agents and queues in the database ('vcc tenant apply' puts them there), and "
        "start Asterisk bound to 127.0.0.1; waits until it is fully booted.",
    )
    pbx_commands.add_parser("stop", help="stop Asterisk", description="Stop the local Asterisk.")
    pbx_commands.add_parser(
        "status",
        help="version, uptime and registered endpoints",
        description="Show whether the local Asterisk runs, its version, uptime and "
        "which endpoints have registered.",
    )
    serve = commands.add_parser(
        "serve",
        help="run the controller against the configured Asterisk (or FreeSWITCH)",
        description="Connect to Asterisk's AMI (or FreeSWITCH's event socket, --pbx "
        "freeswitch) and route waiting callers to agents, and serve the console and the "
        "REST + WebSocket API (api_host:api_port, default 127.0.0.1:8080), until interrupted.",
    )
    serve.add_argument(
        "--pbx", choices=PBX_KINDS, help="the PBX to drive (default: the 'pbx' setting, asterisk)"
    )
    db = commands.add_parser(
        "db",
        help="create or migrate vcc's database",
        description="Manage the database in database_url (VCC_DATABASE_URL); by default "
        "SQLite in the data directory.",
    )
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_commands.add_parser(
        "upgrade",
        help="create the schema, or migrate it to this version of vcc",
        description="Apply vcc's migrations up to the newest. Creates a missing SQLite "
        "database; a PostgreSQL database must exist. A second run changes nothing.",
    )
    tenant = commands.add_parser(
        "tenant",
        help="check a tenant file (queues, agents, IVR menus, status codes) or apply it",
        description="The contact center's configuration is one TOML file (tenant_file, "
        "VCC_TENANT; the demo's is vcc/tenants/demo.toml).",
    )
    tenant_commands = tenant.add_subparsers(dest="tenant_command", metavar="ACTION", required=True)
    check = tenant_commands.add_parser(
        "check",
        help="check a tenant file and summarise it",
        description="Check every queue, agent, menu and status code; print a summary, or "
        "exactly what is wrong and where. Nothing is changed either way.",
    )
    check.add_argument("file", type=Path, nargs="?", help="default: the configured tenant file")
    apply = tenant_commands.add_parser(
        "apply",
        help="write a tenant file into the database, which Asterisk then serves",
        description="Check the file, then make the database match it in one transaction: "
        "queues, agents, skills, queue memberships and status codes (creating or "
        "migrating the database first). New agents get a generated SIP password; "
        "existing ones keep theirs. What the file no longer has is removed, except "
        "agents and queues with history, which are refused. A second run changes nothing.",
    )
    apply.add_argument("file", type=Path, nargs="?", help="default: the configured tenant file")
    user = commands.add_parser(
        "user",
        help="add a user of the console and API, or give one a new activation code",
        description="Users log in to the console and the API. A new user gets a one-time "
        "activation code (valid 72 hours) to pick their password with; give it to them "
        "in person or by phone. Supervisors do the same from the console.",
    )
    user_commands = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = user_commands.add_parser(
        "add", help="create a user and print their activation code", description="Create a user."
    )
    add.add_argument("username", help="a-z, 0-9, '.', '_' and '-'")
    add.add_argument("--role", choices=[r.value for r in Role], default=Role.AGENT.value)
    add.add_argument("--agent", metavar="AGENT_ID", help="the agent this user is (agents)")
    reset = user_commands.add_parser(
        "reset",
        help="a new activation code (forgotten password, lost MFA device)",
        description="Issue a new activation code: the user's password, MFA and sessions "
        "stop working until they activate again.",
    )
    reset.add_argument("username")
    wfm = commands.add_parser(
        "wfm",
        help="workforce management: run the nightly roster sync now",
        description="`vcc serve` syncs WFM's roster (agents, their queues and skills) "
        "every night; new agents' schedules can be published after it. 'sync' runs it now.",
    )
    wfm_commands = wfm.add_subparsers(dest="wfm_command", metavar="ACTION", required=True)
    wfm_commands.add_parser("sync", help="sync the roster now", description="Sync the roster.")
    commands.add_parser(
        "demo",
        help="start Asterisk with the demo tenant and run the controller",
        description="Install and start the local Asterisk with the demo tenant "
        "(vcc/tenants/demo.toml: two agents, a caller phone, queues 7000 and 7001, "
        "IVR 7100), print how to register softphones, then run the controller.",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    json_logs = (args.log_format or os.environ.get("VCC_LOG_FORMAT", "text")) == "json"
    logs.configure(args.verbose, json_logs)
    try:
        settings = load_settings(args.config)
        if args.command == "pbx":
            return _pbx(args.pbx_command, settings)
        if args.command == "db":
            return _db(args.db_command, settings)
        if args.command == "tenant":
            return _tenant(args.tenant_command, args.file or settings.tenant_file, settings)
        if args.command == "user":
            return _user(args, settings)
        if args.command == "wfm":
            return _wfm_sync(settings)
        if args.command == "serve":
            if args.pbx:
                settings = settings.with_changes(pbx=args.pbx)
            asyncio.run(_serve(settings, _driver(settings)))
        elif args.command == "demo":
            return _demo(settings)
    except VccError as exc:
        print(f"vcc: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


def _user(args: argparse.Namespace, settings: Settings) -> int:
    async def issue() -> str:
        url = settings.effective_database_url
        await upgrade(url)
        database = create_db_engine(url)
        try:
            auth = AuthService(session_factory(database))
            if args.user_command == "add":
                return await auth.create_user(None, args.username, Role(args.role), args.agent)
            return await auth.issue_activation(None, args.username)
        finally:
            await database.dispose()

    code = asyncio.run(issue())
    print(f"activation code for {args.username.strip().lower()}: {code}")
    _progress("valid for 72 hours; the user picks a password with it at first login")
    return 0


def _wfm_sync(settings: Settings) -> int:
    async def sync() -> list[str]:
        url = settings.effective_database_url
        await upgrade(url)
        database = create_db_engine(url)
        try:
            sessions = session_factory(database)
            service = wfm_service(settings, sessions, NotificationService(sessions))
            report = await service.schedules.sync()
            _progress(f"WFM roster: {len(report.added)} added, {report.updated} updated, "
                      f"{report.removed} removed")  # fmt: skip
            return report.added
        finally:
            await database.dispose()

    for agent_id in asyncio.run(sync()):
        print(f"added: {agent_id}")
    return 0


def _db(action: str, settings: Settings) -> int:
    assert action == "upgrade", action  # argparse allows nothing else
    url = settings.effective_database_url
    revision = asyncio.run(upgrade(url))
    shown = database_url(url).render_as_string(hide_password=True)
    _progress(f"database {shown} is at revision {revision}")
    return 0


def _tenant(action: str, path: Path, settings: Settings) -> int:
    tenant = load_tenant(path)
    try:
        tenant.check_music()
    except InvalidInput as exc:
        raise ConfigError(f"{path}: {exc.message}", hint=exc.hint) from None
    if action == "check":
        print(tenant.summary())
        return 0
    assert action == "apply", action  # argparse allows nothing else
    report = asyncio.run(_apply_tenant(settings, tenant))
    shown = database_url(settings.effective_database_url).render_as_string(hide_password=True)
    _progress(f"applied {path} to the database {shown}")
    print(report.summary())
    return 0


async def _apply_tenant(settings: Settings, tenant: Tenant) -> ApplyReport:
    """Create or migrate the database, then write the tenant into it (one transaction)."""
    url = settings.effective_database_url
    await upgrade(url)
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session, session.begin():
            return await apply_tenant(session, tenant)
    finally:
        await engine.dispose()


def _served_local(settings: Settings) -> LocalAsterisk:
    """The local Asterisk serving what the database holds: the agents' desk phones with
    their SIP passwords, and the queues. IVR menus and the phones of non-agents come
    from the tenant file, which the database doesn't keep."""
    runtime = installer.find_runtime(settings)
    if runtime is None:
        raise ProvisioningError("Asterisk is not installed", hint="run 'vcc pbx install' first")
    tenant = load_tenant(settings.tenant_file)
    url = database_url(settings.effective_database_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        raise ProvisioningError(
            f"there is no database yet ({url.render_as_string(hide_password=True)})",
            hint=_APPLY_FIRST,
        )
    served = asyncio.run(_read_provisioning(settings, tenant))
    return LocalAsterisk(settings, runtime, served.spec, passwords=served.sip_passwords)


async def _read_provisioning(settings: Settings, tenant: Tenant) -> PbxProvisioning:
    url = database_url(settings.effective_database_url)
    shown = url.render_as_string(hide_password=True)
    phones = [e for e in tenant.spec.endpoints if e.role is not EndpointRole.AGENT]
    engine = create_engine(url)
    try:
        async with session_factory(engine, read_only=True)() as session:
            served = await spec_from_db(
                session, phones=phones, menus=tenant.spec.menus,
                moh_classes=tenant.spec.moh_classes,
            )  # fmt: skip
    except DBAPIError as exc:
        lines = str(exc.orig).strip().splitlines()
        raise DatabaseUnavailable(
            f"cannot read the agents and queues from the database {shown}: "
            + (lines[0] if lines else type(exc.orig).__name__),
            hint=f"check VCC_DATABASE_URL (or data_dir); if the database is new, {_APPLY_FIRST}",
        ) from exc
    except InvalidInput as exc:
        raise ProvisioningError(
            f"the tenant file {settings.tenant_file} does not fit the database {shown}: "
            f"{exc.message}",
            hint="run 'vcc tenant apply' to write the file into the database",
        ) from None
    finally:
        await engine.dispose()
    if not served.sip_passwords:
        raise ProvisioningError(f"the database {shown} has no agents", hint=_APPLY_FIRST)
    return served


def _local(settings: Settings) -> LocalAsterisk:
    runtime = installer.find_runtime(settings)
    if runtime is None:
        raise ProvisioningError("Asterisk is not installed", hint="run 'vcc pbx install' first")
    return LocalAsterisk(settings, runtime, load_tenant(settings.tenant_file).spec)


def _pbx(action: str, settings: Settings) -> int:
    if action == "install":
        started = time.monotonic()
        installer.install(settings, _progress)
        _progress(f"done in {time.monotonic() - started:.1f} s")
        return 0
    if action == "start":
        _served_local(settings).start(_progress)
        return 0
    local = _local(settings)
    if action == "stop":
        if not local.stop(_progress):
            _progress(f"Asterisk instance '{settings.instance}' is not running")
        return 0
    pid = require_running(local)
    report = asyncio.run(_status(local))
    print(f"instance:   {settings.instance} (pid {pid})")
    print(f"version:    {report.version}")
    print(f"uptime:     {_duration(report.uptime_seconds)}")
    print(f"SIP:        127.0.0.1:{settings.ports.sip}   AMI: 127.0.0.1:{settings.ports.ami}")
    registered = ", ".join(report.registered) or "none"
    print(f"registered: {registered}")
    return 0


async def _status(local: LocalAsterisk) -> PbxStatus:
    driver = AsteriskDriver(local.ami_settings())
    try:
        await driver.start(timeout=10)
        return await driver.status()
    finally:
        await driver.close()


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s"


def _serve_ami(settings: Settings) -> AmiSettings:
    """The configured AMI, or else the local instance's (with its generated secret)."""
    if settings.ami.secret or settings.ami.secret_file:
        return settings.ami
    return _local(settings).ami_settings()


def _recordings(settings: Settings, tenant: Tenant) -> RecordingStore | None:
    """Where the local instance records calls (its recordings/). None when vcc serves
    an Asterisk configured by hand: vcc knows no place of its to record into."""
    if settings.ami.secret or settings.ami.secret_file:
        if any(q.recording is not RecordingPolicy.NEVER for q in tenant.queues):
            _progress("calls are not recorded: vcc records only with its own PBX ('vcc pbx')")
        return None
    return RecordingStore.for_instance(_local(settings))


def _driver(settings: Settings) -> PbxDriver:
    """The driver for the configured PBX: nothing above vcc.pbx knows which it is."""
    if settings.pbx == "freeswitch":
        return FreeSwitchDriver(settings.esl)
    return AsteriskDriver(_serve_ami(settings))


def _where(driver: PbxDriver) -> str:
    if isinstance(driver, FreeSwitchDriver):
        return f"FreeSWITCH's event socket {driver.esl.host}:{driver.esl.port}"
    assert isinstance(driver, AsteriskDriver)
    return f"AMI {driver.ami.host}:{driver.ami.port}"


async def _serve(settings: Settings, driver: PbxDriver) -> None:
    tenant = load_tenant(settings.tenant_file)
    url = settings.effective_database_url
    await upgrade(url)
    database = create_db_engine(url)
    try:
        sessions = session_factory(database)
        agents = await _agents_as_recorded(sessions, tenant.agents)
        agents = await with_saved_phones(sessions, agents, tenant.outbound)
        engine = Engine(
            driver,
            RouterState.create(
                agents, tenant.queues, rules=tenant.rules, id_prefix=secrets.token_hex(4)
            ),
            journal=StoreJournal(sessions),
            recordings=_recordings(settings, tenant) if settings.pbx == "asterisk" else None,
        )
        context = _api_context(settings, tenant, engine, sessions, database)
        api = build_app(context)
        assert context.digital is not None
        async with (
            engine.serving() as loop,
            _serving_api(api, settings),
            context.digital.serving(settings.email_host, settings.email_port) as smtp,
        ):
            assert context.wfm is not None
            if smtp is not None:
                _progress(f"email to {settings.email_address} on SMTP "
                          f"{settings.email_host}:{smtp.port}")  # fmt: skip
            nightly = asyncio.create_task(context.wfm.nightly(), name="wfm-nightly-sync")
            _progress(f"controller connected to {_where(driver)}; Ctrl-C stops it")
            try:
                await _until_stopped(loop)
            finally:
                nightly.cancel()
    finally:
        await database.dispose()


def _runtime_or_root(settings: Settings) -> Runtime:
    """The installed Asterisk root, or the host's own (paths only are used here)."""
    return installer.find_runtime(settings) or Runtime(
        Path("/"), "", PurePosixPath("/usr/lib/asterisk/modules"), baresip=False
    )


def _mailer(settings: Settings) -> SmtpMailer | None:
    if not settings.smtp_host:
        return None
    return SmtpMailer(settings.smtp_host, settings.smtp_port, settings.mail_from)


def wfm_service(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    notifications: NotificationService,
) -> WfmService:
    mailer = _mailer(settings)
    policy = WfmPolicy(
        allow_negative_balance=settings.allow_negative_balance,
        supervisor_email=settings.supervisor_email,
    )
    return WfmService.create(
        WfmContext(sessions, notifications, mailer, ZoneInfo(settings.timezone), policy)
    )


def _api_context(
    settings: Settings,
    tenant: Tenant,
    engine: Engine,
    sessions: async_sessionmaker[AsyncSession],
    database: AsyncEngine,
) -> ApiContext:
    hub = EventHub()
    # Custom recordings live in the local instance's prompts folder (a configured
    # Asterisk of the admin's own would have to mount or link it the same way).
    local_prompts = LocalAsterisk(settings, _runtime_or_root(settings), tenant.spec)

    async def database_ok() -> bool:
        async with database.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return True

    notifications = NotificationService(sessions, hub.publish)
    return ApiContext(
        engine=engine,
        calls=CallControl(engine, tenant.outbound),
        auth=AuthService(sessions, mfa_required={Role(r) for r in settings.mfa_required}),
        profile=ProfileService(
            engine,
            tenant.outbound,
            extensions={a.id for a in tenant.agents},
            save=stored_in(sessions),
        ),
        notifications=notifications,
        hub=hub,
        database_ok=database_ok,
        prompts=PromptService(
            engine, sessions, local_prompts.prompts_dir, local_prompts.prompts_pbx_dir
        ),
        wfm=wfm_service(settings, sessions, notifications),
        digital=_digital(settings, tenant, engine, sessions, hub),
    )


def _digital(
    settings: Settings, tenant: Tenant, engine: Engine,
    sessions: async_sessionmaker[AsyncSession], hub: EventHub,
) -> DigitalService:  # fmt: skip
    capacity = capacity_of(settings, tenant.capacities)
    return DigitalService.create(
        engine, sessions, hub.publish, data_dir=settings.data_dir,
        recordings=engine.recorder.store.host_root if engine.recorder else None,
        mailer=_mailer(settings), address=settings.email_address,
        email_queue=settings.email_queue, capacity=capacity,
    )  # fmt: skip


@contextlib.asynccontextmanager
async def _serving_api(app: web.Application, settings: Settings) -> AsyncIterator[None]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.api_host, settings.api_port)
        try:
            await site.start()
        except OSError as exc:
            raise PortInUse(
                f"the API cannot listen on {settings.api_host}:{settings.api_port}: {exc.strerror}",
                hint="set api_port (VCC_API_PORT) to a free port",
            ) from None
        base = f"http://{settings.api_host}:{settings.api_port}"
        _progress(f"agent console on {base}/console/ ; API on {base}/api/v1 "
                  f"(OpenAPI: /api/v1/openapi.json)")  # fmt: skip
        yield
    finally:
        await runner.cleanup()


async def _until_stopped(loop: asyncio.Task[None]) -> None:
    """Run until the engine's loop ends or SIGTERM/SIGINT asks us to stop; then leave
    ``engine.serving()`` normally, so what was recorded is written and the PBX's
    reservations are withdrawn (a service manager stops vcc with SIGTERM)."""
    stop = asyncio.Event()
    running = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        running.add_signal_handler(signum, stop.set)
    stopping = asyncio.create_task(stop.wait())
    try:
        done, _ = await asyncio.wait({loop, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if loop in done:
            loop.result()  # the engine's loop ended: say why
    finally:
        stopping.cancel()
        for signum in (signal.SIGTERM, signal.SIGINT):
            running.remove_signal_handler(signum)
    _progress("stopping: writing what is left and withdrawing reservations")


async def _agents_as_recorded(
    sessions: async_sessionmaker[AsyncSession], agents: Sequence[Agent]
) -> list[Agent]:
    """The tenant's agents in the status the database last recorded for them.

    Busy and Wrap-up are not restored: the calls they were about are either still up,
    and the resync adopts them, or gone while nobody watched.
    """
    async with sessions() as session:
        recorded = await last_statuses(session)
        known = set(await session.scalars(select(StoredAgent.id)))
    missing = sorted(a.id for a in agents if a.id not in known)
    if missing:
        raise ConfigError(
            f"agent(s) {', '.join(missing)} of the tenant file are not in the database",
            hint="run 'vcc tenant apply' first",
        )
    restored = []
    for agent in agents:
        status, reason = recorded.get(agent.id, (agent.status, agent.reason))
        if status in (Status.BUSY, Status.WRAP_UP):
            status, reason = Status.AVAILABLE, None
        restored.append(replace(agent, status=status, reason=reason))
    return restored


def _demo(settings: Settings) -> int:
    installer.install(settings, _progress)
    report = asyncio.run(_apply_tenant(settings, load_tenant(settings.tenant_file)))
    if report.changed:
        _progress(f"applied {settings.tenant_file} to the database:\n{report.summary()}")
    local = _served_local(settings)
    if local.status().running:
        _progress(f"Asterisk instance '{settings.instance}' is already running")
    else:
        local.start(_progress)
    sip = f"127.0.0.1:{settings.ports.sip}"
    lines = [
        "",
        "The demo is running. Register softphones on this machine (UDP, codec G.711 µ-law):",
    ]
    spec = local.spec
    for endpoint in spec.endpoints:
        role = f"{endpoint.role.value:6}"
        ext = endpoint.extension
        lines.append(f"  {role} {ext}: sip:{ext}@{sip}   password {local.sip_password(ext)}")
    numbers = [f"{q.extension} (queue {q.queue})" for q in spec.queues]
    numbers += [f"{m.extension} (menu {m.id})" for m in spec.menus if m.extension]
    lines += [
        f"Then call {', '.join(numbers)}: you hear hold music, an agent's phone rings, "
        "and the call connects when they answer.",
        "Agents' passwords are kept in vcc's database, the others' (root only) in "
        f"{local.dir / 'secrets' / 'sip-passwords.json'}; 'vcc pbx stop' stops Asterisk.",
        "",
    ]
    print("\n".join(lines), flush=True)
    asyncio.run(_serve(settings, AsteriskDriver(local.ami_settings())))
    return 0
