// Shared pieces: messages to the user and small dialogs.

import { h, show } from "./dom.js";
import { t } from "./i18n.js";

/** A message in the live region: read out by screen readers, gone after a while. */
export function say(message, isError = false) {
  let region = document.getElementById("messages");
  if (!region) {
    region = h("div", { id: "messages", class: "messages", "aria-live": "polite" });
    document.body.append(region);
  }
  const item = h("p", { class: isError ? "error" : "info", role: isError ? "alert" : "status" }, message);
  region.append(item);
  setTimeout(() => item.remove(), isError ? 10000 : 6000);
}

/** Ask for a reason code: resolves to the code, null (none, where allowed) or
 *  undefined (cancelled). */
export function chooseReason(title, codes, required) {
  return new Promise((resolve) => {
    const select = h("select", { id: "reason-code", required: true },
      required ? h("option", { value: "", disabled: true, selected: true }, t("reason.pick")) : h("option", { value: "" }, t("reason.none")),
      codes.map((c) => h("option", { value: c }, c)));
    const done = (value) => { dialog.remove(); resolve(value); };
    const form = h("form", { class: "card" },
      h("h2", { id: "reason-title" }, t("reason.title", { status: title })),
      h("label", { for: "reason-code" }, t("reason.label")), select,
      h("div", { class: "buttons" },
        h("button", { type: "submit", class: "primary", id: "reason-ok" }, t("ok")),
        h("button", { type: "button", onclick: () => done(undefined) }, t("cancel"))));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (required && !select.value) return;
      done(select.value || null);
    });
    const dialog = h("div", { class: "dialog", role: "dialog", "aria-modal": "true", "aria-labelledby": "reason-title",
      onkeydown: (e) => { if (e.key === "Escape") done(undefined); } }, form);
    document.body.append(dialog);
    select.focus();
  });
}

/** Run an API action from a button: errors are said, the button is busy meanwhile. */
export async function act(button, action, doneMessage) {
  if (button) button.disabled = true;
  try {
    const result = await action();
    if (doneMessage) say(doneMessage);
    return result;
  } catch (err) {
    say(errorText(err), true);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

// Errors whose server message names what is wrong (the field, the state): shown too.
const DETAILED = new Set(["invalid-input", "conflict", "not-found", "upload-refused"]);

export function errorText(err) {
  const message = err.message || String(err);
  let text = t(`error.${err.code}`, { fallback: message });
  if (DETAILED.has(err.code) && text !== message) text = `${text}: ${message}`;
  return err.hint ? `${text} (${err.hint})` : text;
}

export function section(title, ...children) {
  return h("section", { class: "card" }, h("h2", {}, title), ...children);
}

export { show };
