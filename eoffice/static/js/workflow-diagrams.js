// Draw the <pre class="mermaid"> blocks of the workflow page. The page shows the same
// rules as tables, so nothing is lost when this script or mermaid does not load.
if (window.mermaid) {
  window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "neutral" });
  window.mermaid.run({ querySelector: "pre.mermaid" });
}
