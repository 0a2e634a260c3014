import { type MouseEvent, type ReactNode, useState } from 'react';
import { getBlob, storedToken } from '../api/client';

/**
 * A link to a raw API answer or an artifact. With auth off it is a plain link; on a token-protected server
 * a plain link would be refused (it cannot send the token), so the file is fetched with the token and
 * handed over as a download named `fileName`.
 */
export function ApiLink({
  href,
  fileName,
  className,
  title,
  children,
}: {
  href: string;
  fileName: string;
  className?: string;
  title?: string;
  children: ReactNode;
}) {
  const [error, setError] = useState<string>();
  const open = (event: MouseEvent<HTMLAnchorElement>) => {
    if (storedToken() === undefined || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    setError(undefined);
    getBlob(href)
      .then((blob) => {
        const url = URL.createObjectURL(blob);
        const anchor = document.createElement('a');
        anchor.href = url;
        anchor.download = fileName;
        anchor.click();
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
      })
      .catch((failure: Error) => setError(failure.message));
  };
  return (
    <>
      <a href={href} className={className} title={title} onClick={open}>
        {children}
      </a>
      {error !== undefined && (
        <span className="muted small" role="alert">
          {' '}
          {error}
        </span>
      )}
    </>
  );
}
