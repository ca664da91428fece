export { NftablesProxier, type NftablesSyncReport } from './proxier.js';
export { renderNftTable, type NftRenderConfig } from './render.js';
export { hashAndTruncate, servicePortChainBase, endpointChainBase } from './names.js';
