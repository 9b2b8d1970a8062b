// Third-party libraries (assets/ui/vendor/, from npm, with their licences)
// that ship as classic scripts: loaded once, in order, when a page needs them.
import { t } from "./i18n.js";

const loaded = new Map();
function script(src) {
  if (!loaded.has(src)) {
    loaded.set(src, new Promise((ok, fail) => {
      const s = document.createElement("script");
      s.src = src;
      s.onload = ok;
      s.onerror = () => { loaded.delete(src); s.remove(); fail(new Error(t("unreachable"))); };
      document.head.append(s);
    }));
  }
  return loaded.get(src);
}
const inOrder = async (...srcs) => { for (const src of srcs) await script(src); };

// d3-sankey with the parts of d3 it uses: the global d3.
export const d3Sankey = () => inOrder("/vendor/d3-array/d3-array.min.js", "/vendor/d3-path/d3-path.min.js",
  "/vendor/d3-shape/d3-shape.min.js", "/vendor/d3-sankey/d3-sankey.min.js").then(() => window.d3);

// graphology (the graph), its library (ForceAtlas2 layout) and sigma (WebGL drawing).
export const graphTools = () => inOrder("/vendor/graphology/graphology.umd.min.js", "/vendor/graphology-library/graphology-library.min.js",
  "/vendor/sigma/sigma.min.js").then(() => ({ Graph: window.graphology.Graph, layout: window.graphologyLibrary.layoutForceAtlas2, Sigma: window.Sigma.Sigma || window.Sigma }));
