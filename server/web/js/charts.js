// Charts drawn as SVG by hand: no library, nothing fetched. Horizontal bars for categories (their
// labels cut with an ellipsis, whole in a tooltip), columns in order for a series (months). A bar
// with a link (`link(i)` gives its address) opens it when clicked.

const NS = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

// How wide `text` shows, in the widths of a Latin letter: a CJK character takes two.
function textWidth(text) {
  let width = 0;
  for (const c of text) width += c.charCodeAt(0) > 0x2e7f ? 2 : 1;
  return width;
}

// `text` cut to `room` letter widths, with an ellipsis when cut.
function shorten(text, room) {
  if (textWidth(text) <= room) return text;
  let out = "";
  for (const c of text) {
    if (textWidth(`${out}${c}`) > room - 1) break;
    out += c;
  }
  return `${out}…`;
}

// A label drawn at (x, y), cut to `room`, whole in its tooltip.
function label(text, attrs, room) {
  const full = String(text);
  const el = svg("text", attrs, shorten(full, room));
  el.append(svg("title", {}, full));
  return el;
}

function frame(title, width, height) {
  const chart = svg("svg", {
    class: "chart",
    role: "img",
    "aria-label": title,
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
  });
  chart.append(svg("title", {}, title));
  return chart;
}

// `shape` inside a link to `href` when there is one.
function linked(shape, href, text) {
  if (!href) return shape;
  const a = svg("a", { href, class: "drill", "aria-label": text });
  a.append(shape);
  return a;
}

// Horizontal bars: `rows` are [label, value] pairs, or [label, value, "others"] for the groups
// summed beyond the largest; `format` writes the value of row `i` as `format(value, i)`. As
// many rows as there are, one per line.
export function bars(title, rows, format = String, link = () => null) {
  const rowHeight = 22,
    labelWidth = 200,
    width = 560,
    barSpace = width - labelWidth - 80;
  const height = Math.max(1, rows.length) * rowHeight + 8;
  const max = Math.max(1, ...rows.map(([, v]) => v));
  const chart = frame(title, width, height);
  rows.forEach(([text, value, kind], i) => {
    const y = i * rowHeight + 4;
    chart.append(label(text, { x: labelWidth - 6, y: y + 14, "text-anchor": "end" }, 30));
    const bar = svg("rect", {
      class: `bar${kind === "others" ? " others" : i % 2 ? " alt" : ""}`,
      x: labelWidth,
      y,
      height: rowHeight - 6,
      width: Math.max(1, (value / max) * barSpace),
    });
    bar.append(svg("title", {}, `${text}: ${format(value, i)}`));
    chart.append(linked(bar, link(i), `${text}: ${format(value, i)}`));
    chart.append(svg("text", { x: labelWidth + (value / max) * barSpace + 4, y: y + 14 }, format(value, i)));
  });
  return chart;
}

// Columns in the order of `rows` ([label, value] pairs, a series such as months), with a line
// through their tops; each label under its column, slanted so that many fit.
export function columns(title, rows, format = String, link = () => null) {
  const left = 40,
    bottom = 70,
    top = 18,
    plot = 220;
  const step = Math.max(14, Math.min(48, Math.floor(720 / Math.max(1, rows.length))));
  const width = left + Math.max(1, rows.length) * step + 10;
  const height = top + plot + bottom;
  const max = Math.max(1, ...rows.map(([, v]) => v));
  const chart = frame(title, width, height);
  chart.append(svg("line", { class: "axis", x1: left, x2: width - 5, y1: top + plot, y2: top + plot }));
  chart.append(svg("text", { x: left - 4, y: top + 4, "text-anchor": "end" }, format(max)));
  chart.append(svg("text", { x: left - 4, y: top + plot, "text-anchor": "end" }, format(0)));
  const points = [];
  rows.forEach(([text, value], i) => {
    const x = left + i * step;
    const h = (value / max) * plot;
    const column = svg("rect", {
      class: `bar${i % 2 ? " alt" : ""}`,
      x: x + 2,
      y: top + plot - h,
      width: step - 4,
      height: Math.max(1, h),
    });
    column.append(svg("title", {}, `${text}: ${format(value)}`));
    chart.append(linked(column, link(i), `${text}: ${format(value)}`));
    points.push(`${x + step / 2},${top + plot - h}`);
    if (rows.length <= 24 || value === max)
      chart.append(svg("text", { x: x + step / 2, y: top + plot - h - 3, "text-anchor": "middle" }, format(value)));
    const lx = x + step / 2,
      ly = top + plot + 12;
    chart.append(label(text, { x: lx, y: ly, "text-anchor": "end", transform: `rotate(-45 ${lx} ${ly})` }, 12));
  });
  chart.append(svg("polyline", { class: "trend", points: points.join(" ") }));
  return chart;
}
