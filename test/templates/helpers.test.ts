import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bindContext, renderTemplate, TemplateEvalError } from '../../src/templates/index.js';
import { CalendarResolver } from '../../src/time/index.js';

const HOLIDAYS =
  'START 2024-01-01\nSTOP 2025-01-01\n2024-01-02\n2024-01-03\n2024-01-04\n2024-01-05\n';
const calendars = new CalendarResolver((name) => (name === 'holidays' ? HOLIDAYS : undefined));

function render(template: string, args: Record<string, string> = {}): string {
  return renderTemplate(template, bindContext({ runId: 'r1', jobId: 'j', args, calendars }));
}

describe('Date', () => {
  it('parses YYYY-MM-DD and YYYYMMDD and prints YYYY-MM-DD', () => {
    assert.equal(
      render('{{ Date(date) }} {{ Date("20240107") }} {{ Date(Date(date)) }}', {
        date: '2024-01-07',
      }),
      '2024-01-07 2024-01-07 2024-01-07',
    );
    assert.equal(render('{{ Date(2024, 2, 29) }} {{ Date(20240229) }}'), '2024-02-29 2024-02-29');
  });

  it('exposes year, month, day, weekday and ordinal like ora', () => {
    const t =
      "{% set d = Date('2024-03-10') %}{{ d.year }} {{ d.month }} {{ d.day }} {{ d.weekday }} {{ d.ordinal }} {{ d.ymdi }}";
    assert.equal(render(t), '2024 Mar 10 Sun 70 20240310');
  });

  it('treats month and weekday as ints that print as names', () => {
    assert.equal(
      render(
        "{% set d = Date('2024-03-10') %}{{ d.month + 1 }} {{ d.month == 3 }} {{ d.weekday == 6 }} {{ '%02d' % d.month }} {{ format(d.month, '02d') }}",
      ),
      '4 True True 03 03',
    );
  });

  it('adds and subtracts days, and subtracts dates to an int', () => {
    assert.equal(
      render("{{ Date(date) - 1 }} {{ Date(date) + 30 }} {{ Date(date) - Date('2024-01-01') }}", {
        date: '2024-01-07',
      }),
      '2024-01-06 2024-02-06 6',
    );
  });

  it('compares dates with dates, and never equals a string', () => {
    assert.equal(
      render('{{ Date(a) < Date(b) }} {{ Date(a) == Date(a) }} {{ Date(a) == a }}', {
        a: '2024-01-07',
        b: '2024-01-08',
      }),
      'True True False',
    );
  });

  it('refuses text that is not a date', () => {
    assert.throws(() => render("{{ Date('2024-13-01') }}"), {
      message: "can't parse as date: '2024-13-01' (expected YYYY-MM-DD)",
    });
  });

  it('formats with strftime codes through format() and the format method', () => {
    assert.equal(
      render("{{ format(Date(d), '%Y%m%d') }} {{ Date(d).format('%a %d %b %Y') }}", {
        d: '2024-01-07',
      }),
      '20240107 Sun 07 Jan 2024',
    );
  });
});

describe('Daytime', () => {
  it('parses HH:MM:SS and exposes hour, minute and a float second', () => {
    assert.equal(
      render("{% set t = Daytime('09:05:30') %}{{ t }} {{ t.hour }} {{ t.minute }} {{ t.second }}"),
      '09:05:30 9 5 30.0',
    );
  });

  it('adds seconds, wrapping around midnight as ora does', () => {
    assert.equal(
      render("{{ Daytime('23:30:00') + 3600 }} {{ Daytime('00:10:00') - 1200 }}"),
      '00:30:00 23:50:00',
    );
  });

  it('formats with strftime codes', () => {
    assert.equal(render("{{ format(Daytime('13:05:00'), '%I:%M %p') }}"), '01:05 PM');
  });
});

describe('Time', () => {
  it('parses ISO 8601 with an offset and prints in UTC', () => {
    assert.equal(
      render('{{ Time(t) }}', { t: '2024-01-02T09:30:00-05:00' }),
      '2024-01-02T14:30:00+00:00',
    );
  });

  it('adds seconds and subtracts times to float seconds', () => {
    assert.equal(
      render("{{ Time(t) + 90 }} {{ Time(t) - Time('2024-01-01T14:30:00Z') }}", {
        t: '2024-01-02T14:30:00Z',
      }),
      '2024-01-02T14:31:30+00:00 86400.0',
    );
  });

  it('builds a time from local parts and a zone', () => {
    assert.equal(
      render(
        "{{ Time(2024, 7, 1, 12, 0, 0, 'America/New_York') }} {{ Time(Date('2024-07-01'), Daytime('12:00:00'), 'UTC') }}",
      ),
      '2024-07-01T16:00:00+00:00 2024-07-01T12:00:00+00:00',
    );
  });

  it('formats in UTC by default and in the zone after @', () => {
    const args = { t: '2024-01-02T14:30:00Z' };
    assert.equal(render("{{ format(Time(t), '%Y-%m-%d %H:%M') }}", args), '2024-01-02 14:30');
    assert.equal(
      render("{{ format(Time(t), '%Y-%m-%d %H:%M@America/New_York') }}", args),
      '2024-01-02 09:30',
    );
    assert.equal(
      render("{{ format(Time(t), '@America/New_York') }}", args),
      '2024-01-02T09:30:00-05:00',
    );
  });

  it('formats in a zone with the format method, our stand-in for ora’s @', () => {
    assert.equal(
      render(
        "{{ Time(t).format('%H:%M %Z', 'Europe/London') }} {{ Time(t).format('%H:%M', TimeZone('Asia/Tokyo')) }}",
        { t: '2024-07-02T14:30:00Z' },
      ),
      '15:30 GMT+1 23:30',
    );
  });
});

