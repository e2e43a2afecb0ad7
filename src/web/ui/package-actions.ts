import type { Access, CallSpec } from '../../api/call.js';
import type { ChangeView } from '../../api/specs/archive-changes.js';
import { migrateCall, removeCall } from '../../api/specs/archive-changes.js';
import { cancelCall, retryCall, type BuildSummary } from '../../api/specs/builds.js';
import { portCall, type InternalUploadView } from '../../api/specs/internal-uploads.js';

type Fields = Record<string, string>;

/** One action of the package page: a form field set, its call, its question and answer. */
export interface PackageAction {
  name: string;
  label: string;
  access: Access;
  spec: CallSpec;
  /** The form fields it takes (besides the package name from the URL). */
  fields: readonly string[];
  input(name: string, fields: Fields): Record<string, unknown>;
  /** What the confirmation asks. */
  question(name: string, fields: Fields): string;
  /** What the page says after it worked. */
  notice(output: unknown): string;
}

/** A form number as the call's integer input; anything else is left for the call to refuse. */
function integer(value: string | undefined): unknown {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : value;
}

const changes = (o: unknown) =>
  (o as { changes: ChangeView[] }).changes
    .map((c) => `${c.source} ${c.version} migrated to ${c.distribution}.`)
    .join(' ') || 'Nothing to migrate.';

const uploads = (o: unknown) =>
  (o as InternalUploadView[])
    .map(
      (u) =>
        `${u.source} ${u.version} for ${u.distribution}: ${u.state}${u.reasons.length ? ` (${u.reasons.join('; ')})` : ''}.`,
    )
    .join(' ');

/** migrate, port, retry, cancel (staff) and remove (admin), run through their API calls. */
export const PACKAGE_ACTIONS: readonly PackageAction[] = [
  {
    name: 'migrate',
    label: 'Migrate',
    access: 'staff',
    spec: migrateCall,
    fields: ['distribution', 'full'],
    input: (name, f) => ({ package: name, distribution: f.distribution, full: f.full === 'yes' }),
    question: (name, f) =>
      `Migrate ${name} from ${f.distribution} to the next suite${f.full === 'yes' ? ' and along the whole chain' : ''}?`,
    notice: changes,
  },
  {
    name: 'port',
    label: 'Port',
    access: 'staff',
    spec: portCall,
    fields: ['distribution', 'to'],
    input: (name, f) => ({ package: name, distribution: f.distribution, to: f.to }),
    question: (name, f) =>
      `Port ${name} from ${f.distribution} to ${f.to ?? '(no target given)'}? It is rebuilt there.`,
    notice: uploads,
  },
  {
    name: 'remove',
    label: 'Remove',
    access: 'admin',
    spec: removeCall,
    fields: ['distribution', 'rollback'],
    input: (name, f) => ({
      package: name,
      distribution: f.distribution,
      rollback: f.rollback !== 'no',
    }),
    question: (name, f) =>
      `Remove ${name} from ${f.distribution}${f.rollback === 'no' ? ' for good (no rollback)' : ' (kept in its rollbacks)'}?`,
    notice: (o) => {
      const c = o as ChangeView & { keptIn: string | null };
      return `${c.source} ${c.version} removed from ${c.distribution}${c.keptIn ? ` (kept in ${c.keptIn})` : ''}.`;
    },
  },
  {
    name: 'retry',
    label: 'Retry',
    access: 'staff',
    spec: retryCall,
    fields: ['upload'],
    input: (_name, f) => ({ upload: integer(f.upload) }),
    question: (name, f) => `Build upload ${f.upload} of ${name} again?`,
    notice: (o) => {
      const r = o as { upload: number; state: string; builds: { id: number }[] };
      return r.state === 'RETRIED'
        ? `Upload ${r.upload} goes through the incoming's checks again.`
        : `Upload ${r.upload}: queued builds ${r.builds.map((b) => b.id).join(', ')}.`;
    },
  },
  {
    name: 'cancel',
    label: 'Cancel',
    access: 'staff',
    spec: cancelCall,
    fields: ['build'],
    input: (_name, f) => ({ build: integer(f.build) }),
    question: (name, f) => `Cancel build ${f.build} of ${name}?`,
    notice: (o) =>
      (o as { builds: BuildSummary[] }).builds.map((b) => `Build ${b.id} is ${b.state}.`).join(' '),
  },
];

/** The action's fields from a form body: trimmed, non-empty strings only. */
export function actionFields(action: PackageAction, body: unknown): Fields {
  const fields: Fields = {};
  for (const field of action.fields) {
    const value = (body as Record<string, unknown> | undefined)?.[field];
    if (typeof value === 'string' && value.trim() !== '') fields[field] = value.trim();
  }
  return fields;
}
