import type * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { hasScope, missingScope, openCaller, type Caller, type Scope } from '../domain/caller.js';
import { decodeStrictWith } from '../domain/decode.js';
import { AppError } from '../domain/errors.js';
import { parseIdempotencyKey, requestFingerprint, IDEMPOTENCY_KEY_MAX_LENGTH } from '../domain/idempotency.js';
import { toJsonSchema, type JsonSchema } from '../domain/json-schema.js';
import type { TenantId } from '../domain/tenant.js';
import { groupOf, type BoundOperation } from './catalog/operation.js';
import type { IdempotentWrites } from './idempotency.js';
import { boundResultJson, TRUNCATION_FIELDS } from './result-bound.js';

/** The argument every write tool takes besides its operation's input: the REST routes' Idempotency-Key. */
export const IDEMPOTENCY_ARGUMENT = 'idempotency_key';

const IDEMPOTENCY_ARGUMENT_SCHEMA: JsonSchema = {
  type: 'string',
  minLength: 1,
  maxLength: IDEMPOTENCY_KEY_MAX_LENGTH,
  pattern: '^[\\x20-\\x7E]+$',
  description:
    'Optional. A unique key (a UUID) that makes the call safe to retry: a repeat with the same key and arguments answers the first result without writing again (kept IDEMPOTENCY_TTL_HOURS); the same key with other arguments is refused.',
};

/** A write tool's arguments schema gains the optional idempotency_key. */
const withIdempotencyArgument = (schema: JsonSchema): JsonSchema => {
  const properties = schema['properties'] as Record<string, JsonSchema> | undefined;
  return properties ? { ...schema, properties: { ...properties, [IDEMPOTENCY_ARGUMENT]: IDEMPOTENCY_ARGUMENT_SCHEMA } } : schema;
};

/** A catalog operation as agents see it (`GET /connectors/tools`, MCP `tools/list`). */
export interface ToolDescription {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  /** The JSON Schema of the arguments: the operation's input codec. */
  readonly input_schema: JsonSchema;
  /** The JSON Schema of the result: the operation's output codec. */
  readonly output_schema: JsonSchema;
  readonly read_only: boolean;
  /** Deletes or overwrites what exists. */
  readonly destructive: boolean;
  /** Repeating the call with the same arguments changes nothing more. */
  readonly idempotent: boolean;
}

/** A tool's result schema: the operation's output, which may also say it was cut to TOOL_RESULT_MAX_BYTES. */
export const toolOutputSchema = (spec: BoundOperation['spec']): JsonSchema => {
  const schema = toJsonSchema(spec.output);
  const properties = schema['properties'] as Record<string, JsonSchema> | undefined;
  return properties ? { ...schema, properties: { ...properties, ...TRUNCATION_FIELDS } } : schema;
};

/** A tool's arguments schema: the operation's input, and for a write the optional idempotency_key. */
export const toolInputSchema = (spec: BoundOperation['spec']): JsonSchema =>
  spec.writes ? withIdempotencyArgument(toJsonSchema(spec.input)) : toJsonSchema(spec.input);

export const describeTool = ({ spec }: BoundOperation): ToolDescription => ({
  name: spec.name,
  title: spec.title,
  description: spec.summary,
  input_schema: toolInputSchema(spec),
  output_schema: toolOutputSchema(spec),
  read_only: !spec.writes,
  destructive: spec.destructive ?? false,
  idempotent: spec.idempotent ?? !spec.writes,
});

/**
 * Lists and runs the catalog's operations as tools for a tenant: the one place the
 * read-only switch is enforced, for `tools/invoke` and MCP alike. Arguments are decoded by
 * the same exact codec as the REST route.
 */
/** A tool's answer: its name and result, with the result's JSON text when bounding it produced one (MCP sends it as the text content). */
export interface ToolOutcome {
  readonly tool: string;
  readonly result: unknown;
  readonly json?: string;
}

export class InvokeTool {
  private readonly byName: ReadonlyMap<string, BoundOperation>;
  private readonly decoders: ReadonlyMap<string, (args: unknown) => E.Either<AppError, unknown>>;
  /** The tools' descriptions, made on the first listing (their JSON schemas are about 1 ms of start-up). */
  private described: readonly ToolDescription[] | undefined;

  private readonly offered: ReadonlySet<string>;

