import { TemplateSyntaxError } from './errors.js';
import { isTemplateError, type Token, TOKEN, type Tokenizer } from './nunjucks.js';
import { table } from './values.js';

/** Turning nunjucks' parse failures into TemplateSyntaxErrors that say what was expected where. */

const TOKEN_NAMES = table<string>({
  'block-end': "'%}'",
  'block-start': "'{%'",
  'variable-end': "'}}'",
  'variable-start': "'{{'",
  'left-paren': "'('",
  'right-paren': "')'",
  'left-bracket': "'['",
  'right-bracket': "']'",
  'left-curly': "'{'",
  'right-curly': "'}'",
  comma: "','",
  colon: "':'",
  pipe: "'|'",
  tilde: "'~'",
  symbol: 'a name',
  string: 'a string',
  int: 'an integer',
  float: 'a number',
  data: 'template text',
  comment: 'a comment',
});

export function describe(tok: Token | null): string {
  if (tok === null) return 'the end of the template';
  if (tok.type === TOKEN.SYMBOL || tok.type === TOKEN.OPERATOR) return `'${tok.value}'`;
  return TOKEN_NAMES[tok.type] ?? tok.type;
}

/** nunjucks' wording, reworded to say what was expected in the user's terms. */
function reword(message: string): string {
  return message
    .replace(/^parse\w*: /, '')
    .replace(/^expected variable end$/, "expected '}}'")
    .replace(/^expected block end in (\S+) statement$/, "expected '%}' to end the '$1' tag")
    .replace(/^unknown block tag: (.*)$/, "unknown tag '$1'")
    .replace(/^unexpected token: (.*)$/, "unexpected '$1'")
    .replace(/unexpected end of file/, 'unexpected end of template')
    .replace(/got end of file/, 'got the end of the template')
    .replace(
      /^expected ([\w-]+), got ([\w-]+)$/,
      (_all, want: string, got: string) =>
        `expected ${TOKEN_NAMES[want] ?? want}, got ${TOKEN_NAMES[got] ?? got}`,
    );
}

export function syntaxError(err: unknown, tokens: Tokenizer): TemplateSyntaxError {
  if (err instanceof TemplateSyntaxError) return err;
  if (isTemplateError(err) && err.lineno !== undefined)
    return new TemplateSyntaxError(reword(err.message), err.lineno, err.colno, { cause: err });
  // Lexer errors carry no position, so use the lexer's; a TypeError is nunjucks
  // tripping over a missing token, which only happens at the end of input.
  const message = err instanceof Error ? err.message : String(err);
  const detail =
    err instanceof RangeError
      ? 'template is nested too deeply'
      : err instanceof TypeError
        ? 'unexpected end of template'
        : reword(message);
  return new TemplateSyntaxError(detail, tokens.lineno + 1, tokens.colno + 1, { cause: err });
}
