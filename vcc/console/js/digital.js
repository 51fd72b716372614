// The Chat, E-mail and Voicemail tabs: the agent's digital desk (offers to accept or
// decline, work in hand), chat with customers and other agents, email replies,
// voicemail playback and call-back; FAQ answers inserted with Ctrl+/ (or the button).

import { api, newestOnly } from "./api.js";
import { h, show } from "./dom.js";
import { t } from "./i18n.js";
import { changed, state } from "./store.js";
import { act, say, section } from "./ui.js";

let selected = { chat: null, email: null, voicemail: null };

export function workOf(channel) {
  return [...state.work.values()].filter((w) => w.channel === channel)
    .sort((a, b) => a.arrived_at.localeCompare(b.arrived_at));
}

// Chats whose whole transcript this page has fetched; lines pushed before that (to an
// offer, or while the page was away) are only part of it.
const transcripts = new Set();

export async function loadWork() {
  if (!state.me || !state.me.agent_id) return;
  transcripts.clear(); // (re)connected: lines may have been missed meanwhile
  const items = await api("GET", `/agents/${encodeURIComponent(state.me.agent_id)}/work`);
  state.work = new Map(items.map((w) => [w.id, w]));
  changed("work");
}

/** What the event stream says of the desk and chats. */
export function onDigitalEvent(message) {
  switch (message.type) {
    case "work": {
      const w = message.work;
      if (message.event === "offered" || message.event === "accepted") state.work.set(w.id, w);
      else state.work.delete(w.id);
      if (message.event === "offered") say(t(`work.offered.${w.channel}`, { title: w.title }));
      changed("work");
      return true;
    }
    case "chat":
      (state.chatLines.get(message.chat_id) || state.chatLines.set(message.chat_id, []).get(message.chat_id))
        .push(message.message);
      if (message.message.from === "customer") state.left.delete(message.chat_id);
      state.typing.delete(message.chat_id);
      changed("chat");
      return true;
    case "chat-left":
      state.left.add(message.chat_id);
      changed("chat");
      return true;
    case "chat-typing":
      state.left.delete(message.chat_id);
      state.typing.set(message.chat_id, Date.now());
      changed("chat");
      setTimeout(() => changed("chat"), 4000);
      return true;
    case "desk":
      state.loads[message.agent_id] = message.load;
      changed("desk");
      return true;
    case "agent-chat":
      state.agentChat.push(message.message);
      changed("agent-chat");
      return true;
  }
  return false;
}

function offerButtons(w) {
  return h("div", { class: "buttons" },
    h("button", { class: "primary", id: `accept-${w.id}`, onclick: (e) => act(e.target, async () => {
      const view = await api("POST", `/work/${w.id}/accept`);
      state.work.set(view.id, view);
      selected[w.channel] = view.id;
      changed("work");
    }) }, t("work.accept")),
    h("button", { id: `decline-${w.id}`, onclick: (e) => act(e.target, () => api("POST", `/work/${w.id}/decline`)) }, t("work.decline")));
}

function workList(channel) {
  const items = workOf(channel);
  if (!items.length) return h("p", { class: "empty" }, t(`work.none.${channel}`));
  return h("ul", { class: "work-list", id: `${channel}-list` }, items.map((w) => h("li", {
    class: w.accepted ? (selected[channel] === w.id ? "work selected" : "work") : "work offered", "data-work": w.id },
    h("button", { class: "link", onclick: () => { selected[channel] = w.id; changed("work"); } }, w.title),
    " ", h("span", { class: "muted" }, `${w.queue} · ${new Date(w.arrived_at).toLocaleTimeString()}`),
    w.accepted ? "" : offerButtons(w))));
}

function endButton(w, after) {
  return h("button", { class: "danger", id: `end-${w.channel}`, onclick: (e) => act(e.target, async () => {
    await api("POST", `/work/${w.id}/end`);
    state.work.delete(w.id);
    selected[w.channel] = null;
    if (after) after();
    changed("work");
  }) }, t(`work.end.${w.channel}`));
}

function current(channel) {
  const w = state.work.get(selected[channel]);
  if (w && w.accepted) return w;
  const first = workOf(channel).find((x) => x.accepted);
  selected[channel] = first ? first.id : null;
  return first;
}

