// The what-if page: a changed control asks the server for the answer (HTML rendered there)
// and swaps it in; the URL keeps the changed controls, so the address is the permalink.
(function () {
  "use strict";
  var form = document.getElementById("whatif");
  var answer = document.getElementById("answer");
  var status = document.getElementById("file-status");
  var timer = null, pending = null, generation = 0, asked = null;

  function query(extra) {
    var data = new FormData(form), parts = [];
    data.forEach(function (value, key) {
      if (key === "scenario_name") return;
      var input = form.elements[key];
      if (input && input.dataset && input.dataset.plan === value) return;   // the plan's own
      parts.push(encodeURIComponent(key) + "=" + encodeURIComponent(value));
    });
    return parts.concat(extra || []).join("&");
  }

  function showErrors(errors) {
    form.querySelectorAll(".control").forEach(function (div) {
      var input = div.querySelector("input, select");
      var msg = errors[input.name] || "";
      div.querySelector(".error").textContent = msg;
      div.classList.toggle("invalid", !!msg);
      if (msg) { input.setAttribute("aria-invalid", "true"); }
      else { input.removeAttribute("aria-invalid"); }
    });
  }

  var refining = document.getElementById("refining");
  var background = null;

  function show(body, mine) {
    showErrors(body.errors || {});
    if (body.html) { answer.innerHTML = body.html; }
    history.replaceState(null, "", "?" + body.query);
    answer.dataset.query = body.query;     // the setting the shown answer is for
    answer.setAttribute("aria-busy", "false");
    answer.dataset.generation = String(mine);
  }

  // More paths for the answer shown, in the background: the page is refined when they are
  // done, and the server gives them up as soon as a newer request comes.
  function refine(q, paths, mine) {
    if (background) { background.abort(); }
    background = new AbortController();
    refining.textContent = "Förfinar med " + Number(paths).toLocaleString("sv-SE") +
      " scenarier …";
    fetch("svar?" + q + (q ? "&" : "") + "paths=" + paths + "&background=1",
          {signal: background.signal, headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (mine !== generation || body.superseded || !body.html ||
            Object.keys(body.errors || {}).length) return;
        show(body, mine);
        refining.textContent = "";
      })
      .catch(function (err) { if (err.name !== "AbortError") refining.textContent = ""; });
  }

  function compute(extra) {
    var q = query(extra);
    if (q === asked) return;               // this setting is already shown or on its way
    asked = q;
    if (pending) { pending.abort(); }
    if (background) { background.abort(); }
    refining.textContent = "";
    pending = new AbortController();
    var mine = ++generation;
    answer.setAttribute("aria-busy", "true");
    fetch("svar?" + q, {signal: pending.signal, headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (mine !== generation) return;
        show(body, mine);
        if (Object.keys(body.errors || {}).length === 0) {
          refine(q, answer.dataset.precisePaths, mine);
        }
      })
      .catch(function (err) {
        if (err.name === "AbortError") return;
        asked = null;
        answer.setAttribute("aria-busy", "false");
        status.textContent = "Kunde inte räkna: " + err;
      });
  }

  form.addEventListener("input", function (ev) {
    if (ev.target.name === "scenario_name") return;
    clearTimeout(timer);
    timer = setTimeout(function () { compute(); }, 250);
  });
  form.addEventListener("change", function (ev) {
    if (ev.target.name === "scenario_name") return;
    clearTimeout(timer);
    compute();
  });
  form.addEventListener("submit", function (ev) { ev.preventDefault(); compute(); });
  document.getElementById("precise").addEventListener("click", function () {
    refine(query(), answer.dataset.fullPaths, generation);
  });

  function post(path, then) {
    var name = document.getElementById("scenario-name").value;
    status.textContent = "Arbetar …";
    return fetch(path + "?" + query(["scenario_name=" + encodeURIComponent(name)]),
                 {method: "POST", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (body) { status.textContent = body.message; if (then) then(body); });
  }
  document.getElementById("save").addEventListener("click", function () { post("scenario"); });
  document.getElementById("report").addEventListener("click", function () {
    post("report", function poll(body) {
      if (body.state === "running") {
        setTimeout(function () {
          fetch("report?" + query()).then(function (r) { return r.json(); }).then(function (b) {
            status.textContent = b.message; poll(b);
          });
        }, 1000);
      }
    });
  });
  document.getElementById("copy-link").addEventListener("click", function () {
    var link = location.href;
    status.textContent = "Länk: " + link;
    if (navigator.clipboard) { navigator.clipboard.writeText(link).catch(function () {}); }
  });
  answer.dataset.generation = "0";
  asked = query();
  if (!form.querySelector(".invalid")) {
    refine(asked, answer.dataset.precisePaths, 0);       // the first view, refined too
  }
  answer.dataset.query = location.search.replace(/^\?/, "");
}());
