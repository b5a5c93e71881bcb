// The chat page's own behaviour, run once by Gradio after the page is built.
// - The page speaks the language of its texts, whatever Gradio's front end sets from the
//   browser's locale (`LANG` is put in by chat.py).
// - Gradio's example buttons sit in an element it calls a list without list items
//   (axe: aria-required-children, critical); the role is taken off.
// - An answer opens at its top: the question that asked it is kept at the top of the
//   conversation while the answer arrives, until the reader scrolls themselves.
() => {
  const LANG = "__LANG__";
  const root = document.documentElement;
  const keepLang = () => { if (root.lang !== LANG) root.lang = LANG; };
  keepLang();
  new MutationObserver(keepLang).observe(root, { attributes: true, attributeFilter: ["lang"] });

  let placed = null;
  let readerScrolled = false;
  const place = () => {
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
