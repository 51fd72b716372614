// What the console knows, kept current by the WebSocket; views re-render on "change".

import { api } from "./api.js";
import { t } from "./i18n.js";

export const state = {
  me: null, // {username, role, agent_id}
  agents: new Map(), // id → the API's agent view, plus receivedAt (browser ms)
  queues: new Map(), // id → the API's queue view
  codes: {}, // status → {codes, required}
  favourites: [],
  recents: [],
  unread: 0,
  connected: false,
  work: new Map(), // id → the agent's chats, emails, voicemails (offered or accepted)
  chatLines: new Map(), // chat id → its lines
  typing: new Map(), // chat id → when the customer last typed (browser ms)
  left: new Set(), // chats whose customer closed the window
  loads: {}, // agent id → {chat, email, voicemail}: what each holds
  capacity: {}, // channel → how many an agent may hold
  agentCapacity: {}, // agent id → channel → their own limit, where the admin set one
  agentChat: [], // the lines with the agent chosen in the Chat tab
};

const listeners = new Set();

export function onChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function changed(what) {
  for (const listener of listeners) listener(what);
}

export function putAgent(view) {
  state.agents.set(view.id, { ...view, receivedAt: Date.now() });
}

export function putQueue(view) {
  state.queues.set(view.id, { ...view, receivedAt: Date.now() });
}

/** The browser time an agent's status began (the server's clocks are not the browser's). */
export function statusStartedAt(agent) {
  return agent.receivedAt - agent.seconds_in_status * 1000;
}

export function myAgent() {
  return state.me && state.me.agent_id ? state.agents.get(state.me.agent_id) : undefined;
}

/** A status as a state ("Afgemeld"), where the button says what to do ("Afmelden"). */
export function statusName(status) {
  return status === "logged_out" ? t("status.is_logged_out") : t(`status.${status}`);
}

export const isSupervisor = () => state.me && state.me.role !== "agent";

export async function loadAll() {
  const [agents, queues, codes, favourites, recents] = await Promise.all([
    api("GET", "/agents"), api("GET", "/queues"), api("GET", "/status-codes"),
    api("GET", "/users/me/favourites"), api("GET", "/users/me/recents"),
  ]);
  state.agents.clear();
  agents.forEach(putAgent);
  state.queues.clear();
  queues.forEach(putQueue);
  state.codes = codes;
  const desk = await api("GET", "/desk").catch(() => null);
  if (desk) { state.loads = desk.agents; state.capacity = desk.capacity; state.agentCapacity = desk.agent_capacity || {}; }
  state.favourites = favourites;
  state.recents = recents;
  await loadUnread();
  changed("all");
}

export async function loadUnread() {
  if (!state.me.agent_id) return;
  state.unread = (await api("GET", "/notifications/unread-count")).unread;
}

export async function loadContacts() {
  [state.favourites, state.recents] = await Promise.all([
    api("GET", "/users/me/favourites"), api("GET", "/users/me/recents"),
  ]);
  changed("contacts");
}
