import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bindContext, renderTemplate } from '../../src/templates/index.js';
import { builtinCalendars } from '../../src/time/index.js';

function render(template: string, args: Record<string, string> = {}): string {
  return renderTemplate(
    template,
    bindContext({ runId: 'r1', jobId: 'j', args, calendars: builtinCalendars }),
  );
}

describe('arithmetic', () => {
  it('keeps ints exact and makes / true division', () => {
    assert.equal(
      render('{{ 1 + 2 }} {{ 7 - 10 }} {{ 6 * 7 }} {{ 7 / 2 }} {{ 4 / 2 }}'),
      '3 -3 42 3.5 2.0',
    );
  });

  it('floors // and takes % with the sign of the divisor, as Python does', () => {
    assert.equal(
      render('{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 7.5 // 2 }}'),
      '3 -4 2 -2 3.0',
    );
  });

  it('mixes int and float into float', () => {
    assert.equal(render('{{ 1 + 0.5 }} {{ 2 * 1.5 }} {{ 2 ** -1 }}'), '1.5 3.0 0.5');
  });

  it('treats booleans as ints', () => {
    assert.equal(render('{{ true + true }} {{ 3 * false }}'), '2 0');
  });

  it('concatenates and repeats strings and lists', () => {
    assert.equal(
      render("{{ 'ab' + 'cd' }} {{ 'ab' * 2 }} {{ 3 * 'x' }} {{ [1] + [2] }} {{ [0] * 3 }}"),
      'abcd abab xxx [1, 2] [0, 0, 0]',
    );
  });

  it('refuses to mix strings and numbers', () => {
    assert.throws(() => render("{{ 'a' - 1 }}"), {
      message: "unsupported operand type(s) for -: 'str' and 'int'",
    });
    assert.throws(() => render("{{ 'a' * 'b' }}"), {
      message: "can't multiply sequence by non-int of type 'str'",
    });
  });

  it('raises on division by zero', () => {
    assert.throws(() => render('{{ 1 / 0 }}'), { message: 'division by zero' });
    assert.throws(() => render('{{ 1 // 0 }}'), { message: 'integer division or modulo by zero' });
    assert.throws(() => render('{{ 1.0 / 0 }}'), { message: 'float division by zero' });
  });

  it('negates numbers only', () => {
    assert.equal(render('{{ -(2 + 3) }} {{ -1.5 }} {{ +4 }}'), '-5 -1.5 4');
    assert.throws(() => render("{{ -'a' }}"), { message: "bad operand type for unary -: 'str'" });
  });

  it('concatenates anything with ~ through str()', () => {
    assert.equal(render("{{ 'n=' ~ 1 ~ ' ' ~ none ~ ' ' ~ 2.0 }}"), 'n=1 None 2.0');
  });

  it("formats with %, like Python's printf-style strings", () => {
    assert.equal(render("{{ '%s-%s' % (a, b) }}", { a: 'x', b: 'y' }), 'x-y');
    assert.equal(
      render("{{ '%05.2f|%3d|%-4s|%x' % (3.14159, 7, 'ab', 255) }}"),
      '03.14|  7|ab  |ff',
    );
    assert.equal(render("{{ '%(k)s' % {'k': 'v'} }} {{ '100%%' % () }}"), 'v 100%');
    assert.throws(() => render("{{ '%s %s' % ('a',) }}"), {
      message: 'not enough arguments for format string',
    });
  });
});

describe('comparisons', () => {
  it('compares numbers across int and float and chains comparisons', () => {
    assert.equal(
      render('{{ 1 == 1.0 }} {{ 2 > 1.5 }} {{ 1 < 2 < 3 }} {{ 1 < 3 < 2 }}'),
      'True True True False',
    );
  });

  it('compares strings, lists and tuples', () => {
    assert.equal(
      render("{{ 'a' < 'b' }} {{ [1, 2] == [1, 2] }} {{ [1, 2] < [1, 3] }} {{ (1, 2) == [1, 2] }}"),
      'True True True False',
    );
  });

  it('never equates a string arg with a number', () => {
    assert.equal(
      render('{{ n == 5 }} {{ n == "5" }} {{ n | int == 5 }}', { n: '5' }),
      'False True True',
    );
  });

  it('refuses to order unlike types', () => {
    assert.throws(() => render('{{ [1] < 1 }}'), {
      message: "'<' not supported between instances of 'list' and 'int'",
    });
  });
});

