// What overflows on a page: the document scrolling sideways, an element whose content is
// wider than its box, an element reaching past the screen's edge, a date or a code group
// broken over several lines. Returns one line per problem (tests/e2e/test_portal_layouts.py).
() => {
  const found = [];
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.className && typeof el.className === "string" ? "." + el.className.trim().replace(/\s+/g, ".") : "") +
    " '" + (el.innerText || "").trim().slice(0, 40) + "'";
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth) found.push(`the page scrolls sideways by ${doc.scrollWidth - doc.clientWidth}px`);
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest("svg, select, .sr-only, .skip, script, [hidden]")) continue;
    const hidden = (e) => getComputedStyle(e).clip !== "auto" && e.getBoundingClientRect().width <= 1;
    let clipped = false;
    for (let e = el; e && !clipped; e = e.parentElement) clipped = hidden(e);
    if (clipped) continue;  // visually hidden for screen readers (a list's table header)
    if (["INPUT", "TEXTAREA", "OPTION", "BR", "WBR"].includes(el.tagName)) continue;
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden") continue;
    if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1)
      found.push(`${name(el)}: content ${el.scrollWidth}px wide in ${el.clientWidth}px`);
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > doc.clientWidth + 1)
      found.push(`${name(el)}: reaches ${Math.round(box.right)}px on a ${doc.clientWidth}px screen`);
  }
  for (const el of document.querySelectorAll(".date, .code-group")) {
    const range = document.createRange();
    range.selectNodeContents(el);
    const lines = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top)));
    if (lines.size > 1) found.push(`${name(el)} wraps over ${lines.size} lines`);
  }
  return found;
}
