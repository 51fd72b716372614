// The REST API and its WebSocket: the session is the HttpOnly cookie the login sets.

const PREFIX = "/api/v1";

export class ApiError extends Error {
  constructor(status, code, message, hint) {
    super(message);
    this.status = status;
    this.code = code;
    this.hint = hint;
  }
}

/** When the session was last used: the server ends it after ``idleSeconds`` without use. */
export const session = { lastUsed: Date.now(), idleSeconds: 3600, onExpired: () => {} };

export async function api(method, path, body) {
  const init = { method, credentials: "same-origin", headers: {} };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(PREFIX + path, init);
  } catch {
    throw new ApiError(0, "offline", "vcc cannot be reached", "check the network and try again");
  }
  session.lastUsed = Date.now();
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (data && data.error) || {};
    if (response.status === 401 && path !== "/auth/login") session.onExpired();
    throw new ApiError(response.status, error.code || "http-error", error.message || response.statusText, error.hint);
  }
  return data;
}

/** For a view that asks again while an earlier answer may still be on its way (the
 *  user types, changes a filter): resolves to the answer, or to undefined if a newer
 *  question was asked meanwhile, so a late old answer never overwrites a new one. */
export function newestOnly() {
  let asked = 0;
  return async (request) => {
    const mine = ++asked;
    const answer = await request;
    return mine === asked ? answer : undefined;
  };
}

/** Live events: calls ``onMessage`` with each; reconnects (and calls ``onOpen`` again,
 *  so the page reloads what it missed) until ``close()``. */
export function liveEvents(onMessage, onOpen, onState) {
  let socket = null;
  let closed = false;
  let delay = 500;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}${PREFIX}/events`);
    socket.onopen = () => { delay = 500; onState(true); onOpen(); };
    socket.onmessage = (e) => onMessage(JSON.parse(e.data));
    socket.onclose = () => {
      onState(false);
      if (!closed) setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }
  connect();
  return { close() { closed = true; if (socket) socket.close(); } };
}
