// The supervisor's view: a wallboard with live charts (callers waiting over time,
// service level, agents per status), agents' statuses to change, and notifications.

import { api } from "./api.js";
import { h, show, timer } from "./dom.js";
import { t } from "./i18n.js";
import { putAgent, state, statusStartedAt, statusName } from "./store.js";
import { act, section } from "./ui.js";

const SVG = "http://www.w3.org/2000/svg";
const WINDOW_MS = 10 * 60 * 1000; // the waiting chart shows the last ten minutes
const STATUSES = ["available", "busy", "wrap_up", "working_offline", "break", "logged_out"];
const history = new Map(); // queue → [[browser ms, waiting]]

function sample() {
  const now = Date.now();
  for (const q of state.queues.values()) {
    const points = history.get(q.id) || [];
    points.push([now, q.waiting]);
    while (points.length && points[0][0] < now - WINDOW_MS) points.shift();
    history.set(q.id, points);
  }
}
setInterval(sample, 5000);

export function wallboardView(container) {
  const board = h("div", { id: "wallboard", class: "wallboard" });
  const agents = h("div", { id: "supervise-agents" });
  show(container, board, agents, h("div", { class: "columns" }, notifyForm(), activationForm()),
    state.me.role === "admin" ? mfaPolicyForm() : "");
  function update(what) {
    if (what === "queues" || what === "all") sample();
    show(board, [...state.queues.values()].sort((a, b) => a.id.localeCompare(b.id)).map(queueTile));
    if (what !== "queues") show(agents, section(t("status.agents"), agentTable()));
  }
  sample();
  update("all");
  return { update };
}

function queueTile(q) {
  const level = q.service_level;
  const total = STATUSES.reduce((n, s) => n + (q.agents[s] || 0), 0);
  return h("section", { class: "card tile", "data-queue": q.id, "aria-label": t("wall.queue", { queue: q.id }) },
    h("h2", {}, q.id),
    h("div", { class: "figures" },
      h("div", {}, h("span", { class: "big waiting" }, String(q.waiting)), h("span", {}, t("status.waiting"))),
      h("div", {}, h("span", { class: "big" }, level.percent === null ? "–" : `${Math.round(level.percent)}%`),
        h("span", {}, t("wall.service_level", { seconds: level.target_seconds })))),
    waitingChart(q.id),
    h("div", { class: "bar", role: "img", "aria-label": STATUSES.map((s) => `${statusName(s)}: ${q.agents[s] || 0}`).join(", ") },
      STATUSES.filter((s) => q.agents[s]).map((s) => segment(s, q.agents[s]))),
    total ? "" : h("p", { class: "empty" }, t("wall.no_agents")));
}

function segment(status, count) {
  const seg = h("span", { class: `seg status-${status}`, title: `${statusName(status)}: ${count}` }, String(count));
  seg.style.flexGrow = String(count); // a property, not an attribute: the CSP allows no inline styles
  return seg;
}

function waitingChart(queueId) {
  const now = Date.now();
  const queue = state.queues.get(queueId);
  // The samples, drawn on to now at the current count (a line even from one sample).
  const points = [...(history.get(queueId) || []), ...(queue ? [[now, queue.waiting]] : [])];
  if (points.length === 1) points.unshift([now - WINDOW_MS, points[0][1]]);
  const width = 300, height = 60;
  const top = Math.max(3, ...points.map(([, w]) => w));
  const xy = points.map(([at, w]) => `${(width * (1 - (now - at) / WINDOW_MS)).toFixed(1)},${(height - (height * w) / top).toFixed(1)}`);
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("class", "chart");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", t("wall.chart", { queue: queueId, now: points.length ? points[points.length - 1][1] : 0 }));
  const line = document.createElementNS(SVG, "polyline");
  line.setAttribute("points", xy.join(" "));
  svg.append(line);
  return svg;
}

