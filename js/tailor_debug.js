// Tailor's debug overlay. Loaded only when the site enables it (`"debug": true` in its config or
// data-debug="true") AND the URL asks for it (?tailor-debug). It shows what rules saw and why each
// rule applied or not, and outlines the elements rules target. It only reads: it never changes
// what Tailor stores. Everything is inserted as text.

const OUTLINE = { applied: "3px solid #1a7f37", holdout: "3px dashed #9a6700" };

function el(tag, text, style) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (style) Object.assign(node.style, style);
  return node;
}

export function show(api, engine) {
  const info = engine.debugInfo();
  const panel = el("aside", undefined, {
    position: "fixed", right: "12px", bottom: "12px", width: "min(440px, 92vw)",
    maxHeight: "70vh", overflow: "auto", zIndex: "2147483647", background: "#fff",
    color: "#1f2a37", border: "2px solid #e0672b", borderRadius: "10px",
    font: "13px/1.4 system-ui, sans-serif", padding: "10px 12px",
    boxShadow: "0 6px 24px rgba(0,0,0,.2)",
  });
  panel.id = "tailor-debug";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", "Tailor debug");
  const close = el("button", "×", { float: "right", border: "0", background: "none", fontSize: "18px", cursor: "pointer" });
  close.setAttribute("aria-label", "Close the Tailor debug panel");
  close.addEventListener("click", () => panel.remove());
  panel.append(close, el("strong", "Tailor debug — " + api.version));

  const table = el("table", undefined, { width: "100%", borderCollapse: "collapse", margin: "8px 0" });
  for (const rule of info.rules) {
    const row = el("tr");
    row.dataset.rule = rule.rule;
    row.append(
      el("td", rule.rule, { fontWeight: "600", verticalAlign: "top", padding: "2px 6px 2px 0" }),
      el("td", rule.outcome, { verticalAlign: "top", padding: "2px 6px", color: rule.outcome === "applied" ? "#1a7f37" : "#57606a" }),
      el("td", rule.reason, { verticalAlign: "top", padding: "2px 0" }),
    );
    table.append(row);
    const outline = OUTLINE[rule.outcome];
    if (!outline) continue;
    for (const selector of rule.selectors) {
      try {
        document.querySelectorAll(selector).forEach((target) => {
          target.style.outline = outline;
          target.title = "Tailor: " + rule.rule + " (" + rule.outcome + ") — " + rule.reason;
        });
      } catch (e) {
        /* an invalid selector was already reported by the engine */
      }
    }
  }
  const details = el("details");
  details.append(el("summary", "Attributes the rules saw"), el("pre", JSON.stringify(info.attributes, null, 2), { whiteSpace: "pre-wrap", margin: "0" }));
  panel.append(table, details);
  (document.body || document.documentElement).append(panel);
  return panel;
}
