/**
 * How a protobuf message maps to the JSON an API client would have sent. The tables are written
 * in a compact notation, one string per field number, read from k8s.io/api's generated.proto
 * (field numbers, proto types) and the Go types (json names, pointer or not, omitempty):
 *
 *   'replicas:int32?'        a pointer (`*int32`): present only when set, zero values kept
 *   'name:string!'           a value without omitempty: always in the JSON, even when empty
 *   'minReadySeconds:int32'  a value with omitempty: dropped when zero ("" / 0 / false), as JSON would
 *   'args:[]string'          repeated
 *   'labels:map<string>'     a proto map (repeated entry messages, key = 1, value = 2)
 *   'metadata:ObjectMeta'    a nested message, by its name in the same registry
 *   ':VolumeSource'          an inline (`json:",inline"`) struct: its fields go into the parent object
 */
export type ScalarType = 'string' | 'int32' | 'int64' | 'bool' | 'bytes' | 'double';
/** Types with their own encodings: meta.v1.Time/MicroTime, intstr.IntOrString, resource.Quantity, meta.v1.FieldsV1. */
export type SpecialType = 'Time' | 'MicroTime' | 'IntOrString' | 'Quantity' | 'FieldsV1';

export type ValueType = { readonly kind: 'scalar'; readonly type: ScalarType } | { readonly kind: 'special'; readonly type: SpecialType } | { readonly kind: 'message'; readonly type: string };

export interface FieldSpec {
  /** The JSON name; '' for an inline struct. */
  readonly json: string;
  readonly value: ValueType;
  readonly shape: 'single' | 'repeated' | 'map';
  /** How a zero scalar shows in JSON: dropped (omitempty), kept (pointer, or no omitempty). */
  readonly keepZero: boolean;
}

export type MessageTable = Readonly<Record<string, Readonly<Record<number, string>>>>;

export interface MessageSpec {
  /** For messages: "apps/v1 DeploymentSpec". */
  readonly name: string;
  readonly fields: ReadonlyMap<number, FieldSpec>;
}

const SCALARS: readonly string[] = ['string', 'int32', 'int64', 'bool', 'bytes', 'double'] satisfies readonly ScalarType[];
const SPECIALS: readonly string[] = ['Time', 'MicroTime', 'IntOrString', 'Quantity', 'FieldsV1'] satisfies readonly SpecialType[];

const FIELD_RE = /^([A-Za-z0-9]*):(\[\]|map<)?([A-Za-z0-9]+)(>)?([?!])?$/;

function valueType(type: string): ValueType {
  if (SCALARS.includes(type)) return { kind: 'scalar', type: type as ScalarType };
  if (SPECIALS.includes(type)) return { kind: 'special', type: type as SpecialType };
  return { kind: 'message', type };
}

/** Parses one field of the notation above; throws on a typo (the tables are checked at load). */
export function parseField(text: string): FieldSpec {
  const m = FIELD_RE.exec(text);
  if (m === null) throw new Error(`protobuf schema: cannot parse field "${text}"`);
  const [, json = '', prefix, type = '', close, mark] = m;
  if ((prefix === 'map<') !== (close === '>')) throw new Error(`protobuf schema: unbalanced map<> in "${text}"`);
  const shape = prefix === '[]' ? 'repeated' : prefix === 'map<' ? 'map' : 'single';
  return { json, value: valueType(type), shape, keepZero: mark === '?' || mark === '!' };
}

/** The registry: every message of every table, with references between them checked. */
export class Schema {
  private readonly messages = new Map<string, MessageSpec>();

  constructor(tables: readonly { readonly group: string; readonly table: MessageTable }[]) {
    for (const { group, table } of tables) {
      for (const [name, fields] of Object.entries(table)) {
        if (this.messages.has(name)) throw new Error(`protobuf schema: message ${name} is defined twice`);
        const parsed = new Map<number, FieldSpec>();
        for (const [num, text] of Object.entries(fields)) parsed.set(Number(num), parseField(text));
        this.messages.set(name, { name: `${group} ${name}`, fields: parsed });
      }
    }
    for (const msg of this.messages.values()) {
      for (const [num, f] of msg.fields) {
        if (f.value.kind === 'message' && !this.messages.has(f.value.type)) throw new Error(`protobuf schema: ${msg.name} field ${num} refers to unknown message ${f.value.type}`);
        if (f.json === '' && (f.value.kind !== 'message' || f.shape !== 'single')) throw new Error(`protobuf schema: ${msg.name} field ${num}: only a single message can be inline`);
      }
    }
  }

  message(name: string): MessageSpec {
    const m = this.messages.get(name);
    if (m === undefined) throw new Error(`protobuf schema: no message ${name}`);
    return m;
  }

  has(name: string): boolean {
    return this.messages.has(name);
  }

  names(): readonly string[] {
    return [...this.messages.keys()];
  }
}
