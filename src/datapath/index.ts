export { Tracer, type TraceRequest } from './tracer.js';
export type { Verdict, HopStep, TraceHop, TracePath, TraceResult, Delivered } from './types.js';
export { Neighbour, type ArpAnswer } from './neighbour.js';
export { traceConnection, type ConnectionResult, type ConnectionPath, type ReplyTrace } from './connection.js';