  constructor(
    private readonly ports: {
      operations: readonly BoundOperation[];
      readOnly: boolean;
      /** Tool names and groups (`jira_read`, ...) to offer; empty or absent: all of them. */
      enabled?: readonly string[];
      /** TOOL_RESULT_MAX_BYTES: longer results are cut (absent: never). */
      maxResultBytes?: number;
      /** Runs write tools given an idempotency_key once per tenant and key; absent: the argument is refused. */
      idempotency?: IdempotentWrites;
    },
  ) {
    this.byName = new Map(ports.operations.map((o) => [o.spec.name, o]));
    this.decoders = new Map(ports.operations.map((o) => [o.spec.name, decodeStrictWith(o.spec.input, 'arguments')]));
    const enabled = new Set(ports.enabled ?? []);
    this.offered = new Set(
      ports.operations.filter((o) => enabled.size === 0 || enabled.has(o.spec.name) || enabled.has(groupOf(o.spec))).map((o) => o.spec.name),
    );
  }

  private get listed(): readonly ToolDescription[] {
    return (this.described ??= this.ports.operations.filter((o) => this.offered.has(o.spec.name) && !(this.ports.readOnly && o.spec.writes)).map(describeTool));
  }

  /** The tools offered; with a caller, only those its scopes allow (a read-only key sees the read tools). */
  list(caller?: Pick<Caller, 'scopes'>): readonly ToolDescription[] {
    if (!caller) return this.listed;
    return this.listed.filter((d) => hasScope(caller, d.read_only ? 'read' : 'write'));
  }

  /** Whether a tool of this name exists, listed or hidden by read-only mode. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Runs a tool for a tenant with every scope (open mode, the stdio MCP server of one tenant). */
  execute(tenantId: TenantId, name: string, args: unknown): TE.TaskEither<AppError, ToolOutcome> {
    return this.executeAs(openCaller(tenantId), name, args);
  }

  /** Runs a tool for a caller: its tenant, refused (403 naming the scope) when its scopes do not allow the tool. */
  executeAs(caller: Caller, name: string, args: unknown, requestId?: string): TE.TaskEither<AppError, ToolOutcome> {
    const { tenantId } = caller;
    const operation = this.byName.get(name);
    const decode = this.decoders.get(name);
    if (!operation || !decode) return TE.left(AppError.notFound(`Unknown tool; available: ${this.listed.map((d) => d.name).join(', ')}.`));
    if (!this.offered.has(name)) {
      return TE.left(AppError.forbidden(`${name} is not among the tools this service offers (TOOLS_ENABLED).`));
    }
    if (this.ports.readOnly && operation.spec.writes) {
      return TE.left(AppError.forbidden(`${name} writes to Atlassian and this service runs with TOOLS_READ_ONLY=true.`));
    }
    const needed: Scope = operation.spec.writes ? 'write' : 'read';
    const refused = missingScope(caller, needed, `The tool ${name}`);
    if (refused) return TE.left(refused);
    const { key, rest } = splitIdempotencyKey(operation.spec.writes, args ?? {});
    const idempotency = this.ports.idempotency;
    return pipe(
      TE.fromEither(decode(rest)),
      TE.flatMap((decoded) => {
        const run = () => operation.execute(tenantId, decoded, { caller, requestId });
        if (key === undefined) return run();
        if (!idempotency) return TE.left(AppError.validation(`${IDEMPOTENCY_ARGUMENT} is not supported by this service.`));
        return pipe(
          TE.fromEither(parseIdempotencyKey(key, `The argument ${IDEMPOTENCY_ARGUMENT}`)),
          TE.flatMap((k) => idempotency.run(tenantId, k, requestFingerprint(name, decoded), run)),
          TE.flatMap(({ outcome }) => TE.fromEither(outcome)),
        );
      }),
      TE.map((result): ToolOutcome => {
        if (this.ports.maxResultBytes === undefined) return { tool: name, result };
        const bounded = boundResultJson(result, this.ports.maxResultBytes);
        return { tool: name, result: bounded.value, ...(bounded.json === undefined ? {} : { json: bounded.json }) };
      }),
    );
  }
}

/** A write tool's idempotency_key, taken out of its arguments (a read tool keeps it, and its codec refuses it). */
const splitIdempotencyKey = (writes: boolean, args: unknown): { key?: unknown; rest: unknown } => {
  if (!writes || typeof args !== 'object' || args === null || Array.isArray(args) || !(IDEMPOTENCY_ARGUMENT in args)) return { rest: args };
  const { [IDEMPOTENCY_ARGUMENT]: key, ...rest } = args as Record<string, unknown>;
  return { key, rest };
};
