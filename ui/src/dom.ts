// A tiny element builder: text is always set as text, never parsed as HTML.

type Attrs = Record<string, string | boolean | undefined>;
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return el;
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** Text with Markdown-style `code` spans (the engine writes commands and names that way):
 * the spans become <code> elements, everything stays text. An unpaired backtick is kept. */
export function withCode(text: string): (Node | string)[] {
  const parts = text.split("`");
  if (parts.length < 3) return [text];
  const out: (Node | string)[] = [];
  parts.forEach((part, i) => {
    const inCode = i % 2 === 1 && i < parts.length - (parts.length % 2 === 0 ? 1 : 0);
    if (inCode) out.push(h("code", {}, part));
    else if (i % 2 === 1) out.push(`\`${part}`);
    else if (part) out.push(part);
  });
  return out;
}
