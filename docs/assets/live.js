/* pcf documentation: a method page's worked case, recomputed in the page.
 *
 * The page generator (engine/render/live.py) writes the method's compiled code as JSON in the
 * data-pcf attribute of <div id="pcf-live-data" hidden>: the computed nodes in order, each node's
 * postfix code, the values of inputs, tables and factors in base units, the product's divisor,
 * the stages inside the boundary and the emission lines. This file interprets that code as
 * engine/evaluation/evaluate.py does (run / _exec), so a changed input gives the figure
 * `pcf run` gives.
 *
 * Inputs: <input class="pcf-live-input" data-key="input:NAME"> in the input's declared unit.
 * Outputs: .pcf-live-value[data-key], .pcf-live-stage[data-stage], .pcf-live-total (its
 * data-value holds the full-precision number). A URL ending in #pcf-set=NAME=VALUE,NAME=VALUE
 * sets inputs on load (a shareable what-if, and how the browser tests drive the page).
 * When done, <html> gets data-pcf-live="done" (or "error", with the message in the console).
 */
(function () {
  "use strict";

  var EQUAL_RTOL = 1e-9;   // `==` within a relative 1e-9, as engine/evaluation/choices.py

  function num(v) { return typeof v === "string" ? Number(v) : v; }   // "nan", "inf" from JSON

  function isclose(a, b) { return Math.abs(a - b) <= EQUAL_RTOL * Math.abs(b); }

  function roundTo(a, step) {   // halves away from zero, as choices.round_to
    return Math.sign(a) * Math.floor(Math.abs(a) / step + 0.5) * step;
  }

  var BINARY = {
    "+": function (a, b) { return a + b; },
    "-": function (a, b) { return a - b; },
    "*": function (a, b) { return a * b; },
    "/": function (a, b) { return a / b; },
    "<": function (a, b) { return a < b ? 1 : 0; },
    "<=": function (a, b) { return a <= b ? 1 : 0; },
    ">": function (a, b) { return a > b ? 1 : 0; },
    ">=": function (a, b) { return a >= b ? 1 : 0; },
    "==": function (a, b) { return isclose(a, b) ? 1 : 0; },
    "!=": function (a, b) { return isclose(a, b) ? 0 : 1; },
    "and": function (a, b) { return a !== 0 && b !== 0 ? 1 : 0; },
    "or": function (a, b) { return a !== 0 || b !== 0 ? 1 : 0; },
    "min": function (a, b) { return Math.min(a, b); },
    "max": function (a, b) { return Math.max(a, b); },
    "round": roundTo
  };

  function exec(code, values, row) {
    var st = [];
    for (var i = 0; i < code.length; i++) {
      var ins = code[i], op = ins[0], a, b;
      if (op === "load") {
        if (!(ins[1] in values)) throw new Error("no value for " + ins[1]);
        st.push(values[ins[1]]);
      } else if (op === "const") st.push(num(ins[1]));
      else if (op === "field") st.push(row[ins[1]]);
      else if (op === "neg") st[st.length - 1] = -st[st.length - 1];
      else if (op === "not") st[st.length - 1] = st[st.length - 1] === 0 ? 1 : 0;
      else if (op === "abs") st[st.length - 1] = Math.abs(st[st.length - 1]);
      else if (op === "if") {
        b = st.pop(); a = st.pop();
        st[st.length - 1] = st[st.length - 1] !== 0 ? a : b;
      } else if (op === "sum") {
        var table = values[ins[1]], cols = Object.keys(table), n = cols.length ? table[cols[0]].length : 0;
        var total = 0;
        for (var r = 0; r < n; r++) {
          var one = {};
          cols.forEach(function (c) { one[c] = num(table[c][r]); });
          total += exec(ins[2], values, one);
        }
        st.push(total);
      } else if (op in BINARY) {
        b = st.pop();
        st[st.length - 1] = BINARY[op](st[st.length - 1], b);
      } else throw new Error("unknown instruction " + op);
    }
    return st[0];
  }

  function evaluate(data, inputs) {
    var values = {}, k;
    for (k in data.values) {
      var v = data.values[k];
      values[k] = (v !== null && typeof v === "object") ? v : num(v);
    }
    for (k in inputs) values[k] = inputs[k];
    data.order.forEach(function (key) {
      var v = exec(data.code[key], values, null);
      values[key] = v + 0;   // -0 is 0
    });
    // stage totals: counted lines added in method order, then the stages in order (totals.py)
    var parts = {};
    data.stages.forEach(function (s) { parts[s] = 0; });
    data.emissions.forEach(function (e) {
      if (e.counts && e.stage in parts) parts[e.stage] += values[e.key] / data.divisor;
    });
    var total = 0;
    data.stages.forEach(function (s) { total += parts[s]; });
    return { values: values, stages: parts, total: total };
  }

  function show(v) {
    if (!isFinite(v)) return String(v);
    if (v === 0) return "0";
    var a = Math.abs(v);
    return a >= 1e6 || a < 1e-4 ? v.toExponential(4) : Number(v.toPrecision(5)).toString();
  }

  function update(data, initial) {
    var inputs = {};
    document.querySelectorAll(".pcf-live-input").forEach(function (el) {
      var key = el.getAttribute("data-key");
      if (el.value === initial[key]) return;   // as the case gives it: its exact base value
      var scale = 1;
      data.editable.forEach(function (e) { if (e.key === key) scale = e.scale; });
      var x = Number(el.value);
      inputs[key] = el.value.trim() !== "" && isFinite(x) ? x * scale : NaN;
    });
    var out = evaluate(data, inputs);
    document.querySelectorAll(".pcf-live-value").forEach(function (el) {
      var key = el.getAttribute("data-key"), s = data.show[key];
      if (!s || !(key in out.values)) return;
      var v = key.indexOf("emission:") === 0 ? out.values[key] / data.divisor : out.values[key] * s.scale;
      el.textContent = show(v);
    });
    document.querySelectorAll(".pcf-live-stage").forEach(function (el) {
      el.textContent = show(out.stages[el.getAttribute("data-stage")]);
    });
    document.querySelectorAll(".pcf-live-total").forEach(function (el) {
      el.textContent = show(out.total);
      el.setAttribute("data-value", String(out.total));
    });
  }

  function applyHash(data) {
    var m = /#pcf-set=([^#]*)$/.exec(window.location.hash || "");
    if (!m) return;
    decodeURIComponent(m[1]).split(",").forEach(function (pair) {
      var eq = pair.indexOf("=");
      if (eq < 0) return;
      var name = pair.slice(0, eq), value = pair.slice(eq + 1);
      var el = document.querySelector('.pcf-live-input[data-key="input:' + name.replace(/[^A-Za-z0-9_]/g, "") + '"]');
      if (el) el.value = value;
    });
  }

  function start() {
    var holder = document.getElementById("pcf-live-data");
    if (!holder) return;
    try {
      var data = JSON.parse(holder.getAttribute("data-pcf"));
      var initial = {};
      document.querySelectorAll(".pcf-live-input").forEach(function (el) { initial[el.getAttribute("data-key")] = el.value; });
      document.querySelectorAll(".pcf-live-input").forEach(function (el) {
        el.addEventListener("input", function () { update(data, initial); });
      });
      document.querySelectorAll(".pcf-live-reset").forEach(function (el) {
        el.addEventListener("click", function () {
          document.querySelectorAll(".pcf-live-input").forEach(function (i) { i.value = initial[i.getAttribute("data-key")]; });
          update(data, initial);
        });
      });
      applyHash(data);
      update(data, initial);
      document.documentElement.setAttribute("data-pcf-live", "done");
    } catch (err) {
      console.error("pcf live: " + err.message);
      document.documentElement.setAttribute("data-pcf-live", "error");
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
