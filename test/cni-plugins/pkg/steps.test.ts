import test from 'ava';
import { drive, type Steps } from '../../../cni-plugins/pkg/steps.js';

/** Two operations and a sum; `op` answers with a value (the virtual kernel) or a promise (a real one). */
function* sum(op: (n: number) => unknown): Steps<number> {
  const a = (yield op(1)) as number;
  const b = (yield op(2)) as number;
  return a + b;
}

test('steps over plain answers finish at once; over promises they finish on the promises, with the same answer', async (t) => {
  t.is(drive(sum((n) => n * 10)), 30);
  const later = drive(sum((n) => Promise.resolve(n * 10)));
  t.true(later instanceof Promise);
  t.is(await later, 30);
  // Mixed: plain answers after the first promise are taken as they come.
  t.is(await drive(sum((n) => (n === 1 ? Promise.resolve(10) : 20))), 30);
});

test('a failing operation fails at its step either way, where the step can catch it', async (t) => {
  function* guarded(op: () => unknown): Steps<string> {
    try {
      yield op();
      return 'no error';
    } catch (e) {
      return `caught ${(e as Error).message}`;
    }
  }
  t.is(drive(guarded(() => { throw new Error('now'); })), 'caught now');
  t.is(await drive(guarded(() => Promise.reject(new Error('later')))), 'caught later');
  // Uncaught, the error leaves drive as a throw (plain answers) or a rejection (after a promise).
  t.throws(() => drive(sum(() => { throw new Error('boom'); })), { message: 'boom' });
  await t.throwsAsync(async () => drive(sum((n) => (n === 1 ? Promise.resolve(1) : Promise.reject(new Error('late boom'))))), { message: 'late boom' });
});