describe('in, and, or, not', () => {
  it('tests substrings, list members and dict keys', () => {
    assert.equal(
      render("{{ 'ell' in 'hello' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 3 not in [1] }}"),
      'True True True True',
    );
  });

  it('requires a string on the left of in <string>', () => {
    assert.throws(() => render("{{ 1 in 'abc' }}"), {
      message: "'in <string>' requires string as left operand, not int",
    });
  });

  it('returns operands from and/or and uses Python truthiness', () => {
    assert.equal(
      render("{{ '' or 'b' }} {{ 'a' and 'b' }} {{ [] or 'empty' }} {{ 0 and 1 }}"),
      'b b empty 0',
    );
    assert.equal(
      render("{{ not [] }} {{ not {} }} {{ not '0' }} {{ not 0.0 }}"),
      'True True False True',
    );
  });

  it('short-circuits so the right side is not evaluated', () => {
    assert.equal(render("{{ 'x' or undefined_name }} {{ '' and undefined_name }}|"), 'x |');
  });
});

describe('Python str methods on args', () => {
  it('replaces, changes case, strips, splits and joins like Python str', () => {
    assert.equal(render("{{ date.replace('-', '') }}", { date: '2024-01-07' }), '20240107');
    assert.equal(
      render('{{ r.upper() }} {{ r.lower() }} {{ s.strip() }}|', { r: 'Eu', s: '  x  ' }),
      'EU eu x|',
    );
    assert.equal(
      render("{{ d.split('-') }} {{ '-'.join(d.split('-')[1:]) }}", { d: '2024-01-07' }),
      "['2024', '01', '07'] 01-07",
    );
    assert.equal(
      render("{{ 'a  b c'.split() }} {{ 'a,b,c'.split(',', 1) }} {{ 'a,b,c'.rsplit(',', 1) }}"),
      "['a', 'b', 'c'] ['a', 'b,c'] ['a,b', 'c']",
    );
  });

  it('searches, counts, pads and capitalises like Python str', () => {
    assert.equal(
      render(
        "{{ s.startswith('ab') }} {{ s.endswith(('x', 'c')) }} {{ s.find('c') }} {{ s.count('b') }}",
        { s: 'abc' },
      ),
      'True True 2 1',
    );
    assert.equal(
      render(
        "{{ '7'.zfill(3) }} {{ '-7'.zfill(3) }} {{ 'hello world'.title() }} {{ 'hELLO'.capitalize() }}",
      ),
      '007 -07 Hello World Hello',
    );
  });

  it('classifies characters with isdigit, isalpha and islower', () => {
    assert.equal(
      render(
        "{{ '123'.isdigit() }} {{ '12a'.isdigit() }} {{ 'ab'.isalpha() }} {{ 'ab'.islower() }}",
      ),
      'True False True True',
    );
  });

  it('fills str.format fields by position, name and format spec', () => {
    assert.equal(
      render(
        "{{ '{}-{}'.format(a, b) }} {{ '{0}{0}'.format(a) }} {{ '{x:>4}|{y:.2f}'.format(x='ab', y=3.14159) }}",
        { a: '1', b: '2' },
      ),
      '1-2 11   ab|3.14',
    );
  });

  it('indexes and slices strings', () => {
    assert.equal(
      render('{{ d[0] }} {{ d[-1] }} {{ d[:4] }} {{ d[5:7] }} {{ d[::-1] }}', { d: '2024-01-07' }),
      '2 7 2024 01 70-10-4202',
    );
    assert.throws(() => render('{{ d[20] }}', { d: 'abc' }), { message: 'str index out of range' });
  });

  it('lists and dicts have their read-only methods', () => {
    assert.equal(
      render(
        "{{ [1, 2, 1].count(1) }} {{ ['a', 'b'].index('b') }} {{ {'a': 1}.get('b', 0) }} {{ {'a': 1}.keys() | list }}",
      ),
      "2 1 0 ['a']",
    );
  });
});
