import test from 'ava';
import { IptablesProxier, sortIPTablesRules } from '../../../../src/proxy/index.js';
import { fakeProxierConfig } from '../../helpers.js';
import { overallIPTablesRulesExpected } from '../../fixtures/overall-iptables-rules.js';
import { overallServices, overallSlices } from '../../fixtures/overall-services.js';

test('TestOverallIPTablesRules: full sync matches kube-proxy byte for byte after sortIPTablesRules', (t) => {
  const p = new IptablesProxier(fakeProxierConfig());
  for (const s of overallServices()) p.onServiceAdd(s);
  for (const e of overallSlices()) p.onEndpointSliceAdd(e);
  const r = p.sync();
  t.is(r.kind, 'full');
  const sorted = sortIPTablesRules(r.restore);
  if (sorted !== overallIPTablesRulesExpected) t.log(r.restore);
  t.is(sorted, overallIPTablesRulesExpected);
});
