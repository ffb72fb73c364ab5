// Roll call on a poor connection (progressive enhancement: without this script the page is a
// plain form POST). Every tap is kept on the phone (localStorage) until the server has the
// list; a list is sent with a submission id generated here once, so a retry of the same list
// is applied once by the server, and a changed list gets a new id.
(function () {
  "use strict";
  var form = document.getElementById("roll-form");
  if (!form || !window.fetch || !window.localStorage || !window.JSON) return;
  var KEY = "aftercare:roll:" + form.dataset.roll;
  var MAX_AGE = 12 * 3600 * 1000;
  var sync = form.querySelector("[data-sync]");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
  var idField = form.querySelector("input[name=submission_id]");
  var reasonField = form.querySelector("input[name=reason]");
  var rows = Array.prototype.slice.call(form.querySelectorAll("[data-student]"));
  var retryDelay = 2000;
  var retryTimer = null;
  var sending = false;

  function uuid4() {
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function load() {
    try {
      var st = JSON.parse(localStorage.getItem(KEY));
      if (st && Date.now() - st.savedAt < MAX_AGE) return st;
    } catch (e) { /* a broken entry is dropped */ }
    localStorage.removeItem(KEY);
    return null;
  }
  function save(st) {
    st.savedAt = Date.now();
    try { localStorage.setItem(KEY, JSON.stringify(st)); } catch (e) { /* storage full: still send */ }
  }
  function marksNow() {
    var out = {};
    rows.forEach(function (row) {
      var checked = row.querySelector("input[type=radio]:checked");
      if (checked) out[row.dataset.student] = checked.value;
    });
    return out;
  }
  function apply(marks) {
    rows.forEach(function (row) {
      var value = marks[row.dataset.student];
      if (!value) return;
      var input = row.querySelector("input[type=radio][value='" + value + "']");
      if (input) input.checked = true;
    });
  }
  function refresh() {
    var counts = { present: 0, late: 0, absent: 0, leave: 0, unmarked: 0 };
    rows.forEach(function (row) {
      var checked = row.querySelector("input[type=radio]:checked");
      var status = checked ? checked.value : "none";
      row.className = row.className.replace(/\bis-\w+/, "is-" + status);
      counts[checked ? status : "unmarked"] += 1;
    });
    Object.keys(counts).forEach(function (k) {
      var el = document.querySelector("[data-count=" + k + "]");
      if (el) el.textContent = counts[k];
    });
  }
  function show(kind, text) {
    if (!sync) return;
    sync.hidden = !text;
    sync.className = "sync " + kind;
    sync.textContent = text || "";
  }
  function unmarkedNames() {
    return rows.filter(function (row) { return !row.querySelector("input[type=radio]:checked"); })
      .map(function (row) { return row.querySelector(".who b").textContent.replace(/^\d+\.\s*/, ""); });
  }
  function errorText(body) {
    var e = (body && body.error) || {};
    var parts = [e.message || ""];
    Object.keys(e.fields || {}).forEach(function (k) {
      (e.fields[k] || []).forEach(function (f) { parts.push(f.message); });
    });
    return parts.filter(Boolean).join(" ");
  }
  function scheduleRetry() {
    if (retryTimer) return;
    retryTimer = setTimeout(function () { retryTimer = null; send(); }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30000);
  }
  function send() {
    var st = load();
    if (!st || !st.pending || sending) return;
    sending = true;
    var marks = Object.keys(st.marks).map(function (k) { return { student: k, status: st.marks[k] }; });
    fetch(form.dataset.api, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf ? csrf.value : "", "Accept": "application/json" },
      body: JSON.stringify({ submission_id: st.id, marks: marks, reason: st.reason || "" })
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (body) { return { status: resp.status, body: body }; });
    }).then(function (res) {
      sending = false;
      var latest = load();
      var superseded = latest && latest.id !== st.id;
      if (superseded && latest.pending) {
        send();  // the marks changed while this list was on its way: send the newer one
        return;
      }
      if (res.status === 200) {
        if (!superseded) localStorage.removeItem(KEY);
        retryDelay = 2000;
        if (idField) idField.value = uuid4();
        var c = res.body.counts || {};
        show("ok", form.dataset.msgSaved + " " + ["present", "late", "absent", "leave"].map(function (k) {
          var label = document.querySelector(".c-" + k);
          return label ? label.firstChild.textContent.trim() + " " + (c[k] || 0) : "";
        }).join(" · "));
      } else if (res.status >= 500) {
        show("pending", form.dataset.msgPending);
        scheduleRetry();
      } else {
        if (!superseded) {
          st.pending = false;
          save(st);
        }
        show("err", form.dataset.msgError + " " + errorText(res.body));
      }
    }).catch(function () {
      sending = false;
      show("pending", form.dataset.msgPending);
      scheduleRetry();
    });
  }

  // A change while a list waits to be sent replaces it (with a new id: the old one may have
  // reached the server already); otherwise it is kept as a draft until "Submit".
  function keep() {
    var st = load() || {};
    var pending = !!st.pending;
    save({ marks: marksNow(), id: pending ? uuid4() : null, pending: pending, reason: st.reason || "" });
    if (pending) send();
  }

  form.addEventListener("change", function (event) {
    if (!event.target.matches("input[type=radio]")) return;
    keep();
    refresh();
  });
  var allPresent = form.querySelector("[data-all-present]");
  if (allPresent) {
    allPresent.addEventListener("click", function (event) {
      event.preventDefault();
      rows.forEach(function (row) {
        if (row.querySelector("input[type=radio]:checked")) return;
        var value = row.dataset.leave ? "leave" : "present";
        var input = row.querySelector("input[type=radio][value=" + value + "]");
        if (input) input.checked = true;
      });
      keep();
      refresh();
    });
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var missing = unmarkedNames();
    if (missing.length && !window.confirm(form.dataset.msgUnmarked + " " + missing.join("、"))) return;
    var st = load() || {};
    var marks = marksNow();
    var same = st.id && JSON.stringify(st.marks) === JSON.stringify(marks);
    save({ marks: marks, id: same ? st.id : uuid4(), pending: true, reason: reasonField ? reasonField.value : "" });
    show("pending", "…");
    send();
  });
  window.addEventListener("online", function () { retryDelay = 2000; send(); });

  var restored = load();
  if (restored && restored.marks) {
    apply(restored.marks);
    if (restored.pending) {
      show("pending", form.dataset.msgRestored);
      send();
    }
  }
  refresh();
  form.setAttribute("data-enhanced", "1");  // tests wait for it; the plain form works before
})();
