import { z } from 'zod';
import { defineCall } from '../call.js';

/** Whether the FTP incoming takes uploads (also part of `status`). */
export interface IncomingStateView {
  paused: boolean;
  since: string | null;
  by: string | null;
  reason: string | null;
}

export const formatIncomingState = (s: IncomingStateView): string =>
  s.paused
    ? `incoming paused since ${s.since} by ${s.by}${s.reason ? ` (${s.reason})` : ''}: FTP uploads are refused`
    : 'incoming open: FTP uploads are taken';

export const incomingPauseCall = defineCall({
  name: 'incoming_pause',
  method: 'POST',
  access: 'admin',
  summary: 'Pause the incoming: FTP refuses new uploads (450)',
  description:
    'Uploads already being sent finish, and complete uploads are still checked; new files are refused with FTP reply 450 and the reason. The pause lasts, across restarts, until incoming-resume; status shows it.',
  input: z
    .object({
      reason: z
        .string()
        .trim()
        .max(200, 'at most 200 characters')
        .optional()
        .describe('Why, shown to uploaders in the FTP reply, e.g. "maintenance until 14:00"'),
    })
    .strict(),
  positional: ['reason'],
  format: formatIncomingState,
  examples: [['debyard incoming-pause "disk replacement"', 'stop taking uploads for a while']],
});

export const incomingResumeCall = defineCall({
  name: 'incoming_resume',
  method: 'POST',
  access: 'admin',
  summary: 'Resume a paused incoming: FTP takes uploads again',
  input: z.object({}).strict(),
  format: formatIncomingState,
});
