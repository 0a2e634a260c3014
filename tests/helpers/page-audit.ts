import type { Page } from 'playwright-core';

/** The two screens every page is checked at. */
export const VIEWPORTS = {
  desktop: { width: 1440, height: 900 },
  phone: { width: 390, height: 844 },
} as const;

/**
 * Collects what a user would call broken while a page is open: console errors, uncaught exceptions,
 * failed requests and HTTP errors. `take()` returns and clears what was seen since the last call.
 * A request aborted by navigating away (`net::ERR_ABORTED`) is not a failure.
 */
export function auditPage(page: Page): { take(): string[] } {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? '';
    if (reason !== 'net::ERR_ABORTED')
      problems.push(`request failed: ${request.method()} ${request.url()} ${reason}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400)
      problems.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
  });
  return { take: () => problems.splice(0) };
}

/** How much wider than the viewport the page is (0 when it fits). */
export async function overflowPixels(page: Page): Promise<number> {
  return page.evaluate<number>('Math.max(0, document.documentElement.scrollWidth - window.innerWidth)');
}

// Runs in the page: the outermost elements reaching past the right edge, as `tag.class`.
const PAST_THE_EDGE = `(() => {
  const width = window.innerWidth;
  const found = [];
  for (const element of document.body.querySelectorAll('*')) {
    if (element.getBoundingClientRect().right <= width + 1) continue;
    const parent = element.parentElement;
    if (parent !== null && parent.getBoundingClientRect().right > width + 1) continue;
    const classes = typeof element.className === 'string' && element.className !== ''
      ? '.' + element.className.trim().split(/\\s+/).join('.') : '';
    found.push(element.tagName.toLowerCase() + classes);
    if (found.length >= 5) break;
  }
  return found;
})()`;

/** The outermost elements that reach past the right edge of the viewport, for a readable failure. */
export async function elementsPastTheEdge(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(PAST_THE_EDGE);
}
