// The OpenAPI 3.1 document, generated from the same route declarations that validate requests.
import { z } from 'zod';
import { MAX_PURPOSE, type RouteSpec } from './http.js';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function parameters(schema: z.ZodType | undefined, location: 'path' | 'query') {
  if (!schema || !(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => ({
    name,
    in: location,
    required: location === 'path' || !field.safeParse(undefined).success,
    ...(field.description ? { description: field.description } : {}),
    schema: jsonSchema(field, 'input'),
  }));
}

const operationId = (spec: RouteSpec) =>
  spec.method +
  spec.path
    .split('/')
    .filter((s) => s && s !== 'v1')
    .map((s) => s.replace(/^:/, 'by-'))
    .join('-')
    .replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());

export function buildOpenApi(routes: RouteSpec[], info: { title: string; version: string; description?: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of routes) {
    const path = spec.path.replace(/:(\w+)/g, '{$1}');
    const responses = Object.fromEntries(
      Object.entries(spec.responses).map(([status, r]) => [
        status,
        {
          description: r.description,
          ...(r.headers
            ? { headers: Object.fromEntries(Object.entries(r.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }])) }
            : {}),
          ...(r.schema
            ? {
                content: {
                  [r.contentType ?? 'application/json']: { schema: jsonSchema(r.schema, 'output') },
                  ...Object.fromEntries(
                    Object.entries(r.alternatives ?? {}).map(([type, description]) => [type, { schema: { type: 'string', description } }]),
                  ),
                },
              }
            : {}),
        },
      ]),
    );
    const bodyOptional = spec.body ? spec.body.safeParse(undefined).success : true;
    (paths[path] ??= {})[spec.method] = {
      operationId: operationId(spec),
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      tags: spec.tags,
      security: spec.roles ? [{ bearerAuth: [] }] : [],
      ...(spec.roles ? { 'x-roles': spec.roles } : {}),
      parameters: [
        ...parameters(spec.params, 'path'),
        ...parameters(spec.query, 'query'),
        ...(spec.purpose
          ? [
              {
                name: 'X-Purpose',
                in: 'header',
                required: true,
                description: 'why the caller reads this personal data; recorded in the audit log',
                schema: { type: 'string', minLength: 1, maxLength: MAX_PURPOSE, pattern: '\\S' },
              },
            ]
          : []),
        ...Object.entries(spec.requestHeaders ?? {}).map(([name, header]) => {
          const { description, pattern } = typeof header === 'string' ? { description: header, pattern: undefined } : header;
          return { name, in: 'header', required: false, description, schema: { type: 'string', ...(pattern ? { pattern } : {}) } };
        }),
      ],
      ...(spec.body
        ? {
            requestBody: {
              required: !bodyOptional,
              content: {
                'application/json': { schema: jsonSchema(spec.body, 'input') },
                ...Object.fromEntries(
                  Object.entries(spec.uploads ?? {}).map(([type, description]) => [type, { schema: { type: 'string', format: 'binary', description } }]),
                ),
              },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'claims: sub, name?, role (officer | supervisor | auditor | admin), country (CN KH LA MM TH VN), exp',
        },
      },
    },
  };
}
