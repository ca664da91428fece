import type { KubeObject } from '../../api/index.js';
import { printerFor, type Cell, type ColumnDefinition } from './columns.js';

/** meta.k8s.io/v1 Table, the answer to `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. */
export interface Table {
  readonly kind: 'Table';
  readonly apiVersion: 'meta.k8s.io/v1';
  readonly metadata: { readonly resourceVersion?: string };
  readonly columnDefinitions: readonly ColumnDefinition[];
  readonly rows: readonly { readonly cells: readonly Cell[]; readonly object: unknown }[];
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** The row object kubectl reads labels and namespace from (includeObject=Metadata, the default). */
export function partialObjectMetadata(o: KubeObject): Record<string, unknown> {
  const { managedFields: _mf, ...metadata } = o.metadata;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata };
}

export function toTable(
  kind: string,
  objects: readonly KubeObject[],
  opts: { nowMs: number; resourceVersion?: string; includeObject?: IncludeObject; noHeaders?: boolean },
): Table {
  const p = printerFor(kind);
  const include = opts.includeObject ?? 'Metadata';
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: opts.resourceVersion === undefined ? {} : { resourceVersion: opts.resourceVersion },
    columnDefinitions: opts.noHeaders === true ? [] : p.columns,
    rows: objects.map((o) => ({
      cells: p.cells(o, opts.nowMs),
      object: include === 'Object' ? o : include === 'None' ? null : partialObjectMetadata(o),
    })),
  };
}