// -- FAQ: pick an answer, put it where the cursor is ----------------------------------
function faqPicker(textarea) {
  return new Promise((resolve) => {
    const search = h("input", { id: "faq-search", type: "search", "aria-label": t("faq.search"), placeholder: t("faq.search") });
    const results = h("ul", { id: "faq-results", class: "faq-results", role: "listbox" });
    let found = [];
    let pick = 0;
    let closed = false;
    const done = (article) => {
      if (closed) return; // a second Enter while the search was on its way
      closed = true;
      dialog.remove();
      if (article) insertAt(textarea, article.body);
      textarea.focus();
      resolve(article);
    };
    const newest = newestOnly(); // each keystroke asks again
    async function refresh() {
      const answer = await newest(api("GET", `/help?kind=faq&q=${encodeURIComponent(search.value)}`).catch(() => []));
      if (answer === undefined) return;
      found = answer;
      pick = 0;
      draw();
    }
    function draw() {
      show(results, found.length ? found.map((a, i) => h("li", {
        role: "option", "aria-selected": String(i === pick), class: i === pick ? "picked" : "",
        onclick: () => done(a) }, h("strong", {}, a.title), " ", h("span", { class: "muted" }, a.body.slice(0, 80))))
        : h("li", { class: "empty" }, t("faq.none")));
    }
    // Enter takes the answer to what was typed: it waits for the newest search.
    let searched = Promise.resolve();
    const ask = () => { searched = refresh(); };
    search.addEventListener("input", ask);
    search.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown") { pick = Math.min(pick + 1, found.length - 1); draw(); e.preventDefault(); }
      if (e.key === "ArrowUp") { pick = Math.max(pick - 1, 0); draw(); e.preventDefault(); }
      if (e.key === "Enter") { e.preventDefault(); searched.then(() => { if (found[pick]) done(found[pick]); }); }
      if (e.key === "Escape") done(null);
    });
    const dialog = h("div", { class: "dialog", role: "dialog", "aria-modal": "true", "aria-labelledby": "faq-title" },
      h("div", { class: "card" }, h("h2", { id: "faq-title" }, t("faq.title")), search, results,
        h("button", { onclick: () => done(null) }, t("cancel"))));
    document.body.append(dialog);
    search.focus();
    ask();
  });
}

function insertAt(textarea, text) {
  const start = textarea.selectionStart ?? textarea.value.length;
  const end = textarea.selectionEnd ?? start;
  textarea.value = textarea.value.slice(0, start) + text + textarea.value.slice(end);
  textarea.selectionStart = textarea.selectionEnd = start + text.length;
}

export function withFaqShortcut(textarea) {
  textarea.addEventListener("keydown", (e) => {
    if (e.ctrlKey && e.key === "/") { e.preventDefault(); faqPicker(textarea); }
  });
  return textarea;
}

function faqButton(textarea) {
  return h("button", { type: "button", id: "faq-insert", title: "Ctrl+/", onclick: () => faqPicker(textarea) }, t("faq.insert"));
}

/** The seed's "FAQ invoegen" box: type a shortcut (a word of the FAQ's title or
 *  keywords), Enter puts the best answer in the message. */
function faqShortcut(textarea) {
  const box = h("input", { id: "faq-shortcut", type: "search", maxlength: 100, "aria-label": t("faq.shortcut"), placeholder: t("faq.shortcut") });
  box.addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    e.preventDefault();
    act(null, async () => {
      const found = await api("GET", `/help?kind=faq&q=${encodeURIComponent(box.value)}`);
      if (!found.length) { say(t("faq.none"), true); return; }
      insertAt(textarea, found[0].body);
      box.value = "";
      textarea.focus();
    });
  });
  return box;
}

let chatPeer = null; // the colleague the agent chose to chat with (Status tab: Chatten)

export function chatWith(agentId) { chatPeer = agentId; }

