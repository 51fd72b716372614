// The chat widget's loader, for any website: one script tag
//   <script src="https://VCC-HOST/widget/widget.js" data-queue="support" data-lang="nl" async></script>
// adds a "Chat" button that opens vcc's chat window (an iframe from VCC-HOST, so the
// website's own scripts and styles never touch the conversation).
(function () {
  const me = document.currentScript;
  if (!me) return;
  const origin = new URL(me.src).origin;
  const queue = (me.dataset.queue || "support").replace(/[^a-z0-9_-]/g, "").slice(0, 32);
  const lang = me.dataset.lang === "en" ? "en" : "nl";
  const button = document.createElement("button");
  button.type = "button";
  button.id = "vcc-chat-button";
  button.textContent = lang === "en" ? "Chat with us" : "Chat met ons";
  button.style.cssText = "position:fixed;right:20px;bottom:20px;z-index:2147483000;padding:10px 18px;" +
    "border:none;border-radius:22px;background:#0b5cad;color:#fff;font:15px system-ui,sans-serif;cursor:pointer";
  let frame = null;
  button.addEventListener("click", () => {
    if (frame) { frame.hidden = !frame.hidden; return; }
    frame = document.createElement("iframe");
    frame.id = "vcc-chat-frame";
    frame.title = lang === "en" ? "Chat" : "Chat";
    frame.src = `${origin}/widget/chat.html?queue=${encodeURIComponent(queue)}&lang=${lang}`;
    frame.style.cssText = "position:fixed;right:20px;bottom:70px;width:340px;height:480px;max-height:80vh;" +
      "border:1px solid #c9ced6;border-radius:8px;background:#fff;z-index:2147483000;box-shadow:0 4px 14px rgba(0,0,0,.2)";
    document.body.append(frame);
  });
  document.body.append(button);
})();
