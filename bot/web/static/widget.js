// The widget's chat: asks POST api/ask (relative, so it works behind a proxy's sub-path),
// renders every answer with DOM text nodes only (the text is never parsed as HTML), and
// keeps the conversation where the browser allows: browsers deny storage to a frame from
// another site, so inside the launcher the host page keeps it (embed.js, by postMessage);
// opened on its own, the widget keeps it in its own localStorage.
(function () {
  "use strict";
  var params = new URLSearchParams(location.search);
  // The words come from the bot's languages (widget-words.js, served beside this file).
  var all = window.essaybotWords || {};
  var lang = Object.prototype.hasOwnProperty.call(all, params.get("lang")) ?
    params.get("lang") : "de";
  var words = all[lang];
  // How sure an answer is (the API's "status"); a conversation saved before answers had
  // one shows without a label.
  var STATUSES = ["answered", "related", "silent"];
  // The page's data-title, else the owner's (the bot's `title` setting, or its one text's).
  var title = (params.get("title") || "").slice(0, 80) || byId("widget").dataset.title ||
    words.title;
  var accent = params.get("accent") || "";
  var instance = (params.get("id") || "default").replace(/[^\w-]/g, "").slice(0, 40);
  var storageKey = "essaybot:" + instance;

  document.documentElement.lang = lang;
  document.title = title;
  byId("title").textContent = title;
  byId("fulltext").textContent = words.full;
  byId("send").textContent = words.ask;
  byId("clear").textContent = words.clear;
  byId("question-label").textContent = words.label;
  byId("question").placeholder = words.placeholder;
  if (accent && window.CSS && CSS.supports("color", accent)) {
    document.documentElement.style.setProperty("--accent", accent);
  }

  var log = byId("log");
  var embedded = window.parent !== window;
  // The page that frames us, where the browser tells (Chromium, Safari); else any.
  var parentOrigin = location.ancestorOrigins && location.ancestorOrigins.length
    ? location.ancestorOrigins[0] : "*";
  var turns = load();
  var examples = [];
  turns.forEach(function (turn) { render(turn); });
  greet();
  // Questions the text is shown to answer, offered in the greeting (GET api/about).
  fetch("api/about?lang=" + encodeURIComponent(lang), { headers: { "Accept-Language": lang } })
    .then(function (response) { return response.ok ? response.json() : { examples: [] }; })
    .then(function (about) {
      examples = (about.examples || []).filter(function (q) { return typeof q === "string"; });
      greet();
    })
    .catch(function () { /* no examples: the greeting stands alone */ });
  if (embedded) {
    window.addEventListener("message", function (event) {
      var data = event.data;
      if (event.source !== window.parent || !data || data.essaybot !== "restore" ||
          data.id !== instance || turns.length ||
          (parentOrigin !== "*" && event.origin !== parentOrigin)) return;
      turns = sanitize(data.turns);
      turns.forEach(function (turn) { render(turn); });
      greet();
    });
    window.parent.postMessage({ essaybot: "ready", id: instance }, parentOrigin);
  }

  byId("ask").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = byId("question");
    var question = input.value.trim();
    if (!question) return;
    input.value = "";
    ask(question);
  });
  byId("clear").addEventListener("click", function () {
    turns = [];  // an answer still on its way belongs to the old conversation: dropped
    save();
    log.textContent = "";
    greet();
    setBusy(false);
    byId("question").focus();
  });
  // Escape inside the frame closes the launcher's panel around it.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && window.parent !== window) {
      window.parent.postMessage({ essaybot: "close", id: instance }, parentOrigin);
    }
  });
  if (params.get("panel") === "1") document.body.classList.add("in-panel");
  // Disabled until now, so nothing typed before the script ran is submitted natively.
  setBusy(false);
  // Focus moves here only when the reader opened the widget: on its own page, or from
  // the launcher's button. A plain iframe in someone's page never takes the focus (and
  // with it the page's scroll position) when the page loads.
  if (!embedded || params.get("focus") === "1") byId("question").focus();
  window.addEventListener("message", function (event) {
    if (event.source === window.parent && event.data && event.data.essaybot === "focus" &&
        event.data.id === instance) byId("question").focus();
  });

  // An empty conversation opens with a greeting and questions to try.
  function greet() {
    var old = byId("greeting");
    if (turns.length) { if (old) old.remove(); return; }
    var item = element("li", "greeting");
    item.id = "greeting";
    item.appendChild(element("p", "", words.greeting));
    if (examples.length) {
      item.appendChild(element("p", "try", words.try_));
      var list = element("ul", "examples");
      examples.forEach(function (question) {
        var entry = element("li");
        var button = element("button", "example", question);
        button.type = "button";
        button.addEventListener("click", function () { ask(question); });
        entry.appendChild(button);
        list.appendChild(entry);
      });
      item.appendChild(list);
    }
    if (old) log.replaceChild(item, old); else log.insertBefore(item, log.firstChild);
  }

  function ask(question) {
    // Questions that got an error are left out: they asked nothing the text answered.
    var history = turns.filter(function (turn) { return turn.answer; })
      .map(function (turn) { return turn.question; });
    var turn = { question: question, answer: null, error: null };
    turns.push(turn);
    greet();
    var item = render(turn);
    setBusy(true);
    fetch("api/ask", {
      method: "POST",
      // Rejections come back in the widget's language.
      headers: { "Content-Type": "application/json", "Accept-Language": lang },
      body: JSON.stringify({ question: question, history: history.slice(-10) }),
    })
      .then(function (response) {
        return response.json().then(function (body) {
          // What is wrong with a question comes in the widget's language (422); any
          // other failure is the server's business: the reader is told in their words.
          if (!response.ok) {
            var told = new Error(response.status === 422 && body.error ? body.error : words.failed);
            told.forReader = true;
            throw told;
          }
          return body;
        });
      })
      .then(function (answer) { turn.answer = answer; })
      .catch(function (error) {
        // Anything else (no network, a proxy's HTML page) speaks the browser's or the
        // proxy's language: the reader is told in the widget's.
        turn.error = error.forReader ? error.message : words.failed;
      })
      .then(function () {
        setBusy(false);
        if (turns.indexOf(turn) < 0) return;  // the conversation was cleared meanwhile
        render(turn, item);  // in place: answers may arrive out of order
        save();
      });
  }

  function render(turn, replacing) {
    var item = element("li", "turn");
    item.appendChild(element("div", "question", turn.question));
    var answer = element("div", "answer");
    if (turn.error) {
      answer.appendChild(element("p", "error", turn.error));
    } else if (!turn.answer) {
      answer.appendChild(element("p", "pending", words.searching));
      answer.setAttribute("aria-busy", "true");
    } else {
      // Every word of an answer in the language it was asked in, whatever the widget's.
      var said = languageOf(turn.answer);
      answer.lang = said;
      var status = STATUSES.indexOf(turn.answer.status) >= 0 ? turn.answer.status : null;
      var message = element("p", "message", "");
      if (status) {
        // Not by colour alone: the label says it in words too.
        answer.className += " " + status;
        message.appendChild(element("span", "status", all[said][status]));
        message.appendChild(document.createTextNode(" "));
      }
      message.appendChild(document.createTextNode(turn.answer.message));
      answer.appendChild(message);
      turn.answer.passages.forEach(function (quote) {
        answer.appendChild(renderQuote(quote, said));
      });
      if (typeof turn.answer.id === "string") answer.appendChild(renderVote(turn));
    }
    item.appendChild(answer);
    if (replacing && replacing.parentNode === log) log.replaceChild(item, replacing);
    else log.appendChild(item);
    // The newest turn opens at its top: the question, then the best quote first.
    log.scrollTop = item.offsetTop - 8;
    return item;
  }

  // The answer's language (the API says which); an answer saved before it said, the
  // widget's.
  function languageOf(answer) {
    var said = answer.language;
    return typeof said === "string" && Object.prototype.hasOwnProperty.call(all, said) ?
      said : lang;
  }

  // Helpful or not, and an optional word on what was missing: POST api/feedback.
  function renderVote(turn) {
    var words = all[languageOf(turn.answer)];
    var bar = element("div", "vote");
    if (turn.vote === undefined) {
      bar.appendChild(element("span", "", words.helpful + " "));
      [[true, words.yes], [false, words.no]].forEach(function (choice) {
        var button = element("button", "quiet", choice[1]);
        button.type = "button";
        button.addEventListener("click", function () {
          turn.vote = choice[0];
          sendVote(turn, "");
          save();
          bar.parentNode.replaceChild(renderVote(turn), bar);
          var box = byId("comment-" + turn.answer.id);
          if (box) box.focus();
        });
        bar.appendChild(button);
      });
      return bar;
    }
    bar.appendChild(element("span", "thanks", words.thanks));
    if (turn.commented) return bar;
    var form = element("form", "comment");
    var label = element("label", "visually-hidden", words.comment);
    var box = element("input");
    box.id = label.htmlFor = "comment-" + turn.answer.id;
    box.type = "text";
    box.maxLength = 500;
    box.placeholder = words.comment;
    var send = element("button", "quiet", words.send);
    send.type = "submit";
    form.appendChild(label);
    form.appendChild(box);
    form.appendChild(send);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!box.value.trim()) return;
      turn.commented = true;
      sendVote(turn, box.value.trim());
      save();
      bar.parentNode.replaceChild(renderVote(turn), bar);
    });
    bar.appendChild(form);
    return bar;
  }

  function sendVote(turn, comment) {
    fetch("api/feedback", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept-Language": lang },
      body: JSON.stringify({
        // The question and status as the bot answered them: the id vouches for both.
        answer_id: turn.answer.id, helpful: turn.vote, question: turn.answer.question,
        status: turn.answer.status,
        comment: comment,
      }),
    }).catch(function () { /* a lost vote must not disturb the reader */ });
  }

  function renderQuote(quote, said) {
    var words = all[said];
    var block = element("blockquote", "quote");
    var where = element("div", "where");
    var place = words.paragraph + " " + quote.paragraph +
      (quote.section ? " · " + quote.section : "");
    var link = element("a", "", place);
    // A conversation saved before quotes carried their anchor links to the top.
    link.href = "./" + (quote.anchor ? "#" + encodeURIComponent(quote.anchor) : "");
    link.target = "_blank";
    link.rel = "noopener";
    where.appendChild(link);
    var name = typeof quote.title === "string" ? quote.title : quote.source;
    // A paged document's page as printed: "Handbuch, S. 12", opening the original there.
    if (typeof quote.page === "string" && quote.page) name += ", " + words.page + " " + quote.page;
    if (typeof quote.slide === "string" && quote.slide) {
      name += ", " + words.slide + " " + quote.slide;
    }
    where.appendChild(document.createTextNode(" — "));
    var title = element(typeof quote.opens === "string" ? "a" : "span", "title", name);
    if (typeof quote.opens === "string" && /^files\//.test(quote.opens)) {
      title.href = "./" + quote.opens;
      title.target = "_blank";
      title.rel = "noopener";
    }
    where.appendChild(title);
    var copy = element("button", "copy quiet", words.copy);
    copy.type = "button";
    copy.addEventListener("click", function () {
      var marks = said === "de" ? ["„", "“"] : ["“", "”"];
      var citation = marks[0] + quote.text + marks[1] + "\n— " + name + ", " + place + "\n" +
        link.href;
      copyText(citation).then(function () {
        copy.textContent = words.copied;
        setTimeout(function () { copy.textContent = words.copy; }, 2000);
      });
    });
    where.appendChild(copy);
    block.appendChild(where);
    var text = element("div", "text");
    marked(quote.text, quote.highlights).forEach(function (part) {
      text.appendChild(part.mark ? element("mark", "", part.text)
                                 : document.createTextNode(part.text));
    });
    block.appendChild(text);
    return block;
  }

  // Split the quote into plain and highlighted runs; highlights are exact substrings.
  function marked(text, highlights) {
    var spans = [];
    highlights.forEach(function (h) {
      var at = text.indexOf(h);
      if (h && at >= 0) spans.push([at, at + h.length]);
    });
    spans.sort(function (a, b) { return a[0] - b[0]; });
    var parts = [], cursor = 0;
    spans.forEach(function (span) {
      if (span[0] < cursor) return;
      if (span[0] > cursor) parts.push({ text: text.slice(cursor, span[0]), mark: false });
      parts.push({ text: text.slice(span[0], span[1]), mark: true });
      cursor = span[1];
    });
    if (cursor < text.length) parts.push({ text: text.slice(cursor), mark: false });
    return parts;
  }

  // The clipboard API where the page may use it; else the older copy command, which a
  // frame without the clipboard permission still allows on a click.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return legacyCopy(text); });
    }
    return Promise.resolve(legacyCopy(text));
  }

  function legacyCopy(text) {
    var area = element("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } finally { area.remove(); }
  }

  function setBusy(busy) {
    byId("send").disabled = busy;
    byId("question").disabled = false;
    byId("question").setAttribute("aria-busy", String(busy));
  }

  function load() {
    try { return sanitize(JSON.parse(localStorage.getItem(storageKey) || "[]")); }
    catch (error) { return []; }  // storage denied or damaged: start afresh
  }

  function save() {
    var kept = turns.slice(-30);
    try { localStorage.setItem(storageKey, JSON.stringify(kept)); }
    catch (error) { /* storage denied: the host page may keep it, see below */ }
    if (embedded) {
      window.parent.postMessage({ essaybot: "save", id: instance, turns: kept }, parentOrigin);
    }
  }

  // Stored turns come back from storage or the host page: keep only well-formed ones.
  function sanitize(value) {
    if (!Array.isArray(value)) return [];
    return value.filter(function (turn) {
      if (!turn || typeof turn.question !== "string") return false;
      if (turn.error !== null && typeof turn.error !== "string") return false;
      if (turn.vote !== undefined && typeof turn.vote !== "boolean") return false;
      var answer = turn.answer;
      if (answer === null) return typeof turn.error === "string";
      return answer && typeof answer.message === "string" && Array.isArray(answer.passages) &&
        answer.passages.every(function (q) {
          return q && typeof q.text === "string" && typeof q.source === "string" &&
            Array.isArray(q.highlights) && q.highlights.every(function (h) {
              return typeof h === "string";
            });
        });
    }).slice(-30);
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function byId(id) { return document.getElementById(id); }
})();
