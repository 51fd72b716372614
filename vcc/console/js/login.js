// Logging in: password, a TOTP code where the account or the admin's policy asks for
// one, and the first login with the activation code a supervisor handed out.

import { api } from "./api.js";
import { h, show } from "./dom.js";
import { t } from "./i18n.js";
import { errorText } from "./ui.js";

export function loginView(root, onLoggedIn, notice) {
  const message = h("p", { class: "notice", role: "status" }, notice || "");
  const error = h("p", { class: "error", role: "alert" });
  const totpRow = h("div", { class: "field", hidden: true },
    h("label", { for: "login-totp" }, t("login.totp")),
    h("input", { id: "login-totp", name: "totp", inputmode: "numeric", autocomplete: "one-time-code", maxlength: "8" }));
  const form = h("form", { class: "card narrow", "aria-labelledby": "login-title" },
    h("h1", { id: "login-title" }, t("login.title")),
    message,
    field("login-username", t("login.username"), { name: "username", autocomplete: "username", required: true, maxlength: "64" }),
    field("login-password", t("login.password"), { name: "password", type: "password", autocomplete: "current-password", required: true, maxlength: "256" }),
    totpRow,
    error,
    h("button", { type: "submit", class: "primary" }, t("login.submit")),
    h("p", {}, h("a", { href: "#activate", onclick: (e) => { e.preventDefault(); activateView(root, onLoggedIn); } }, t("login.first_time"))));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const body = { username: data.get("username"), password: data.get("password") };
    if (!totpRow.hidden && data.get("totp")) body.totp = data.get("totp");
    try {
      const answer = await api("POST", "/auth/login", body);
      onLoggedIn(answer.user, answer.idle_timeout_seconds);
    } catch (err) {
      if (err.code === "mfa-required" && totpRow.hidden) {
        totpRow.hidden = false;
        show(error, t("login.totp_needed"));
        form.querySelector("#login-totp").focus();
        return;
      }
      show(error, errorText(err));
    }
  });
  show(root, form);
  form.querySelector("#login-username").focus();
}

function activateView(root, onLoggedIn) {
  const error = h("p", { class: "error", role: "alert" });
  const form = h("form", { class: "card narrow", "aria-labelledby": "activate-title" },
    h("h1", { id: "activate-title" }, t("activate.title")),
    h("p", {}, t("activate.explain")),
    field("act-username", t("login.username"), { name: "username", required: true, maxlength: "64", autocomplete: "username" }),
    field("act-code", t("activate.code"), { name: "code", required: true, maxlength: "64", autocomplete: "off" }),
    field("act-password", t("activate.password"), { name: "password", type: "password", required: true, minlength: "12", maxlength: "256", autocomplete: "new-password" }),
    field("act-repeat", t("activate.repeat"), { name: "repeat", type: "password", required: true, maxlength: "256", autocomplete: "new-password" }),
    error,
    h("button", { type: "submit", class: "primary" }, t("activate.submit")),
    h("p", {}, h("a", { href: "#login", onclick: (e) => { e.preventDefault(); loginView(root, onLoggedIn); } }, t("activate.back"))));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    if (data.get("password") !== data.get("repeat")) {
      show(error, t("activate.mismatch"));
      return;
    }
    try {
      await api("POST", "/auth/activate", { username: data.get("username"), code: data.get("code"), password: data.get("password") });
      loginView(root, onLoggedIn, t("activate.done"));
    } catch (err) {
      show(error, errorText(err));
    }
  });
  show(root, form);
  form.querySelector("#act-username").focus();
}

export function field(id, label, attrs) {
  return h("div", { class: "field" }, h("label", { for: id }, label), h("input", { id, ...attrs }));
}
