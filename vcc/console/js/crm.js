// The CRM tab (customers, their cases, tasks and history; call a customer, agent
// first), the screen-pop of the customer a call or chat is from, and the Help page's
// FAQ and knowledge base (admins write the articles).

import { api, newestOnly } from "./api.js";
import { h, show } from "./dom.js";
import { t } from "./i18n.js";
import { state } from "./store.js";
import { act, say, section } from "./ui.js";

let openCustomer = null; // the id the CRM tab shows

export function showCustomer(id) { openCustomer = id; }

export function crmView(container) {
  const results = h("div", { id: "crm-results" });
  const card = h("div", { id: "crm-customer" });
  const search = h("input", { id: "crm-search", type: "search", "aria-label": t("crm.search"), placeholder: t("crm.search") });
  const form = newCustomerForm(async (c) => { openCustomer = c.id; await drawCustomer(); });
  show(container, h("div", { class: "columns" },
    section(t("tab.crm"), h("form", { class: "inline", onsubmit: (e) => { e.preventDefault(); act(null, find); } },
      search, h("button", { type: "submit", id: "crm-find" }, t("crm.find"))), results, form),
    card));
  async function find() {
    const found = await api("GET", `/customers?q=${encodeURIComponent(search.value)}`);
    show(results, found.length ? h("ul", { id: "crm-found" }, found.map((c) => h("li", {},
      h("button", { class: "link", onclick: () => { openCustomer = c.id; act(null, drawCustomer); } }, c.name),
      " ", h("span", { class: "muted" }, [c.phone, c.email, c.company].filter(Boolean).join(" · ")))))
      : h("p", { class: "empty" }, t("crm.none")));
  }
  async function drawCustomer() {
    if (!openCustomer) { show(card, ""); return; }
    const c = await api("GET", `/customers/${openCustomer}`);
    show(card, customerCard(c, drawCustomer));
  }
  drawCustomer().catch(() => {});
  return {};
}

function customerCard(c, redraw) {
  const taskTitle = h("input", { id: "task-title", maxlength: 300, "aria-label": t("crm.task_title"), placeholder: t("crm.task_title") });
  const taskDue = h("input", { id: "task-due", type: "date", "aria-label": t("crm.task_due") });
  const caseSubject = h("input", { id: "case-subject", maxlength: 300, "aria-label": t("crm.case_subject"), placeholder: t("crm.case_subject") });
  return h("section", { class: "card customer", id: `customer-${c.id}` },
    h("h2", {}, c.name),
    h("dl", { class: "facts" },
      c.phone ? [h("dt", {}, t("crm.phone")), h("dd", {}, c.phone, " ", c.phone && state.me.agent_id ? h("button", {
        id: "crm-call", onclick: (e) => act(e.target, () => api("POST", "/calls", { number: c.phone }), t("phone.dialling")) }, t("crm.call")) : "")] : "",
      c.email ? [h("dt", {}, t("crm.email")), h("dd", {}, c.email)] : "",
      c.company ? [h("dt", {}, t("crm.company")), h("dd", {}, c.company)] : ""),
    c.notes ? h("p", { class: "notes" }, c.notes) : "",
    h("h3", {}, t("crm.cases")),
    c.cases.length ? h("ul", { id: "crm-cases" }, c.cases.map((k) => h("li", { "data-case": String(k.id) },
      `#${k.id} ${k.subject} `, h("span", { class: "muted" }, t(`crm.case.${k.status}`)), " ",
      h("button", { class: "link", onclick: (e) => act(e.target, async () => {
        await api("PUT", `/cases/${k.id}/status`, { status: k.status === "open" ? "closed" : "open" });
        await redraw();
      }) }, t(k.status === "open" ? "crm.close_case" : "crm.reopen_case")))))
      : h("p", { class: "empty" }, t("crm.no_cases")),
    h("form", { class: "inline", onsubmit: (e) => { e.preventDefault(); act(null, async () => {
      await api("POST", "/cases", { customer_id: c.id, subject: caseSubject.value });
      await redraw();
    }); } }, caseSubject, h("button", { type: "submit", id: "case-add" }, t("crm.add_case"))),
    h("h3", {}, t("crm.tasks")),
    c.tasks.length ? h("ul", { id: "crm-tasks" }, c.tasks.map((k) => h("li", {},
      h("label", {}, h("input", { type: "checkbox", checked: k.done, onchange: (e) => act(null, async () => {
        await api("PUT", `/tasks/${k.id}/done`, { done: e.target.checked });
      }) }), ` ${k.title}`, k.due ? h("span", { class: "muted" }, ` (${k.due})`) : ""))))
      : h("p", { class: "empty" }, t("crm.no_tasks")),
    h("form", { class: "inline", onsubmit: (e) => { e.preventDefault(); act(null, async () => {
      await api("POST", "/tasks", { customer_id: c.id, title: taskTitle.value, due: taskDue.value || undefined });
      await redraw();
    }); } }, taskTitle, taskDue, h("button", { type: "submit", id: "task-add" }, t("crm.add_task"))),
    h("h3", {}, t("crm.history")),
    c.history.length ? h("table", { class: "grid", id: "crm-history" },
      h("thead", {}, h("tr", {}, [t("crm.when"), t("crm.kind"), t("status.queue"), t("status.agent"), t("crm.outcome")].map((x) => h("th", { scope: "col" }, x)))),
      h("tbody", {}, c.history.map((i) => h("tr", {},
        h("td", {}, new Date(i.at).toLocaleString()), h("td", {}, t(`crm.kind.${i.kind}`)), h("td", {}, i.queue_id || ""),
        h("td", {}, i.agent_id || ""), h("td", {}, [i.outcome, i.disposition].filter(Boolean).join(" · "))))))
      : h("p", { class: "empty" }, t("crm.no_history")));
}

