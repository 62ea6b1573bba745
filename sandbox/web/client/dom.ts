import { emojiParts } from '../emoji.js';
import type { VNode } from '../render-blocks.js';

const SAFE_HREF = /^(https?:\/\/|mailto:)/i;

/**
 * Text as nodes, with each emoji as a picture served by the sandbox (`/emoji/<id>.svg`): the page must look
 * the same on a machine without an emoji font. An emoji the sandbox has no picture for stays a character.
 */
export function textNodes(text: string): Node[] {
  return emojiParts(text).map((part) => {
    if (typeof part === 'string') return document.createTextNode(part);
    const image = document.createElement('img');
    image.className = 'emoji';
    image.src = `/emoji/${part.id}.svg`;
    image.alt = part.emoji;
    image.draggable = false;
    image.addEventListener('error', () => image.replaceWith(document.createTextNode(part.emoji)), {
      once: true,
    });
    return image;
  });
}

/**
 * The renderer's tree as DOM nodes. Text only ever becomes text nodes (or emoji pictures); attributes are set
 * one by one, and event handlers or unexpected link schemes are dropped even though the renderer never makes
 * them.
 */
export function toDom(nodes: readonly VNode[]): DocumentFragment {
  const fragment = document.createDocumentFragment();
  for (const node of nodes) {
    if (typeof node === 'string') {
      fragment.append(...textNodes(node));
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

/** Replaces an element's content with text, emoji shown as pictures. */
export function setText(element: Element, text: string): void {
  element.replaceChildren(...textNodes(text));
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
  for (const child of children) {
    if (typeof child === 'string') element.append(...textNodes(child));
    else if (child !== undefined) element.append(child);
  }
  return element;
}

/**
 * Turns the emoji in the page's own markup (written in index.html, such as the shortcuts button) into pictures,
 * the same way as text the page renders later.
 */
export function pictureEmojiIn(root: Element): void {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const texts: Text[] = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) texts.push(node as Text);
  for (const text of texts) {
    const parts = textNodes(text.data);
    if (parts.some((part) => part.nodeType !== Node.TEXT_NODE)) text.replaceWith(...parts);
  }
}
