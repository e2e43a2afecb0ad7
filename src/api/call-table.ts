import { commandName, type CallSpec } from './call.js';

/** The README's reference table of API calls, generated from their definitions. */
export function callTable(specs: readonly CallSpec[]): string {
  const rows = specs.map((spec) => {
    const what = spec.stream
      ? `${spec.summary}; \`${spec.stream.flag}=true\` streams (SSE)`
      : spec.summary;
    return `| \`${spec.name}\` | \`debyard ${commandName(spec)}\` | ${spec.method} | ${spec.access} | ${escapeCell(what)} |`;
  });
  return ['| call | command | method | access | what |', '|---|---|---|---|---|', ...rows].join(
    '\n',
  );
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}
