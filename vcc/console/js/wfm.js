// Workforce management for agents (NICE CXone / IEX agent app): Planning (schedule,
// change requests, notifications), Verlof (time off, balances, absence), Ruilen (swaps).

import { api, newestOnly } from "./api.js";
import { h, show } from "./dom.js";
import { t } from "./i18n.js";
import { state } from "./store.js";
import { act, section } from "./ui.js";

const me = () => encodeURIComponent(state.me.agent_id);
let activities = null;

async function activityList(kind) {
  activities = activities || await api("GET", "/wfm/activities");
  return activities.filter((a) => !kind || (kind === "time_off" ? a.kind === "time_off" : a.kind !== "time_off"));
}

function isoDay(d) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

function addDays(day, n) {
  const d = new Date(`${day}T12:00`);
  d.setDate(d.getDate() + n);
  return isoDay(d);
}

const hhmm = (iso) => iso.slice(11, 16);

function codeSelect(id, list) {
  return h("select", { id, required: true }, list.map((a) => h("option", { value: a.code }, `${a.name} (${a.code})`)));
}

function labelled(id, label, control) {
  return h("div", { class: "field" }, h("label", { for: id }, label), control);
}

// -- Planning ---------------------------------------------------------------------------
export function scheduleView(container) {
  let week = null; // the server's current week first: its clock and zone decide "today"
  const days = h("div", { id: "schedule-week" });
  const requests = h("div", { id: "change-requests" });
  const notes = h("div", { id: "wfm-notifications" });
  const adherence = h("p", { id: "my-adherence" });
  const title = h("h2", { id: "week-title" });
  show(container,
    h("section", { class: "card" }, title, adherence,
      h("div", { class: "buttons" },
        h("button", { id: "week-prev", onclick: () => { week = addDays(week, -7); load(); } }, t("wfm.prev_week")),
        h("button", { id: "week-next", onclick: () => { week = addDays(week, 7); load(); } }, t("wfm.next_week"))),
      days),
    h("div", { class: "columns" }, changeForm(load), section(t("wfm.my_requests"), requests)),
    section(t("wfm.notifications"), notes));
  async function load() {
    const range = week ? `?from=${week}&to=${addDays(week, 6)}` : "";
    const found = await api("GET", `/wfm/agents/${me()}/schedule${range}`);
    week = found[0].day;
    show(title, t("wfm.week_of", { day: week }));
    show(days, h("table", { class: "grid", id: "schedule-table" },
      h("thead", {}, h("tr", {}, [t("wfm.day"), t("wfm.activities"), t("wfm.note")].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, found.map((d) => h("tr", { "data-day": d.day, class: d.published ? "published" : "" },
        h("th", { scope: "row" }, new Date(`${d.day}T12:00`).toLocaleDateString(document.documentElement.lang, { weekday: "short", day: "numeric", month: "short" }),
          d.published ? h("span", { class: "dot", title: t("wfm.published"), "aria-label": t("wfm.published") }, " ●") : ""),
        h("td", {}, d.activities.length ? h("ul", { class: "blocks" }, d.activities.map((a) => h("li", { class: `activity a-${a.code}` },
          `${hhmm(a.start)}–${hhmm(a.end)} ${a.code}`, a.note ? h("span", { class: "muted" }, ` — ${a.note}`) : "")))
          : h("span", { class: "muted" }, d.published ? t("wfm.free") : t("wfm.not_published"))),
        h("td", {}, d.note))))));
    await loadRequests();
    await loadNotes();
    const today = await api("GET", `/wfm/agents/${me()}/adherence`);
    show(adherence, t("wfm.my_adherence", { day: today.day }), " ",
      h("strong", {}, today.percent === null ? "–" : `${Math.round(today.percent)}%`));
  }
  async function loadRequests() {
    const found = (await api("GET", "/wfm/requests?kind=change")).slice(0, 20);
    show(requests, found.length ? h("ul", { class: "requests" }, found.map((r) => h("li", { "data-request": String(r.id), "data-status": r.status },
      `${r.start.slice(0, 10)} ${hhmm(r.start)}–${hhmm(r.end)} ${r.code}: `, h("strong", {}, t(`wfm.status.${r.status}`)), " ",
      r.status === "pending" ? [
        h("button", { class: "link", onclick: (e) => editRequest(e.target, r) }, t("wfm.edit")),
        h("button", { class: "link", onclick: (e) => act(e.target, async () => { await api("POST", `/wfm/requests/${r.id}/cancel`); await load(); }) }, t("cancel")),
      ] : "")))
      : h("p", { class: "empty" }, t("wfm.no_requests")));
  }
  async function editRequest(button, r) {
    const start = prompt(t("wfm.new_start"), hhmm(r.start));
    const end = start && prompt(t("wfm.new_end"), hhmm(r.end));
    if (!start || !end) return;
    const day = r.start.slice(0, 10);
    await act(button, () => api("PATCH", `/wfm/requests/${r.id}`, { start: `${day}T${start}`, end: `${day}T${end}`, comment: r.comment }));
    await load();
  }
  async function loadNotes() {
    const inbox = await api("GET", "/wfm/notifications");
    show(notes,
      h("p", {}, h("span", { class: "badge", id: "wfm-unacknowledged" }, String(inbox.unacknowledged)), " ", t("wfm.unacknowledged")),
      inbox.notifications.length ? h("ul", { class: "notifications" }, inbox.notifications.map((n) => h("li", { class: n.read ? "read" : "unread" },
        h("strong", {}, n.title), h("p", {}, n.body)))) : h("p", { class: "empty" }, t("notifications.none")),
      h("div", { class: "buttons" },
        h("button", { id: "wfm-ack", onclick: (e) => act(e.target, async () => {
          await api("POST", "/notifications/read", { ids: inbox.notifications.map((n) => n.id) }); await loadNotes(); }) }, t("wfm.acknowledge")),
        h("button", { id: "wfm-delete-read", onclick: (e) => act(e.target, async () => { await api("DELETE", "/notifications/read"); await loadNotes(); }) }, t("notifications.delete_read"))));
  }
  load().catch(() => {});
  return { update(what) { if (what === "notifications") loadNotes().catch(() => {}); } };
}

function changeForm(onDone) {
  const form = h("form", { id: "change-form", class: "stack" });
  activityList("work").then((list) => show(form,
    labelled("change-code", t("wfm.activity"), codeSelect("change-code", list)),
    labelled("change-day", t("wfm.date"), h("input", { id: "change-day", type: "date", required: true })),
    labelled("change-start", t("wfm.start"), h("input", { id: "change-start", type: "time", required: true })),
    labelled("change-end", t("wfm.end"), h("input", { id: "change-end", type: "time", required: true })),
    labelled("change-comment", t("wfm.comment"), h("textarea", { id: "change-comment", maxlength: "500", rows: "2" })),
    h("button", { type: "submit", class: "primary", id: "change-send" }, t("wfm.send"))));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const v = (id) => form.querySelector(`#${id}`).value;
    act(form.querySelector("button[type=submit]"), async () => {
      await api("POST", "/wfm/requests", { kind: "change", code: v("change-code"), start: `${v("change-day")}T${v("change-start")}`,
        end: `${v("change-day")}T${v("change-end")}`, comment: v("change-comment") });
      form.reset();
      await onDone();
    }, t("wfm.sent"));
  });
  return section(t("wfm.change_title"), form);
}

