// The Status tab: queues and agents live, the user's favourites and recents.

import { api } from "./api.js";
import { duration, h, show, timer } from "./dom.js";
import { t } from "./i18n.js";
import { loadContacts, state, statusStartedAt, statusName } from "./store.js";
import { act, section } from "./ui.js";

export function statusView(container) {
  const queues = h("div", { id: "queues" });
  const agents = h("div", { id: "agents" });
  const contacts = h("div", { id: "contacts" });
  show(container, queues, agents, contacts);
  function update(what) {
    show(queues, section(t("status.queues"), queueTable()));
    show(agents, section(t("status.agents"), agentTable()));
    show(contacts, h("div", { class: "columns" },
      section(t("status.favourites"), favouriteList()),
      section(t("status.recents"), recentList())));
  }
  update("all");
  loadContacts().catch(() => {});
  return { update };
}

function isFavourite(kind, target) {
  return state.favourites.some((f) => f.kind === kind && f.target === target);
}

function star(kind, target) {
  const on = isFavourite(kind, target);
  return h("button", {
    class: "star", "aria-pressed": String(on), id: `fav-${kind}-${target}`,
    "aria-label": t(on ? "status.unpin" : "status.pin", { name: target }),
    onclick: (e) => act(e.target, async () => {
      state.favourites = await api(on ? "DELETE" : "POST", "/users/me/favourites", { kind, target });
      await loadContacts();
    }),
  }, on ? "★" : "☆");
}

function queueTable() {
  const rows = [...state.queues.values()].sort((a, b) => a.id.localeCompare(b.id));
  return h("table", { class: "grid", id: "queue-table" },
    h("caption", { class: "sr-only" }, t("status.queues")),
    h("thead", {}, h("tr", {}, ["", t("status.queue"), t("status.waiting"), t("status.longest"),
      t("status.available"), t("status.busy_agents"), t("status.service_level")].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows.map((q) => h("tr", { "data-queue": q.id },
      h("td", {}, star("queue", q.id)),
      h("th", { scope: "row" }, q.id),
      h("td", { class: "num waiting" }, String(q.waiting)),
      h("td", { class: "num" }, q.waiting ? duration(q.longest_wait + (Date.now() - q.receivedAt) / 1000) : "–"),
      h("td", { class: "num" }, String(q.agents.available || 0)),
      h("td", { class: "num" }, String((q.agents.busy || 0) + (q.agents.wrap_up || 0))),
      h("td", { class: "num" }, q.service_level.percent === null ? "–" : `${Math.round(q.service_level.percent)}%`)))));
}

function agentTable() {
  const rows = [...state.agents.values()].sort((a, b) => a.id.localeCompare(b.id));
  return h("table", { class: "grid", id: "agent-table" },
    h("caption", { class: "sr-only" }, t("status.agents")),
    h("thead", {}, h("tr", {}, ["", t("status.agent"), t("status.status"), t("status.reason"), t("status.time"),
      t("tab.chat"), t("tab.email"), t("tab.voicemail")]
      .map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows.map((a) => h("tr", { "data-agent": a.id },
      h("td", {}, star("agent", a.id)),
      h("th", { scope: "row" }, a.id, state.me.agent_id && a.id !== state.me.agent_id ? [" ", h("button", {
        class: "link", id: `chat-with-${a.id}`,
        onclick: () => document.dispatchEvent(new CustomEvent("vcc:chat-with", { detail: a.id })),
      }, t("status.chat_with"))] : ""),
      h("td", { class: `agent-status status-${a.status}` }, statusName(a.status)),
      h("td", {}, a.reason || ""),
      h("td", { class: "num" }, a.seconds_in_status === null ? "–" : timer(statusStartedAt(a))),
      ["chat", "email", "voicemail"].map((c) => h("td", { class: `num load-${c}` },
        `${(state.loads[a.id] || {})[c] || 0}/${(state.agentCapacity[a.id] || state.capacity)[c] ?? "–"}`))))));
}

function favouriteList() {
  if (!state.favourites.length) return h("p", { class: "empty" }, t("status.no_favourites"));
  return h("ul", { id: "favourites" }, state.favourites.map((f) => h("li", {},
    `${t(`target.${f.kind}`)}: ${f.target}`, " ", describe(f))));
}

function recentList() {
  if (!state.recents.length) return h("p", { class: "empty" }, t("status.no_recents"));
  return h("ul", { id: "recents" }, state.recents.map((r) => h("li", {},
    `${t(`target.${r.kind}`)}: ${r.target}`, " ", h("time", { datetime: r.at }, new Date(r.at).toLocaleTimeString()))));
}

function describe(f) {
  if (f.kind === "agent" && state.agents.has(f.target)) {
    return h("span", { class: "muted" }, `(${statusName(state.agents.get(f.target).status)})`);
  }
  if (f.kind === "queue" && state.queues.has(f.target)) {
    return h("span", { class: "muted" }, `(${t("status.waiting")}: ${state.queues.get(f.target).waiting})`);
  }
  return "";
}
