/**
 * JSON Schema (draft 2020-12, as OpenAPI 3.1 uses) derived from io-ts codecs, so the
 * REST document and the agent tools' argument schemas come from the codecs that
 * actually decode the input.
 */
import type * as t from 'io-ts';

export type JsonSchema = { [key: string]: unknown };

/** Codecs may carry documentation the converter puts into the schema. */
const annotations = new WeakMap<t.Mixed, JsonSchema>();

/**
 * A copy of `codec` that carries a description, example or extra keywords (pattern,
 * maxLength, ...) in its JSON Schema. The codec itself is left alone: annotating a shared
 * codec such as `t.string` in place put one field's description on every string field.
 */
export const annotate = <C extends t.Mixed>(codec: C, extra: JsonSchema): C => {
  // io-ts codecs keep their state in own properties (name, is, validate, props, ...) and
  // their methods on the prototype, so a shallow copy with the same prototype decodes the same.
  const copy = Object.assign(Object.create(Object.getPrototypeOf(codec) as object) as C, codec);
  annotations.set(copy, { ...annotations.get(codec), ...extra });
  return copy;
};

interface Tagged {
  readonly _tag?: string;
  readonly name: string;
}

const withAnnotations = (codec: t.Mixed, schema: JsonSchema): JsonSchema => {
  const extra = annotations.get(codec);
  return extra ? { ...schema, ...extra } : schema;
};

export function toJsonSchema(codec: t.Mixed): JsonSchema {
  return withAnnotations(codec, convert(codec));
}

function convert(codec: t.Mixed): JsonSchema {
  const c = codec as unknown as Tagged & Record<string, unknown>;
  switch (c._tag) {
    case 'StringType':
      return { type: 'string' };
    case 'NumberType':
      return { type: 'number' };
    case 'BooleanType':
      return { type: 'boolean' };
    case 'NullType':
      return { type: 'null' };
    case 'UnknownType':
    case 'AnyType':
      return {};
    case 'UnknownRecordType':
    case 'AnyDictionaryType':
      return { type: 'object' };
    case 'UnknownArrayType':
    case 'AnyArrayType':
      return { type: 'array' };
    case 'LiteralType':
      return { const: c['value'] };
    case 'KeyofType':
      return { type: 'string', enum: Object.keys(c['keys'] as object) };
    case 'RefinementType': {
      const inner = toJsonSchema(c['type'] as t.Mixed);
      if (c.name === 'Int') return { ...inner, type: 'integer' };
      return inner;
    }
    case 'ReadonlyType':
    case 'ExactType':
      return toJsonSchema(c['type'] as t.Mixed);
    case 'ArrayType':
    case 'ReadonlyArrayType':
      return { type: 'array', items: toJsonSchema(c['type'] as t.Mixed) };
    case 'DictionaryType':
      return { type: 'object', additionalProperties: toJsonSchema(c['codomain'] as t.Mixed) };
    case 'InterfaceType':
    case 'StrictType':
      return objectSchema(c['props'] as Record<string, t.Mixed>, true);
    case 'PartialType':
      return objectSchema(c['props'] as Record<string, t.Mixed>, false);
    case 'IntersectionType':
      return mergeObjects((c['types'] as t.Mixed[]).map(toJsonSchema));
    case 'UnionType': {
      const members = (c['types'] as t.Mixed[]).map(toJsonSchema);
      const consts = members.map((m) => m['const']);
      if (consts.every((v) => v !== undefined)) return { enum: consts };
      return { anyOf: members };
    }
    default:
      // Custom types (t.Type instances) carry their schema through `annotate`.
      return {};
  }
}

function objectSchema(props: Record<string, t.Mixed>, required: boolean): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const requiredKeys: string[] = [];
  for (const [key, codec] of Object.entries(props)) {
    properties[key] = toJsonSchema(codec);
    if (required && !acceptsUndefined(codec)) requiredKeys.push(key);
  }
  return {
    type: 'object',
    properties,
    ...(requiredKeys.length > 0 ? { required: requiredKeys } : {}),
    additionalProperties: false,
  };
}

function acceptsUndefined(codec: t.Mixed): boolean {
  return codec.is(undefined);
}

function mergeObjects(parts: JsonSchema[]): JsonSchema {
  if (!parts.every((p) => p['type'] === 'object')) return { allOf: parts };
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const p of parts) {
    Object.assign(properties, p['properties']);
    required.push(...((p['required'] as string[] | undefined) ?? []));
  }
  return {
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
  };
}
