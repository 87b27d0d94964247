import test from 'node:test';
import assert from 'node:assert/strict';
import { FILTER_STATUSES, FILTER_TYPES, filterOf, formOf, isEmptyFilter, localMidnight } from './filter-model.js';

test('an empty bar is the empty filter', () => {
  const f = filterOf({});
  assert.deepEqual(f, { text: '', statuses: [], types: [], since: null, until: null });
  assert.ok(isEmptyFilter(f));
  assert.ok(isEmptyFilter({ text: '   ' }), 'spaces alone filter nothing');
  assert.ok(!isEmptyFilter({ statuses: ['live'] }));
  assert.ok(!isEmptyFilter({ until: 0 }), 'a bound at the epoch is still a bound');
});

test('"From" is that day\'s local midnight and "To" includes its whole day', () => {
  const f = filterOf({ from: '2026-11-23', to: '2026-11-29' });
  assert.equal(f.since, new Date(2026, 10, 23).getTime());
  assert.equal(f.until, new Date(2026, 10, 30).getTime(), 'until = the next midnight (exclusive)');
  // A meeting at 23:59 on the "To" day is inside; one at midnight after it is not.
  assert.ok(new Date(2026, 10, 29, 23, 59).getTime() < f.until);
  assert.equal(new Date(2026, 10, 30, 0, 0).getTime(), f.until);
});

test('an impossible or half-typed date is no bound', () => {
  assert.equal(localMidnight('2026-02-31'), null);
  assert.equal(localMidnight('2026-13-01'), null);
  assert.equal(localMidnight('2026-1-1'), null);
  assert.equal(localMidnight(''), null);
  assert.equal(localMidnight(undefined), null);
  assert.equal(filterOf({ to: 'soon' }).until, null);
});

test('statuses and types are only those Rust knows, in its order', () => {
  assert.deepEqual(FILTER_STATUSES, ['notStarted', 'live', 'ended', 'unknown']);
  assert.deepEqual(FILTER_TYPES, ['instant', 'booked', 'audio', 'unknown']);
  const f = filterOf({ statuses: ['ended', 'bogus', 'live'], types: ['unknown', 'webinar'] });
  assert.deepEqual(f.statuses, ['live', 'ended']);
  assert.deepEqual(f.types, ['unknown']);
});

test('a filter Rust applied reads back into the same bar', () => {
  const form = { text: 'weekly 张', statuses: ['live'], types: ['booked'], from: '2026-03-28', to: '2026-03-29' };
  assert.deepEqual(formOf(filterOf(form)), form, 'across the daylight-saving weekend too');
  assert.deepEqual(formOf(null), { text: '', statuses: [], types: [], from: '', to: '' });
  assert.deepEqual(formOf({ since: 'x', statuses: 'live' }).statuses, []);
});
