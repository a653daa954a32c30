import { type Token, TokenizerBase } from './nunjucks.js';

const OPENERS = new Set(['left-paren', 'left-bracket', 'left-curly']);
const CLOSERS = new Set(['right-paren', 'right-bracket', 'right-curly']);
const TAG_STARTS = ['{{', '{%', '{#'];
// Jinja's number syntax: underscores between digits, a fraction, an exponent.
const NUMBER = /\d+(?:_\d+)*(\.\d+(?:_\d+)*)?([eE][+-]?\d+(?:_\d+)*)?(?![\w])/y;
const ESCAPE =
  /\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|\n|[\\'"abfnrtv]|[\s\S])?/g;
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, string>, {
    '\\': '\\',
    "'": "'",
    '"': '"',
    a: '\x07',
    b: '\b',
    f: '\f',
    n: '\n',
    r: '\r',
    t: '\t',
    v: '\v',
    '\n': '',
  }),
);

/** Python's string-literal escapes, as Jinja decodes them; unknown escapes keep their backslash. */
export function unescapePython(raw: string): string {
  return raw.replace(ESCAPE, (all, esc: string | undefined) => {
    if (esc === undefined) return all;
    const simple = SIMPLE_ESCAPES[esc];
    if (simple !== undefined) return simple;
    if (/^[xuU]/.test(esc)) {
      const code = parseInt(esc.slice(1), 16);
      if (code > 0x10ffff) throw new Error(`invalid escape \\${esc} in a string`);
      return String.fromCodePoint(code);
    }
    if (/^[0-7]+$/.test(esc)) return String.fromCodePoint(parseInt(esc, 8));
    return all;
  });
}

/**
 * nunjucks' lexer with the Jinja behaviours it lacks: inside a dict `}}`
 * closes two dicts rather than the tag (`{{ {'a': {'b': 1}} }}`); `#}` in
 * plain text is text; numbers may have exponents and underscores (`1e-3`,
 * `1_000`); and string literals decode Python's escapes (`'\x41'`, and `'\d'`
 * stays a backslash and a d).
 */
export class JinjaTokenizer extends TokenizerBase {
  /** Open brackets in the current tag, innermost last. */
  private readonly open: string[] = [];

  override nextToken(): Token | null {
    const tok = this.in_code ? this.codeToken() : (this.textWithCommentEnd() ?? super.nextToken());
    if (tok === null) return tok;
    if (OPENERS.has(tok.type)) this.open.push(tok.type);
    else if (CLOSERS.has(tok.type)) this.open.pop();
    else if (tok.type === 'variable-end' || tok.type === 'block-end') this.open.length = 0;
    return tok;
  }

  override _parseString(delimiter: string): string {
    this.forward();
    let raw = '';
    while (!this.isFinished() && this.current() !== delimiter) {
      if (this.current() === '\\') {
        raw += '\\';
        this.forward();
        if (this.isFinished()) break;
      }
      raw += this.current();
      this.forward();
    }
    if (this.isFinished()) throw new Error('unterminated string literal');
    this.forward();
    return unescapePython(raw);
  }

  private codeToken(): Token | null {
    const at = { lineno: this.lineno, colno: this.colno };
    if (this.open[this.open.length - 1] === 'left-curly' && this.str.startsWith('}}', this.index)) {
      this.forward();
      return { type: 'right-curly', value: '}', ...at };
    }
    NUMBER.lastIndex = this.index;
    const m = NUMBER.exec(this.str);
    if (m) {
      this.forwardN(m[0].length);
      const value = m[0].replace(/_/g, '');
      return { type: m[1] !== undefined || m[2] !== undefined ? 'float' : 'int', value, ...at };
    }
    return super.nextToken();
  }

  /** The text up to the next tag as one token, when it holds a `#}` nunjucks would reject. */
  private textWithCommentEnd(): Token | undefined {
    if (this.index >= this.len || this.str.startsWith('{#', this.index)) return undefined;
    let end = this.len;
    for (const tag of TAG_STARTS) {
      const at = this.str.indexOf(tag, this.index);
      if (at >= 0 && at < end) end = at;
    }
    const text = this.str.slice(this.index, end);
    if (!text.includes('#}')) return undefined;
    const tok: Token = { type: 'data', value: text, lineno: this.lineno, colno: this.colno };
    this.forwardN(text.length);
    return tok;
  }
}
