import type { MessageTable } from '../schema.js';

/**
 * Field tables (batch/v1) in the notation of schema.ts, read from
 * k8s.io/api batch/v1/generated.proto: Job and CronJob.
 */
export const BATCH_MESSAGES = {
  Job: {
    1: 'metadata:ObjectMeta',
    2: 'spec:JobSpec',
    3: 'status:JobStatus',
  },
  CronJob: {
    1: 'metadata:ObjectMeta',
    2: 'spec:CronJobSpec',
    3: 'status:CronJobStatus',
  },
  JobSpec: { // not decoded (refused with 415): podFailurePolicy=11, successPolicy=16, scheduling=17
    1: 'parallelism:int32?',
    2: 'completions:int32?',
    3: 'activeDeadlineSeconds:int64?',
    4: 'selector:LabelSelector',
    5: 'manualSelector:bool?',
    6: 'template:PodTemplateSpec',
    7: 'backoffLimit:int32?',
    8: 'ttlSecondsAfterFinished:int32?',
    9: 'completionMode:string?',
    10: 'suspend:bool?',
    12: 'backoffLimitPerIndex:int32?',
    13: 'maxFailedIndexes:int32?',
    14: 'podReplacementPolicy:string?',
    15: 'managedBy:string?',
  },
  JobStatus: { // not decoded (refused with 415): uncountedTerminatedPods=8
    1: 'conditions:[]JobCondition',
    2: 'startTime:Time',
    3: 'completionTime:Time',
    4: 'active:int32',
    5: 'succeeded:int32',
    6: 'failed:int32',
    7: 'completedIndexes:string',
    9: 'ready:int32?',
    10: 'failedIndexes:string?',
    11: 'terminating:int32?',
  },
  CronJobSpec: {
    1: 'schedule:string!',
    2: 'startingDeadlineSeconds:int64?',
    3: 'concurrencyPolicy:string',
    4: 'suspend:bool?',
    5: 'jobTemplate:JobTemplateSpec',
    6: 'successfulJobsHistoryLimit:int32?',
    7: 'failedJobsHistoryLimit:int32?',
    8: 'timeZone:string?',
  },
  CronJobStatus: {
    1: 'active:[]ObjectReference',
    4: 'lastScheduleTime:Time',
    5: 'lastSuccessfulTime:Time',
  },
  JobCondition: {
    1: 'type:string!',
    2: 'status:string!',
    3: 'lastProbeTime:Time',
    4: 'lastTransitionTime:Time',
    5: 'reason:string',
    6: 'message:string',
  },
  JobTemplateSpec: {
    1: 'metadata:ObjectMeta',
    2: 'spec:JobSpec',
  },
} as const satisfies MessageTable;
