// The modelcheck explorer's page. Everything it shows comes from the server's JSON API and
// goes into the page through textContent (never innerHTML); the chart's SVG, drawn by
// Graphviz from escaped text, is parsed as XML and imported. The address bar holds the
// token, the model, its parameters, the path and the step: reloading or sharing it shows
// the same scenario.
"use strict";
(function () {
  var token = new URLSearchParams(location.search).get("token") || "";
  var place = null;      // {model, p: ["k=v"], path: [ints], at}
  var view = null;       // the last /api/view answer
  var chartPath = null;  // the path whose chart is shown
  var selected = 0;      // the enabled step the keyboard points at
  var started = 0;
  var ticket = 0;        // the number of the latest request for a view
  window.explorerTimes = [];  // milliseconds from a click or key to the page showing it

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  function fromUrl() {
    var q = new URLSearchParams(location.search);
    var path = (q.get("path") || "0").split(".").map(Number);
    var at = q.get("at");
    return { model: q.get("model") || "", p: q.getAll("p"), path: path,
             at: at === null || at === "" ? path.length - 1 : Number(at) };
  }
  function query(pl) {
    var q = new URLSearchParams();
    q.set("model", pl.model);
    pl.p.forEach(function (v) { q.append("p", v); });
    q.set("path", pl.path.join("."));
    q.set("at", String(pl.at));
    return q;
  }
  function api(method, where, pl, body) {
    var url = where + (pl ? "?" + query(pl).toString() : "");
    var init = { method: method, headers: { "X-Token": token } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (r) {
      return r.json().then(function (doc) {
        if (!r.ok) { throw new Error(doc.error || ("HTTP " + r.status)); }
        return doc;
      });
    });
  }
  function problem(err) {
    $("error").textContent = String(err && err.message ? err.message : err);
    document.body.dataset.error = $("error").textContent;
    document.body.dataset.ready = "error";
  }
  function say(text) { $("message").textContent = text; }

  // -- moving ------------------------------------------------------------------------------

  function go(pl, push) {
    started = performance.now();
    var mine = ++ticket;
    document.body.dataset.ready = "loading";
    return api("GET", "/api/view", pl).then(function (doc) {
      if (mine !== ticket) { return; }  // a later click is on its way: it wins
      place = pl;
      view = doc;
      var q = query(pl);
      var url = "?token=" + encodeURIComponent(token) + "&" + q.toString();
      if (push) { history.pushState(null, "", url); } else { history.replaceState(null, "", url); }
      $("error").textContent = "";
      delete document.body.dataset.error;
      selected = Math.max(0, doc.successors.findIndex(function (s) { return s.taken; }));
      render();
      window.explorerTimes.push(performance.now() - started);
      document.body.dataset.ready = doc.path + "@" + doc.at;
      loadChart();
    }).catch(function (err) { if (mine === ticket) { problem(err); } });
  }
  function jump(at) {
    if (!place || at < 0 || at >= place.path.length || at === place.at) { return; }
    go({ model: place.model, p: place.p, path: place.path, at: at }, true);
  }
  function take(choice) {
    if (!place || !view || choice < 0 || choice >= view.successors.length) { return; }
    var path = place.path.slice(0, place.at + 1);
    if (place.path[place.at + 1] === choice) { path = place.path; } else { path.push(choice); }
    go({ model: place.model, p: place.p, path: path, at: place.at + 1 }, true);
  }

  // -- drawing -----------------------------------------------------------------------------

  function render() {
    var m = view.model;
    document.title = m.title + " - modelcheck explorer";
    $("title").textContent = m.title;
    $("summary").textContent = m.summary;
    var last = view.steps.length - 1;
    $("position").textContent = "step " + view.at + " of " + last;
    $("first").disabled = $("back").disabled = view.at === 0;
    $("forward").disabled = $("last").disabled = view.at === last;
    $("replay").textContent = view.replay;
    renderSteps();
    renderSuccessors();
    renderState();
    renderProperties();
    markChart();
  }
  function renderSteps() {
    var list = $("steps");
    clear(list);
    view.steps.forEach(function (step, n) {
      var item = el("li", n === view.at ? "current" : (n > view.at ? "ahead" : ""));
      item.dataset.step = String(n);
      item.appendChild(el("span", "action", step.action));
      var changes = el("div", "changes", step.changes.join("\n"));
      changes.style.whiteSpace = "pre-wrap";
      item.appendChild(changes);
      item.addEventListener("click", function () { jump(n); });
      list.appendChild(item);
    });
    var current = list.querySelector("li.current");
    if (current && current.scrollIntoView) { current.scrollIntoView({ block: "nearest" }); }
  }
  function renderSuccessors() {
    var list = $("successors");
    clear(list);
    if (!view.successors.length) {
      list.appendChild(el("li", "none", "no step is enabled here (a deadlock, or the end)"));
      return;
    }
    view.successors.forEach(function (s, n) {
      var item = el("li", (s.taken ? "taken " : "") + (n === selected ? "selected" : ""));
      item.dataset.choice = String(s.choice);
      var button = el("button");
      button.appendChild(el("div", "action", s.action));
      button.appendChild(el("div", "changes", s.changes.join("\n")));
      button.addEventListener("click", function () { take(s.choice); });
      item.appendChild(button);
      list.appendChild(item);
    });
  }
  function select(n) {
    if (!view || !view.successors.length) { return; }
    selected = Math.max(0, Math.min(view.successors.length - 1, n));
    var items = $("successors").children;
    for (var i = 0; i < items.length; i++) { items[i].classList.toggle("selected", i === selected); }
    if (items[selected].scrollIntoView) { items[selected].scrollIntoView({ block: "nearest" }); }
  }
  function tree(node) {
    var item = el("li", node.changed ? "changed" : "");
    if (node.key !== null) {
      item.appendChild(el("span", "key", node.key));
      if (!node.children) { item.appendChild(document.createTextNode(" = ")); }
    }
    if (node.children) {
      var list = el("ul");
      node.children.forEach(function (child) { list.appendChild(tree(child)); });
      item.appendChild(list);
    } else {
      item.appendChild(el("span", "value", node.text));
    }
    return item;
  }
  function renderState() {
    var box = $("state");
    clear(box);
    var list = el("ul");
    if (view.state.children) {
      view.state.children.forEach(function (child) { list.appendChild(tree(child)); });
    } else {
      list.appendChild(tree(view.state));
    }
    box.appendChild(list);
  }
  function renderProperties() {
    var table = $("properties");
    clear(table);
    view.properties.forEach(function (p) {
      var row = el("tr", p.bad ? "bad" : "");
      row.dataset.property = p.name;
      var name = el("td", "name");
      name.title = p.description;
      name.appendChild(el("div", "pname", p.name));
      name.appendChild(el("div", "kind", p.kind));
      row.appendChild(name);
      var now = el("td");
      now.appendChild(el("div", "now", p.now));
      now.appendChild(el("div", "note", p.note));
      row.appendChild(now);
      var cell = el("td");
      var find = el("button", "find", "find");
      find.title = "find a path from here: a bounded search from this state for a " +
        (p.kind === "sometimes" ? "state where it holds" : "counterexample");
      find.addEventListener("click", function () { findFrom(p.name); });
      cell.appendChild(find);
      row.appendChild(cell);
      table.appendChild(row);
    });
  }

  function loadChart() {
    var path = view.path;
    if (path === chartPath) { return; }
    var pl = place;
    api("GET", "/api/chart", pl).then(function (doc) {
      if (!view || view.path !== path) { return; }
      var box = $("chart");
      clear(box);
      if (doc.svg) {
        var parsed = new DOMParser().parseFromString(doc.svg, "image/svg+xml");
        var svg = parsed.documentElement;
        if (svg && svg.nodeName === "svg") {
          box.appendChild(document.importNode(svg, true));
          box.querySelectorAll('g[id^="step-"]').forEach(function (g) {
            g.addEventListener("click", function () { jump(Number(g.id.slice(5))); });
          });
        } else {
          box.appendChild(el("p", "nochart", "the chart could not be read"));
        }
      } else {
        box.appendChild(el("p", "nochart", "No chart: " + doc.none));
      }
      chartPath = path;
      markChart();
      document.body.dataset.chart = path;
    }).catch(problem);
  }
  function markChart() {
    var marked = $("chart").querySelectorAll(".current");
    for (var i = 0; i < marked.length; i++) { marked[i].classList.remove("current"); }
    var node = view && document.getElementById("step-" + view.at);
    if (node) { node.classList.add("current"); }
  }

  // -- tools -------------------------------------------------------------------------------

  function findFrom(name) {
    say("searching from step " + place.at + " for " + name + " ...");
    api("POST", "/api/find", place, { property: name }).then(function (doc) {
      if (doc.path) {
        var path = doc.path.split(".").map(Number);
        return go({ model: place.model, p: place.p, path: path, at: doc.at }, true)
          .then(function () { say(doc.message); });
      }
      say(doc.message);
    }).catch(problem);
  }
  function openFile(file) {
    file.text().then(function (text) {
      return api("POST", "/api/open", null, { name: file.name, text: text });
    }).then(function (doc) {
      var path = doc.path.split(".").map(Number);
      return go({ model: doc.spec, p: doc.params, path: path, at: doc.at }, true)
        .then(function () { say(doc.message); });
    }).catch(problem);
  }
  function copyReplay() {
    var text = view ? view.replay : "";
    function done() { say("copied: " + text); }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () { say("select and copy: " + text); });
    } else {
      say("select and copy: " + text);
    }
  }

  $("first").addEventListener("click", function () { jump(0); });
  $("back").addEventListener("click", function () { if (place) { jump(place.at - 1); } });
  $("forward").addEventListener("click", function () { if (place) { jump(place.at + 1); } });
  $("last").addEventListener("click", function () { if (place) { jump(place.path.length - 1); } });
  $("copy").addEventListener("click", copyReplay);
  $("open").addEventListener("change", function () {
    if (this.files && this.files[0]) { openFile(this.files[0]); }
    this.value = "";
  });
  document.addEventListener("keydown", function (e) {
    if (!place || e.altKey || e.ctrlKey || e.metaKey) { return; }
    if (e.target && /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName)) { return; }
    var key = e.key, handled = true;
    if (key === "ArrowLeft" || key === "h") { jump(place.at - 1); }
    else if (key === "ArrowRight" || key === "l") { jump(place.at + 1); }
    else if (key === "Home") { jump(0); }
    else if (key === "End") { jump(place.path.length - 1); }
    else if (key === "ArrowDown" || key === "j") { select(selected + 1); }
    else if (key === "ArrowUp" || key === "k") { select(selected - 1); }
    else if (key === "Enter") { if (view && view.successors.length) { take(view.successors[selected].choice); } }
    else if (/^[1-9]$/.test(key)) { take(Number(key) - 1); }
    else { handled = false; }
    if (handled) { e.preventDefault(); }
  });
  window.addEventListener("popstate", function () { go(fromUrl(), false); });
  go(fromUrl(), false);
})();
