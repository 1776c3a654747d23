// Small DOM helpers. Server data only ever reaches the page as text (textContent, attributes).

export const $ = (id) => document.getElementById(id);

// h("td", {class: "num", data: {value: "1.5"}}, "text", childNode)
export function h(tag, attrs = {}, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

const SVG = "http://www.w3.org/2000/svg";
export function svg(tag, attrs = {}, ...children) {
  return fill(document.createElementNS(SVG, tag), attrs, children);
}

function fill(node, attrs, children) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "data") {
      for (const [key, v] of Object.entries(value)) if (v !== undefined && v !== null) node.dataset[key] = String(v);
    } else if (name === "class") node.setAttribute("class", value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function show(node, visible) {
  node.hidden = !visible;
}

export function setText(node, text, value) {
  node.textContent = text;
  if (value === undefined) delete node.dataset.value;
  else node.dataset.value = value === null ? "" : String(value);
}