// -- Chat ---------------------------------------------------------------------------------
export function chatView(container) {
  const desk = h("div", { id: "chat-desk" });
  const agents = h("div", { id: "agent-chat" });
  show(container, desk, agents);
  let shownChat = null;
  let lines = null;
  let typing = null;
  let input = null;
  let peer = null;
  const opening = new Set();
  async function openChat(w) {
    opening.add(w.id);
    try {
      const view = await api("GET", `/chats/${w.id}`);
      // Lines pushed while the transcript was on its way are kept (by id), not lost.
      const known = new Set(view.messages.map((m) => m.id));
      const pushed = (state.chatLines.get(w.id) || []).filter((m) => !known.has(m.id));
      state.chatLines.set(w.id, [...view.messages, ...pushed]);
      transcripts.add(w.id);
    } finally {
      opening.delete(w.id);
    }
    shownChat = null;
    draw();
  }
  function draw() {
    const w = current("chat");
    if (!w) {
      shownChat = null;
      show(desk, section(t("tab.chat"), workList("chat")));
      return;
    }
    if (!transcripts.has(w.id) && !opening.has(w.id)) { openChat(w).catch(() => {}); }
    if (shownChat !== w.id) {
      shownChat = w.id;
      lines = h("ol", { class: "chat-lines", id: "chat-lines", "aria-live": "polite" });
      typing = h("p", { class: "muted typing", id: "chat-typing" });
      input = withFaqShortcut(h("textarea", { id: "chat-input", rows: 3, maxlength: 2000, "aria-label": t("chat.write") }));
      let lastTyping = 0;
      input.addEventListener("input", () => {
        if (Date.now() - lastTyping > 2000) { lastTyping = Date.now(); api("POST", `/chats/${w.id}/typing`).catch(() => {}); }
      });
      const send = async () => {
        const text = input.value.trim();
        if (!text) return;
        await api("POST", `/chats/${w.id}/messages`, { text });
        input.value = "";
        lastTyping = 0; // the next keystroke says "typing" at once
      };
      input.addEventListener("keydown", (e) => {
        if (e.key === "Enter" && !e.shiftKey && !e.ctrlKey) { e.preventDefault(); act(null, send); }
      });
      show(desk, h("div", { class: "columns" },
        section(t("tab.chat"), workList("chat")),
        h("section", { class: "card chat", "data-chat": w.id },
          h("h2", {}, t("chat.with", { name: w.title })),
          w.customer_id ? h("p", {}, h("button", { class: "link", id: "chat-customer", onclick: () => openCustomer(w.customer_id) }, t("crm.open_customer"))) : "",
          lines, typing,
          h("label", { for: "chat-input", class: "sr-only" }, t("chat.write")), input,
          h("div", { class: "buttons" },
            h("button", { class: "primary", id: "chat-send", onclick: (e) => act(e.target, send) }, t("chat.send")),
            faqShortcut(input), faqButton(input), endButton(w)))));
    }
    show(lines, (state.chatLines.get(w.id) || []).map((m) => h("li", { class: `line from-${m.from}` },
      h("span", { class: "who" }, m.from === "customer" ? w.title : m.from === "agent" ? t("chat.you") : ""),
      h("span", { class: "text" }, m.from === "system" ? t(`chat.system.${m.text}`, { fallback: m.text }) : m.text))));
    const since = state.typing.get(w.id);
    typing.textContent = state.left.has(w.id) ? t("chat.left", { name: w.title })
      : since && Date.now() - since < 4000 ? t("chat.typing", { name: w.title }) : "";
    const list = desk.querySelector("#chat-list");
    if (list) list.replaceWith(workList("chat"));
  }
  async function drawAgents() {
    const others = [...state.agents.keys()].filter((a) => a !== state.me.agent_id).sort();
    if (chatPeer && others.includes(chatPeer)) { peer = chatPeer; chatPeer = null; }
    peer = peer && others.includes(peer) ? peer : others[0] || null;
    const talk = state.agentChat.filter((m) => (m.from === peer && m.to === state.me.agent_id) || (m.to === peer && m.from === state.me.agent_id));
    const box = h("input", { id: "agent-chat-input", maxlength: 2000, "aria-label": t("chat.write") });
    show(agents, section(t("chat.agents"),
      h("label", { class: "inline" }, t("chat.agent"), h("select", { id: "agent-chat-peer", onchange: async (e) => { peer = e.target.value; await loadPeer(); } },
        others.map((a) => h("option", { value: a, selected: a === peer }, a)))),
      h("ol", { class: "chat-lines", id: "agent-chat-lines" }, talk.map((m) => h("li", { class: m.from === state.me.agent_id ? "line from-agent" : "line from-customer" },
        h("span", { class: "who" }, m.from === state.me.agent_id ? t("chat.you") : m.from), h("span", { class: "text" }, m.text)))),
      h("form", { class: "inline", onsubmit: (e) => { e.preventDefault(); act(null, async () => {
        if (!box.value.trim() || !peer) return;
        await api("POST", "/agent-chat", { to: peer, text: box.value });
        box.value = "";
      }); } }, box, h("button", { type: "submit", id: "agent-chat-send" }, t("chat.send")))));
  }
  async function loadPeer() {
    if (!peer) return drawAgents();
    state.agentChat = await api("GET", `/agent-chat?with=${encodeURIComponent(peer)}`);
    drawAgents();
  }
  draw();
  loadPeer().catch(() => {});
  return {
    update(what) {
      if (what === "agent-chat") drawAgents();
      else if (["work", "chat", "all", "language"].includes(what)) draw();
    },
  };
}

