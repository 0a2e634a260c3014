import Table from 'cli-table3';

/** A plain table for terminal output: a header row, then one row per item. */
export function formatTable(head: string[], rows: (string | number)[][]): string {
  const table = new Table({ head, style: { head: [], border: [] } });
  for (const row of rows) table.push(row.map(String));
  return table.toString();
}
