// The agent console: log in, then the control panel (status buttons, timer), the
// interaction tabs and the menu; live over the API's WebSocket.

import { api, liveEvents, session } from "./api.js";
import { h, show, tickTimers, timer } from "./dom.js";
import { LANGUAGES, language, setLanguage, t } from "./i18n.js";
import { loginView } from "./login.js";
import { notificationsView } from "./notifications.js";
import { phoneView } from "./phone.js";
import { profileView } from "./profile.js";
import { recordingsView } from "./recordings.js";
import { statusView } from "./status.js";
import { chooseReason, errorText, say } from "./ui.js";
import { chatView, chatWith, emailView, loadWork, onDigitalEvent, voicemailView, workOf } from "./digital.js";
import { crmView, knowledgeView, screenPop, showCustomer } from "./crm.js";
import { wallboardView } from "./wallboard.js";
import { scheduleView, swapsView, timeOffView } from "./wfm.js";
import { planningAdminView } from "./wfm_admin.js";
import {
  changed, isSupervisor, loadAll, loadUnread, myAgent, onChange, putAgent, putQueue, state,
  statusName, statusStartedAt,
} from "./store.js";

const root = document.getElementById("app");
const STATUSES = ["available", "busy", "wrap_up", "working_offline", "break", "logged_out"];
// Only these may be chosen by hand; Busy and Wrap-up come with interactions.
const CHOOSABLE = new Set(["available", "working_offline", "break", "logged_out"]);

let events = null;
let page = "phone";
let idleWarning = null;

async function start() {
  document.documentElement.lang = language();
  try {
    const me = await api("GET", "/users/me");
    await loggedIn(me, me.idle_timeout_seconds);
  } catch {
    loginView(root, loggedIn);
  }
}

async function loggedIn(me, idleSeconds) {
  state.me = me;
  session.idleSeconds = idleSeconds || 3600;
  session.lastUsed = Date.now();
  session.onExpired = () => loggedOut(t("session.expired"));
  page = me.agent_id ? "phone" : "wallboard";
  events = liveEvents(onEvent, () => { loadAll().catch(() => {}); loadWork().catch(() => {}); },
    (up) => { state.connected = up; changed("connection"); });
  render();
}

function loggedOut(notice) {
  if (events) events.close();
  events = null;
  state.me = null;
  closeIdleWarning();
  loginView(root, loggedIn, notice);
}

function onEvent(message) {
  switch (message.type) {
    case "agent": putAgent(message.agent); changed("agents"); break;
    case "queue": putQueue(message.queue); changed("queues"); break;
    case "notification":
      loadUnread().then(() => changed("notifications"));
      say(t("notifications.new", { title: message.title, sender: message.sender }));
      break;
    case "recording": changed("recordings"); break;
    default:
      if (onDigitalEvent(message) && message.type === "work" && message.event === "offered") {
        const w = message.work;
        const query = w.channel === "voicemail" ? `phone=${encodeURIComponent(w.from)}` : `email=${encodeURIComponent(w.from)}`;
        screenPop(w.id, query, go).catch(() => {});
      }
  }
  const agent = myAgent();
  if (message.type === "agent" && agent && message.agent.id === agent.id && ringing(agent) && agent.call.caller) {
    screenPop(agent.call.interaction_id || agent.call.caller, `phone=${encodeURIComponent(agent.call.caller)}`, go).catch(() => {});
  }
}

// -- the page ------------------------------------------------------------------------
// Each part of the shell (control panel, menu, notice, tabs) is rebuilt when what it
// shows changes; the page below only when the user moves, and otherwise told what
// changed (its forms keep their input). Not rebuilding for others' changes (a busy
// center sends several a second) keeps a click on a tab or the menu from falling
// between a mousedown on one button and a mouseup on its replacement: no click at all.
let current = null; // {update(what)} of the page shown
let shownBreak = null;
let shownShell = {}; // what each part of the shell shows, as a key

