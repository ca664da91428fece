export { parseProtobufBody } from './body-parser.js';
export { decodeKubernetesProtobuf, PROTOBUF_MEDIA_TYPE, readEnvelope, ROOT_KINDS, SCHEMA, type UnknownEnvelope } from './envelope.js';
export { MessageDecoder, type Json } from './decode.js';
export { parseField, Schema, type FieldSpec, type MessageSpec, type MessageTable, type ScalarType, type SpecialType, type ValueType } from './schema.js';
export { ProtobufMalformedError, ProtobufUnsupportedError, WireReader, type FieldHeader, type WireType } from './wire.js';