describe('TimeZone', () => {
  it('prints its name and refuses unknown zones', () => {
    assert.equal(
      render("{{ TimeZone('America/New_York') }} {{ TimeZone('America/New_York').name }}"),
      'America/New_York America/New_York',
    );
    assert.throws(() => render("{{ TimeZone('Nowhere/Else') }}"), TemplateEvalError);
  });
});

describe('to_local and from_local', () => {
  it('to_local gives date and daytime, by attribute and by index', () => {
    const t =
      "{% set l = to_local(t, 'America/New_York') %}{{ l.date }} {{ l.daytime }} {{ l[0] }} {{ l[1] }} {{ l }} {{ l.hour }}";
    assert.equal(
      render(t, { t: '2024-01-02T03:30:00Z' }),
      '2024-01-01 22:30:00 2024-01-01 22:30:00 2024-01-01T22:30:00 22',
    );
  });

  it('from_local turns a local date and daytime into a time', () => {
    assert.equal(
      render("{{ from_local([d, '09:00:00'], 'America/New_York') }}", { d: '2024-01-02' }),
      '2024-01-02T14:00:00+00:00',
    );
    assert.equal(
      render("{{ from_local(to_local(t, 'Europe/Paris'), 'Europe/Paris') }}", {
        t: '2024-01-02T03:30:00Z',
      }),
      '2024-01-02T03:30:00+00:00',
    );
  });

  it('from_local takes the earlier instant of an ambiguous local time', () => {
    assert.equal(
      render("{{ from_local(['2024-11-03', '01:30:00'], 'America/New_York') }}"),
      '2024-11-03T05:30:00+00:00',
    );
    assert.equal(
      render("{{ from_local(['2024-11-03', '01:30:00'], 'America/New_York', first=false) }}"),
      '2024-11-03T06:30:00+00:00',
    );
  });

  it('from_local names a local time that does not exist', () => {
    assert.throws(
      () => render("{{ from_local(['2024-03-10', '02:30:00'], 'America/New_York') }}"),
      {
        name: 'TemplateEvalError',
        message:
          'local time 2024-03-10T02:30:00 does not exist in America/New_York (it falls in a daylight-saving gap)',
      },
    );
  });
});

describe('get_calendar', () => {
  it('renders get_calendar before() of a Sunday as the Friday', () => {
    assert.equal(
      render("{{ get_calendar('Mon-Fri').before(date) }}", { date: '2024-01-07' }),
      '2024-01-05',
    );
  });

  it('renders after(), shift() and contains() with Date objects or strings', () => {
    const args = { date: '2024-01-07' };
    assert.equal(
      render(
        "{{ get_calendar('Mon-Fri').after(date) }} {{ get_calendar('Mon-Fri').shift(date, -1) }} {{ get_calendar('Mon-Fri').shift(Date(date) + 1, 5) }}",
        args,
      ),
      '2024-01-08 2024-01-05 2024-01-15',
    );
    assert.equal(
      render(
        "{{ get_calendar('Mon-Fri').contains(date) }} {{ Date(date) - 1 in get_calendar('Mon-Fri') }} {{ get_calendar('Mon-Fri').name }}",
        args,
      ),
      'False False Mon-Fri',
    );
  });

  it('returns Date objects that support arithmetic and attributes', () => {
    assert.equal(
      render("{{ (get_calendar('Mon-Fri').before(date) - 1).weekday }}", { date: '2024-01-07' }),
      'Thu',
    );
  });

  it('reads calendar files through the resolver', () => {
    assert.equal(
      render(
        "{{ get_calendar('holidays').after('2024-01-01') }} {{ get_calendar('holidays').shift('2024-01-02', 2) }}",
      ),
      '2024-01-02 2024-01-04',
    );
  });

  it('names an unknown calendar', () => {
    assert.throws(() => render("{{ get_calendar('nope') }}"), /no such calendar: nope/);
  });
});

describe('format', () => {
  it("follows Python's format-spec mini-language for numbers and strings", () => {
    assert.equal(
      render(
        "{{ format(3.14159, '.2f') }} {{ format(1234567, ',') }} {{ format(42, '05d') }} {{ format(0.25, '.0%') }} {{ format(255, '#x') }}",
      ),
      '3.14 1,234,567 00042 25% 0xff',
    );
    assert.equal(
      render(
        "[{{ format('ab', '>5') }}] [{{ format('ab', '^6') }}] [{{ format('ab', '*<4') }}] {{ format(12345.678, '.3e') }} {{ format(0.0001234, 'g') }}",
      ),
      '[   ab] [  ab  ] [ab**] 1.235e+04 0.0001234',
    );
  });

  it('rounds half to even on the exact binary value, as CPython does', () => {
    assert.equal(
      render(
        "{{ format(2.675, '.2f') }} {{ format(0.125, '.2f') }} {{ format(0.5, '.0f') }} {{ format(1.5, '.0f') }}",
      ),
      '2.67 0.12 0 2',
    );
  });

  it('prints str() when the spec is empty', () => {
    assert.equal(render('{{ format(2.0) }} {{ format(none) }} {{ format([1]) }}'), '2.0 None [1]');
  });
});