function render() {
  const agent = myAgent();
  shownBreak = Boolean(agent && agent.status === "break");
  show(root,
    h("header", { class: "top", id: "shell-top" }),
    h("nav", { class: "menu", id: "shell-menu", "aria-label": t("menu.label") }),
    h("div", { id: "shell-notice" }),
    h("div", { role: "tablist", id: "shell-tabs", class: "tabs", "aria-label": t("tabs.label") }),
    h("main", { id: "page", role: "tabpanel", tabindex: "-1" }));
  shownShell = {};
  renderShell();
  const content = document.getElementById("page");
  content.setAttribute("aria-labelledby", `tab-${page}`);
  if (shownBreak) {
    show(content, h("p", { class: "empty" }, t("break.explain")));
    current = null;
    return;
  }
  const views = {
    phone: phoneView, status: statusView, notifications: notificationsView, wallboard: wallboardView,
    profile: profileView, recordings: recordingsView, help: helpView,
    chat: chatView, email: emailView, voicemail: voicemailView, crm: crmView,
    planning: scheduleView, "time-off": timeOffView, swaps: swapsView, "planning-admin": planningAdminView,
  };
  current = (views[page] || phoneView)(content) || null;
}

function go(id) {
  page = id;
  render();
  document.getElementById("page").focus();
}

function renderShell() {
  const agent = myAgent();
  const onBreak = Boolean(agent && agent.status === "break");
  const tabs = [
    state.me.agent_id && ["phone", t("tab.phone")],
    state.me.agent_id && ["chat", t("tab.chat"), workOf("chat").length],
    state.me.agent_id && ["email", t("tab.email"), workOf("email").length],
    state.me.agent_id && ["voicemail", t("tab.voicemail"), workOf("voicemail").length],
    ["crm", t("tab.crm")],
    ["status", t("tab.status")],
    state.me.agent_id && ["notifications", t("tab.notifications"), state.unread],
    isSupervisor() && ["wallboard", t("tab.wallboard")],
  ].filter(Boolean);
  const menu = [
    state.me.agent_id && ["profile", t("menu.profile")],
    state.me.agent_id && ["recordings", t("menu.recordings")],
    state.me.agent_id && ["planning", t("menu.planning")],
    state.me.agent_id && ["time-off", t("menu.time_off")],
    state.me.agent_id && ["swaps", t("menu.swaps")],
    isSupervisor() && ["planning-admin", t("menu.planning_admin")],
    ["help", t("menu.help")],
  ].filter(Boolean);
  const tabRinging = (id) => (id === "phone" && ringing(agent)) || workOf(id).some((w) => !w.accepted);
  const tabState = tabs.map(([id, label, badge]) => [id, label, badge, tabRinging(id)]);
  if (shellPartChanged("shell-top", [state.connected, state.me.username, agent && [agent.status, agent.reason,
    agent.requested, agent.seconds_in_status === null, Math.round(statusStartedAt(agent) / 1000)]])) {
    show(document.getElementById("shell-top"),
      h("span", { class: "brand" }, "vcc"),
      state.me.agent_id ? controlPanel(agent) : h("span", {}),
      h("div", { class: "me" },
        h("span", { class: state.connected ? "live on" : "live off" }, t(state.connected ? "live.on" : "live.off")),
        h("span", {}, state.me.username),
        languageSwitch(),
        // An agent logs out with the control panel's Afmelden; others here.
        state.me.agent_id ? "" : h("button", { class: "link", id: "logout", onclick: logout }, t("logout"))));
  }
  if (shellPartChanged("shell-menu", [page, onBreak, menu])) {
    show(document.getElementById("shell-menu"),
      menu.map(([id, label]) => h("button", {
        class: "link", id: `menu-${id}`, disabled: onBreak, "aria-current": page === id ? "page" : null,
        onclick: () => go(id),
      }, label)));
  }
  if (shellPartChanged("shell-notice", [onBreak])) {
    show(document.getElementById("shell-notice"),
      onBreak ? h("p", { class: "notice", role: "status" }, t("break.locked")) : "");
  }
  if (shellPartChanged("shell-tabs", [page, onBreak, tabState])) {
    show(document.getElementById("shell-tabs"),
      tabState.map(([id, label, badge, isRinging]) => h("button", {
        role: "tab", id: `tab-${id}`, "aria-selected": String(page === id), "aria-controls": "page",
        class: "tab", disabled: onBreak, "data-ringing": String(isRinging),
        onclick: () => go(id),
      }, label, badge ? h("span", { class: "badge", "aria-label": t(id === "notifications" ? "notifications.unread" : "work.count", { n: badge }) }, String(badge)) : "")));
  }
}

/** Does the shell's part ``id`` show something else now? (It remembers the answer.) */
function shellPartChanged(id, shows) {
  const key = JSON.stringify(shows);
  if (shownShell[id] === key) return false;
  shownShell[id] = key;
  return true;
}

function ringing(agent) {
  return Boolean(agent && agent.call && !agent.call.answered && !agent.call.direct);
}

