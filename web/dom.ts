/** Small DOM builders: the panels render tables and text, nothing that needs a framework. */

type Child = Node | string | number | null | undefined;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === 'number' ? String(child) : child);
  }
  return node;
}

/** A table; cells given as nodes are kept, others become text. Numeric columns align right. */
export function table(
  headers: readonly string[],
  rows: readonly Child[][],
  numeric: readonly number[] = [],
): HTMLTableElement {
  const right = new Set(numeric);
  return el(
    'table',
    {},
    el(
      'thead',
      {},
      el('tr', {}, ...headers.map((h, i) => el('th', right.has(i) ? { class: 'num' } : {}, h))),
    ),
    el(
      'tbody',
      {},
      ...rows.map((row) =>
        el('tr', {}, ...row.map((cell, i) => el('td', right.has(i) ? { class: 'num' } : {}, cell))),
      ),
    ),
  );
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node as T;
}

/** Replaces what a panel shows. */
export function show(container: HTMLElement, ...content: Child[]): void {
  container.replaceChildren(
    ...content
      .filter((c): c is Node | string => c !== null && c !== undefined)
      .map((c) => (typeof c === 'number' ? String(c) : c)),
  );
}

export function note(text: string, kind: 'empty' | 'error' = 'empty'): HTMLParagraphElement {
  return el('p', { class: kind }, text);
}

/** A bar proportional to `value / max`, behind the number (lag, counts). */
export function bar(value: number, max: number, text: string): HTMLSpanElement {
  const width = max > 0 ? Math.max(0, Math.min(100, (value / max) * 100)) : 0;
  const fill = el('span', { class: 'fill' });
  fill.style.width = `${width}%`;
  return el('span', { class: 'bar' }, fill, el('span', { class: 'bar-text' }, text));
}
