import { type ReactNode, useEffect } from 'react';
import { useLocation } from 'react-router';
import runbook from '../../../docs/runbook.md?raw';

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\w\s-]/g, '')
    .trim()
    .replace(/\s+/g, '-');

/** Inline markdown: `code` and [links](#anchor); everything else is plain text. */
function inline(text: string): ReactNode[] {
  const parts: ReactNode[] = [];
  const pattern = /`([^`]+)`|\[([^\]]+)\]\(([^)]+)\)/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const at = match.index ?? 0;
    if (at > last) parts.push(text.slice(last, at));
    if (match[1] !== undefined) parts.push(<code key={at}>{match[1]}</code>);
    else {
      const href = match[3] ?? '';
      parts.push(
        <a key={at} href={href.startsWith('#') ? href : href.replace(/^(\.\/)?/, '#')}>
          {match[2]}
        </a>,
      );
    }
    last = at + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

/** Paragraphs and lists of one section (continuation lines join their item). */
function blocks(lines: string[]): ReactNode[] {
  const out: ReactNode[] = [];
  let list: { ordered: boolean; items: string[] } | undefined;
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length > 0) out.push(<p key={out.length}>{inline(paragraph.join(' '))}</p>);
    paragraph = [];
    if (list !== undefined) {
      const items = list.items.map((item) => <li key={item}>{inline(item)}</li>);
      out.push(list.ordered ? <ol key={out.length}>{items}</ol> : <ul key={out.length}>{items}</ul>);
    }
    list = undefined;
  };
  for (const line of lines) {
    const item = /^(\d+\.|[-*])\s+(.*)$/.exec(line);
    if (line.trim() === '') flush();
    else if (item !== null) {
      const ordered = /\d/.test(item[1] ?? '');
      if (paragraph.length > 0 || (list !== undefined && list.ordered !== ordered)) flush();
      list ??= { ordered, items: [] };
      list.items.push(item[2] ?? '');
    } else if (list !== undefined && /^\s+/.test(line)) {
      list.items[list.items.length - 1] += ` ${line.trim()}`;
    } else paragraph.push(line.trim());
  }
  flush();
  return out;
}

const SECTIONS = runbook
  .split(/^## /m)
  .slice(1)
  .map((chunk) => {
    const [heading = '', ...lines] = chunk.split('\n');
    return { id: slug(heading), heading, lines };
  });

/** The incident runbook (docs/runbook.md), one section per alert; the Alerts page links each rule here. */
export function RunbookPage() {
  const { hash } = useLocation();
  useEffect(() => {
    if (hash !== '') document.getElementById(hash.slice(1))?.scrollIntoView();
  }, [hash]);
  return (
    <section className="page" aria-labelledby="runbook-title">
      <div className="page-head">
        <div>
          <h1 id="runbook-title">Runbook</h1>
          <p className="muted">What each alert means, what to look at first, how to get back to normal.</p>
        </div>
      </div>
      {SECTIONS.map((section) => (
        <article key={section.id} id={section.id} className="runbook">
          <h2>{section.heading}</h2>
          {blocks(section.lines)}
        </article>
      ))}
    </section>
  );
}
