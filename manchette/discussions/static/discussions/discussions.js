// discussions: progressive enhancement; every action also works as a plain form.
// Adds what the shared, cached article page cannot carry: a fresh form key, the
// length counter, my own controls and votes, inline posting, replies, editing, votes
// and "load more",
// and the "N nouveaux commentaires — afficher" notice (live channel, else polling).
(function () {
  "use strict";
  var section = document.querySelector("[data-discussion]");
  if (!section) return;
  var articleId = section.getAttribute("data-discussion");
  var shownCount = Number(section.getAttribute("data-count")) || 0;
  var maxLength = Number(section.getAttribute("data-max-length")) || 5000;
  var list = section.querySelector("[data-comments]");

  function nonce() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // « @nom »: typing "@" offers the names of the thread's participants in a small
  // listbox (arrows to move, Enter or Tab to insert, Escape to close). The names come
  // from the server at the first "@"; without JavaScript, typing the name works alike.
  var participants = null;
  function participantsLoad() {
    if (!participants) {
      participants = fetch(section.getAttribute("data-participants-url"), { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (data) { return data.names || []; })
        .catch(function () { participants = null; return []; });
    }
    return participants;
  }

  function fold(value) {
    return value.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function enhanceMentions(text) {
    // (a reply form is a copy of the main one: drop the copy's list first)
    Array.prototype.forEach.call(text.parentNode.querySelectorAll(".mention-list, [data-mention-status]"), function (el) { el.remove(); });
    var box = document.createElement("ul");
    box.id = text.id + "-mentions";
    box.className = "mention-list";
    box.setAttribute("role", "listbox");
    box.setAttribute("aria-label", "Personnes de la discussion");
    box.hidden = true;
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("data-mention-status", "");
    text.after(box, status);
    text.setAttribute("aria-autocomplete", "list");
    text.setAttribute("aria-controls", box.id);
    var start = -1;  // where the "@" being completed is
    var active = 0;
    var justPicked = false;  // the inserted name must not reopen the list

    function close() {
      box.hidden = true;
      box.textContent = "";
      start = -1;
      text.removeAttribute("aria-activedescendant");
    }
    function options() { return box.querySelectorAll("[role=option]"); }
    function activate(index) {
      var items = options();
      if (!items.length) return;
      active = (index + items.length) % items.length;
      Array.prototype.forEach.call(items, function (item, i) {
        item.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      text.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }
    function pick(name) {
      var caret = text.selectionStart;
      var inserted = "@" + name + " ";
      text.value = text.value.slice(0, start) + inserted + text.value.slice(caret);
      var at = start + inserted.length;
      close();
      text.focus();
      text.setSelectionRange(at, at);
      justPicked = true;
      text.dispatchEvent(new Event("input"));
      status.textContent = name + " ajouté.";
    }
    function query() {
      // The word being typed after an "@" that starts a word, up to the caret.
      var before = text.value.slice(0, text.selectionStart);
      var at = before.lastIndexOf("@");
      if (at < 0 || (at > 0 && !/[\s(\[{«“‘"']/.test(before.charAt(at - 1)))) return null;
      var typed = before.slice(at + 1);
      if (typed.length > 60 || /[\n@]/.test(typed)) return null;
      return { at: at, typed: typed };
    }
    function update() {
      if (justPicked) { justPicked = false; return; }
      var found = query();
      if (!found) { close(); return; }
      participantsLoad().then(function (names) {
        var current = query();
        if (!current || current.at !== found.at || current.typed !== found.typed) return;
        var wanted = fold(found.typed);
        var matches = names.filter(function (name) {
          var folded = fold(name);
          return folded.indexOf(wanted) === 0 || folded.indexOf(" " + wanted) > 0 || folded.indexOf("-" + wanted) > 0;
        }).slice(0, 8);
        if (!matches.length) {
          if (!box.hidden) status.textContent = "Aucun nom ne correspond.";
          close();
          return;
        }
        start = found.at;
        box.textContent = "";
        matches.forEach(function (name, i) {
          var item = document.createElement("li");
          item.id = box.id + "-" + i;
          item.setAttribute("role", "option");
          item.textContent = name;
          item.addEventListener("mousedown", function (event) { event.preventDefault(); pick(name); });
          box.appendChild(item);
        });
        box.hidden = false;
        activate(0);
        status.textContent = matches.length + (matches.length > 1 ? " noms proposés" : " nom proposé") +
          "\u202f; flèches haut et bas pour choisir, Entrée pour insérer.";
      });
    }
    text.addEventListener("input", update);
    text.addEventListener("click", update);
    text.addEventListener("blur", function () { setTimeout(close, 150); });
    text.addEventListener("keydown", function (event) {
      if (box.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        activate(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        pick(options()[active].textContent);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
  }

  function enhanceForm(form) {
    var key = form.querySelector("[data-nonce]");
    if (key && !key.value) key.value = nonce();
    var text = form.querySelector("textarea[name=texte]");
    if (text && section.hasAttribute("data-participants-url")) enhanceMentions(text);
    var counter = form.querySelector("[data-counter]");
    if (text && counter) {
      counter.setAttribute("aria-live", "polite");
      var update = function () {
        var left = maxLength - Array.from(text.value).length;
        counter.textContent = left + "\u202fcaractères restants";
      };
      text.addEventListener("input", update);
      update();
    }
  }
  Array.prototype.forEach.call(section.querySelectorAll("[data-comment-form]"), enhanceForm);

  function fragmentUrl(href) {
    var url = new URL(href, window.location.href);
    url.searchParams.set("fragment", "1");
    url.hash = "";
    return url.toString();
  }

  function fetchFragment(href) {
    return fetch(fragmentUrl(href), { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;  // our own server's HTML, sanitised at write time
        return holder;
      });
  }

  function personalise() {
    var ids = Array.prototype.map.call(section.querySelectorAll("[data-comment]"), function (el) {
      return "id=" + el.getAttribute("data-comment");
    });
    fetch(section.getAttribute("data-me-url") + "?" + ids.slice(0, 200).join("&"), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (me) {
        if (!me.known) return;
        Object.keys(me.editable).forEach(function (id) {
          var own = section.querySelector("#commentaire-" + id + " [data-own-controls]");
          if (own) own.hidden = false;
        });
        Object.keys(me.votes).forEach(function (id) {
          var button = section.querySelector("#commentaire-" + id + " [data-vote='" + me.votes[id] + "']");
          if (button) button.setAttribute("aria-pressed", "true");
        });
        Array.prototype.forEach.call(section.querySelectorAll("input[name=nom]"), function (input) {
          if (!input.value && me.name) input.value = me.name;
        });
      })
      .catch(function () {});
  }
  personalise();

  // Posting and replying inline; any network failure falls back to the plain form.
  function formMessage(form, text, isError) {
    var box = form.querySelector("[data-form-message]");
    if (!box) {
      box = document.createElement("p");
      box.setAttribute("data-form-message", "");
      form.insertBefore(box, form.firstChild.nextSibling);
    }
    box.className = isError ? "discussion__error" : "discussion__notice";
    box.setAttribute("role", isError ? "alert" : "status");
    box.textContent = text;
  }

  function insertComment(result) {
    var holder = document.createElement("div");
    holder.innerHTML = result.html;  // our own server's HTML, sanitised at write time
    var item = holder.firstElementChild;
    if (!item) return;
    var parent = result.parent && section.querySelector("#commentaire-" + result.parent);
    if (parent) {
      var replies = parent.querySelector(":scope > .comments--replies");
      if (!replies) {
        replies = document.createElement("ol");
        replies.className = "comments comments--replies";
        parent.appendChild(replies);
      }
      replies.appendChild(item);
    } else {
      if (!list) {
        list = document.createElement("ol");
        list.className = "comments";
        list.setAttribute("data-comments", "");
        section.appendChild(list);
        var empty = section.querySelector(".discussion__empty");
        if (empty) empty.remove();
      }
      list.insertBefore(item, list.firstChild);
    }
    shownCount += 1;
    item.scrollIntoView({ block: "nearest" });
    personalise();
  }

  function postInline(form) {
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (response) {
        return response.json().then(function (result) { return { ok: response.ok, result: result }; });
      })
      .then(function (answer) {
        if (button) button.disabled = false;
        if (!answer.ok) { formMessage(form, answer.result.error || "Erreur", true); return; }
        var result = answer.result;
        form.querySelector("textarea[name=texte]").value = "";
        form.querySelector("[data-nonce]").value = nonce();
        if (result.html) {
          insertComment(result);
          formMessage(form, "Votre commentaire est publié.", false);
          if (form.id !== "discussion-form") form.remove();
        } else {
          formMessage(form, result.message, false);
        }
      })
      .catch(function () { form.submit(); });
  }

  // Editing inline: the text comes from the server, the saved HTML replaces the body.
  function editInline(link) {
    var item = link.closest("[data-comment]");
    var body = item.querySelector(":scope > article .comment__body");
    if (!body || item.querySelector(":scope > article [data-edit-form]")) return;
    fetch(link.href, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (data.error) { window.location.href = link.href; return; }
        var form = document.createElement("form");
        form.method = "post";
        form.action = link.href;
        form.className = "discussion__form";
        form.setAttribute("data-edit-form", "");
        var label = document.createElement("label");
        label.textContent = "Modifier mon commentaire";
        var text = document.createElement("textarea");
        text.name = "texte"; text.rows = 5; text.maxLength = maxLength; text.value = data.text;
        text.id = "modifier-" + item.getAttribute("data-comment");
        label.htmlFor = text.id;
        var save = document.createElement("button");
        save.type = "submit"; save.textContent = "Enregistrer";
        var cancel = document.createElement("button");
        cancel.type = "button"; cancel.textContent = "Annuler";
        cancel.addEventListener("click", function () { form.remove(); body.hidden = false; });
        form.append(label, text, save, cancel);
        body.hidden = true;
        body.after(form);
        text.focus();
      })
      .catch(function () { window.location.href = link.href; });
  }

  function saveEdit(form) {
    var body = form.previousElementSibling;
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (response) {
        return response.json().then(function (result) { return { ok: response.ok, result: result }; });
      })
      .then(function (answer) {
        if (!answer.ok) { formMessage(form, answer.result.error || "Erreur", true); return; }
        body.innerHTML = answer.result.html;  // sanitised at write time
        body.hidden = false;
        var meta = form.closest("article").querySelector(".comment__meta");
        if (meta && !meta.querySelector(".comment__edited")) {
          var edited = document.createElement("span");
          edited.className = "comment__edited";
          edited.textContent = "modifié";
          meta.append(" · ", edited);
        }
        form.remove();
      })
      .catch(function () { form.submit(); });
  }

  section.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-comment-form") && window.fetch && window.FormData) {
      event.preventDefault();
      postInline(form);
      return;
    }
    if (form.hasAttribute("data-edit-form")) {
      event.preventDefault();
      saveEdit(form);
      return;
    }
    if (!form.classList.contains("comment__vote")) return;
    event.preventDefault();
    var button = event.submitter || form.querySelector("button");
    var body = new URLSearchParams();
    var already = button.getAttribute("aria-pressed") === "true";
    body.set("valeur", already ? "0" : button.value);
    fetch(form.action, { method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (result) {
        if (result.error) return;
        Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.removeAttribute("aria-pressed"); });
        if (!already) button.setAttribute("aria-pressed", "true");
        var up = form.querySelector("[data-upvotes]");
        var down = form.querySelector("[data-downvotes]");
        if (up) up.textContent = result.upvotes;
        if (down) down.textContent = result.downvotes;
      })
      .catch(function () { form.submit(); });
  });

  section.addEventListener("click", function (event) {
    var edit = event.target.closest("[data-edit]");
    if (edit) {
      event.preventDefault();
      editInline(edit);
      return;
    }
    var more = event.target.closest("[data-load-more]");
    if (more) {
      event.preventDefault();
      fetchFragment(more.href).then(function (holder) {
        var items = holder.querySelectorAll("[data-comments] > li");
        Array.prototype.forEach.call(items, function (item) { list.appendChild(item); });
        var next = holder.querySelector("[data-load-more]");
        if (next) more.href = next.href; else more.parentNode.remove();
        personalise();
      });
      return;
    }
    var reply = event.target.closest("[data-reply]");
    if (reply) {
      var main = section.querySelector("#discussion-form");
      if (!main) return;
      event.preventDefault();
      var item = reply.closest("[data-comment]");
      var existing = item.querySelector(":scope > .discussion__form");
      if (existing) { existing.querySelector("textarea").focus(); return; }
      var form = main.cloneNode(true);
      form.id = "reponse-" + reply.getAttribute("data-reply");
      Array.prototype.forEach.call(form.querySelectorAll("[id]"), function (el) { el.id = form.id + "-" + el.id; });
      Array.prototype.forEach.call(form.querySelectorAll("label[for]"), function (el) { el.htmlFor = form.id + "-" + el.htmlFor; });
      var title = form.querySelector("h3");
      if (title) title.textContent = "Répondre à " + reply.getAttribute("data-reply-name");
      var parent = document.createElement("input");
      parent.type = "hidden"; parent.name = "parent"; parent.value = reply.getAttribute("data-reply");
      form.appendChild(parent);
      form.querySelector("textarea").value = "";
      form.querySelector("[data-nonce]").value = "";
      item.querySelector("article").after(form);
      enhanceForm(form);
      form.querySelector("textarea").focus();
    }
  });

  // New comments: "N nouveaux commentaires — afficher", without reloading.
  var notice = section.querySelector("[data-live-notice]");
  var show = section.querySelector("[data-live-show]");
  function announce(count) {
    var fresh = count - shownCount;
    if (fresh <= 0 || !notice) return;
    show.textContent = fresh + (fresh > 1 ? " nouveaux commentaires" : " nouveau commentaire") + " — afficher";
    notice.hidden = false;
    notice.setAttribute("data-count", count);
  }
  if (show) {
    show.addEventListener("click", function () {
      fetchFragment(window.location.pathname.indexOf("/commentaires/") === 0 ? window.location.href : "/commentaires/" + articleId + "/").then(function (holder) {
        var fresh = holder.querySelector("[data-comments]");
        if (fresh && list) list.replaceWith(fresh);
        else if (fresh) section.appendChild(fresh);
        list = fresh;
        shownCount = Number(notice.getAttribute("data-count")) || shownCount;
        notice.hidden = true;
        personalise();
      });
    });
  }
  if (window.ManchetteLive) {
    window.ManchetteLive.subscribe("article:" + articleId + ":comments", function (envelope) {
      announce(Number(envelope.data && envelope.data.count) || 0);
    });
  }
  var countUrl = section.getAttribute("data-count-url");
  function poll() {
    fetch(countUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (data) { announce(data.count); })
      .catch(function () {})
      .then(function () { setTimeout(poll, window.ManchetteLive ? 60000 : 15000); });
  }
  setTimeout(poll, 15000);
})();
