import type { Request } from 'express';
import type { Requester } from '../../incoming/requester.js';
import type { KeyringPackages } from '../../own-uploads/keyring-packages.js';
import type { PortOutcome, Ports } from '../../own-uploads/ports.js';
import type { TestPackages } from '../../own-uploads/test-packages.js';
import { implement, type CallImplementation, type Principal } from '../api-router.js';
import {
  keyringPackageCall,
  portCall,
  portExtCall,
  testPackagesCall,
  type InternalUploadView,
} from '../specs/internal-uploads.js';

export interface InternalUploadRoutesDeps {
  ports: Pick<Ports, 'port' | 'portFetched'>;
  keyring: Pick<KeyringPackages, 'upload'>;
  testPackages: Pick<TestPackages, 'upload'>;
  /** Base URL clients reach the daemon at (for the keyring's sources); null: the request's. */
  publicUrl: string | null;
  /** Uploads, once asked for, are made even if the client goes away. */
  shutdown: AbortSignal;
}

const view = (o: PortOutcome): InternalUploadView => ({
  source: o.source,
  version: o.version,
  distribution: o.distribution,
  state: o.state,
  uploadId: o.uploadId,
  reasons: o.reasons,
  changes: o.changes,
});

/** The API user as the requester of the daemon's uploads (its role decides where to). */
const requesterOf = (principal: Principal): Requester =>
  principal.user === null
    ? { kind: 'anonymous' }
    : { kind: 'user', name: principal.user, role: principal.role };

/**
 * port, port_ext, keyring_package, test_packages: uploads the daemon makes itself, each
 * for the API user who asked.
 */
export function internalUploadRoutes(deps: InternalUploadRoutesDeps): CallImplementation[] {
  const baseUrl = (req: Request) =>
    (deps.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost:8066'}`).replace(
      /\/+$/,
      '',
    );
  return [
    implement(portCall, async (input, { principal }) =>
      (
        await deps.ports.port(
          {
            source: input.package,
            from: input.distribution,
            to: input.to,
            requester: requesterOf(principal),
            requestedBy: principal.user,
          },
          deps.shutdown,
        )
      ).map(view),
    ),
    implement(portExtCall, async (input, { principal }) =>
      (
        await deps.ports.portFetched(
          {
            url: input.url,
            text: input.dsc,
            base: input.files_url,
            to: input.to,
            requester: requesterOf(principal),
            requestedBy: principal.user,
          },
          deps.shutdown,
        )
      ).map(view),
    ),
    implement(keyringPackageCall, async (input, { request, principal }) =>
      (
        await deps.keyring.upload(
          { repository: input.repo, baseUrl: baseUrl(request), requester: requesterOf(principal) },
          deps.shutdown,
        )
      ).map(view),
    ),
    implement(testPackagesCall, async (input, { principal }) =>
      (
        await deps.testPackages.upload(
          {
            distribution: input.distribution,
            packages: input.packages,
            waitSeconds: input.wait,
            requester: requesterOf(principal),
          },
          deps.shutdown,
        )
      ).map((o) => ({ ...view(o), result: o.result, expected: o.expected, ok: o.ok })),
    ),
  ];
}
