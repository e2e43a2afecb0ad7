import type { CallContext } from './api-router.js';

/**
 * Answers plain text unless the client asked for JSON (the CLI does), so `curl` output
 * can go straight into a file; returns the JSON answer for the API router otherwise.
 */
export function textOr<T>(context: CallContext, text: string, json: T, type = 'text/plain'): T {
  if (context.request.accepts([type, 'json']) !== 'json') {
    context.response.type(type).send(text);
  }
  return json;
}
