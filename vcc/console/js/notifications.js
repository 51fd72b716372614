// The Notifications tab: messages from supervisors, unread first; mark read, clear read.

import { api } from "./api.js";
import { h, show } from "./dom.js";
import { t } from "./i18n.js";
import { changed, loadUnread } from "./store.js";
import { act, section } from "./ui.js";

export function notificationsView(container) {
  const list = h("div", { id: "notification-list" });
  show(container, section(t("tab.notifications"),
    h("div", { class: "buttons" },
      h("button", { id: "mark-read", onclick: (e) => act(e.target, async () => { await api("POST", "/notifications/read", {}); await refresh(); }) }, t("notifications.mark_read")),
      h("button", { id: "delete-read", onclick: (e) => act(e.target, async () => { await api("DELETE", "/notifications/read"); await refresh(); }) }, t("notifications.delete_read"))),
    list));
  async function refresh() {
    const found = await api("GET", "/notifications");
    show(list, found.length ? h("ul", { class: "notifications" }, found.map((n) => h("li", { class: n.read_at ? "read" : "unread", "data-id": String(n.id) },
      h("strong", {}, n.title), " ",
      h("span", { class: "muted" }, `${n.sender}, ${new Date(n.sent_at).toLocaleString()}`),
      h("p", {}, n.body),
      n.read_at ? "" : h("button", { class: "link", onclick: (e) => act(e.target, async () => { await api("POST", "/notifications/read", { ids: [n.id] }); await refresh(); }) }, t("notifications.mark_one")))))
      : h("p", { class: "empty" }, t("notifications.none")));
    await loadUnread();
    changed("unread");
  }
  refresh().catch(() => {});
  return { update(what) { if (what === "notifications") refresh().catch(() => {}); } };
}
