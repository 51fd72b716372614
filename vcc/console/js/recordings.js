// Mijn opname: the agent's own recordings (greetings, queue announcements): record by
// phone, upload a file, play, rename, delete.

import { api } from "./api.js";
import { h, show } from "./dom.js";
import { t } from "./i18n.js";
import { field } from "./login.js";
import { act, section } from "./ui.js";

export function recordingsView(container) {
  const list = h("div", { id: "recording-list" });
  const upload = h("form", { id: "upload-form", class: "stack" },
    field("upload-title", t("recordings.title"), { name: "title", required: true, maxlength: "80" }),
    field("upload-file", t("recordings.file"), { name: "file", type: "file", required: true, accept: ".wav,.mp3,.ogg,audio/*" }),
    h("button", { type: "submit", class: "primary", id: "upload" }, t("recordings.upload")));
  upload.addEventListener("submit", (e) => {
    e.preventDefault();
    act(upload.querySelector("button"), async () => {
      await api("POST", "/recordings", new FormData(upload));
      upload.reset();
      await refresh();
    }, t("recordings.uploaded"));
  });
  const byPhone = h("form", { id: "record-form", class: "stack" },
    field("record-title", t("recordings.title"), { name: "title", required: true, maxlength: "80" }),
    h("button", { type: "submit", id: "record-by-phone" }, t("recordings.record")));
  byPhone.addEventListener("submit", (e) => {
    e.preventDefault();
    act(byPhone.querySelector("button"), () => api("POST", "/recordings/record-by-phone",
      { title: byPhone.elements.title.value.trim() }), t("recordings.answer_phone"));
  });
  show(container,
    section(t("menu.recordings"), list),
    h("div", { class: "columns" },
      section(t("recordings.record_title"), h("p", {}, t("recordings.record_explain")), byPhone),
      section(t("recordings.upload_title"), h("p", {}, t("recordings.upload_explain")), upload)));
  async function refresh() {
    const found = await api("GET", "/recordings");
    show(list, found.length ? h("table", { class: "grid", id: "recording-table" },
      h("thead", {}, h("tr", {}, [t("recordings.title"), t("recordings.length"), t("recordings.play"), ""].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, found.map((r) => h("tr", { "data-recording": r.id },
        h("th", { scope: "row" }, r.title),
        h("td", { class: "num" }, `${r.seconds.toFixed(1)} s`),
        h("td", {}, h("audio", { controls: true, preload: "none", src: `/api/v1/recordings/${encodeURIComponent(r.id)}/audio`, "aria-label": t("recordings.play_named", { title: r.title }) })),
        h("td", { class: "buttons" },
          h("button", { class: "link", onclick: (e) => {
            const title = prompt(t("recordings.rename_to"), r.title);
            if (title && title.trim()) act(e.target, async () => { await api("PATCH", `/recordings/${encodeURIComponent(r.id)}`, { title: title.trim() }); await refresh(); });
          } }, t("recordings.rename")),
          h("button", { class: "link danger", "data-delete": r.id, onclick: (e) => {
            if (confirm(t("recordings.delete_confirm", { title: r.title }))) act(e.target, async () => { await api("DELETE", `/recordings/${encodeURIComponent(r.id)}`); await refresh(); }, t("recordings.deleted"));
          } }, t("delete")))))))
      : h("p", { class: "empty" }, t("recordings.none")));
  }
  refresh().catch(() => {});
  return { update(what) { if (what === "recordings") refresh().catch(() => {}); } };
}