// -- Verlof -----------------------------------------------------------------------------
export function timeOffView(container) {
  const balances = h("div", { id: "balances" });
  const overview = h("div", { id: "time-off-overview" });
  const month = h("input", { id: "overview-month", type: "month", value: isoDay(new Date()).slice(0, 7), onchange: () => loadOverview() });
  const filter = h("select", { id: "overview-status", onchange: () => loadOverview() },
    h("option", { value: "" }, t("wfm.all")), ["pending", "approved", "declined", "cancelled"].map((s) => h("option", { value: s }, t(`wfm.status.${s}`))));
  const form = h("form", { id: "time-off-form", class: "stack" });
  show(container,
    h("div", { class: "columns" }, section(t("wfm.time_off_title"), form), section(t("wfm.balances"), balances)),
    section(t("wfm.overview"), h("div", { class: "inline" }, labelled("overview-month", t("wfm.month"), month), labelled("overview-status", t("wfm.filter"), filter)), overview));
  const kind = h("select", { id: "time-off-kind" }, ["full_day", "partial_day", "intervals", "absence"].map((k) => h("option", { value: k }, t(`wfm.kind.${k}`))));
  const fields = h("div", { id: "time-off-fields" });
  activityList("time_off").then((list) => {
    show(form, labelled("time-off-kind", t("wfm.kind_label"), kind), labelled("time-off-code", t("wfm.activity"), codeSelect("time-off-code", list)), fields,
      labelled("time-off-comment", t("wfm.comment"), h("textarea", { id: "time-off-comment", maxlength: "500", rows: "2" })),
      h("button", { type: "submit", class: "primary", id: "time-off-send" }, t("wfm.send")));
    kind.addEventListener("change", showFields);
    showFields();
  });
  function showFields() {
    const date = (id, label) => labelled(id, label, h("input", { id, type: "date", required: true }));
    const clock = (id, label) => labelled(id, label, h("input", { id, type: "time", required: true }));
    const k = kind.value;
    if (k === "full_day") show(fields, date("off-first", t("wfm.first_day")), date("off-last", t("wfm.last_day")));
    else if (k === "partial_day") show(fields, date("off-day", t("wfm.date")), clock("off-start", t("wfm.start")), clock("off-end", t("wfm.end")), h("p", { class: "muted" }, t("wfm.partial_hint")));
    else if (k === "absence") show(fields, date("off-day", t("wfm.date")), clock("off-start", t("wfm.start")), clock("off-end", t("wfm.end")), h("p", { class: "muted" }, t("wfm.absence_hint")));
    else {
      const day = h("input", { id: "off-day", type: "date", required: true });
      const choices = h("div", { id: "interval-choices", role: "group", "aria-label": t("wfm.intervals") });
      day.addEventListener("change", async () => {
        const options = await api("GET", `/wfm/agents/${me()}/intervals?day=${day.value}`);
        show(choices, options.length ? options.map((o) => h("label", { class: `interval ${o.auto ? "auto" : "approval"}` },
          h("input", { type: "checkbox", value: o.start }), ` ${hhmm(o.start)}–${hhmm(o.end)} `,
          h("span", { class: "muted" }, t(o.auto ? "wfm.auto" : "wfm.needs_approval")))) : h("p", { class: "empty" }, t("wfm.no_intervals")));
      });
      show(fields, labelled("off-day", t("wfm.date"), day), choices, h("p", { class: "muted" }, t("wfm.interval_hint")));
    }
  }
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const v = (id) => form.querySelector(`#${id}`).value;
    const body = { kind: kind.value, code: v("time-off-code"), comment: v("time-off-comment") };
    if (kind.value === "full_day") Object.assign(body, { first: v("off-first"), last: v("off-last") });
    else if (kind.value === "intervals") Object.assign(body, { day: v("off-day"), intervals: [...form.querySelectorAll("#interval-choices input:checked")].map((c) => c.value) });
    else Object.assign(body, { start: `${v("off-day")}T${v("off-start")}`, end: `${v("off-day")}T${v("off-end")}` });
    act(form.querySelector("button[type=submit]"), async () => {
      const made = await api("POST", "/wfm/requests", body);
      form.reset();
      showFields();
      await Promise.all([loadOverview(), loadBalances()]);
      return made;
    }, t("wfm.sent"));
  });
  async function loadBalances() {
    const found = await api("GET", `/wfm/agents/${me()}/balances`);
    show(balances, h("table", { class: "grid", id: "balance-table" },
      h("thead", {}, h("tr", {}, ["", t("wfm.earned"), t("wfm.used"), t("wfm.planned"), t("wfm.remaining")].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, found.map((b) => h("tr", { "data-code": b.code }, h("th", { scope: "row" }, b.code),
        [b.earned, b.used, b.planned, b.remaining].map((n) => h("td", { class: "num" }, `${n} ${t("wfm.hours")}`)))))));
  }
  const newest = newestOnly(); // the month or filter may change while a list is on its way
  async function loadOverview() {
    const query = new URLSearchParams({ month: `${month.value}-01` });
    if (filter.value) query.set("status", filter.value);
    const answer = await newest(api("GET", `/wfm/requests?${query}`));
    if (answer === undefined) return;
    const found = answer.filter((r) => r.kind !== "change");
    show(overview, found.length ? h("table", { class: "grid", id: "time-off-table" },
      h("thead", {}, h("tr", {}, [t("wfm.kind_label"), t("wfm.activity"), t("wfm.when"), t("wfm.hours_label"), t("wfm.status_label"), ""].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, found.map((r) => h("tr", { "data-request": String(r.id), "data-status": r.status },
        h("td", {}, t(`wfm.kind.${r.kind}`)), h("td", {}, r.code), h("td", {}, `${r.start.replace("T", " ")} – ${r.end.replace("T", " ")}`),
        h("td", { class: "num" }, String(r.hours)), h("td", {}, t(`wfm.status.${r.status}`)),
        h("td", {}, ["pending", "approved"].includes(r.status) ? h("button", { class: "link", onclick: (e) => act(e.target, async () => {
          await api("POST", `/wfm/requests/${r.id}/cancel`); await Promise.all([loadOverview(), loadBalances()]); }, t("wfm.cancelled")) }, t("cancel")) : "")))))
      : h("p", { class: "empty" }, t("wfm.no_requests")));
  }
  loadBalances().catch(() => {});
  loadOverview().catch(() => {});
  return null;
}

// -- Ruilen -----------------------------------------------------------------------------
export function swapsView(container) {
  const list = h("div", { id: "swap-list" });
  const form = h("form", { id: "swap-form", class: "stack" },
    labelled("swap-day", t("wfm.shift_day"), h("input", { id: "swap-day", type: "date", required: true })),
    labelled("swap-expires", t("wfm.expires"), h("input", { id: "swap-expires", type: "datetime-local", required: true })),
    h("button", { type: "submit", class: "primary", id: "swap-offer" }, t("wfm.offer")));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    act(form.querySelector("button"), async () => {
      await api("POST", "/wfm/swaps", { day: form.querySelector("#swap-day").value, expires_at: form.querySelector("#swap-expires").value.slice(0, 16) });
      form.reset();
      await load();
    }, t("wfm.offered"));
  });
  show(container, h("div", { class: "columns" }, section(t("wfm.offers"), list), section(t("wfm.offer_title"), form)));
  async function load() {
    const found = await api("GET", "/wfm/swaps");
    show(list, found.length ? h("ul", { class: "swaps" }, found.map((s) => h("li", { "data-swap": String(s.id), "data-status": s.status },
      s.mine ? t("wfm.your_offer", { day: s.day }) : t("wfm.offer_from", { agent: s.agent_id, day: s.day }), " ",
      h("span", { class: "muted" }, t("wfm.until", { at: s.expires_at.replace("T", " ") })), " ",
      h("strong", {}, t(`wfm.swap.${s.status}`)), " ",
      !s.mine && s.status === "open" ? [
        h("button", { class: "primary", onclick: (e) => act(e.target, async () => { await api("POST", `/wfm/swaps/${s.id}/accept`); await load(); }, t("wfm.swapped")) }, t("wfm.accept")),
        h("button", { onclick: (e) => act(e.target, async () => { await api("POST", `/wfm/swaps/${s.id}/decline`); await load(); }) }, t("wfm.decline")),
      ] : "",
      s.mine && s.status === "open" ? h("button", { class: "link", onclick: (e) => act(e.target, async () => { await api("POST", `/wfm/swaps/${s.id}/withdraw`); await load(); }) }, t("wfm.withdraw")) : "")))
      : h("p", { class: "empty" }, t("wfm.no_offers")));
  }
  load().catch(() => {});
  return { update(what) { if (what === "notifications") load().catch(() => {}); } };
}
