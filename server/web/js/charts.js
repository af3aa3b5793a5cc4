// Bar charts drawn as SVG by hand: no library, nothing fetched.

const NS = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

// Horizontal bars: `rows` are [label, value] pairs; `format` writes a value.
export function bars(title, rows, format = String) {
  const rowHeight = 22,
    labelWidth = 190,
    width = 520,
    barSpace = width - labelWidth - 70;
  const max = Math.max(1, ...rows.map(([, v]) => v));
  const chart = svg("svg", {
    class: "chart",
    role: "img",
    "aria-label": title,
    width,
    height: Math.max(1, rows.length) * rowHeight + 8,
    viewBox: `0 0 ${width} ${Math.max(1, rows.length) * rowHeight + 8}`,
  });
  chart.append(svg("title", {}, title));
  rows.forEach(([label, value], i) => {
    const y = i * rowHeight + 4;
    const shown = String(label).length > 28 ? `${String(label).slice(0, 27)}…` : String(label);
    chart.append(svg("text", { x: labelWidth - 6, y: y + 14, "text-anchor": "end" }, shown));
    chart.append(
      svg("rect", {
        class: `bar${i % 2 ? " alt" : ""}`,
        x: labelWidth,
        y,
        height: rowHeight - 6,
        width: Math.max(1, (value / max) * barSpace),
      }),
    );
    chart.append(svg("text", { x: labelWidth + (value / max) * barSpace + 4, y: y + 14 }, format(value)));
  });
  return chart;
}
