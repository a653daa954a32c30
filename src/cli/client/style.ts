import type { State } from './schemas.js';

/**
 * Terminal styling for human output. Colours follow Apsis's theme
 * (`apsis/cmdline.py`), as 256-colour ANSI codes; with colour off (not a
 * terminal, `NO_COLOR`) every style is the identity.
 */
export type StyleName =
  | 'bold'
  | 'underline'
  | 'run'
  | 'job'
  | 'arg'
  | 'param'
  | 'time'
  | 'key'
  | 'error'
  | 'warning'
  | `state.${State}`;

const ANSI: Record<StyleName, string> = {
  bold: '1',
  underline: '4',
  run: '38;5;36', // #00af87
  job: '38;5;30', // #008787
  arg: '38;5;60', // #5f5f87
  param: '38;5;60',
  time: '38;5;239', // #505050
  key: '38;5;244',
  error: '38;5;196', // red1
  warning: '38;5;172', // orange3
  'state.new': '38;5;17',
  'state.scheduled': '38;5;243',
  'state.starting': '38;5;243',
  'state.waiting': '38;5;241',
  'state.running': '38;5;136',
  'state.stopping': '38;5;243',
  'state.success': '38;5;29',
  'state.failure': '38;5;124',
  'state.error': '38;5;127',
  'state.skipped': '38;5;102',
};

export type Paint = (style: StyleName, text: string) => string;

export function createPaint(color: boolean): Paint {
  if (!color) return (_style, text) => text;
  return (style, text) => (text === '' ? '' : `\x1b[${ANSI[style]}m${text}\x1b[0m`);
}

/** Whether to colour a stream: a terminal, unless `NO_COLOR`; `FORCE_COLOR` forces it. */
export function wantColor(
  isTty: boolean,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') {
    return true;
  }
  return isTty && env.TERM !== 'dumb';
}

// eslint-disable-next-line no-control-regex
const ESCAPE_RE = /\x1b\[[0-9;]*m/g;

/** Printed width: escape codes take no room, each code point one column. */
export function visibleWidth(text: string): number {
  return Array.from(text.replace(ESCAPE_RE, '')).length;
}

export interface Column {
  header: string;
  align?: 'left' | 'right';
}

/**
 * A table as Apsis prints one (rich's SIMPLE_HEAVY, no edge, no padding):
 * the header, a heavy rule, then one line per row; columns one space apart.
 * Rows may be longer than `columns` (unheaded trailing columns).
 */
export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  options: { header?: boolean; paint?: Paint } = {},
): string {
  const showHeader = options.header ?? true;
  const count = Math.max(columns.length, ...rows.map((r) => r.length));
  const widths = Array.from({ length: count }, (_, i) =>
    Math.max(
      showHeader ? visibleWidth(columns[i]?.header ?? '') : 0,
      ...rows.map((r) => visibleWidth(r[i] ?? '')),
    ),
  );
  const line = (cells: readonly string[]) =>
    widths
      .map((width, i) => {
        const cell = cells[i] ?? '';
        const pad = ' '.repeat(width - visibleWidth(cell));
        return columns[i]?.align === 'right' ? pad + cell : cell + pad;
      })
      .join(' ')
      .trimEnd();
  const lines: string[] = [];
  if (showHeader) {
    const paint = options.paint ?? ((_s: StyleName, t: string) => t);
    lines.push(line(columns.map((c) => paint('bold', c.header))));
    const total = widths.reduce((a, b) => a + b, 0) + Math.max(0, widths.length - 1);
    lines.push('━'.repeat(total));
  }
  lines.push(...rows.map(line));
  return lines.map((l) => `${l}\n`).join('');
}
