// The Phone tab: the call on line 1 (ringing, connected, on hold), line 2 (consult,
// transfer, join), hang up, wrap-up with its timer and disposition code, click-to-dial.

import { api } from "./api.js";
import { h, show, timer } from "./dom.js";
import { t } from "./i18n.js";
import { loadContacts, myAgent, putAgent, state } from "./store.js";
import { act, section } from "./ui.js";

const KINDS = ["agent", "queue", "number"];

export function phoneView(container) {
  const callBox = h("div", { id: "call-box" });
  const wrapBox = h("div", { id: "wrap-box" });
  const line2 = targetForm("line2", [
    ["consult", t("phone.consult"), (target) => call("consult", target)],
    ["transfer", t("phone.blind_transfer"), (target) => call("transfer", target)],
  ]);
  const dial = targetForm("dial", [["dial", t("phone.dial"), dialOut]], ["number", "agent"]);
  show(container,
    h("div", { class: "columns" },
      h("div", {}, callBox, wrapBox),
      section(t("phone.dial_title"), dial)));
  let lastKey = "";
  function update() {
    const agent = myAgent();
    if (!agent) return;
    // Rebuilt only when something shown changed: the forms inside keep their input.
    const key = JSON.stringify([agent.status, agent.call, agent.last_call, agent.disposition_due, agent.wrap_up_until, state.queues.size]);
    if (key === lastKey) return;
    lastKey = key;
    show(callBox, agent.call ? callCard(agent, line2) : section(t("phone.line1"), h("p", { class: "empty", id: "no-call" }, t("phone.no_call"))));
    show(wrapBox, agent.status === "wrap_up" || agent.disposition_due ? wrapUpCard(agent) : "");
  }
  update();
  return { update };
}

function callCard(agent, line2Form) {
  const c = agent.call;
  const state_ = !c.answered ? "ringing" : c.conference ? "conference" : c.on_hold ? "on_hold" : "connected";
  const details = [
    c.queue && [t("phone.queue"), c.queue],
    c.caller && [t(c.direct ? "phone.other_party" : "phone.caller"), c.caller],
    c.consulted_by && [t("phone.consulted_by"), c.consulted_by],
    c.interaction_id && [t("phone.interaction"), c.interaction_id],
  ].filter(Boolean);
  const line2 = c.line2;
  return h("section", { class: `card call ${state_}`, id: "call", "data-state": state_, "aria-labelledby": "call-title" },
    h("h2", { id: "call-title" }, t("phone.line1"), ": ", t(`call.${state_}`), " ", timer(startedAt(c))),
    !c.answered ? h("p", { class: "ring-hint" }, t("phone.answer_on_desk_phone")) : "",
    h("dl", {}, details.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    c.answered ? h("div", { class: "buttons" },
      c.conference || line2 || c.direct ? "" : c.on_hold
        ? h("button", { id: "call-resume", onclick: (e) => call("resume", {}, e.target) }, t("phone.resume"))
        : h("button", { id: "call-hold", onclick: (e) => call("hold", {}, e.target) }, t("phone.hold")),
      h("button", { id: "call-hangup", class: "danger", onclick: (e) => call("hangup", {}, e.target) }, t("phone.hangup")),
      h("button", { id: "call-record", onclick: (e) => call("recording", {}, e.target) }, t("phone.record")),
      h("button", { id: "call-record-pause", onclick: (e) => call("recording/pause", {}, e.target) }, t("phone.record_pause")),
      h("button", { id: "call-record-resume", onclick: (e) => call("recording/resume", {}, e.target) }, t("phone.record_resume"))) : "",
    // Line 2 and transfers are for queue calls (as in vcc's call control), not one's own.
    c.answered && !c.conference && !c.consulted_by && !c.direct ? h("section", { class: "line2", "aria-labelledby": "line2-title" },
      h("h3", { id: "line2-title" }, t("phone.line2"), line2 ? `: ${t(line2.answered ? "call.connected" : "call.ringing")}` : ""),
      line2 ? h("div", { class: "buttons" },
        h("button", { id: "transfer-lines", class: "primary", disabled: !line2.answered, onclick: (e) => call("complete-transfer", {}, e.target) }, t("phone.transfer_lines")),
        h("button", { id: "join-lines", disabled: !line2.answered, onclick: (e) => call("conference", {}, e.target) }, t("phone.join_lines")),
        h("button", { id: "cancel-line2", onclick: (e) => call("cancel-transfer", {}, e.target) }, t("phone.cancel_line2")))
        : line2Form) : "");
}

function wrapUpCard(agent) {
  const last = agent.last_call;
  const codes = last ? last.dispositions : [];
  let deadline = null;
  if (agent.status === "wrap_up" && agent.wrap_up_until) {
    deadline = agent.receivedAt + (agent.wrap_up_until - agent.since - agent.seconds_in_status) * 1000;
  }
  const select = h("select", { id: "disposition", name: "code", required: true },
    h("option", { value: "", disabled: true, selected: true }, t("phone.pick_code")),
    codes.map((code) => h("option", { value: code }, code)));
  const form = h("form", { class: "inline" },
    h("label", { for: "disposition" }, t("phone.disposition")), select,
    h("button", { type: "submit", id: "disposition-save", class: "primary" }, t("save")));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (!select.value) return;
    act(form.querySelector("button"), async () => {
      await api("PUT", `/interactions/${encodeURIComponent(last.interaction_id)}/disposition`, { code: select.value });
      putAgent(await api("GET", `/agents/${encodeURIComponent(agent.id)}`));
    }, t("phone.disposition_saved"));
  });
  return h("section", { class: "card wrap-up", id: "wrap-up", "aria-labelledby": "wrap-title" },
    h("h2", { id: "wrap-title" }, t("status.wrap_up"), deadline ? [" ", timer(deadline, { down: true })] : ""),
    agent.disposition_due ? h("p", { class: "notice" }, t("phone.disposition_due")) : "",
    last && codes.length ? form : h("p", { class: "empty" }, t("phone.no_codes")));
}