function newCustomerForm(done) {
  const fields = ["name", "phone", "email", "company"].map((f) => [f, h("input", { id: `new-customer-${f}`, maxlength: 254 })]);
  return h("details", {}, h("summary", {}, t("crm.new")),
    h("form", { class: "stack", onsubmit: (e) => { e.preventDefault(); act(null, async () => {
      const data = Object.fromEntries(fields.filter(([, el]) => el.value.trim()).map(([f, el]) => [f, el.value.trim()]));
      done(await api("POST", "/customers", data));
      for (const [, el] of fields) el.value = "";
    }, t("crm.saved")); } },
      fields.map(([f, el]) => h("label", { class: "field" }, t(`crm.${f}`), el)),
      h("button", { type: "submit", class: "primary", id: "new-customer-save" }, t("save"))));
}

// -- the screen-pop -------------------------------------------------------------------------
let popped = null;

/** Show who a ringing call or an offered chat is from, if the CRM knows them. */
export async function screenPop(key, query, go) {
  if (popped === key) return;
  popped = key;
  const found = await api("GET", `/customers/match?${query}`).catch(() => null);
  document.getElementById("screen-pop")?.remove();
  if (!found) return;
  const open = found.cases.filter((c) => c.status === "open");
  const pop = h("aside", { class: "card screen-pop", id: "screen-pop", role: "status", "aria-label": t("crm.pop") },
    h("strong", {}, found.name), found.company ? ` · ${found.company}` : "",
    h("p", { class: "muted" }, t("crm.pop_summary", { cases: open.length, contacts: found.history.length })),
    h("div", { class: "buttons" },
      h("button", { class: "link", id: "screen-pop-open", onclick: () => { pop.remove(); showCustomer(found.id); go("crm"); } }, t("crm.open_customer")),
      h("button", { class: "link", id: "screen-pop-close", onclick: () => pop.remove() }, t("close"))));
  document.body.append(pop);
  say(t("crm.pop_said", { name: found.name }));
}

// -- Help: FAQ and knowledge base ---------------------------------------------------------------
export function knowledgeView(container, isAdmin) {
  const search = h("input", { id: "help-search", type: "search", "aria-label": t("help.search"), placeholder: t("help.search") });
  const list = h("div", { id: "help-articles" });
  const newest = newestOnly(); // each keystroke asks again
  async function refresh() {
    const found = await newest(api("GET", `/help?q=${encodeURIComponent(search.value)}`));
    if (found === undefined) return;
    show(list, found.length ? found.map((a) => h("article", { class: "article", "data-article": String(a.id) },
      h("h3", {}, a.title, " ", h("span", { class: "muted" }, t(`help.kind.${a.kind}`))),
      h("p", { class: "article-body" }, a.body),
      isAdmin ? h("button", { class: "link", onclick: (e) => act(e.target, async () => { await api("DELETE", `/help/${a.id}`); await refresh(); }) }, t("delete")) : ""))
      : h("p", { class: "empty" }, t("faq.none")));
  }
  search.addEventListener("input", () => refresh().catch(() => {}));
  const kind = h("select", { id: "article-kind" }, ["faq", "article"].map((k) => h("option", { value: k }, t(`help.kind.${k}`))));
  const title = h("input", { id: "article-title", maxlength: 200 });
  const body = h("textarea", { id: "article-body", rows: 5, maxlength: 20000 });
  const tags = h("input", { id: "article-tags", maxlength: 500 });
  show(container, section(t("help.knowledge"), search, list),
    isAdmin ? section(t("help.new_article"), h("form", { class: "stack", onsubmit: (e) => { e.preventDefault(); act(null, async () => {
      await api("POST", "/help", { kind: kind.value, title: title.value, body: body.value, tags: tags.value });
      title.value = body.value = tags.value = "";
      await refresh();
    }, t("crm.saved")); } },
      h("label", { class: "field" }, t("help.kind"), kind), h("label", { class: "field" }, t("help.article_title"), title),
      h("label", { class: "field" }, t("help.article_body"), body), h("label", { class: "field" }, t("help.tags"), tags),
      h("button", { type: "submit", class: "primary", id: "article-save" }, t("save")))) : "");
  refresh().catch(() => {});
}
