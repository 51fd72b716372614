// The customer's chat window: name, email (optional) and a question start a chat in
// the queue the page names; then lines both ways over a WebSocket, the agent's typing,
// and an end. Everything anyone wrote is put in as text, never as markup.

const TEXT = {
  nl: { title: "Chat met ons", name: "Uw naam", email: "E-mail (niet verplicht)", question: "Uw vraag",
    start: "Chat starten", waiting: "Een ogenblik: we zoeken een medewerker voor u…", joined: "Een medewerker is er.",
    typing: "De medewerker typt…", write: "Uw bericht", send: "Versturen", end: "Chat beëindigen",
    ended: "De chat is beëindigd. Bedankt!", lost: "Verbinding verbroken; opnieuw verbinden…", you: "U", agent: "Medewerker" },
  en: { title: "Chat with us", name: "Your name", email: "Email (optional)", question: "Your question",
    start: "Start chat", waiting: "One moment: we are finding someone for you…", joined: "An agent has joined.",
    typing: "The agent is typing…", write: "Your message", send: "Send", end: "End chat",
    ended: "The chat has ended. Thank you!", lost: "Connection lost; reconnecting…", you: "You", agent: "Agent" },
};
const params = new URLSearchParams(location.search);
const lang = params.get("lang") === "en" ? "en" : "nl";
const queue = (params.get("queue") || "support").replace(/[^a-z0-9_-]/g, "").slice(0, 32);
const say = TEXT[lang];
const root = document.getElementById("chat");
document.documentElement.lang = lang;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function startForm() {
  const name = el("input", { id: "name", required: "", maxlength: "80", autocomplete: "name" });
  const email = el("input", { id: "email", type: "email", maxlength: "254", autocomplete: "email" });
  const question = el("textarea", { id: "question", required: "", maxlength: "2000", rows: "3" });
  const error = el("p", { class: "error", role: "alert", id: "error" });
  const form = el("form", { class: "start", onsubmit: async (e) => {
    e.preventDefault();
    error.textContent = "";
    const response = await fetch("/api/v1/public/chats", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ queue, name: name.value, email: email.value || undefined, text: question.value }),
    }).catch(() => null);
    const data = response ? await response.json().catch(() => null) : null;
    if (!response || !response.ok) {
      error.textContent = (data && data.error && data.error.message) || "vcc cannot be reached";
      return;
    }
    sessionStorage.setItem("vcc-chat", JSON.stringify({ id: data.chat_id, token: data.token, name: name.value }));
    conversation(data.chat_id, data.token, name.value);
  } },
    el("label", {}, say.name, name), el("label", {}, say.email, email), el("label", {}, say.question, question),
    el("button", { type: "submit", id: "start" }, say.start), error);
  root.replaceChildren(el("h1", {}, say.title), form);
  name.focus();
}

function conversation(id, token, name) {
  const lines = el("ol", { class: "lines", id: "lines", "aria-live": "polite" });
  const status = el("p", { class: "status", id: "status", role: "status" }, say.waiting);
  const input = el("textarea", { id: "message", maxlength: "2000", rows: "2", "aria-label": say.write });
  const send = el("button", { type: "submit", id: "send" }, say.send);
  const end = el("button", { type: "button", class: "quiet", id: "end" }, say.end);
  root.replaceChildren(el("h1", {}, say.title), lines, status,
    el("form", { class: "compose", onsubmit: (e) => { e.preventDefault(); post(); } }, input, send), end);
  let socket = null;
  let over = false;
  let typingTimer = null;
  let lastTyping = 0;
  const seen = new Set();
  function post() {
    const text = input.value.trim();
    if (!text || !socket || socket.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify({ type: "message", text }));
    input.value = "";
    lastTyping = 0; // a line sent ends the typing: the next keystroke says so at once
  }
  input.addEventListener("keydown", (e) => { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); post(); } });
  input.addEventListener("input", () => {
    if (socket && socket.readyState === WebSocket.OPEN && Date.now() - lastTyping > 2000) {
      lastTyping = Date.now();
      socket.send(JSON.stringify({ type: "typing" }));
    }
  });
  end.addEventListener("click", () => { if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "end" })); });
  function finished() {
    over = true;
    status.textContent = say.ended;
    input.disabled = send.disabled = end.disabled = true;
    sessionStorage.removeItem("vcc-chat");
  }
  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/api/v1/public/chats/${encodeURIComponent(id)}/socket?token=${encodeURIComponent(token)}`);
    socket.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.type === "message" && !seen.has(m.id)) {
        seen.add(m.id);
        if (m.from === "system") return;
        lines.append(el("li", { class: `line from-${m.from}` }, m.text));
        lines.scrollTop = lines.scrollHeight;
        if (m.from === "agent") status.textContent = "";
      } else if (m.type === "accepted") {
        status.textContent = say.joined;
      } else if (m.type === "typing") {
        status.textContent = say.typing;
        clearTimeout(typingTimer);
        typingTimer = setTimeout(() => { if (!over) status.textContent = ""; }, 4000);
      } else if (m.type === "ended") {
        finished();
      } else if (m.type === "error") {
        status.textContent = m.message;
      }
    };
    socket.onclose = () => { if (!over) { status.textContent = say.lost; setTimeout(connect, 2000); } };
  }
  connect();
  input.focus();
}

const saved = JSON.parse(sessionStorage.getItem("vcc-chat") || "null");
if (saved && saved.id && saved.token) conversation(saved.id, saved.token, saved.name);
else startForm();
