import { type MouseEvent, type ReactNode, useEffect, useState } from 'react';
import type { RunSummary } from '../api/client';
import { type ArtifactFile, artifactUrl, fetchArtifactBlob, listArtifacts } from '../api/tracking-client';

const MAX_PREVIEW_BYTES = 512 * 1024;
const MAX_CSV_ROWS = 100;
const IMAGE = /\.(png|jpe?g|gif|webp|svg)$/i;
const TEXT = /(\.(txt|md|log|ya?ml|py|toml|ini|cfg|sh)|MLmodel|requirements\.txt)$/i;

type Preview =
  | { kind: 'json' | 'text'; text: string }
  | { kind: 'csv'; rows: string[][]; total: number }
  | { kind: 'image'; dataUrl: string }
  | { kind: 'none'; reason: string };

/**
 * A run's artifacts as a folder tree (one level fetched at a time), with a preview of the chosen file —
 * JSON pretty-printed, text, CSV as a table, images — and a download link for every file.
 */
export function ArtifactBrowser({ run, root = '' }: { run: RunSummary; root?: string }) {
  const [chosen, setChosen] = useState<ArtifactFile>();
  return (
    <div className="artifact-browser">
      <div className="artifact-tree" data-testid="artifact-tree">
        <ArtifactFolder run={run} path={root} isTop chosen={chosen?.path} onChoose={setChosen} />
      </div>
      <div className="artifact-preview" data-testid="artifact-preview">
        {chosen === undefined ? (
          <p className="muted">Choose a file to preview it.</p>
        ) : (
          <FilePreview run={run} file={chosen} />
        )}
      </div>
    </div>
  );
}

function ArtifactFolder(props: {
  run: RunSummary;
  path: string;
  isTop?: boolean;
  chosen: string | undefined;
  onChoose: (file: ArtifactFile) => void;
}) {
  const [files, setFiles] = useState<ArtifactFile[]>();
  const [open, setOpen] = useState<string[]>([]);
  const [error, setError] = useState<string>();
  const runId = props.run.info.run_id;
  useEffect(() => {
    listArtifacts(runId, props.path)
      .then((answer) => setFiles(answer.files ?? []))
      .catch((failure: Error) => setError(failure.message));
  }, [runId, props.path]);
  if (error)
    return (
      <p className="muted small">
        Cannot list {props.path || 'the artifacts'}: {error}
      </p>
    );
  if (files === undefined) return <p className="muted small">Loading…</p>;
  if (files.length === 0 && props.isTop) return <p className="muted">No artifact logged.</p>;
  return (
    <ul className="artifact-list">
      {files.map((file) => {
        const name = file.path.split('/').at(-1) ?? file.path;
        if (file.is_dir) {
          const isOpen = open.includes(file.path);
          return (
            <li key={file.path}>
              <button
                type="button"
                className="link-button"
                aria-expanded={isOpen}
                onClick={() =>
                  setOpen((current) =>
                    isOpen ? current.filter((path) => path !== file.path) : [...current, file.path],
                  )
                }
              >
                {isOpen ? '▾' : '▸'} {name}/
              </button>
              {isOpen && <ArtifactFolder {...props} isTop={false} path={file.path} />}
            </li>
          );
        }
        return (
          <li key={file.path}>
            <button
              type="button"
              className="link-button"
              aria-current={props.chosen === file.path ? 'true' : undefined}
              onClick={() => props.onChoose(file)}
            >
              {name}
            </button>{' '}
            <span className="muted small">{formatBytes(file.file_size)}</span>
          </li>
        );
      })}
    </ul>
  );
}