/** A target (agent, queue or number) and buttons that act on it. */
function targetForm(id, actions, kinds = KINDS) {
  const kind = h("select", { id: `${id}-kind`, "aria-label": t("phone.target_kind") },
    kinds.map((k) => h("option", { value: k }, t(`target.${k}`))));
  const value = h("input", { id: `${id}-target`, "aria-label": t("phone.target"), maxlength: "40", autocomplete: "off", list: `${id}-choices` });
  const choices = h("datalist", { id: `${id}-choices` });
  const fill = () => {
    const from = kind.value === "agent" ? [...state.agents.keys()] : kind.value === "queue" ? [...state.queues.keys()] : [];
    show(choices, from.map((v) => h("option", { value: v })));
  };
  kind.addEventListener("change", fill);
  fill();
  const form = h("form", { class: "inline target", onsubmit: (e) => e.preventDefault() },
    kind, value, choices,
    actions.map(([name, label, run]) => h("button", {
      type: "button", id: `${id}-${name}`,
      onclick: (e) => {
        if (!value.value.trim()) { value.focus(); return; }
        run({ [kind.value]: value.value.trim() }, e.target);
      },
    }, label)));
  return form;
}

async function call(action, target, button) {
  const agent = myAgent();
  const body = {};
  if (target.agent) body.to_agent = target.agent;
  if (target.queue) body.to_queue = target.queue;
  if (target.number) body.to_number = target.number;
  const sent = Object.keys(body).length ? body : undefined;
  await act(button, () => api("POST", `/calls/${encodeURIComponent(agent.id)}/${action}`, sent));
  if (sent) loadContacts();
}

async function dialOut(target, button) {
  const body = target.number ? { number: target.number } : { to_agent: target.agent };
  await act(button, () => api("POST", "/calls", body), t("phone.dialling"));
  loadContacts();
}

const started = new Map(); // interaction → when this console first saw it (browser ms)

function startedAt(c) {
  const key = c.interaction_id || "direct";
  if (!started.has(key)) started.set(key, Date.now());
  return started.get(key);
}
