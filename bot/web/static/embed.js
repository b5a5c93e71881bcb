// essaybot launcher: <script src="https://BOT/embed.js" defer></script> adds a button that
// opens the widget in a panel. Everything lives in a shadow root (the page's CSS cannot
// reach in, ours cannot leak out) around an iframe served by the bot itself; nothing is
// loaded from anywhere else. Options, as data- attributes on the script tag:
//   data-title="..."   data-lang="de|en"   data-accent="#0a7"   data-position="right|left"
//   data-open="true"   data-id="name" (tells several widgets on one page apart)
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var base = new URL(".", script.src);  // the bot's address, with any proxy sub-path
  var data = script.dataset;
  var lang = data.lang === "en" ? "en" : "de";
  var words = lang === "en"
    ? { label: "Ask the text", close: "Close" }
    : { label: "Fragen zum Text", close: "Schließen" };
  var label = (data.title || "").slice(0, 80) || words.label;
  var accent = data.accent && window.CSS && CSS.supports("color", data.accent)
    ? data.accent : "#1f5fd1";
  var side = data.position === "left" ? "left" : "right";
  var count = (window.__essaybotWidgets = (window.__essaybotWidgets || 0) + 1);
  var id = (data.id || "w" + count).replace(/[^\w-]/g, "").slice(0, 40) || "w" + count;
  var lift = 16 + (count - 1) * 64;  // several launchers on one side stack upwards

  var host = document.createElement("div");
  host.setAttribute("data-essaybot-widget", id);
  var root = host.attachShadow({ mode: "open" });

  var style = document.createElement("style");
  style.textContent = [
    ":host { all: initial; }",
    ".launcher { position: fixed; " + side + ": 16px; bottom: " + lift + "px;",
    "  z-index: 2147483000; font: 600 15px/1 system-ui, sans-serif; color: #fff;",
    "  background: var(--accent); border: 0; border-radius: 24px; padding: 14px 18px;",
    "  box-shadow: 0 4px 14px rgba(0,0,0,.25); cursor: pointer; }",
    ".launcher:focus-visible, .close:focus-visible { outline: 3px solid #000;",
    "  outline-offset: 2px; }",
    ".panel { position: fixed; " + side + ": 16px; bottom: " + (lift + 60) + "px;",
    "  z-index: 2147483001; width: 380px; height: 600px;",
    "  max-height: calc(100vh - " + (lift + 76) + "px); background: #fff;",
    "  border-radius: 12px; box-shadow: 0 8px 30px rgba(0,0,0,.3); overflow: hidden;",
    "  display: flex; flex-direction: column; }",
    ".panel[hidden] { display: none; }",
    ".close { position: absolute; top: 6px; " + (side === "right" ? "right" : "left") +
      ": 6px; z-index: 1; font: 20px/1 system-ui, sans-serif; width: 32px; height: 32px;",
    "  border: 0; border-radius: 16px; background: rgba(255,255,255,.9); cursor: pointer; }",
    "iframe { border: 0; width: 100%; height: 100%; }",
    // A phone: the whole screen, as far as it shows now (dvh: not under the browser's bars).
    "@media (max-width: 480px) { .panel { left: 0; right: 0; top: 0; bottom: 0 !important;",
    "  width: 100vw; height: 100vh; height: 100dvh; max-height: none !important;",
    "  border-radius: 0; } }",
  ].join("\n");
  root.appendChild(style);
  host.style.setProperty("--accent", accent);

  var launcher = document.createElement("button");
  launcher.className = "launcher";
  launcher.type = "button";
  launcher.textContent = label;
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "essaybot-panel");
  root.appendChild(launcher);

  var panel = document.createElement("div");
  panel.className = "panel";
  panel.id = "essaybot-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", label);
  panel.hidden = true;
  var close = document.createElement("button");
  close.className = "close";
  close.type = "button";
  close.textContent = "×";
  close.setAttribute("aria-label", words.close);
  panel.appendChild(close);
  var frame = document.createElement("iframe");
  frame.title = label;
  panel.appendChild(frame);
  root.appendChild(panel);

  function widgetUrl(byReader) {
    var url = new URL("widget", base);
    // The widget takes the focus only when a reader opened it (not data-open).
    if (byReader) url.searchParams.set("focus", "1");
    url.searchParams.set("lang", lang);
    url.searchParams.set("id", id);
    url.searchParams.set("panel", "1");
    if (data.title) url.searchParams.set("title", label);
    if (data.accent) url.searchParams.set("accent", accent);
    return url.href;
  }

  function open(byReader) {
    // One panel open at a time: several widgets on a page would cover each other.
    window.dispatchEvent(new CustomEvent("essaybot:open", { detail: id }));
    var loaded = Boolean(frame.src);
    if (!loaded) frame.src = widgetUrl(byReader);  // load on first open only
    // Above every launcher on the page, so none is covered while a panel is open.
    var above = 16 + window.__essaybotWidgets * 64;
    panel.style.bottom = above + "px";
    panel.style.maxHeight = "calc(100vh - " + (above + 16) + "px)";
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    if (byReader) {
      frame.focus();
      if (loaded) frame.contentWindow.postMessage({ essaybot: "focus", id: id }, base.origin);
    }
  }

  function shut() {
    if (panel.hidden) return;
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  launcher.addEventListener("click", function () { panel.hidden ? open(true) : shut(); });
  window.addEventListener("essaybot:open", function (event) {
    if (event.detail !== id && !panel.hidden) {
      panel.hidden = true;
      launcher.setAttribute("aria-expanded", "false");
    }
  });
  close.addEventListener("click", shut);
  root.addEventListener("keydown", function (event) {
    if (event.key === "Escape") shut();
  });
  // The frame talks to us by messages: Escape pressed inside it, and its conversation,
  // which we keep in this page's storage (browsers deny storage to frames of other sites).
  var storageKey = "essaybot:" + base.href + ":" + id;
  window.addEventListener("message", function (event) {
    var message = event.data;
    if (event.source !== frame.contentWindow || event.origin !== base.origin ||
        !message || message.id !== id) return;
    if (message.essaybot === "close") shut();
    if (message.essaybot === "ready") {
      frame.contentWindow.postMessage(
        { essaybot: "restore", id: id, turns: stored() }, base.origin);
    }
    if (message.essaybot === "save" && Array.isArray(message.turns)) {
      try { localStorage.setItem(storageKey, JSON.stringify(message.turns)); }
      catch (error) { /* storage denied here too: the conversation lasts the page */ }
    }
  });

  function stored() {
    try { return JSON.parse(localStorage.getItem(storageKey) || "[]"); }
    catch (error) { return []; }
  }

  function attach() {
    document.body.appendChild(host);
    if (data.open === "true") open(false);
  }
  if (document.body) attach();
  else document.addEventListener("DOMContentLoaded", attach);
})();