function FilePreview({ run, file }: { run: RunSummary; file: ArtifactFile }) {
  const [preview, setPreview] = useState<Preview>();
  const url = artifactUrl(run.info.artifact_uri, file.path);
  useEffect(() => {
    setPreview(undefined);
    previewOf(url, file)
      .then(setPreview)
      .catch((failure: Error) => setPreview({ kind: 'none', reason: failure.message }));
  }, [url, file]);
  const name = file.path.split('/').at(-1) ?? file.path;
  return (
    <>
      <div className="section-head">
        <h3 className="mono">{file.path}</h3>
        <DownloadLink href={url} fileName={name} />
      </div>
      {preview === undefined && <p className="muted">Loading the preview…</p>}
      {(preview?.kind === 'json' || preview?.kind === 'text') && (
        <pre className="code artifact-text" data-kind={preview.kind}>
          {preview.text}
        </pre>
      )}
      {preview?.kind === 'csv' && (
        <>
          <div className="table-wrap">
            <table data-testid="csv-preview">
              <thead>
                <tr>
                  {preview.rows[0]?.map((cell, column) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: a CSV header may repeat a name.
                    <th scope="col" key={column}>
                      {cell}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {preview.rows.slice(1).map((row, index) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: rows of a file have no identity but their place.
                  <tr key={index}>
                    {row.map((cell, column) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: as above.
                      <td key={column}>{cell}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {preview.total > MAX_CSV_ROWS && (
            <p className="muted small">
              First {MAX_CSV_ROWS} of {preview.total} rows.
            </p>
          )}
        </>
      )}
      {preview?.kind === 'image' && <img className="artifact-image" src={preview.dataUrl} alt={file.path} />}
      {preview?.kind === 'none' && <p className="muted">{preview.reason}</p>}
    </>
  );
}

async function previewOf(url: string, file: ArtifactFile): Promise<Preview> {
  const name = file.path.toLowerCase();
  const isKnown = IMAGE.test(name) || TEXT.test(file.path) || /\.(json|csv|tsv)$/.test(name);
  if (!isKnown) return { kind: 'none', reason: 'No preview for this kind of file: download it.' };
  if ((file.file_size ?? 0) > MAX_PREVIEW_BYTES)
    return { kind: 'none', reason: `Too large to preview (${formatBytes(file.file_size)}): download it.` };
  const blob = await fetchArtifactBlob(url);
  if (IMAGE.test(name)) return { kind: 'image', dataUrl: await dataUrlOf(blob) };
  const text = await blob.text();
  if (name.endsWith('.json')) {
    try {
      return { kind: 'json', text: JSON.stringify(JSON.parse(text), null, 2) };
    } catch {
      return { kind: 'text', text };
    }
  }
  if (name.endsWith('.csv') || name.endsWith('.tsv')) {
    const rows = parseCsv(text, name.endsWith('.tsv') ? '\t' : ',');
    return { kind: 'csv', rows: rows.slice(0, MAX_CSV_ROWS + 1), total: Math.max(0, rows.length - 1) };
  }
  return { kind: 'text', text };
}

/** Images become data: URLs (the page's content policy allows them; blob: URLs it does not). */
function dataUrlOf(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(new Error('cannot read the image'));
    reader.readAsDataURL(blob);
  });
}

/** RFC 4180 CSV: quoted fields may hold the separator, quotes ("") and line breaks. */
export function parseCsv(text: string, separator = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let isQuoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (isQuoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index++;
      } else if (char === '"') isQuoted = false;
      else field += char;
    } else if (char === '"') isQuoted = true;
    else if (char === separator) {
      row.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[index + 1] === '\n') index++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += char;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function formatBytes(size: number | undefined): string {
  if (size === undefined) return '';
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

/** A download (never a page of raw JSON): fetched with the token and handed over as a file. */
export function DownloadLink({
  href,
  fileName,
  className = 'button',
  children = 'Download',
}: {
  href: string;
  fileName: string;
  className?: string;
  children?: ReactNode;
}) {
  const [error, setError] = useState<string>();
  const download = (event: MouseEvent<HTMLAnchorElement>) => {
    event.preventDefault();
    setError(undefined);
    fetchArtifactBlob(href)
      .then((blob) => saveBlob(blob, fileName))
      .catch((failure: Error) => setError(failure.message));
  };
  return (
    <>
      <a className={className} href={href} download={fileName} onClick={download}>
        {children}
      </a>
      {error && (
        <span className="muted small" role="alert">
          {' '}
          {error}
        </span>
      )}
    </>
  );
}

/** Hands a blob to the browser as a download named `fileName`. */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  anchor.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
