import test from 'ava';
import { readBase64 } from '../../src/api/base64-bytes.js';

// Expected offsets are what Go's base64.StdEncoding.DecodeString reports (CorruptInputError), worked out by hand
// from encoding/base64's decodeQuantum.
test('valid padded base64: the decoded length', (t) => {
  t.deepEqual(readBase64(''), { ok: true, bytes: 0 });
  t.deepEqual(readBase64('czNjcjN0IQ=='), { ok: true, bytes: 7 }); // "s3cr3t!"
  t.deepEqual(readBase64('YWRtaW4='), { ok: true, bytes: 5 }); // "admin"
  t.deepEqual(readBase64('YWJj'), { ok: true, bytes: 3 });
  t.deepEqual(readBase64('YW\nJj\r\n'), { ok: true, bytes: 3 }, 'line breaks are skipped');
});

test('invalid base64: Go\'s message and offset', (t) => {
  t.deepEqual(readBase64('abc$def'), { ok: false, error: 'illegal base64 data at input byte 3' });
  t.deepEqual(readBase64('YWJ'), { ok: false, error: 'illegal base64 data at input byte 0' }, 'an unpadded last quantum');
  t.deepEqual(readBase64('YWJjYW'), { ok: false, error: 'illegal base64 data at input byte 4' });
  t.deepEqual(readBase64('Y==='), { ok: false, error: 'illegal base64 data at input byte 1' }, "'=' in the second place");
  t.deepEqual(readBase64('YW='), { ok: false, error: 'illegal base64 data at input byte 3' }, 'one of two pad characters');
  t.deepEqual(readBase64('YW=j'), { ok: false, error: 'illegal base64 data at input byte 2' });
  t.deepEqual(readBase64('YWI=YWJj'), { ok: false, error: 'illegal base64 data at input byte 4' }, 'data after the padding');
  t.deepEqual(readBase64('YWJj-_'), { ok: false, error: 'illegal base64 data at input byte 4' }, 'the URL alphabet is not standard base64');
});
