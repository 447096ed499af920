// A platform page's own words, as a support engineer would quote them: the text of a dialog or a
// message without its buttons (the close cross, « OK »), on one line, cut at a readable length.
import type { Locator } from 'playwright-core';

const MAX = 200;

/** Whitespace folded to single spaces, cut at 200 characters with an ellipsis. */
export function oneLine(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > MAX ? `${t.slice(0, MAX - 1)}…` : t;
}

/** The words of the element (its dialog body when it has one), without buttons. */
export async function pageWords(element: Locator): Promise<string> {
  const text = await element
    .evaluate((el) => {
      const root = (el.querySelector('.bootbox-body, .modal-body') ?? el).cloneNode(true) as typeof el;
      for (const b of root.querySelectorAll('button, .btn, .close, [role="button"]')) b.remove();
      return root.textContent ?? '';
    })
    .catch(() => '');
  return oneLine(text);
}
