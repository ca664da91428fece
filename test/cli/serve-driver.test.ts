import test from 'ava';
import { SettleDriver, type Drivable } from '../../src/cli/serve-driver.js';

/** A cluster stand-in that records what the driver asked of it; a settle may "write" (poke) again. */
class Fake implements Drivable {
  calls: string[] = [];
  onSettle: () => void = () => undefined;
  settle(): Promise<void> {
    this.calls.push('settle');
    this.onSettle();
    return Promise.resolve();
  }
  advance(ms: number): Promise<void> {
    this.calls.push(`advance ${ms}`);
    return Promise.resolve();
  }
}

test('a burst of writes becomes one settle; idle() waits for it', async (t) => {
  const fake = new Fake();
  const d = new SettleDriver(fake, (e) => t.fail(String(e)));
  d.poke();
  d.poke();
  d.poke();
  t.deepEqual(fake.calls, [], 'nothing runs inside the write itself');
  await d.idle();
  t.deepEqual(fake.calls, ['settle']);
  await d.stop();
});

test("writes made during a pass (the controllers' own) get one more pass, then it stops", async (t) => {
  const fake = new Fake();
  const d = new SettleDriver(fake, (e) => t.fail(String(e)));
  let writes = 2;
  fake.onSettle = () => {
    if (writes-- > 0) d.poke();
  };
  d.poke();
  await d.idle();
  t.deepEqual(fake.calls, ['settle', 'settle', 'settle']);
  await d.stop();
});

test('advance accumulates and runs instead of a settle; nothing runs after stop', async (t) => {
  const fake = new Fake();
  const d = new SettleDriver(fake, (e) => t.fail(String(e)));
  d.advance(1000);
  d.advance(500);
  d.advance(0);
  await d.idle();
  t.deepEqual(fake.calls, ['advance 1500']);
  await d.stop();
  d.poke();
  await d.idle();
  t.deepEqual(fake.calls, ['advance 1500']);
});

test('an error in a pass is reported and the driver keeps serving', async (t) => {
  const fake = new Fake();
  const errors: unknown[] = [];
  const d = new SettleDriver(fake, (e) => errors.push(e));
  fake.onSettle = () => {
    throw new Error('boom');
  };
  d.poke();
  await d.idle();
  t.is(errors.length, 1);
  fake.onSettle = () => undefined;
  d.poke();
  await d.idle();
  t.is(fake.calls.length, 2);
  await d.stop();
});
