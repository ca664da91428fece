import type { MessageTable } from '../schema.js';

/**
 * Field tables (core/v1) in the notation of schema.ts, read from k8s.io/api core/v1/generated.proto:
 * the core Event that client-go's event recorder posts (eventTime is a MicroTime).
 */
export const EVENT_MESSAGES = {
  Event: {
    1: 'metadata:ObjectMeta',
    2: 'involvedObject:ObjectReference',
    3: 'reason:string',
    4: 'message:string',
    5: 'source:EventSource',
    6: 'firstTimestamp:Time',
    7: 'lastTimestamp:Time',
    8: 'count:int32',
    9: 'type:string',
    10: 'eventTime:MicroTime',
    11: 'series:EventSeries',
    12: 'action:string',
    13: 'related:ObjectReference',
    14: 'reportingComponent:string!',
    15: 'reportingInstance:string!',
  },
  EventSource: {
    1: 'component:string',
    2: 'host:string',
  },
  EventSeries: {
    1: 'count:int32',
    2: 'lastObservedTime:MicroTime',
  },
} as const satisfies MessageTable;