// -- E-mail ---------------------------------------------------------------------------------
export function emailView(container) {
  let shown = null;
  let caseShown = false;
  const newest = newestOnly(); // the accept's answer may come after the event that drew the mail
  async function loadThread(w, thread) {
    const found = await newest(api("GET", `/emails/${w.id}`));
    if (found === undefined || shown !== w.id) return;
    caseShown = Boolean(found.case_id);
    show(thread, found.case_id ? h("p", { class: "muted", id: "email-case" }, t("email.case", { id: found.case_id })) : "",
      found.messages.map((m) => h("article", { class: `mail mail-${m.direction}` },
        h("p", { class: "muted" }, `${m.from} → ${m.to} · ${new Date(m.at).toLocaleString()}`),
        h("h3", {}, m.subject), h("pre", { class: "mail-body" }, m.text),
        m.attachments.length ? h("ul", { class: "attachments" }, m.attachments.map((a) => h("li", {},
          h("a", { href: `/api/v1/attachments/${a.id}`, download: a.filename }, a.filename), ` (${Math.ceil(a.size / 1024)} kB)`))) : "")));
  }
  function draw() {
    const w = current("email");
    if (!w) {
      shown = null;
      show(container, section(t("tab.email"), workList("email")));
      return;
    }
    if (shown === w.id) {
      container.querySelector("#email-list").replaceWith(workList("email"));
      // The "accepted" event can draw the mail before its case is committed; the
      // accept's own answer changes "work" again once it is.
      if (!caseShown) loadThread(w, container.querySelector("#email-thread")).catch(() => {});
      return;
    }
    shown = w.id;
    caseShown = false;
    const thread = h("div", { id: "email-thread" });
    const reply = withFaqShortcut(h("textarea", { id: "email-reply", rows: 8, maxlength: 10000, "aria-label": t("email.reply") }));
    show(container, h("div", { class: "columns" },
      section(t("tab.email"), workList("email")),
      h("section", { class: "card email", "data-email": w.id },
        h("h2", {}, w.title), thread,
        h("label", { for: "email-reply" }, t("email.reply")), reply,
        h("div", { class: "buttons" },
          h("button", { class: "primary", id: "email-send", onclick: (e) => act(e.target, async () => {
            await api("POST", `/emails/${w.id}/reply`, { text: reply.value });
            reply.value = "";
            await loadThread(w, thread);
          }, t("email.sent")) }, t("email.send")),
          faqButton(reply), endButton(w)))));
    loadThread(w, thread).catch(() => {});
  }
  draw();
  return { update(what) { if (["work", "all", "language"].includes(what)) draw(); } };
}

// -- Voicemail ---------------------------------------------------------------------------------
export function voicemailView(container) {
  let shown = null;
  function draw() {
    const w = current("voicemail");
    if (w && shown === w.id) {
      container.querySelector("#voicemail-list").replaceWith(workList("voicemail"));
      return;
    }
    shown = w ? w.id : null;
    show(container, h("div", { class: "columns" },
      section(t("tab.voicemail"), workList("voicemail")),
      w ? h("section", { class: "card", "data-voicemail": w.id },
        h("h2", {}, t("voicemail.from", { caller: w.title })),
        h("audio", { controls: true, id: "voicemail-audio", preload: "metadata", src: `/api/v1/voicemails/${w.id}/audio` }),
        h("div", { class: "buttons" },
          h("button", { class: "primary", id: "voicemail-call-back", onclick: (e) => act(e.target,
            () => api("POST", `/voicemails/${w.id}/call-back`), t("phone.dialling")) }, t("voicemail.call_back")),
          endButton(w))) : ""));
  }
  draw();
  return { update(what) { if (["work", "all", "language"].includes(what)) draw(); } };
}

/** Ask the shell to show a customer's card in the CRM tab. */
function openCustomer(id) {
  document.dispatchEvent(new CustomEvent("vcc:open-customer", { detail: id }));
}
