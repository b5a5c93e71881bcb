// The chat page's own behaviour, run once by Gradio after the page is built.
// - The page speaks the language of its texts, whatever Gradio's front end sets from the
//   browser's locale (`LANG` is put in by chat.py).
// - Gradio's example buttons sit in an element it calls a list without list items
//   (axe: aria-required-children, critical); the role is taken off.
// - Each quote gets a button that copies it with its citation and a link to its paragraph,
//   as the widget's do (`WORDS` are put in by chat.py).
// - An answer opens at its top: the question that asked it is kept at the top of the
//   conversation while the answer arrives, until the reader scrolls themselves.
() => {
  const LANG = "__LANG__";
  const WORDS = __WORDS__;
  const root = document.documentElement;
  const keepLang = () => { if (root.lang !== LANG) root.lang = LANG; };
  keepLang();
  new MutationObserver(keepLang).observe(root, { attributes: true, attributeFilter: ["lang"] });

  let placed = null;
  let readerScrolled = false;
  const copyText = (text) => {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(() => legacyCopy(text));
    }
    return Promise.resolve(legacyCopy(text));
  };
  const legacyCopy = (text) => {
    const area = document.createElement("textarea");
    area.value = text;
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } finally { area.remove(); }
  };
  const addCopyButtons = () => {
    for (const quote of document.querySelectorAll("#conversation .bot-row blockquote")) {
      const head = quote.previousElementSibling;
      const link = head && head.querySelector('a[href^="#"]');
      if (!link || head.querySelector(".copy-quote")) continue;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "copy-quote";
      button.textContent = WORDS.copy;
      button.addEventListener("click", () => {
        const place = link.textContent.trim();
        const name = head.textContent.replace(button.textContent, "").replace(place, "")
          .replace(/^\s*—\s*/, "").trim();
        const url = new URL(link.getAttribute("href"), location.href).href;
        const marks = LANG === "de" ? ["„", "“"] : ["“", "”"];
        const citation = marks[0] + quote.innerText.trim() + marks[1] + "\n— " + name + ", " +
          place + "\n" + url;
        copyText(citation).then(() => {
          button.textContent = WORDS.copied;
          setTimeout(() => { button.textContent = WORDS.copy; }, 2000);
        });
      });
      head.append(" ", button);
    }
  };

  const place = () => {
    addCopyButtons();
    for (const examples of document.querySelectorAll("#conversation .examples[role=list]")) {
      examples.removeAttribute("role");
    }
    const wrap = document.querySelector("#conversation .bubble-wrap");
    if (!wrap) return;
    const questions = wrap.querySelectorAll(".message-row.user-row");
    const last = questions[questions.length - 1];
    if (!last) return;
    if (last !== placed) { placed = last; readerScrolled = false; }
    if (readerScrolled) return;
    const offset = last.getBoundingClientRect().top - wrap.getBoundingClientRect().top - 8;
    if (Math.abs(offset) > 2) wrap.scrollTop += offset;
  };
  const byReader = (event) => {
    if (event.target instanceof Element && event.target.closest("#conversation")) {
      readerScrolled = true;
    }
  };
  for (const kind of ["wheel", "touchmove", "keydown"]) {
    document.addEventListener(kind, byReader, { passive: true });
  }
  new MutationObserver(place).observe(document.body, {
    childList: true, subtree: true, characterData: true,
  });
}
