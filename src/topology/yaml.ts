import { parseAllDocuments, parseDocument, type YAMLError } from 'yaml';
import { InputError } from '../lib/index.js';

/** `file:line:col: message` for the first YAML syntax error, as compilers print them. */
function yamlError(e: YAMLError, file: string): InputError {
  const pos = e.linePos?.[0];
  const where = pos === undefined ? file : `${file}:${pos.line}:${pos.col}`;
  // The yaml package appends a code excerpt after a blank line; keep only the sentence, the position says where.
  const firstLine = e.message.split('\n')[0] ?? e.message;
  let sentence = firstLine.replace(/ at line \d+, column \d+:?$/, '');
  if (sentence.startsWith('Source contains multiple documents')) sentence = 'a topology file holds one YAML document, found a second one';
  return new InputError('KW_TOPOLOGY_YAML', `malformed YAML: ${sentence}`, { where });
}

/** Parses a single-document YAML file (duplicate keys are errors, as in YAML 1.2). */
export function parseYamlDocument(text: string, file: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const err = doc.errors[0];
  if (err !== undefined) throw yamlError(err, file);
  return doc.toJS({ maxAliasCount: 1000 });
}

/** One document of a multi-document stream, numbered from 1 in file order (empty ones count). */
export interface YamlDocumentValue {
  readonly document: number;
  readonly value: unknown;
}

/** Parses a `---`-separated stream, as `kubectl apply -f` reads manifests; null documents are kept as null. */
export function parseYamlStream(text: string, file: string): YamlDocumentValue[] {
  const docs = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true });
  if (!Array.isArray(docs)) {
    // An empty stream (only comments) comes back as an EmptyStream.
    return [];
  }
  const out: YamlDocumentValue[] = [];
  docs.forEach((d, i) => {
    const err = d.errors[0];
    if (err !== undefined) throw yamlError(err, file);
    out.push({ document: i + 1, value: d.toJS({ maxAliasCount: 1000 }) });
  });
  return out;
}
