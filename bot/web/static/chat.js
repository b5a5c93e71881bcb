// The chat page's own behaviour, run once by Gradio after the page is built.
// - The page speaks the language of its texts, whatever Gradio's front end sets from the
//   browser's locale (`LANG` is put in by chat.py).
// - Gradio's example buttons sit in an element it calls a list without list items
//   (axe: aria-required-children, critical); the role is taken off.
// - Each quote gets a button that copies it with its citation and a link to its paragraph,
//   as the widget's do (`WORDS`, by language, are put in by chat.py).
// - The buttons under an answer speak the answer's language (the `lang` of its status
//   label), not the page's or the browser's: the copy buttons and Gradio's thumbs.
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
  // The language an answer was given in: its status label says; else the page's.
  const languageOf = (row) => {
    const label = row && row.querySelector(".status[lang]");
    return label && Object.hasOwn(WORDS, label.lang) ? label.lang : LANG;
  };
  const addCopyButtons = () => {
    for (const quote of document.querySelectorAll("#conversation .bot-row blockquote")) {
      const head = quote.previousElementSibling;
      const link = head && head.querySelector('a[href^="#"]');
      if (!link || head.querySelector(".copy-quote")) continue;
      const lang = languageOf(quote.closest(".message-row"));
      const words = WORDS[lang];
      const button = document.createElement("button");
      button.type = "button";
      button.className = "copy-quote";
      button.lang = lang;
      button.textContent = words.copy;
      button.addEventListener("click", () => {
        const place = link.textContent.trim();
        const name = head.textContent.replace(button.textContent, "").replace(place, "")
          .replace(/^\s*—\s*/, "").trim();
        const url = new URL(link.getAttribute("href"), location.href).href;
        const marks = lang === "de" ? ["„", "“"] : ["“", "”"];
        const citation = marks[0] + quote.innerText.trim() + marks[1] + "\n— " + name + ", " +
          place + "\n" + url;
        copyText(citation).then(() => {
          button.textContent = words.copied;
          setTimeout(() => { button.textContent = words.copy; }, 2000);
        });
      });
      head.append(" ", button);
    }
  };
  // Gradio names its thumbs in the browser's language ("Like", "Gefällt mir"), and
  // "Liked" once pressed. They follow the answer before them (Gradio puts the buttons
  // after its row), dislike first; pressed is kept as aria-pressed.
  const nameThumbs = () => {
    let row = null;
    for (const item of document.querySelectorAll(
      "#conversation .message-row, #conversation .message-buttons"
    )) {
      if (item.classList.contains("message-row")) { row = item; continue; }
      const thumbs = item.querySelectorAll("button.icon-button");
      if (!row || !row.classList.contains("bot-row") || thumbs.length !== 2) continue;
      const lang = languageOf(row);
      ["dislike", "like"].forEach((kind, at) => {
        const thumb = thumbs[at];
        const name = WORDS[lang][kind];
        const given = thumb.getAttribute("aria-label");
        if (given === name) return;
        thumb.setAttribute("aria-pressed", String(given === "Liked" || given === "Disliked"));
        thumb.setAttribute("aria-label", name);
        thumb.title = name;
        thumb.lang = lang;
      });
    }
  };

  const place = () => {
    addCopyButtons();
    nameThumbs();
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
    // Gradio renames a thumb when it is pressed; nameThumbs names it back.
    attributes: true, attributeFilter: ["aria-label"],
  });
}