function controlPanel(agent) {
  if (!agent) return h("span", {});
  const label = (s) => t(`status.${s}`);
  return h("section", { class: "control", "aria-label": t("control.label") },
    h("div", { class: `current status-${agent.status}`, role: "status", "aria-live": "polite", id: "current-status" },
      h("strong", {}, statusName(agent.status)),
      agent.reason ? h("span", { class: "reason" }, ` (${agent.reason})`) : "",
      agent.seconds_in_status === null ? "" : [" ", timer(statusStartedAt(agent))],
      agent.requested && agent.requested !== agent.status ? h("span", { class: "next" }, ` → ${label(agent.requested)}`) : ""),
    h("div", { class: "status-buttons", role: "group", "aria-label": t("control.change") },
      STATUSES.map((s) => h("button", {
        class: `status status-${s}`, "data-status": s, "aria-pressed": String(agent.status === s),
        disabled: !CHOOSABLE.has(s), onclick: () => changeStatus(agent, s),
      }, label(s)))));
}

async function changeStatus(agent, status) {
  const rules = state.codes[status] || { codes: [], required: false };
  let reason;
  if (rules.codes.length) {
    reason = await chooseReason(t(`status.${status}`), rules.codes, rules.required);
    if (reason === undefined) return; // cancelled
  }
  try {
    const view = await api("PUT", `/agents/${encodeURIComponent(agent.id)}/status`,
      reason ? { status, reason } : { status });
    putAgent(view);
    if (view.status === "logged_out") { // not while a call goes on: then it is requested
      await logout();
      return;
    }
    changed("agents");
  } catch (err) {
    say(errorText(err), true);
  }
}

async function logout() {
  await api("POST", "/auth/logout").catch(() => {});
  loggedOut(t("logout.done"));
}

function languageSwitch() {
  return h("label", { class: "lang" }, h("span", { class: "sr-only" }, t("language")),
    h("select", { id: "language", onchange: (e) => { setLanguage(e.target.value); document.documentElement.lang = language(); changed("language"); } },
      LANGUAGES.map(([code, name]) => h("option", { value: code, selected: code === language() }, name))));
}

function helpView(container) {
  const knowledge = h("div", { id: "knowledge" });
  show(container, h("section", { class: "card" },
    h("h2", {}, t("help.title")),
    ...["statuses", "phone", "transfer", "digital", "status", "keyboard"].map((k) => h("p", {}, t(`help.${k}`)))), knowledge);
  knowledgeView(knowledge, state.me.role === "admin");
}

// -- inactivity: the server ends a session after an idle hour; say so before ----------
function checkIdle() {
  if (!state.me) return;
  const idleFor = (Date.now() - session.lastUsed) / 1000;
  const warnBefore = Math.min(120, session.idleSeconds / 2);
  if (idleFor >= session.idleSeconds) {
    loggedOut(t("session.expired"));
  } else if (idleFor >= session.idleSeconds - warnBefore && !idleWarning) {
    idleWarning = h("div", { class: "dialog", role: "alertdialog", "aria-modal": "true", "aria-labelledby": "idle-title" },
      h("div", { class: "card" },
        h("h2", { id: "idle-title" }, t("session.warning")),
        h("p", {}, t("session.ends_in"), " ", timer(session.lastUsed + session.idleSeconds * 1000, { down: true })),
        h("button", { class: "primary", id: "stay", onclick: stay }, t("session.stay"))));
    document.body.append(idleWarning);
    idleWarning.querySelector("button").focus();
  }
}

async function stay() {
  await api("GET", "/users/me").catch(() => {});
  closeIdleWarning();
}

function closeIdleWarning() {
  if (idleWarning) idleWarning.remove();
  idleWarning = null;
}

onChange((what) => {
  if (!state.me) return;
  const agent = myAgent();
  if (Boolean(agent && agent.status === "break") !== shownBreak) {
    render();
    return;
  }
  const focused = document.activeElement && document.activeElement.id;
  if (what === "language") {
    render();
  } else {
    renderShell();
    if (current && current.update) current.update(what);
  }
  const again = focused && document.getElementById(focused);
  if (again && document.activeElement !== again) again.focus();
});

document.addEventListener("vcc:open-customer", (e) => { showCustomer(e.detail); go("crm"); });
document.addEventListener("vcc:chat-with", (e) => { chatWith(e.detail); go("chat"); });
setInterval(() => { tickTimers(); checkIdle(); }, 1000);
start();
