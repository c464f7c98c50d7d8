// Unit tests of the key usage chart's and the allow-list field's pure
// helpers (web/views/usage.js). internal/devserver's TestUsageHelpers runs
// them.
import { test } from 'node:test';
import assert from 'node:assert/strict';

const { usageSummary, dayInWords, addressLines, addressMessage } = await import('../../web/views/usage.js');

/** Thirty days ending 2026-11-30, with the given counts by date. */
function usage(counts) {
  const days = [];
  for (let i = 29; i >= 0; i--) {
    const date = new Date(Date.UTC(2026, 10, 30 - i)).toISOString().slice(0, 10);
    days.push({ date, requests: counts[date] || 0 });
  }
  return { days, total: days.reduce((n, d) => n + d.requests, 0) };
}

test('the usage summary says the total and the busiest day', () => {
  const cases = [
    [{}, 'No requests in the last 30 days.'],
    [{ '2026-11-30': 1 }, '1 request in the last 30 days, most on 30 Nov (1).'],
    [{ '2026-11-28': 17, '2026-11-29': 25, '2026-11-02': 0 }, '42 requests in the last 30 days, most on 29 Nov (25).'],
    [{ '2026-11-01': 5, '2026-11-20': 5 }, '10 requests in the last 30 days, most on 1 Nov (5).'],
    [{ '2026-11-15': 12345 }, '12,345 requests in the last 30 days, most on 15 Nov (12,345).'],
  ];
  for (const [counts, want] of cases) assert.equal(usageSummary(usage(counts), 'en-GB'), want, JSON.stringify(counts));
});

test('a UTC day in words does not move with the time zone', () => {
  assert.equal(dayInWords('2026-01-01', 'en-GB'), '1 Jan');
  assert.equal(dayInWords('2026-12-31', 'en-GB'), '31 Dec');
});

test('the allowed addresses field, line by line', () => {
  assert.deepEqual(addressLines(''), { values: [], lines: [] });
  assert.deepEqual(addressLines('\n  \n'), { values: [], lines: [] });
  assert.deepEqual(addressLines(' 10.0.0.0/8 \r\n\n2001:db8::/32\n'), { values: ['10.0.0.0/8', '2001:db8::/32'], lines: [1, 3] });
});

test("the API's words for an entry become the line it was typed on", () => {
  const lines = [1, 3, 4];
  assert.equal(addressMessage('allowedCidrs[1]: 10.1.2.3/8 has bits set past its length; the prefix is 10.0.0.0/8', lines),
    'Line 3: 10.1.2.3/8 has bits set past its length; the prefix is 10.0.0.0/8');
  assert.equal(addressMessage('allowedCidrs[2]: 10.0.0.0/8 is already allowedCidrs[0]', lines), 'Line 4: 10.0.0.0/8 is already on line 1');
  assert.equal(addressMessage('allowedCidrs may hold at most 20 entries', lines), 'The list may hold at most 20 entries');
  assert.equal(addressMessage('label must be 1 to 64 characters', lines), 'label must be 1 to 64 characters');
});
