// Profile: the desk phone vcc rings (extension, number or SIP URI), verified by a call
// that speaks a code; and two-factor login with an authenticator app.

import { api } from "./api.js";
import { h, show } from "./dom.js";
import { t } from "./i18n.js";
import { field } from "./login.js";
import { state } from "./store.js";
import { act, section } from "./ui.js";

export function profileView(container) {
  const agentId = encodeURIComponent(state.me.agent_id);
  const current = h("p", { id: "phone-current" });
  const phone = field("phone", t("profile.phone"), { maxlength: "200", autocomplete: "off", placeholder: "1001, +31201234567, sip:anna@example.org" });
  const code = field("phone-code", t("profile.code"), { inputmode: "numeric", maxlength: "8", autocomplete: "off" });
  const codeRow = h("div", { hidden: true, id: "verify-step" }, code,
    h("button", { id: "phone-confirm", onclick: (e) => act(e.target, async () => {
      await api("POST", `/agents/${agentId}/profile/confirm`, { code: value("phone-code") });
      saveButton.disabled = false;
    }, t("profile.verified")) }, t("profile.confirm")));
  const saveButton = h("button", { id: "phone-save", class: "primary", disabled: true, onclick: (e) => act(e.target, async () => {
    await api("PUT", `/agents/${agentId}/profile`, { phone: value("phone") });
    await load();
  }, t("profile.saved")) }, t("save"));
  show(container,
    section(t("menu.profile"),
      h("p", {}, t("profile.explain")), current, phone,
      h("div", { class: "buttons" },
        h("button", { id: "phone-verify", onclick: (e) => act(e.target, async () => {
          await api("POST", `/agents/${agentId}/profile/verify`, { phone: value("phone") });
          codeRow.hidden = false;
          document.getElementById("phone-code").focus();
        }, t("profile.calling")) }, t("profile.verify")), saveButton),
      codeRow),
    mfaSection());
  async function load() {
    const profile = await api("GET", `/agents/${agentId}/profile`);
    show(current, t("profile.current"), " ", h("code", {}, profile.rung_at || "–"));
  }
  load().catch(() => {});
  return null;
}

function value(id) {
  return document.getElementById(id).value.trim();
}

function mfaSection() {
  const steps = h("div", { id: "mfa-steps" });
  return section(t("mfa.title"),
    h("p", {}, t("mfa.explain")),
    h("button", { id: "mfa-start", onclick: (e) => act(e.target, async () => {
      const started = await api("POST", "/auth/mfa");
      show(steps,
        h("p", {}, t("mfa.secret"), " ", h("code", { id: "mfa-secret" }, started.secret)),
        h("p", {}, h("a", { href: started.otpauth_uri }, t("mfa.open_app"))),
        field("mfa-code", t("mfa.code"), { inputmode: "numeric", maxlength: "8", autocomplete: "one-time-code" }),
        h("button", { id: "mfa-confirm", class: "primary", onclick: (e2) => act(e2.target, async () => {
          await api("POST", "/auth/mfa/confirm", { code: value("mfa-code") });
          show(steps, h("p", { class: "notice" }, t("mfa.done")));
        }) }, t("mfa.confirm")));
    }) }, t("mfa.start")),
    steps);
}

