import { z } from 'zod';
import { defineCall } from '../call.js';

export interface DputConfOutput {
  /** The dput.cf stanzas, ready to append to ~/.dput.cf. */
  dputConf: string;
  /** The host and FTP port they point at. */
  host: string;
  port: number;
}

export const dputConfCall = defineCall({
  name: 'dput_conf',
  method: 'GET',
  access: 'anonymous',
  summary: 'Print the dput.cf stanzas for uploading with dput',
  description:
    'Over HTTP the call answers text/plain (the stanzas as they go into ~/.dput.cf) unless the request accepts only JSON. One stanza uploads signed packages to any repository; repositories that take unsigned uploads get their own stanza with allow_unsigned_uploads = 1.',
  input: z
    .object({
      name: z
        .string()
        .regex(
          /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
          'must be letters, digits, dots, dashes and underscores',
        )
        .optional()
        .describe(
          'What the stanzas are called: NAME for signed uploads, NAME-<repo> for unsigned ones [default: debyard-<identity>]',
        ),
    })
    .strict(),
  format: (output: DputConfOutput) => output.dputConf.trimEnd(),
  examples: [
    ['debyard dput-conf >> ~/.dput.cf', 'set up dput and dput-ng'],
    ['curl http://builds.example.org:8066/api/v1/dput_conf >> ~/.dput.cf', 'the same with curl'],
    ['debyard dput-conf --name builds >> ~/.dput.cf', 'stanzas [builds] and [builds-test]'],
  ],
});
