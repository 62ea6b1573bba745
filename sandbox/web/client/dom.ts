import type { VNode } from '../render-blocks.js';

const SAFE_HREF = /^(https?:\/\/|mailto:)/i;

/**
 * The renderer's tree as DOM nodes. Text only ever becomes text nodes; attributes are set one by one, and
 * event handlers or unexpected link schemes are dropped even though the renderer never makes them.
 */
export function toDom(nodes: readonly VNode[]): DocumentFragment {
  const fragment = document.createDocumentFragment();
  for (const node of nodes) {
    if (typeof node === 'string') {
      fragment.append(document.createTextNode(node));
      continue;
    }
    const element = document.createElement(node.tag);
    for (const [name, value] of Object.entries(node.attrs ?? {})) {
      if (/^on/i.test(name)) continue;
      if (name === 'href' && !SAFE_HREF.test(value)) continue;
      element.setAttribute(name, value);
    }
    element.append(toDom(node.children ?? []));
    fragment.append(element);
  }
  return fragment;
}

/** A small element builder for the page's own chrome (names, times, labels); children are text or nodes. */
export function h(
  tag: string,
  attrs: Record<string, string | undefined> = {},
  ...children: (Node | string | undefined)[]
): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs))
    if (value !== undefined) element.setAttribute(name, value);
  for (const child of children) if (child !== undefined) element.append(child);
  return element;
}