function agentTable() {
  const rows = [...state.agents.values()].sort((a, b) => a.id.localeCompare(b.id));
  return h("table", { class: "grid", id: "supervise-table" },
    h("thead", {}, h("tr", {}, [t("status.agent"), t("status.status"), t("status.time"), t("wall.set_status")].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows.map((a) => h("tr", { "data-agent": a.id },
      h("th", { scope: "row" }, a.id),
      h("td", { class: `agent-status status-${a.status}` }, statusName(a.status), a.reason ? ` (${a.reason})` : ""),
      h("td", { class: "num" }, a.seconds_in_status === null ? "–" : timer(statusStartedAt(a))),
      h("td", {}, h("select", {
        "aria-label": t("wall.set_status_for", { agent: a.id }),
        onchange: (e) => act(e.target, async () => putAgent(await api("PUT", `/agents/${encodeURIComponent(a.id)}/status`, { status: e.target.value }))),
      }, h("option", { value: "", selected: true, disabled: true }, "…"),
      ["available", "working_offline", "break", "logged_out"].map((s) => h("option", { value: s }, t(`status.${s}`)))))))));
}

function notifyForm() {
  const to = h("select", { id: "notify-to", name: "to" },
    ["everyone", "team", "agent"].map((k) => h("option", { value: k }, t(`notify.${k}`))));
  const form = h("form", { id: "notify-form", class: "stack" },
    h("label", { for: "notify-to" }, t("notify.to")), to,
    h("label", { for: "notify-target" }, t("notify.target")),
    h("input", { id: "notify-target", name: "target", maxlength: "32", list: "notify-choices" }),
    h("datalist", { id: "notify-choices" }, [...state.agents.keys(), ...state.queues.keys()].map((v) => h("option", { value: v }))),
    h("label", { for: "notify-title" }, t("notify.title")),
    h("input", { id: "notify-title", name: "title", required: true, maxlength: "120" }),
    h("label", { for: "notify-body" }, t("notify.body")),
    h("textarea", { id: "notify-body", name: "body", required: true, maxlength: "2000", rows: "3" }),
    h("button", { type: "submit", class: "primary", id: "notify-send" }, t("notify.send")));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const body = { to: data.get("to"), title: data.get("title"), body: data.get("body") };
    if (body.to !== "everyone") body.target = data.get("target");
    act(form.querySelector("button"), async () => { await api("POST", "/notifications", body); form.reset(); }, t("notify.sent"));
  });
  return section(t("notify.heading"), form);
}

function mfaPolicyForm() {
  const roles = ["agent", "supervisor", "admin"];
  const form = h("form", { id: "mfa-policy", class: "stack" },
    h("fieldset", {}, h("legend", {}, t("security.required_for")),
      roles.map((r) => h("label", { class: "inline" }, h("input", { type: "checkbox", name: r, id: `mfa-${r}` }), t(`role.${r}`)))),
    h("p", { class: "muted", id: "mfa-config" }),
    h("button", { type: "submit", id: "mfa-policy-save" }, t("save")));
  api("GET", "/security/mfa").then((policy) => {
    for (const r of roles) form.querySelector(`#mfa-${r}`).checked = policy.set_here.includes(r);
    if (policy.from_config.length) {
      show(form.querySelector("#mfa-config"), t("security.from_config", { roles: policy.from_config.map((r) => t(`role.${r}`)).join(", ") }));
    }
  }).catch(() => {});
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const required = roles.filter((r) => form.querySelector(`#mfa-${r}`).checked);
    act(form.querySelector("button"), () => api("PUT", "/security/mfa", { required_for: required }), t("wfm.saved"));
  });
  return section(t("security.title"), form);
}

function activationForm() {
  const result = h("p", { id: "activation-result", role: "status" });
  const form = h("form", { id: "user-form", class: "stack" },
    h("label", { for: "user-name" }, t("login.username")),
    h("input", { id: "user-name", name: "username", required: true, maxlength: "64" }),
    h("label", { for: "user-role" }, t("users.role")),
    h("select", { id: "user-role", name: "role" }, ["agent", "supervisor", "admin"].map((r) => h("option", { value: r }, t(`role.${r}`)))),
    h("label", { for: "user-agent" }, t("users.agent")),
    h("input", { id: "user-agent", name: "agent_id", maxlength: "32", list: "notify-choices" }),
    h("button", { type: "submit", id: "user-create" }, t("users.create")), result);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const body = { username: data.get("username"), role: data.get("role") };
    if (data.get("agent_id")) body.agent_id = data.get("agent_id");
    act(form.querySelector("button"), async () => {
      const made = await api("POST", "/users", body);
      show(result, t("users.code", { code: made.activation_code, hours: made.valid_hours }));
      form.reset();
    });
  });
  return section(t("users.heading"), form);
}
