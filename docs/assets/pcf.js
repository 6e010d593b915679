/* pcf documentation: render formulas (KaTeX) and diagrams (Mermaid) in the browser.
 *
 * Both libraries are vendored under assets/vendor/ and loaded before this file (see
 * mkdocs.yml, extra_javascript); nothing is fetched from another host at view time.
 *
 * The page generator emits:
 *   <span class="pcf-math">TeX</span>                inline formula
 *   <div class="pcf-math pcf-display">TeX</div>      display formula
 *   <pre class="mermaid">flowchart LR ...</pre>     diagram
 * with the source HTML-escaped, so textContent gives the TeX / Mermaid source back.
 *
 * When everything has been tried, <html> gets data-pcf-render="done" (or "error" if a
 * library is missing or Mermaid failed); each formula gets data-pcf-math="done".
 * If a library did not load, the source stays visible as text, readable if not pretty.
 */
(function () {
  "use strict";

  function renderMath() {
    var ok = true;
    var nodes = document.querySelectorAll(".pcf-math");
    if (!nodes.length) return ok;
    if (typeof window.katex === "undefined") {
      console.error("pcf: KaTeX is not loaded; formulas stay as TeX source");
      return false;
    }
    Array.prototype.forEach.call(nodes, function (el) {
      if (el.getAttribute("data-pcf-math") === "done") return;
      var tex = el.textContent;
      try {
        // A display formula is set in KaTeX's inline mode inside its own block: inline mode
        // breaks a long formula after its top-level operators to fit the column, where display
        // mode would run it past the right edge (a factor's `x 44/12` out of sight).
        window.katex.render(el.classList.contains("pcf-display") ? "\\displaystyle " + tex : tex, el, {
          displayMode: false,
          throwOnError: false,
          trust: false,        // no \href, \url, \htmlData ... from a formula's text
          maxExpand: 1000      // no macro bomb
        });
        el.setAttribute("data-pcf-math", "done");
        el.setAttribute("data-tex", tex);
      } catch (err) {
        ok = false;
        console.error("pcf: KaTeX failed on", tex, err);
      }
    });
    markOverflow(nodes);
    return ok;
  }

  // A formula still wider than its box (an identifier longer than the column) is marked, so the
  // page's author and the browser tests can see it: data-pcf-overflow="1" and a console warning.
  function markOverflow(nodes) {
    Array.prototype.forEach.call(nodes, function (el) {
      if (el.classList.contains("pcf-display") && el.scrollWidth > el.clientWidth + 1) {
        el.setAttribute("data-pcf-overflow", "1");
        console.warn("pcf: a formula is wider than its box:", el.getAttribute("data-tex"));
      }
    });
  }

  function renderDiagrams() {
    if (!document.querySelector("pre.mermaid")) return Promise.resolve(true);
    if (typeof window.mermaid === "undefined") {
      console.error("pcf: Mermaid is not loaded; diagrams stay as source");
      return Promise.resolve(false);
    }
    window.mermaid.initialize({
      startOnLoad: false,
      securityLevel: "strict",
      theme: "default"
    });
    return window.mermaid
      .run({ querySelector: "pre.mermaid" })
      .then(function () { return true; })
      .catch(function (err) {
        console.error("pcf: Mermaid failed", err);
        return false;
      });
  }

  function main() {
    var mathOk = renderMath();
    renderDiagrams().then(function (diagramsOk) {
      document.documentElement.setAttribute(
        "data-pcf-render", mathOk && diagramsOk ? "done" : "error");
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", main);
  } else {
    main();
  }
})();
