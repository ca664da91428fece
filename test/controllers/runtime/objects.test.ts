import test from 'ava';
import { canonicalJson } from '../../../src/controllers/runtime/objects.js';

test('canonicalJson sorts keys at every level and leaves out undefined members, as the pod-template-hash input', (t) => {
  const v = { spec: { restartPolicy: 'Always', containers: [{ name: 'app', image: 'nginx:1.27', ports: [{ containerPort: 8080, name: 'http' }] }] }, metadata: { labels: { app: 'web' }, annotations: undefined } };
  t.is(canonicalJson(v), '{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"image":"nginx:1.27","name":"app","ports":[{"containerPort":8080,"name":"http"}]}],"restartPolicy":"Always"}}');
});

test('canonicalJson escapes keys and strings exactly as JSON.stringify does', (t) => {
  // Quotes, backslashes, control characters, DEL, non-ASCII and line separators: each text as JSON.stringify writes it.
  const awkward = ['say "hi"', 'back\\slash', 'tab\there', 'bell\u0007', 'del\u007f', 'é', '\u2028', ''];
  for (const s of awkward) {
    t.is(canonicalJson(s), JSON.stringify(s));
    t.is(canonicalJson({ [s]: s }), `{${JSON.stringify(s)}:${JSON.stringify(s)}}`);
  }
});

test('canonicalJson writes scalars, null, empty containers and undefined array items as JSON does', (t) => {
  t.is(canonicalJson([1, 1.5, -0, true, null, undefined, [], {}]), '[1,1.5,0,true,null,null,[],{}]');
  t.is(canonicalJson(undefined), 'null');
});
