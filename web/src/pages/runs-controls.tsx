import { applySuggestion, columnId, type namesOf } from './runs-table';

/** The runs table's column chooser: every metric, param and tag name seen, each a checkbox. */
export function ColumnChooser({
  names,
  chosen,
  count,
  onChange,
}: {
  names: ReturnType<typeof namesOf>;
  chosen: string[];
  /** How many chosen columns the shown runs have. */
  count: number;
  onChange: (chosen: string[]) => void;
}) {
  return (
    <details className="column-chooser">
      <summary className="button">Columns ({count})</summary>
      <div className="column-chooser-list" data-testid="column-chooser">
        {(['metrics', 'params', 'tags'] as const).map((kind) =>
          names[kind].length === 0 ? null : (
            <fieldset key={kind}>
              <legend>{kind}</legend>
              {names[kind].map((key) => {
                const id = columnId({ kind, key });
                return (
                  <label key={id}>
                    <input
                      type="checkbox"
                      checked={chosen.includes(id)}
                      onChange={() =>
                        onChange(chosen.includes(id) ? chosen.filter((item) => item !== id) : [...chosen, id])
                      }
                    />
                    {key}
                  </label>
                );
              })}
            </fieldset>
          ),
        )}
      </div>
    </details>
  );
}

/** The search-runs filter input, suggesting metric, param and tag names as one types. */
export function FilterBox({
  draft,
  suggestions,
  onDraft,
}: {
  draft: string;
  suggestions: string[];
  /** The new text, and whether to keep suggesting (false once a suggestion is taken or on Escape). */
  onDraft: (draft: string, isTyping: boolean) => void;
}) {
  return (
    <label className="grow filter-box">
      Filter
      <input
        value={draft}
        placeholder="metrics.ndcg_at_10 > 0.1 and params.algorithm = 'als'"
        autoComplete="off"
        aria-controls="filter-suggestions"
        onChange={(event) => onDraft(event.target.value, true)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') onDraft(draft, false);
        }}
      />
      {suggestions.length > 0 && (
        <ul className="suggestions" id="filter-suggestions" aria-label="Name suggestions">
          {suggestions.map((suggestion) => (
            <li key={suggestion}>
              <button
                type="button"
                className="link-button"
                onClick={() => onDraft(applySuggestion(draft, suggestion), false)}
              >
                {suggestion}
              </button>
            </li>
          ))}
        </ul>
      )}
    </label>
  );
}
