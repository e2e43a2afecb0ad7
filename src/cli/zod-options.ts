import type { Options } from 'yargs';
import { z } from 'zod';

/** The yargs option for one field of a call's input schema. */
export function optionOf(schema: z.ZodTypeAny): Options {
  const description = schema.description;
  const inner = unwrap(schema);
  const base: Options = { describe: description, demandOption: !isOptional(schema) };
  if (inner instanceof z.ZodNumber) return { ...base, type: 'number' };
  if (inner instanceof z.ZodBoolean) return { ...base, type: 'boolean' };
  if (inner instanceof z.ZodEnum)
    return { ...base, type: 'string', choices: inner.options as string[] };
  if (inner instanceof z.ZodArray) return { ...base, type: 'array', string: true };
  return { ...base, type: 'string' };
}

/** The fields of an object schema, or none for other schemas. */
export function fieldsOf(schema: z.ZodTypeAny): Record<string, z.ZodTypeAny> {
  const inner = unwrap(schema);
  return inner instanceof z.ZodObject ? (inner.shape as Record<string, z.ZodTypeAny>) : {};
}

function isOptional(schema: z.ZodTypeAny): boolean {
  return schema.isOptional() || schema instanceof z.ZodDefault;
}

/** Strips optional/default/nullable/effects wrappers to reach the value's own type. */
export function unwrap(schema: z.ZodTypeAny): z.ZodTypeAny {
  let current = schema;
  for (let i = 0; i < 10; i++) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodNullable)
      current = current.unwrap();
    else if (current instanceof z.ZodDefault) current = current.removeDefault();
    else if (current instanceof z.ZodEffects) current = current.innerType();
    else break;
  }
  return current;
}
