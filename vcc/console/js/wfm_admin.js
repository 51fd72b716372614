// Workforce management for supervisors: publish schedules, decide requests, balances,
// the roster sync, adherence, and Erlang C staffing next to the scheduled staff.

import { api } from "./api.js";
import { h, show } from "./dom.js";
import { t } from "./i18n.js";
import { act, section } from "./ui.js";

const ROWS = 4;

function labelled(id, label, control) {
  return h("div", { class: "field" }, h("label", { for: id }, label), control);
}

export function planningAdminView(container) {
  const pending = h("div", { id: "pending-requests" });
  const insight = h("div", { id: "wfm-insight" });
  const publishForm = h("form", { id: "publish-form", class: "stack" });
  const balanceForm = h("form", { id: "balance-form", class: "inline" });
  show(container,
    h("div", { class: "columns" }, section(t("wfm.publish_title"), publishForm), section(t("wfm.pending"), pending)),
    section(t("wfm.balance_title"), balanceForm,
      h("div", { class: "buttons" }, h("button", { id: "wfm-sync", onclick: (e) => act(e.target, async () => {
        const report = await api("POST", "/wfm/sync");
        return report;
      }, t("wfm.synced")) }, t("wfm.sync")))),
    section(t("wfm.insight"), insight));
  Promise.all([api("GET", "/wfm/roster"), api("GET", "/wfm/activities")]).then(([roster, activities]) => {
    const agents = () => h("select", { required: true }, roster.map((r) => h("option", { value: r.agent_id }, r.agent_id)));
    const agentSelect = agents();
    agentSelect.id = "publish-agent";
    const rows = [...Array(ROWS).keys()].map((n) => h("div", { class: "inline activity-row" },
      h("select", { id: `row-${n}-code`, "aria-label": t("wfm.activity_n", { n: n + 1 }) },
        h("option", { value: "" }, "—"), activities.map((a) => h("option", { value: a.code }, a.code))),
      h("input", { id: `row-${n}-start`, type: "time", "aria-label": t("wfm.start_n", { n: n + 1 }) }),
      h("input", { id: `row-${n}-end`, type: "time", "aria-label": t("wfm.end_n", { n: n + 1 }) })));
    show(publishForm, labelled("publish-agent", t("status.agent"), agentSelect),
      labelled("publish-day", t("wfm.date"), h("input", { id: "publish-day", type: "date", required: true })),
      rows, labelled("publish-note", t("wfm.note"), h("input", { id: "publish-note", maxlength: "500" })),
      h("button", { type: "submit", class: "primary", id: "publish" }, t("wfm.publish")));
    publishForm.onsubmit = (e) => {
      e.preventDefault();
      const v = (id) => publishForm.querySelector(`#${id}`).value;
      const day = v("publish-day");
      const list = [...Array(ROWS).keys()].filter((n) => v(`row-${n}-code`)).map((n) => ({
        code: v(`row-${n}-code`), start: `${day}T${v(`row-${n}-start`)}`, end: `${day}T${v(`row-${n}-end`)}` }));
      act(publishForm.querySelector("button[type=submit]"), () => api("PUT",
        `/wfm/agents/${encodeURIComponent(v("publish-agent"))}/schedule/${day}`, { activities: list, note: v("publish-note") }), t("wfm.published_done"));
    };
    const balanceAgent = agents();
    balanceAgent.id = "balance-agent";
    show(balanceForm, labelled("balance-agent", t("status.agent"), balanceAgent),
      labelled("balance-code", t("wfm.activity"), h("select", { id: "balance-code" }, activities.filter((a) => a.kind === "time_off").map((a) => h("option", { value: a.code }, a.code)))),
      labelled("balance-hours", t("wfm.earned"), h("input", { id: "balance-hours", type: "number", min: "0", max: "10000", step: "1", required: true })),
      h("button", { type: "submit", id: "balance-save" }, t("save")));
    balanceForm.onsubmit = (e) => {
      e.preventDefault();
      const v = (id) => balanceForm.querySelector(`#${id}`).value;
      act(balanceForm.querySelector("button"), () => api("PUT", `/wfm/agents/${encodeURIComponent(v("balance-agent"))}/balances/${v("balance-code")}`,
        { earned_hours: Number(v("balance-hours")) }), t("wfm.saved"));
    };
    const insightAgent = agents();
    insightAgent.id = "insight-agent";
    const insightDay = h("input", { id: "insight-day", type: "date", value: new Date().toISOString().slice(0, 10) });
    const results = h("div", { id: "insight-results" });
    show(insight, h("div", { class: "inline" }, labelled("insight-agent", t("status.agent"), insightAgent), labelled("insight-day", t("wfm.date"), insightDay),
      h("button", { id: "insight-show", onclick: (e) => act(e.target, () => showInsight(insightAgent.value, insightDay.value, results)) }, t("wfm.show"))), results);
  }).catch(() => {});
  async function loadPending() {
    const found = await api("GET", "/wfm/requests?status=pending");
    show(pending, found.length ? h("ul", { class: "requests" }, found.map((r) => h("li", { "data-request": String(r.id) },
      `${r.agent_id}: ${t(`wfm.kind.${r.kind}`)} ${r.code} ${r.start.replace("T", " ")} – ${r.end.slice(11)} (${r.hours} ${t("wfm.hours")}) `,
      r.comment ? h("span", { class: "muted" }, `"${r.comment}" `) : "",
      h("button", { class: "primary", onclick: (e) => act(e.target, async () => { await api("POST", `/wfm/requests/${r.id}/decision`, { approve: true }); await loadPending(); }) }, t("wfm.approve")),
      h("button", { onclick: (e) => act(e.target, async () => { await api("POST", `/wfm/requests/${r.id}/decision`, { approve: false }); await loadPending(); }) }, t("wfm.decline_request")))))
      : h("p", { class: "empty" }, t("wfm.no_pending")));
  }
  loadPending().catch(() => {});
  return null;
}

