// Building the page from data: text always goes in as text (never parsed as HTML), so
// whatever a caller, an agent or a server sends cannot become markup or script.

/** An element with attributes (on* functions become listeners) and children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === "class") {
      el.className = value;
    } else if (name in el && typeof value !== "string") {
      el[name] = value;
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace what ``el`` shows. */
export function show(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** "0:07", "12:03", "1:02:03" */
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return hh ? `${hh}:${String(mm).padStart(2, "0")}:${ss}` : `${mm}:${ss}`;
}

/** A live timer: ``from`` is a browser clock time (ms) the count starts at. */
export function timer(fromMs, { down = false } = {}) {
  return h("span", { class: "timer", "data-from": String(fromMs), "data-down": down ? "1" : "" },
    duration(down ? (fromMs - Date.now()) / 1000 : (Date.now() - fromMs) / 1000));
}

/** Every second: move each live timer on the page. */
export function tickTimers() {
  for (const el of document.querySelectorAll(".timer[data-from]")) {
    const from = Number(el.dataset.from);
    el.textContent = duration(el.dataset.down ? (from - Date.now()) / 1000 : (Date.now() - from) / 1000);
  }
}