async function showInsight(agent, day, into) {
  const [adherence, staffing] = await Promise.all([
    api("GET", `/wfm/agents/${encodeURIComponent(agent)}/adherence?day=${day}`),
    api("GET", `/wfm/staffing?day=${day}`),
  ]);
  const busy = staffing.filter((s) => s.needed || s.scheduled);
  show(into,
    h("h3", {}, t("wfm.adherence"), ": ", adherence.percent === null ? "–" : `${Math.round(adherence.percent)}%`),
    adherence.intervals.length ? h("table", { class: "grid", id: "adherence-table" },
      h("thead", {}, h("tr", {}, [t("wfm.when"), t("wfm.scheduled"), t("wfm.actual"), "%"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, adherence.intervals.map((i) => h("tr", {}, h("td", {}, `${i.start.slice(11)}–${i.end.slice(11)}`), h("td", {}, i.scheduled),
        h("td", {}, i.actual ? t(`status.${i.actual}`) : "–"), h("td", { class: "num" }, i.percent === null ? "–" : String(Math.round(i.percent)))))))
      : h("p", { class: "empty" }, t("wfm.nothing_scheduled")),
    h("h3", {}, t("wfm.staffing")),
    busy.length ? h("table", { class: "grid", id: "staffing-table" },
      h("thead", {}, h("tr", {}, [t("wfm.when"), t("wfm.calls"), t("wfm.needed"), t("wfm.scheduled")].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, busy.map((s) => h("tr", { class: s.scheduled < s.needed ? "short" : "" }, h("td", {}, s.start.slice(11)),
        h("td", { class: "num" }, String(s.calls)), h("td", { class: "num" }, String(s.needed)), h("td", { class: "num" }, String(s.scheduled))))))
      : h("p", { class: "empty" }, t("wfm.no_staffing")));
}
